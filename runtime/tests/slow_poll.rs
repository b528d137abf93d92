//! `Builder::slow_poll_threshold`: a poll longer than the threshold is
//! logged (through the `log` facade, captured here by a test logger) with
//! the task's id, name, duration and spawn location, and counted.
//!
//! The blocking tasks here call `std::thread::sleep` inside a poll on
//! purpose: a blocked worker is the behaviour under test.

mod support;

use runtime::task::{self, Id};
use runtime::{Builder, Runtime};
use std::sync::{Mutex, Once};
use std::time::Duration;
use support::watchdog;

/// One captured log record.
#[derive(Debug, Clone)]
struct Record {
    level: log::Level,
    target: String,
    message: String,
}

static RECORDS: Mutex<Vec<Record>> = Mutex::new(Vec::new());

/// Keeps every record; tests run in parallel in this process, so each
/// looks only at the records of its own tasks (ids are unique).
struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        RECORDS.lock().unwrap().push(Record {
            level: record.level(),
            target: record.target().to_owned(),
            message: record.args().to_string(),
        });
    }

    fn flush(&self) {}
}

fn install_logger() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        log::set_logger(&Capture).expect("no other logger in this test binary");
        log::set_max_level(log::LevelFilter::Trace);
    });
}

/// The slow-poll reports about task `id`.
fn reports_about(id: Id) -> Vec<Record> {
    let needle = format!("task {id} ");
    RECORDS
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.target == "runtime::slow_poll" && r.message.contains(&needle))
        .cloned()
        .collect()
}

fn with_threshold(threshold: Duration) -> Runtime {
    Builder::new()
        .worker_threads(2)
        .slow_poll_threshold(threshold)
        .build()
        .unwrap()
}

/// Blocks its worker for `d` in its only poll.
async fn blocks_for(d: Duration) {
    std::thread::sleep(d);
}

#[test]
fn a_blocking_poll_is_reported_with_name_and_location() {
    install_logger();
    watchdog("slow_poll_reported", || {
        let rt = with_threshold(Duration::from_millis(50));
        let (task, line) = rt.block_on(async {
            let builder = task::Builder::new().name("blocker");
            let line = line!() + 1;
            let task = builder.spawn(blocks_for(Duration::from_millis(150)));
            (task, line)
        });
        let id = task.id();
        rt.block_on(task).unwrap();

        let reports = reports_about(id);
        assert_eq!(reports.len(), 1, "{reports:#?}");
        let report = &reports[0];
        assert_eq!(report.level, log::Level::Warn);
        let message = &report.message;
        assert!(
            message.contains(&format!("task {id} \"blocker\"")),
            "{message}"
        );
        assert!(
            message.contains(&format!("{}:{}:", file!(), line)),
            "{message}"
        );
        assert!(message.contains("threshold 50ms"), "{message}");
        assert!(message.contains("took "), "{message}");

        let m = rt.handle().metrics();
        assert_eq!(m.total_slow_polls(), 1, "{m}");
    });
}

#[test]
fn an_unnamed_task_is_reported_by_id_and_location() {
    install_logger();
    watchdog("slow_poll_unnamed", || {
        let rt = with_threshold(Duration::from_millis(20));
        let line = line!() + 1;
        let task = rt.spawn(blocks_for(Duration::from_millis(60)));
        let id = task.id();
        rt.block_on(task).unwrap();
        let reports = reports_about(id);
        assert_eq!(reports.len(), 1, "{reports:#?}");
        let message = &reports[0].message;
        assert!(message.contains(&format!("task {id} took ")), "{message}");
        assert!(
            message.contains(&format!("{}:{}:", file!(), line)),
            "{message}"
        );
    });
}

#[test]
fn only_the_slow_poll_of_a_task_is_reported() {
    install_logger();
    watchdog("slow_poll_once", || {
        // A wide margin both ways: a fast poll preempted on a loaded
        // machine must not look slow.
        let rt = with_threshold(Duration::from_millis(200));
        let task = rt.spawn(async {
            for _ in 0..5 {
                task::yield_now().await; // fast polls
            }
            blocks_for(Duration::from_millis(400)).await; // one slow poll
            for _ in 0..5 {
                task::yield_now().await;
            }
        });
        let id = task.id();
        rt.block_on(task).unwrap();
        assert_eq!(reports_about(id).len(), 1);
        assert_eq!(rt.handle().metrics().total_slow_polls(), 1);
    });
}

#[test]
fn fast_polls_are_not_reported() {
    install_logger();
    watchdog("slow_poll_fast", || {
        // Generous: no poll below can come near it, even on a loaded machine.
        let rt = with_threshold(Duration::from_secs(5));
        let tasks: Vec<_> = (0..200)
            .map(|i| {
                rt.spawn(async move {
                    task::yield_now().await;
                    i
                })
            })
            .collect();
        let ids: Vec<_> = tasks.iter().map(|t| t.id()).collect();
        rt.block_on(async {
            for t in tasks {
                t.await.unwrap();
            }
        });
        assert!(ids.iter().all(|id| reports_about(*id).is_empty()));
        assert_eq!(rt.handle().metrics().total_slow_polls(), 0);
    });
}

#[test]
fn off_by_default() {
    install_logger();
    watchdog("slow_poll_off", || {
        let rt = support::runtime(1);
        let task = rt.spawn(blocks_for(Duration::from_millis(60)));
        let id = task.id();
        rt.block_on(task).unwrap();
        assert!(reports_about(id).is_empty());
        assert_eq!(rt.handle().metrics().total_slow_polls(), 0);
    });
}
