//! Misuse the API docs name that `misuse.rs`, `shutdown.rs`, `panic.rs`
//! and `time_*.rs` do not already cover: each panics (or fails) with a
//! message that says what went wrong and what to do instead.
//!
//! Already covered elsewhere: `spawn` / `spawn_blocking` / `Handle::current`
//! outside a runtime, `block_on` in a task or in `block_on`,
//! `worker_threads(0)`, `max_blocking_threads(0)`, a bad
//! `RUNTIME_WORKER_THREADS`, spawn after shutdown, a zero `interval` /
//! `interval_at` period, `sleep` / `sleep_until` / `timeout` / `interval` /
//! `pause` outside a runtime, pause / resume / advance on a runtime not
//! built paused, pausing twice, resuming or advancing a running clock, a
//! `Sleep` polled after shutdown, `JoinError::into_panic` on a cancellation.

mod support;

use runtime::task::{catch_cancel, JoinHandle};
use runtime::time::{self, interval_at, timeout, timeout_at, Duration, Instant};
use runtime::{Builder, Handle, Runtime};
use std::future::Future;
use std::pin::pin;
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll};
use support::{expect_panic, watchdog};

fn paused() -> Runtime {
    Builder::new()
        .worker_threads(1)
        .start_paused(true)
        .build()
        .unwrap()
}

#[track_caller]
fn assert_mentions(message: &str, needles: &[&str]) {
    for needle in needles {
        assert!(
            message.contains(needle),
            "the message does not mention {needle:?}: {message:?}"
        );
    }
}

/// A timer created outside a runtime panics with a message that names the
/// function the caller actually called (not the `sleep` it is built on).
#[test]
fn timers_created_outside_a_runtime_name_the_function_called() {
    type Case = (&'static str, Box<dyn Fn()>);
    let cases: [Case; 3] = [
        (
            "timeout",
            Box::new(|| drop(timeout(Duration::from_secs(1), async {}))),
        ),
        (
            "timeout_at",
            Box::new(|| drop(timeout_at(Instant::now(), async {}))),
        ),
        (
            "interval_at",
            Box::new(|| drop(interval_at(Instant::now(), Duration::from_millis(1)))),
        ),
    ];
    let mut wrong = Vec::new();
    for (name, f) in cases {
        let message = expect_panic(name, f);
        assert_mentions(&message, &["outside a runtime", "Handle::enter()"]);
        if !message.contains(&format!(
            "`runtime::time::{name}` was called outside a runtime"
        )) {
            wrong.push(format!("{name}: {message:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "these messages name another function than the one called:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn resume_and_advance_outside_a_runtime_panic_with_a_hint() {
    let message = expect_panic("resume outside a runtime", time::resume);
    assert_mentions(
        &message,
        &["`runtime::time::resume` was called outside a runtime"],
    );
    // `advance` is an async fn: it panics when polled.
    let message = expect_panic("advance outside a runtime", || {
        futures::executor::block_on(time::advance(Duration::from_secs(1)))
    });
    assert_mentions(
        &message,
        &["`runtime::time::advance` was called outside a runtime"],
    );
}

#[test]
fn advancing_past_the_end_of_time_panics_with_a_message() {
    let rt = paused();
    let message = expect_panic("advance(Duration::MAX)", || {
        rt.block_on(time::advance(Duration::MAX))
    });
    assert_mentions(&message, &["runtime::time::advance", "overflow"]);
    // The clock still works.
    rt.block_on(time::advance(Duration::from_secs(1)));
}

/// `block_on` of one runtime on a worker of another panics too: it would
/// stall the worker all the same.
#[test]
fn block_on_of_another_runtime_inside_a_task_panics_with_advice() {
    watchdog("block_on_other_runtime", || {
        let a = support::runtime(1);
        let b = support::runtime(1);
        let b_handle = b.handle().clone();
        let task = a.spawn(async move { b_handle.block_on(async { 1 }) });
        let err = a.block_on(task).unwrap_err();
        assert!(err.is_panic(), "expected a panic, got {err:?}");
        let message = support::panic_message(&*err.into_panic());
        assert_mentions(&message, &["block_on", ".await", "spawn_blocking"]);
        // Both runtimes still work.
        assert_eq!(a.block_on(a.spawn(async { 2 })).unwrap(), 2);
        assert_eq!(b.block_on(b.spawn(async { 3 })).unwrap(), 3);
    });
}

/// A `Timeout` and an `Interval` polled after their runtime shut down panic,
/// as a `Sleep` does, instead of hanging.
#[test]
fn timeout_and_interval_polled_after_shutdown_panic_instead_of_hanging() {
    let rt = support::runtime(1);
    let (t, mut i) = {
        let _enter = rt.handle().enter();
        (
            timeout(Duration::from_secs(3600), std::future::pending::<()>()),
            time::interval(Duration::from_secs(3600)),
        )
    };
    drop(rt);
    let message = expect_panic("a Timeout polled after shutdown", || {
        futures::executor::block_on(t)
    });
    assert_mentions(&message, &["after its runtime shut down"]);
    let message = expect_panic("an Interval ticked after shutdown", || {
        futures::executor::block_on(i.tick())
    });
    assert_mentions(&message, &["after its runtime shut down"]);
}

/// Polling a `JoinHandle` again after it returned its result panics with a
/// message (the `Future` contract's misuse), rather than returning garbage.
#[test]
fn polling_a_join_handle_after_its_result_panics() {
    watchdog("join_handle_repoll", || {
        let rt = support::runtime(1);
        let mut task: JoinHandle<u32> = rt.spawn(async { 7 });
        let waker = futures::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        support::wait_until("the task finished", || task.is_finished());
        assert!(matches!(
            std::pin::Pin::new(&mut task).poll(&mut cx),
            Poll::Ready(Ok(7))
        ));
        let message = expect_panic("a second poll of the handle", || {
            std::pin::Pin::new(&mut task).poll(&mut cx)
        });
        assert_mentions(
            &message,
            &["JoinHandle polled after it returned its result"],
        );
    });
}

/// Polling a finished `catch_cancel` future again panics with a message.
#[test]
fn polling_catch_cancel_after_completion_panics() {
    let mut frame = pin!(catch_cancel(async { 1 }));
    let waker = futures::task::noop_waker();
    let mut cx = Context::from_waker(&waker);
    assert!(matches!(frame.as_mut().poll(&mut cx), Poll::Ready(Ok(1))));
    let message = expect_panic("a second poll of catch_cancel", || {
        frame.as_mut().poll(&mut cx)
    });
    assert_mentions(&message, &["CatchCancel polled after completion"]);
}

/// Dropping a runtime from one of its own workers would make it wait for
/// itself: it panics with advice instead of deadlocking. (The runtime is
/// left shutting down without its workers joined; it is abandoned here.)
#[test]
fn dropping_a_runtime_on_its_own_worker_panics_with_advice() {
    watchdog("drop_on_own_worker", || {
        let rt = support::runtime(1);
        let handle = rt.handle().clone();
        let slot = Arc::new(Mutex::new(Some(rt)));
        let (tx, rx) = mpsc::channel();
        let slot2 = slot.clone();
        drop(handle.spawn(async move {
            let rt = slot2.lock().unwrap().take();
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(rt)));
            let _ = tx.send(out.map_err(|p| support::panic_message(&*p)));
        }));
        let message = rx
            .recv_timeout(support::WAIT)
            .expect("the task never ran")
            .expect_err("dropping the runtime on its own worker did not panic");
        assert_mentions(&message, &["own worker threads", "spawn_blocking"]);
        // What is left refuses new work instead of hanging.
        let task = handle.spawn(async { 1 });
        assert!(futures::executor::block_on(task)
            .unwrap_err()
            .is_cancelled());
        assert!(Handle::try_current().is_err());
    });
}
