//! `JoinHandle::cancel`: the cancellation rules, one test per rule, and
//! `is_cancelled`. (`catch_cancel` and `shield` are in `catch_cancel.rs`.)

mod support;

use futures_channel::oneshot;
use runtime::task::{is_cancelled, yield_now, JoinHandle};
use std::time::{Duration, Instant};
use support::{block_on, wait_until, Counter, Flag, NotifyOnDrop, Tracked};

/// Rule 1: `cancel()` schedules an idle task (nothing else will ever wake
/// it), works from another thread, and calling it twice is harmless.
#[test]
fn cancel_from_another_thread_schedules_an_idle_task() {
    let drops = Counter::new();
    let polls = Counter::new();
    let (drops2, polls2) = (drops.clone(), polls.clone());
    // One worker, so `settle` can tell when the task is idle.
    block_on("cancel_idle_from_thread", 1, move || async move {
        // The sender stays alive: only the cancellation can wake the task.
        let (_never_tx, never_rx) = oneshot::channel::<()>();
        let (started_tx, started_rx) = oneshot::channel();
        let handle = runtime::spawn(Tracked::new(
            async move {
                started_tx.send(()).unwrap();
                let _ = never_rx.await;
                unreachable!("the task was woken by something other than the cancellation");
            },
            &polls2,
            &drops2,
        ));
        started_rx.await.unwrap();
        support::settle().await; // the task's poll has returned: it is idle
        assert!(!handle.is_finished());
        std::thread::scope(|s| {
            s.spawn(|| {
                handle.cancel();
                handle.cancel();
            });
        });
        let err = handle.await.unwrap_err();
        assert!(err.is_cancelled(), "expected cancelled, got {err:?}");
        assert!(!err.is_panic());
        // A third cancel, after the handle resolved, is harmless too.
    });
    assert_eq!(drops.get(), 1, "the future must be dropped exactly once");
    assert_eq!(polls.get(), 1, "the cancelled future was polled again");
}

/// Rule 1: `cancel()` never blocks, even while the task is in the middle of
/// a poll on another worker (and rule 4: that poll is not interrupted).
#[test]
fn cancel_does_not_block_or_interrupt_a_running_poll() {
    let drops = Counter::new();
    let drops2 = drops.clone();
    let (work_done, after_yield) = (Flag::new(), Flag::new());
    let (work_done2, after_yield2) = (work_done.clone(), after_yield.clone());
    block_on("cancel_running_poll", 2, move || async move {
        let (in_poll_tx, in_poll_rx) = std::sync::mpsc::channel();
        let release = Flag::new();
        let release2 = release.clone();
        let guard = drops2.guard();
        let handle = runtime::spawn(async move {
            let _guard = guard;
            in_poll_tx.send(()).unwrap();
            // Spin inside this poll until the canceller is done.
            wait_until("the canceller released the task", || release2.get());
            work_done2.set();
            yield_now().await;
            after_yield2.set();
        });
        let handle_ref = &handle;
        std::thread::scope(|s| {
            s.spawn(move || {
                in_poll_rx
                    .recv_timeout(support::WAIT)
                    .expect("the task never started");
                // If cancel() waited for the poll to end, this would deadlock.
                let handle = handle_ref;
                handle.cancel();
                handle.cancel();
                release.set();
            });
        });
        let err = handle.await.unwrap_err();
        assert!(err.is_cancelled(), "expected cancelled, got {err:?}");
    });
    assert!(work_done.get(), "the poll in progress was interrupted");
    assert!(
        !after_yield.get(),
        "the task ran past its next await after cancel()"
    );
    assert_eq!(drops.get(), 1);
}

/// Rule 2: the next poll turns the request into the result: the future is
/// dropped, not polled again, and the handle yields a cancelled error.
#[test]
fn next_poll_drops_the_future_without_polling_it() {
    let drops = Counter::new();
    let polls = Counter::new();
    let (drops2, polls2) = (drops.clone(), polls.clone());
    block_on("cancel_drops_future", 1, move || async move {
        let (started_tx, started_rx) = oneshot::channel();
        let handle = runtime::spawn(Tracked::new(
            async move {
                started_tx.send(()).unwrap();
                std::future::pending::<u32>().await
            },
            &polls2,
            &drops2,
        ));
        started_rx.await.unwrap();
        support::settle().await; // idle: only the cancel can schedule it
        assert_eq!(drops2.get(), 0);
        handle.cancel();
        let err = handle.await.unwrap_err();
        assert!(err.is_cancelled(), "expected cancelled, got {err:?}");
        assert!(!err.is_panic());
        assert_eq!(drops2.get(), 1, "dropped when the handle resolved");
    });
    assert_eq!(polls.get(), 1, "the cancelled future was polled again");
    assert_eq!(drops.get(), 1);
}

/// Rule 2: a task cancelled before its first poll never runs at all.
#[test]
fn cancel_before_the_first_poll_never_runs_the_body() {
    let drops = Counter::new();
    let ran = Flag::new();
    let (drops2, ran2) = (drops.clone(), ran.clone());
    block_on("cancel_before_first_poll", 1, move || async move {
        // Keep the only worker busy so the victim stays queued.
        let (busy_tx, busy_rx) = std::sync::mpsc::channel();
        let release = Flag::new();
        let release2 = release.clone();
        let blocker = runtime::spawn(async move {
            busy_tx.send(()).unwrap();
            wait_until("the blocker is released", || release2.get());
        });
        busy_rx
            .recv_timeout(support::WAIT)
            .expect("blocker never ran");
        let guard = drops2.guard();
        let victim = runtime::spawn(async move {
            let _guard = guard;
            ran2.set();
        });
        victim.cancel();
        release.set();
        blocker.await.unwrap();
        let err = victim.await.unwrap_err();
        assert!(err.is_cancelled(), "expected cancelled, got {err:?}");
    });
    assert!(!ran.get(), "a task cancelled before it started ran anyway");
    assert_eq!(drops.get(), 1);
}

/// Rule 3: a task waiting for something that never comes finishes as
/// cancelled promptly.
#[test]
fn cancel_is_prompt_for_a_task_that_never_completes() {
    let drops = Counter::new();
    let drops2 = drops.clone();
    let elapsed = block_on("cancel_prompt", 1, move || async move {
        let (started_tx, started_rx) = oneshot::channel();
        let guard = drops2.guard();
        let handle = runtime::spawn(async move {
            let _guard = guard;
            started_tx.send(()).unwrap();
            std::future::pending::<()>().await;
        });
        started_rx.await.unwrap();
        support::settle().await; // idle: only the cancel can schedule it
        let start = Instant::now();
        handle.cancel();
        let err = handle.await.unwrap_err();
        assert!(err.is_cancelled());
        start.elapsed()
    });
    assert!(
        elapsed < Duration::from_secs(5),
        "cancelling an idle task took {elapsed:?}"
    );
    assert_eq!(drops.get(), 1);
}

/// Rule 4: `cancel()` called from inside the task's own poll does not cut
/// that poll short; it takes effect at the next poll.
#[test]
fn cancel_from_inside_the_tasks_own_poll_takes_effect_at_the_next_await() {
    let (work_done, after_yield, flag_seen) = (Flag::new(), Flag::new(), Flag::new());
    let (work_done2, after_yield2, flag_seen2) =
        (work_done.clone(), after_yield.clone(), flag_seen.clone());
    block_on("cancel_self", 2, move || async move {
        let (me_tx, me_rx) = oneshot::channel::<JoinHandle<()>>();
        let (notify, dropped) = NotifyOnDrop::new();
        let handle = runtime::spawn(async move {
            let _notify = notify;
            let me = me_rx.await.unwrap();
            me.cancel();
            // Still in the same poll: this runs.
            if is_cancelled() {
                flag_seen2.set();
            }
            work_done2.set();
            yield_now().await;
            after_yield2.set();
            drop(me);
        });
        me_tx.send(handle).unwrap();
        dropped.await.expect("the task's future was never dropped");
    });
    assert!(
        work_done.get(),
        "the poll that called cancel() was cut short"
    );
    assert!(
        flag_seen.get(),
        "is_cancelled() was false right after cancel()"
    );
    assert!(
        !after_yield.get(),
        "the cancellation was not delivered at the next await"
    );
}

/// Rule 5: `cancel()` after completion changes nothing.
#[test]
fn cancel_after_completion_keeps_the_value() {
    block_on("cancel_after_completion", 2, || async {
        let handle = runtime::spawn(async { String::from("done") });
        wait_until("the task finished", || handle.is_finished());
        handle.cancel();
        handle.cancel();
        assert!(handle.is_finished());
        assert_eq!(handle.await.unwrap(), "done");
    });
}

/// A task can cancel another; a cancelled task is reported as finished.
#[test]
fn a_task_can_cancel_another() {
    let drops = Counter::new();
    let drops2 = drops.clone();
    block_on("task_cancels_task", 2, move || async move {
        let (started_tx, started_rx) = oneshot::channel();
        let guard = drops2.guard();
        let victim = runtime::spawn(async move {
            let _guard = guard;
            started_tx.send(()).unwrap();
            std::future::pending::<()>().await;
        });
        let canceller = runtime::spawn(async move {
            started_rx.await.unwrap();
            victim.cancel();
            let err = victim.await.unwrap_err();
            assert!(err.is_cancelled());
        });
        canceller.await.unwrap();
    });
    assert_eq!(drops.get(), 1);
}

/// Many busy tasks (each waking itself) cancelled from other threads while
/// they run: each is dropped exactly once and reports cancelled.
#[test]
fn cancelling_many_running_tasks_concurrently() {
    const N: usize = 1000;
    let drops = Counter::new();
    let drops2 = drops.clone();
    block_on("cancel_many", 2, move || async move {
        let started = Counter::new();
        let handles: Vec<JoinHandle<()>> = (0..N)
            .map(|_| {
                let guard = drops2.guard();
                let started = started.clone();
                runtime::spawn(async move {
                    let _guard = guard;
                    started.incr();
                    loop {
                        yield_now().await;
                    }
                })
            })
            .collect();
        wait_until("every task started", || started.get() == N);
        std::thread::scope(|s| {
            for chunk in handles.chunks(N / 4) {
                s.spawn(move || {
                    for h in chunk {
                        h.cancel();
                    }
                });
            }
        });
        for handle in handles {
            assert!(handle.await.unwrap_err().is_cancelled());
        }
        assert_eq!(drops2.get(), N);
    });
    assert_eq!(drops.get(), N);
}

/// Rule 8: `is_cancelled` is false outside a task and before cancel(),
/// true after it (here observed inside `catch_cancel` cleanup).
#[test]
fn is_cancelled_before_and_after_cancel_and_outside_a_task() {
    assert!(!is_cancelled(), "true on a plain thread");
    block_on("is_cancelled", 2, || async {
        assert!(!is_cancelled(), "true inside block_on, which is not a task");
        let (started_tx, started_rx) = oneshot::channel();
        let (report_tx, report_rx) = oneshot::channel();
        let handle = runtime::spawn(async move {
            let before = is_cancelled();
            started_tx.send(()).unwrap();
            let caught = runtime::task::catch_cancel(std::future::pending::<()>()).await;
            let after = is_cancelled();
            yield_now().await;
            let after_await = is_cancelled();
            report_tx
                .send((before, caught.is_err(), after, after_await))
                .unwrap();
        });
        // A task that is not cancelled sees false, even while another is.
        let bystander = runtime::spawn(async { is_cancelled() });
        started_rx.await.unwrap();
        handle.cancel();
        let (before, caught, after, after_await) = report_rx.await.unwrap();
        assert!(!before, "is_cancelled() was true before cancel()");
        assert!(caught, "catch_cancel did not receive the cancellation");
        assert!(after, "is_cancelled() was false in the cleanup");
        assert!(
            after_await,
            "is_cancelled() was false after an await in the cleanup"
        );
        assert!(handle.await.unwrap_err().is_cancelled());
        assert!(!bystander.await.unwrap());
        assert!(!is_cancelled());
    });
}
