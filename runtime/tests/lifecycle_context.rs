//! Context and teardown at the edges of a task's life (issue 11, items 8
//! to 13): `EnterGuard` order, `task::id()` in an output's destructor, a
//! panicking future dropped during the unwind, `Sleep::is_elapsed`,
//! absurd configuration sizes, and the one cancellation rule.
//!
//! Each test failed before the fix it covers.

mod support;

use runtime::task::{self, TaskGroup};
use runtime::time::{self, Duration};
use runtime::{Builder, WORKER_THREADS_ENV};
use std::future::Future;
use std::pin::pin;
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll};
use support::{expect_panic, watchdog};

/// Item 8: `EnterGuard`s dropped out of order panic with a clear message
/// instead of leaving the wrong runtime current.
#[test]
fn enter_guards_dropped_out_of_order_panic() {
    watchdog("enter_guard_order", || {
        let rt1 = support::runtime(1);
        let rt2 = support::runtime(1);
        // In order: fine, and the outer runtime is current again after.
        {
            let _a = rt1.enter();
            {
                let _b = rt2.enter();
            }
            let current = runtime::Handle::current();
            let id = current
                .block_on(current.spawn(async { task::id() }))
                .unwrap();
            let _ = id;
        }
        assert!(runtime::Handle::try_current().is_err());

        let a = rt1.enter();
        let b = rt2.enter();
        let message = expect_panic("dropping the outer guard first", || drop(a));
        assert!(
            message.contains("out of order") && message.contains("reverse order"),
            "unclear message: {message}"
        );
        drop(b);
    });
}

/// A value that reports `task::try_id()` from its destructor.
struct ReportsId(mpsc::Sender<Option<task::Id>>);

impl Drop for ReportsId {
    fn drop(&mut self) {
        let _ = self.0.send(task::try_id());
    }
}

/// Item 9: `task::id()` works in the destructor of a task's output, when
/// the handle was dropped before completion (the task drops it) and after
/// (the handle drops it).
#[test]
fn task_id_works_in_the_output_destructor() {
    support::block_on("id_in_output_drop", 2, || async {
        // Handle dropped before completion: the task drops its output.
        let (tx, rx) = mpsc::channel();
        let (go_tx, go_rx) = futures_channel::oneshot::channel::<()>();
        let detached = runtime::spawn(async move {
            go_rx.await.unwrap();
            ReportsId(tx)
        });
        let id = detached.id();
        drop(detached);
        go_tx.send(()).unwrap();
        let seen = runtime::spawn_blocking(move || rx.recv_timeout(support::WAIT).unwrap())
            .await
            .unwrap();
        assert_eq!(seen, Some(id));

        // Handle dropped after completion: the handle drops it.
        let (tx, rx) = mpsc::channel();
        let finished = runtime::spawn(async move { ReportsId(tx) });
        let id = finished.id();
        while !finished.is_finished() {
            task::yield_now().await;
        }
        drop(finished);
        assert_eq!(rx.try_recv().unwrap(), Some(id));
    });
}

/// Item 10: a panicking task's future is dropped during the unwind, so its
/// destructors see `std::thread::panicking()`.
#[test]
fn a_panicking_future_is_dropped_during_the_unwind() {
    support::block_on("drop_during_unwind", 1, || async {
        struct SeesPanicking(Arc<Mutex<Option<bool>>>);
        impl Drop for SeesPanicking {
            fn drop(&mut self) {
                *self.0.lock().unwrap() = Some(std::thread::panicking());
            }
        }
        /// Panics on its second poll; owns the guard as a field (not a
        /// local of an async body, which the unwind itself would drop).
        struct PanicsOnSecondPoll {
            _guard: SeesPanicking,
            polled: bool,
        }
        impl Future for PanicsOnSecondPoll {
            type Output = ();
            fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
                if std::mem::replace(&mut self.polled, true) {
                    panic!("boom");
                }
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        }
        let seen = Arc::new(Mutex::new(None));
        let task = runtime::spawn(PanicsOnSecondPoll {
            _guard: SeesPanicking(seen.clone()),
            polled: false,
        });
        assert!(task.await.unwrap_err().is_panic());
        assert_eq!(*seen.lock().unwrap(), Some(true));
    });
}

/// Item 11: `Sleep::is_elapsed` is true only once the timer has fired, not
/// because the deadline is in the past before the first poll.
#[test]
fn sleep_is_elapsed_only_once_fired() {
    watchdog("sleep_is_elapsed", || {
        let rt = Builder::new()
            .worker_threads(1)
            .start_paused(true)
            .build()
            .unwrap();
        rt.block_on(async {
            let mut zero = time::sleep(Duration::ZERO);
            assert!(!zero.is_elapsed(), "never polled: not elapsed");
            (&mut zero).await;
            assert!(zero.is_elapsed());

            let past = time::sleep_until(time::now() - Duration::from_secs(1));
            assert!(!past.is_elapsed());

            // Registered, then the clock moves past it: fired.
            let mut later = pin!(time::sleep(Duration::from_secs(10)));
            let first =
                std::future::poll_fn(|cx: &mut Context<'_>| Poll::Ready(later.as_mut().poll(cx)))
                    .await;
            assert!(first.is_pending());
            assert!(!later.is_elapsed());
            time::advance(Duration::from_secs(10)).await;
            assert!(later.is_elapsed());
            later.await;
        });
    });
}

/// Item 12: absurd sizes are an `InvalidInput` error naming the range,
/// never a capacity panic or an allocation abort.
#[test]
fn absurd_thread_counts_are_an_error_naming_the_range() {
    for n in [usize::MAX, 1 << 40, 32_769] {
        let err = Builder::new().worker_threads(n).build().unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("1 to 32768"), "{err}");
        let err = Builder::new()
            .worker_threads(1)
            .max_blocking_threads(n)
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("1 to 32768"), "{err}");
    }
    // The environment variable: in a child process, so that no other test
    // sees it.
    if std::env::var_os("LIFECYCLE_ENV_CHILD").is_some() {
        let err = Builder::new().build().unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("1 to 32768"), "{err}");
        return;
    }
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "absurd_thread_counts_are_an_error_naming_the_range",
            "--test-threads=1",
        ])
        .env("LIFECYCLE_ENV_CHILD", "1")
        .env(WORKER_THREADS_ENV, "1099511627776")
        .status()
        .unwrap();
    assert!(status.success(), "the child process failed");
}

/// Item 13: a task whose cancellation a task group received reports
/// cancelled when it finishes, even if its body swallows the group's error
/// and returns a value without another await, exactly as a task that
/// received it in `catch_cancel` does.
#[test]
fn a_cancellation_received_by_a_group_reports_cancelled() {
    support::block_on("group_swallowed_cancel", 2, || async {
        let (started_tx, started_rx) = futures_channel::oneshot::channel::<()>();
        let parent = runtime::spawn(async move {
            let result = task::scope(|group: TaskGroup<()>| async move {
                group.spawn(std::future::pending());
                started_tx.send(()).unwrap();
                std::future::pending::<Result<(), ()>>().await
            })
            .await;
            assert!(result.unwrap_err().is_cancelled());
            "swallowed" // no await after the group: the value must not win
        });
        started_rx.await.unwrap();
        parent.cancel();
        assert!(parent.await.unwrap_err().is_cancelled());

        // The same through catch_cancel, for comparison.
        let (started_tx, started_rx) = futures_channel::oneshot::channel::<()>();
        let caught = runtime::spawn(async move {
            started_tx.send(()).unwrap();
            let _ = task::catch_cancel(std::future::pending::<()>()).await;
            "swallowed"
        });
        started_rx.await.unwrap();
        caught.cancel();
        assert!(caught.await.unwrap_err().is_cancelled());
    });
}
