//! Cancellation a task can clean up after: `catch_cancel` (rule 6) and
//! `shield` (rule 7).

mod support;

use futures_channel::oneshot;
use runtime::task::{catch_cancel, is_cancelled, shield, yield_now};
use support::{block_on, Counter, Flag};

/// Rule 6: the inner future is dropped, the task gets `Err(Cancelled)`,
/// runs its asynchronous cleanup to completion, and only then does the
/// handle resolve, still reporting the task cancelled.
#[test]
fn catch_cancel_runs_async_cleanup_then_reports_cancelled() {
    let inner_drops = Counter::new();
    let output_drops = Counter::new();
    let task_drops = Counter::new();
    let cleaned = Flag::new();
    let (inner_drops2, output_drops2, task_drops2, cleaned2) = (
        inner_drops.clone(),
        output_drops.clone(),
        task_drops.clone(),
        cleaned.clone(),
    );
    block_on("catch_cancel_cleanup", 2, move || async move {
        let (started_tx, started_rx) = oneshot::channel();
        let (cleanup_tx, cleanup_rx) = oneshot::channel();
        let (finish_tx, finish_rx) = oneshot::channel::<()>();
        let inner_guard = inner_drops2.guard();
        let task_guard = task_drops2.guard();
        let inner_drops3 = inner_drops2.clone();
        let cleaned3 = cleaned2.clone();
        let handle = runtime::spawn(async move {
            let _task_guard = task_guard;
            started_tx.send(()).unwrap();
            let caught = catch_cancel(async move {
                let _inner_guard = inner_guard;
                std::future::pending::<()>().await;
            })
            .await;
            let err = caught.expect_err("catch_cancel returned Ok for a cancelled task");
            cleanup_tx
                .send((err.to_string(), inner_drops3.get(), is_cancelled()))
                .unwrap();
            // Asynchronous cleanup: awaits work normally now.
            yield_now().await;
            finish_rx.await.expect("the test dropped the finish sender");
            yield_now().await;
            cleaned3.set();
            // The value the task returns is dropped: the handle says cancelled.
            output_drops2.guard()
        });
        started_rx.await.unwrap();
        handle.cancel();
        let (message, inner_dropped, flag) = cleanup_rx
            .await
            .expect("the task was dropped instead of receiving Err(Cancelled)");
        assert!(
            message.contains("cancelled"),
            "Cancelled displays as {message:?}"
        );
        assert_eq!(
            inner_dropped, 1,
            "the inner future was not dropped before cleanup"
        );
        assert!(flag, "is_cancelled() was false during the cleanup");
        assert!(
            !handle.is_finished(),
            "the task finished before its cleanup did"
        );
        assert!(!cleaned2.get());
        finish_tx.send(()).unwrap();
        let err = handle.await.unwrap_err();
        assert!(err.is_cancelled(), "expected cancelled, got {err:?}");
        assert!(
            cleaned2.get(),
            "the handle resolved before the cleanup finished"
        );
    });
    assert_eq!(inner_drops.get(), 1);
    assert_eq!(task_drops.get(), 1);
    assert_eq!(
        output_drops.get(),
        1,
        "the cleaned-up task's output was not dropped once"
    );
}

/// Without a cancellation, `catch_cancel` is transparent, in a task and
/// outside one.
#[test]
fn catch_cancel_passes_the_value_through_when_not_cancelled() {
    block_on("catch_cancel_ok", 2, || async {
        assert_eq!(catch_cancel(async { 5 }).await.unwrap(), 5, "in block_on");
        let task = runtime::spawn(async {
            let a = catch_cancel(async {
                yield_now().await;
                7
            })
            .await;
            let b = catch_cancel(catch_cancel(async { 8 })).await;
            (a.unwrap(), b.unwrap().unwrap())
        });
        assert_eq!(task.await.unwrap(), (7, 8));
    });
}

/// Nested `catch_cancel`: the innermost one receives the cancellation; the
/// outer one then completes normally.
#[test]
fn nested_catch_cancel_innermost_receives_it() {
    let inner_drops = Counter::new();
    let inner_drops2 = inner_drops.clone();
    block_on("nested_catch_cancel", 2, move || async move {
        let (started_tx, started_rx) = oneshot::channel();
        let (report_tx, report_rx) = oneshot::channel();
        let guard = inner_drops2.guard();
        let handle = runtime::spawn(async move {
            let outer = catch_cancel(async move {
                let inner = catch_cancel(async move {
                    let _guard = guard;
                    started_tx.send(()).unwrap();
                    std::future::pending::<()>().await;
                })
                .await;
                // Cleanup inside the outer frame, across several polls.
                for _ in 0..3 {
                    yield_now().await;
                }
                inner.is_err()
            })
            .await;
            report_tx.send(outer.map_err(|c| c.to_string())).unwrap();
        });
        started_rx.await.unwrap();
        handle.cancel();
        let outer = report_rx
            .await
            .expect("the task was dropped: no catch_cancel frame completed");
        assert_eq!(
            outer,
            Ok(true),
            "expected the inner frame to receive the cancellation and the outer to complete"
        );
        assert!(handle.await.unwrap_err().is_cancelled());
    });
    assert_eq!(inner_drops.get(), 1);
}

/// A second `cancel()` during cleanup is not delivered again: later
/// `catch_cancel`s and awaits in the cleanup run normally.
#[test]
fn second_cancel_during_cleanup_is_not_delivered_again() {
    let done = Flag::new();
    let done2 = done.clone();
    block_on("second_cancel", 2, move || async move {
        let (started_tx, started_rx) = oneshot::channel();
        let (cleanup_tx, cleanup_rx) = oneshot::channel();
        let (again_tx, again_rx) = oneshot::channel::<()>();
        let (report_tx, report_rx) = oneshot::channel();
        let handle = runtime::spawn(async move {
            started_tx.send(()).unwrap();
            let first = catch_cancel(std::future::pending::<()>()).await;
            cleanup_tx.send(()).unwrap();
            let second = catch_cancel(async move {
                again_rx.await.unwrap();
                yield_now().await;
                5
            })
            .await;
            yield_now().await;
            report_tx.send((first.is_err(), second.ok())).unwrap();
            done2.set();
        });
        started_rx.await.unwrap();
        handle.cancel();
        cleanup_rx
            .await
            .expect("the first cancellation was not caught");
        handle.cancel();
        handle.cancel();
        again_tx.send(()).unwrap();
        let report = report_rx
            .await
            .expect("the second cancel() ended the task during its cleanup");
        assert_eq!(
            report,
            (true, Some(5)),
            "the second cancel() was delivered again during cleanup"
        );
        assert!(handle.await.unwrap_err().is_cancelled());
    });
    assert!(done.get());
}

/// A task that catches the cancellation and returns at once (no further
/// await) is still reported as cancelled.
#[test]
fn catch_cancel_without_cleanup_awaits_reports_cancelled() {
    block_on("catch_and_return", 2, || async {
        let (started_tx, started_rx) = oneshot::channel();
        let handle = runtime::spawn(async move {
            started_tx.send(()).unwrap();
            catch_cancel(std::future::pending::<u8>())
                .await
                .unwrap_or(9)
        });
        started_rx.await.unwrap();
        handle.cancel();
        let err = handle.await.unwrap_err();
        assert!(err.is_cancelled(), "expected cancelled, got {err:?}");
    });
}

/// Rule 7: a cancel() during a shielded future lets it run to completion
/// (its result is observed); the cancellation lands at the next await.
#[test]
fn shield_runs_to_completion_then_cancellation_lands_at_next_await() {
    let shield_drops = Counter::new();
    let after = Flag::new();
    let (shield_drops2, after2) = (shield_drops.clone(), after.clone());
    block_on("shield", 2, move || async move {
        let (started_tx, started_rx) = oneshot::channel();
        let (proceed_tx, proceed_rx) = oneshot::channel::<()>();
        let (result_tx, result_rx) = oneshot::channel();
        let guard = shield_drops2.guard();
        let handle = runtime::spawn(async move {
            let committed = shield(async move {
                let _guard = guard;
                started_tx.send(()).unwrap();
                // Pending while the cancel arrives.
                proceed_rx.await.unwrap();
                for _ in 0..3 {
                    yield_now().await;
                }
                7
            })
            .await;
            result_tx.send(committed).unwrap();
            yield_now().await;
            after2.set();
            std::future::pending::<()>().await;
        });
        started_rx.await.unwrap();
        handle.cancel();
        proceed_tx
            .send(())
            .expect("the shielded future was dropped by the cancel");
        let committed = result_rx
            .await
            .expect("the shielded future did not run to completion");
        assert_eq!(committed, 7);
        assert!(handle.await.unwrap_err().is_cancelled());
    });
    assert!(
        !after.get(),
        "the cancellation was not delivered at the await after the shield"
    );
    assert_eq!(shield_drops.get(), 1);
}

/// Rule 7 with rule 6: the cancellation held back by a shield is delivered
/// to an enclosing `catch_cancel` once the shield completes.
#[test]
fn cancellation_held_by_shield_reaches_enclosing_catch_cancel() {
    block_on("shield_in_catch", 2, || async {
        let (started_tx, started_rx) = oneshot::channel();
        let (proceed_tx, proceed_rx) = oneshot::channel::<()>();
        let (report_tx, report_rx) = oneshot::channel();
        let handle = runtime::spawn(async move {
            let (value_tx, value_rx) = std::sync::mpsc::channel();
            let caught = catch_cancel(async move {
                let v = shield(async move {
                    started_tx.send(()).unwrap();
                    proceed_rx.await.unwrap();
                    11
                })
                .await;
                value_tx.send(v).unwrap();
                std::future::pending::<()>().await;
            })
            .await;
            report_tx
                .send((value_rx.try_recv().ok(), caught.is_err()))
                .unwrap();
        });
        started_rx.await.unwrap();
        handle.cancel();
        proceed_tx.send(()).unwrap();
        let report = report_rx.await.expect("the task was dropped");
        assert_eq!(report, (Some(11), true));
        assert!(handle.await.unwrap_err().is_cancelled());
    });
}

/// Without a cancellation, `shield` is transparent.
#[test]
fn shield_passes_the_value_through() {
    block_on("shield_ok", 2, || async {
        assert_eq!(shield(async { 1 }).await, 1, "in block_on");
        let task = runtime::spawn(async {
            shield(async {
                yield_now().await;
                2
            })
            .await
        });
        assert_eq!(task.await.unwrap(), 2);
    });
}
