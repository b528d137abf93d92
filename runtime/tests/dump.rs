//! `Handle::dump`: live tasks with their state (idle, scheduled, running),
//! name, spawn location and time since the last poll.
//!
//! Tests that need a task to stay *running* block its worker thread on a
//! synchronous channel on purpose (bounded by a timeout).

mod support;

use runtime::metrics::{TaskDump, TaskState};
use runtime::task::{self, JoinHandle};
use runtime::{Builder, Runtime};
use std::sync::mpsc;
use support::{settle, wait_until, watchdog, WAIT};

fn tracked(workers: usize) -> Runtime {
    Builder::new()
        .worker_threads(workers)
        .enable_task_dump(true)
        .build()
        .unwrap()
}

fn state_of(dump: &TaskDump, task: &JoinHandle<impl Sized>) -> TaskState {
    dump.get(task.id())
        .unwrap_or_else(|| panic!("task {} is not in the dump:\n{dump}", task.id()))
        .state
}

#[test]
fn a_stuck_task_is_idle_with_its_spawn_location() {
    watchdog("dump_stuck", || {
        let rt = tracked(1);
        let line = line!() + 1;
        let stuck = rt.spawn(std::future::pending::<()>());
        // One worker: once a probe queued after it has run, the stuck task's
        // first poll has returned.
        rt.block_on(settle());

        let dump = rt.handle().dump();
        let entry = dump.get(stuck.id()).expect("the stuck task is live");
        assert_eq!(entry.state, TaskState::Idle, "{dump}");
        assert!(!entry.cancelled);
        let location = entry.location.expect("tracking is on");
        assert_eq!((location.file(), location.line()), (file!(), line));
        assert_eq!(entry.polls, Some(1));
        assert!(entry.since_last_poll.is_some(), "{dump}");
        assert_eq!(entry.name, None);

        let text = dump.to_string();
        let row = text
            .lines()
            .skip(2) // the summary and the column names
            .find(|l| l.trim_start().starts_with(&format!("{} ", stuck.id())))
            .unwrap_or_else(|| panic!("no row for the task:\n{text}"));
        assert!(row.contains("idle"), "{row}");
        assert!(row.contains(&format!("{}:{}:", file!(), line)), "{row}");
        assert!(row.contains(" ago"), "{row}");
    });
}

#[test]
fn a_task_inside_its_poll_is_running() {
    watchdog("dump_running", || {
        let rt = tracked(2);
        let (started_tx, started_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let busy = rt.spawn(async move {
            started_tx.send(()).unwrap();
            // Deliberately blocks its worker: the task stays in its poll.
            release_rx.recv_timeout(WAIT).expect("never released");
        });
        started_rx.recv_timeout(WAIT).unwrap();

        let dump = rt.handle().dump();
        assert_eq!(state_of(&dump, &busy), TaskState::Running, "{dump}");
        let entry = dump.get(busy.id()).unwrap();
        assert!(entry.since_last_poll.is_some());
        assert!(dump.to_string().contains("running"));

        release_tx.send(()).unwrap();
        rt.block_on(busy).unwrap();
    });
}

#[test]
fn a_queued_task_is_scheduled() {
    watchdog("dump_scheduled", || {
        let rt = tracked(1);
        let (started_tx, started_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let blocker = rt.spawn(async move {
            started_tx.send(()).unwrap();
            // Blocks the only worker on purpose, so `waiting` stays queued.
            release_rx.recv_timeout(WAIT).expect("never released");
        });
        started_rx.recv_timeout(WAIT).unwrap();
        let waiting = rt.spawn(async {});

        let dump = rt.handle().dump();
        assert_eq!(state_of(&dump, &blocker), TaskState::Running, "{dump}");
        assert_eq!(state_of(&dump, &waiting), TaskState::Scheduled, "{dump}");
        let entry = dump.get(waiting.id()).unwrap();
        assert_eq!(entry.polls, Some(0));
        assert_eq!(entry.since_last_poll, None, "never polled");

        release_tx.send(()).unwrap();
        rt.block_on(blocker).unwrap();
        rt.block_on(waiting).unwrap();
    });
}

#[test]
fn named_tasks_show_their_name() {
    watchdog("dump_named", || {
        let rt = tracked(1);
        let (stuck, line) = rt.block_on(async {
            let builder = task::Builder::new().name("stuck-reader");
            let line = line!() + 1;
            let stuck = builder.spawn(std::future::pending::<()>());
            (stuck, line)
        });
        rt.block_on(settle());
        let dump = rt.handle().dump();
        let entry = dump.get(stuck.id()).unwrap();
        assert_eq!(entry.name.as_deref(), Some("stuck-reader"));
        assert_eq!(entry.state, TaskState::Idle);
        assert_eq!(entry.location.unwrap().line(), line);
        assert!(dump.to_string().contains("stuck-reader"), "{dump}");
    });
}

#[test]
fn cancel_requested_is_shown() {
    watchdog("dump_cancelled", || {
        let rt = tracked(1);
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let (started_tx, started_rx) = mpsc::channel();
        let task = rt.spawn(async move {
            started_tx.send(()).unwrap();
            // Blocks its worker on purpose: the cancellation cannot be
            // delivered before the dump is taken.
            release_rx.recv_timeout(WAIT).expect("never released");
            std::future::pending::<()>().await;
        });
        started_rx.recv_timeout(WAIT).unwrap();
        task.cancel();
        let dump = rt.handle().dump();
        assert!(dump.get(task.id()).unwrap().cancelled, "{dump}");
        assert!(dump.to_string().contains("running*"), "{dump}");
        release_tx.send(()).unwrap();
        assert!(rt.block_on(task).unwrap_err().is_cancelled());
    });
}

#[test]
fn without_tracking_the_dump_has_states_only() {
    watchdog("dump_untracked", || {
        let rt = support::runtime(1);
        let stuck = rt.spawn(std::future::pending::<()>());
        rt.block_on(settle());
        let dump = rt.handle().dump();
        let entry = dump.get(stuck.id()).unwrap();
        assert_eq!(entry.state, TaskState::Idle);
        assert_eq!(entry.location, None);
        assert_eq!(entry.since_last_poll, None);
        assert_eq!(entry.polls, None);
        assert!(dump.to_string().contains("enable_task_dump"), "{dump}");
    });
}

#[test]
fn finished_tasks_leave_the_dump() {
    watchdog("dump_finished", || {
        let rt = tracked(2);
        let tasks: Vec<_> = (0..50).map(|i| rt.spawn(async move { i })).collect();
        let ids: Vec<_> = tasks.iter().map(|t| t.id()).collect();
        rt.block_on(async {
            for t in tasks {
                t.await.unwrap();
            }
        });
        wait_until("the tasks left the task list", || {
            rt.handle().metrics().live_tasks == 0
        });
        let dump = rt.handle().dump();
        assert!(dump.tasks().is_empty(), "{dump}");
        assert!(ids.iter().all(|id| dump.get(*id).is_none()));
        assert!(dump.to_string().starts_with("0 live task(s)"));
    });
}

#[test]
fn the_dump_is_ordered_by_id() {
    watchdog("dump_order", || {
        let rt = tracked(2);
        let tasks: Vec<_> = (0..20)
            .map(|_| rt.spawn(std::future::pending::<()>()))
            .collect();
        let dump = rt.handle().dump();
        let ids: Vec<_> = dump.tasks().iter().map(|t| t.id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
        assert_eq!(ids.len(), tasks.len());
    });
}

#[test]
fn every_spawn_entry_point_records_its_callers_location() {
    watchdog("dump_locations", || {
        let rt = tracked(1);
        let handle = rt.handle().clone();
        let by_handle_line = line!() + 1;
        let by_handle = handle.spawn(std::future::pending::<()>());
        let by_runtime_line = line!() + 1;
        let by_runtime = rt.spawn(std::future::pending::<()>());
        let (set, in_set, in_set_line, by_fn, by_fn_line) = rt.block_on(async {
            let mut set = task::JoinSet::new();
            let in_set_line = line!() + 1;
            let in_set = set.spawn(std::future::pending::<()>());
            let by_fn_line = line!() + 1;
            let by_fn = runtime::spawn(std::future::pending::<()>());
            (set, in_set, in_set_line, by_fn, by_fn_line)
        });
        let dump = handle.dump();
        let line_of = |id| {
            let location = dump.get(id).unwrap().location.unwrap();
            assert_eq!(location.file(), file!());
            location.line()
        };
        assert_eq!(line_of(by_handle.id()), by_handle_line);
        assert_eq!(line_of(by_runtime.id()), by_runtime_line);
        assert_eq!(line_of(in_set), in_set_line);
        assert_eq!(line_of(by_fn.id()), by_fn_line);
        drop(set);
    });
}
