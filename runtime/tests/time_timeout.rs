//! `timeout` and `timeout_at`: the future wins, the deadline wins, and
//! the `Elapsed` error explains itself.

use runtime::time::{self, sleep, timeout, timeout_at, Duration, Elapsed, Instant};
use runtime::{Builder, Runtime};
use std::error::Error;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;

fn runtime() -> Runtime {
    Builder::new().worker_threads(2).build().unwrap()
}

fn paused() -> Runtime {
    Builder::new()
        .worker_threads(2)
        .start_paused(true)
        .build()
        .unwrap()
}

#[test]
fn a_future_that_finishes_in_time_gives_its_output() {
    let rt = runtime();
    rt.block_on(async {
        assert_eq!(timeout(Duration::from_secs(10), async { 7 }).await, Ok(7));
        let slow_but_in_time = timeout(Duration::from_secs(10), async {
            sleep(Duration::from_millis(5)).await;
            "done"
        });
        assert_eq!(slow_but_in_time.await, Ok("done"));
    });
}

#[test]
fn a_future_that_is_too_slow_is_cut_off_no_earlier_than_the_deadline() {
    let rt = runtime();
    rt.block_on(async {
        let d = Duration::from_millis(20);
        let start = Instant::now();
        let out = timeout(d, std::future::pending::<()>()).await;
        let took = start.elapsed();
        assert!(out.is_err());
        assert!(took >= d, "timed out after only {took:?}");
        assert!(
            took < d + Duration::from_secs(2),
            "timed out after {took:?}"
        );
    });
}

#[test]
fn the_inner_future_is_dropped_when_the_time_runs_out() {
    struct SetOnDrop(Arc<AtomicBool>);
    impl Drop for SetOnDrop {
        fn drop(&mut self) {
            self.0.store(true, SeqCst);
        }
    }
    let rt = paused();
    rt.block_on(async {
        let dropped = Arc::new(AtomicBool::new(false));
        let guard = SetOnDrop(dropped.clone());
        let inner = async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        };
        assert!(timeout(Duration::from_secs(1), inner).await.is_err());
        assert!(dropped.load(SeqCst));
    });
}

#[test]
fn an_hour_long_timeout_completes_at_once_on_a_paused_clock() {
    let rt = paused();
    let wall = std::time::Instant::now();
    rt.block_on(async {
        let start = time::now();
        let out = timeout(Duration::from_secs(3600), std::future::pending::<()>()).await;
        assert!(out.is_err());
        assert_eq!(time::now() - start, Duration::from_secs(3600));
    });
    assert!(
        wall.elapsed() < Duration::from_secs(5),
        "took {:?}",
        wall.elapsed()
    );
}

#[test]
fn the_future_wins_when_it_is_ready_at_the_deadline() {
    let rt = paused();
    rt.block_on(async {
        // Both due at the same instant: the future is polled first.
        let out = timeout(Duration::from_secs(5), sleep(Duration::from_secs(5))).await;
        assert_eq!(out, Ok(()));
        let out = timeout(Duration::from_secs(5), sleep(Duration::from_secs(6))).await;
        assert!(out.is_err());
    });
}

#[test]
fn timeout_at_uses_an_absolute_deadline() {
    let rt = paused();
    rt.block_on(async {
        let deadline = time::now() + Duration::from_secs(30);
        let t = timeout_at(deadline, std::future::pending::<()>());
        assert_eq!(t.deadline(), deadline);
        assert!(t.await.is_err());
        assert_eq!(time::now(), deadline);
        // A deadline already passed still lets a ready future through.
        assert_eq!(timeout_at(deadline, async { 1 }).await, Ok(1));
        assert!(timeout_at(deadline, std::future::pending::<()>())
            .await
            .is_err());
    });
}

#[test]
fn timeouts_in_many_tasks_each_fire_at_their_own_deadline() {
    let rt = paused();
    rt.block_on(async {
        let start = time::now();
        let tasks: Vec<_> = (1..=50u64)
            .map(|s| {
                runtime::spawn(async move {
                    let out = timeout(Duration::from_secs(s), std::future::pending::<()>()).await;
                    assert!(out.is_err());
                    time::now()
                })
            })
            .collect();
        for (s, task) in (1..=50u64).zip(tasks) {
            assert_eq!(task.await.unwrap() - start, Duration::from_secs(s));
        }
    });
}

#[test]
fn the_wrapped_future_can_be_reached_and_taken_back() {
    let rt = paused();
    rt.block_on(async {
        let mut t = timeout(Duration::from_secs(1), async { 3 });
        let _: &_ = t.get_ref();
        let _: &mut _ = t.get_mut();
        assert_eq!(t.into_inner().await, 3);
    });
}

#[test]
fn elapsed_explains_itself() {
    let rt = paused();
    let err: Elapsed = rt
        .block_on(async { timeout(Duration::from_millis(1), std::future::pending::<()>()).await })
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("deadline passed before the future completed"),
        "{msg}"
    );
    let boxed: Box<dyn Error + Send + Sync> = Box::new(err);
    assert!(boxed.source().is_none());
    let io: std::io::Error = err.into();
    assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
    assert!(io.to_string().contains("deadline passed"));
}

#[test]
fn timeout_outside_a_runtime_panics_with_a_hint() {
    let err =
        std::panic::catch_unwind(|| drop(timeout(Duration::from_secs(1), async {}))).unwrap_err();
    let msg = err.downcast_ref::<String>().unwrap();
    assert!(msg.contains("called outside a runtime"), "{msg}");
}
