//! Shutdown from the edges of a runtime's life (issue 11, items 1 to 4):
//! dropped from inside one of its own tasks, user code that waits during
//! shutdown, spawns from destructors, and workers blocked past
//! `shutdown_timeout`.
//!
//! Each test failed (hung, leaked or panicked) before the fix it covers.

mod support;

use runtime::{Builder, Handle, Runtime};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};
use support::{watchdog, Counter, DropGuard};

/// Threads of this process whose name starts with `prefix` (Linux:
/// `/proc/self/task/*/comm`, truncated to 15 bytes by the kernel).
fn threads_named(prefix: &str) -> usize {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .filter(|name| name.trim_end().starts_with(prefix))
        .count()
}

fn named_runtime(workers: usize, name: &str) -> Runtime {
    Builder::new()
        .worker_threads(workers)
        .thread_name(name)
        .build()
        .expect("failed to build a runtime")
}

/// A future that never completes and counts its drop.
async fn pending_with(guard: DropGuard) {
    let _guard = guard;
    std::future::pending::<()>().await;
}

/// Item 1: a runtime dropped from inside one of its own tasks panics with
/// advice, and still ends: every task is cancelled and dropped exactly
/// once, its worker threads exit, and later spawns resolve as cancelled.
#[test]
fn a_runtime_dropped_inside_its_own_task_still_shuts_down() {
    watchdog("drop_inside_own_task", || {
        const NAME: &str = "lc-own-drop";
        let rt = named_runtime(2, NAME);
        let handle = rt.handle().clone();
        let drops = Counter::new();
        let idle: Vec<_> = (0..20)
            .map(|_| handle.spawn(pending_with(drops.guard())))
            .collect();
        let slot = Arc::new(Mutex::new(Some(rt)));
        let killer = handle.spawn(async move {
            let rt = slot.lock().unwrap().take();
            drop(rt);
        });
        let err = futures::executor::block_on(killer).expect_err("dropping did not panic");
        let message = support::panic_message(&*err.into_panic());
        assert!(
            message.contains("own worker threads") && message.contains("shutdown_background"),
            "unexpected advice: {message}"
        );
        support::wait_until("every idle task was dropped", || drops.get() == 20);
        for task in idle {
            let err = futures::executor::block_on(task).unwrap_err();
            assert!(err.is_cancelled());
        }
        support::wait_until("the worker threads exited", || threads_named(NAME) == 0);
        assert_eq!(drops.get(), 20, "a task was dropped twice");

        let late_drops = Counter::new();
        let late = handle.spawn(pending_with(late_drops.guard()));
        assert!(futures::executor::block_on(late)
            .unwrap_err()
            .is_cancelled());
        assert_eq!(late_drops.get(), 1);
    });
}

/// Item 1, from a task's destructor running on a worker: the same.
#[test]
fn a_runtime_dropped_in_a_destructor_on_its_worker_still_shuts_down() {
    watchdog("drop_in_destructor_on_worker", || {
        const NAME: &str = "lc-dtor-drop";
        struct DropsRuntime(Option<Runtime>);
        impl Drop for DropsRuntime {
            fn drop(&mut self) {
                // Panics with advice; the task's result shows it.
                drop(self.0.take());
            }
        }
        let rt = named_runtime(1, NAME);
        let handle = rt.handle().clone();
        let drops = Counter::new();
        let other = handle.spawn(pending_with(drops.guard()));
        let holder = DropsRuntime(Some(rt));
        let task = handle.spawn(async move {
            let _holder = holder;
        });
        let err = futures::executor::block_on(task).unwrap_err();
        assert!(err.is_panic());
        assert!(futures::executor::block_on(other)
            .unwrap_err()
            .is_cancelled());
        assert_eq!(drops.get(), 1);
        support::wait_until("the worker thread exited", || threads_named(NAME) == 0);
    });
}

/// Item 2: a destructor that waits on a timer or a socket while the
/// runtime shuts down never hangs the drop: the wait fails with a message
/// (the drivers are shut down before the futures are dropped).
#[test]
fn a_destructor_waiting_on_timers_or_sockets_during_shutdown_does_not_hang() {
    watchdog("destructor_waits_during_shutdown", || {
        struct WaitsInDrop {
            handle: Handle,
            listener: Option<runtime::net::TcpListener>,
            outcome: mpsc::Sender<(bool, bool)>,
        }
        impl Drop for WaitsInDrop {
            fn drop(&mut self) {
                let handle = self.handle.clone();
                let slept = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    handle.block_on(async {
                        runtime::time::sleep(Duration::from_millis(20)).await;
                    })
                }));
                let listener = self.listener.take().unwrap();
                let accepted = handle.block_on(async move { listener.accept().await });
                let _ = self.outcome.send((slept.is_ok(), accepted.is_ok()));
            }
        }
        let rt = support::runtime(2);
        let (tx, rx) = mpsc::channel();
        let listener = rt
            .block_on(runtime::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let guard = WaitsInDrop {
            handle: rt.handle().clone(),
            listener: Some(listener),
            outcome: tx,
        };
        let (started_tx, started_rx) = mpsc::channel();
        drop(rt.spawn(async move {
            let _guard = guard;
            started_tx.send(()).unwrap();
            std::future::pending::<()>().await;
        }));
        started_rx.recv().unwrap();
        drop(rt);
        let (slept, accepted) = rx
            .recv_timeout(support::WAIT)
            .expect("the destructor never finished");
        assert!(
            !slept,
            "the timer cannot be driven any more; it must fail, not complete"
        );
        assert!(!accepted, "the accept must fail with an error");
    });
}

/// Item 3: spawning from a destructor that runs during shutdown returns a
/// handle that resolves as cancelled; the spawned future is dropped,
/// never polled.
#[test]
fn spawning_from_a_destructor_during_shutdown_resolves_cancelled() {
    watchdog("spawn_from_destructor", || {
        type Handles = (
            runtime::task::JoinHandle<()>,
            runtime::task::JoinHandle<()>,
            runtime::task::JoinHandle<()>,
        );
        struct SpawnsInDrop {
            handle: Handle,
            polls: Counter,
            drops: Counter,
            out: mpsc::Sender<Handles>,
        }
        impl Drop for SpawnsInDrop {
            fn drop(&mut self) {
                let future = |polls: &Counter, drops: &Counter| {
                    support::Tracked::new(std::future::pending::<()>(), polls, drops)
                };
                let a = runtime::spawn(future(&self.polls, &self.drops));
                let b = self.handle.spawn(future(&self.polls, &self.drops));
                let polls = self.polls.clone();
                let guard = self.drops.guard();
                let c = runtime::spawn_blocking(move || {
                    polls.incr();
                    drop(guard);
                });
                let _ = self.out.send((a, b, c));
            }
        }
        let rt = support::runtime(2);
        let (tx, rx) = mpsc::channel();
        let (polls, drops) = (Counter::new(), Counter::new());
        let guard = SpawnsInDrop {
            handle: rt.handle().clone(),
            polls: polls.clone(),
            drops: drops.clone(),
            out: tx,
        };
        let (started_tx, started_rx) = mpsc::channel();
        drop(rt.spawn(async move {
            let _guard = guard;
            started_tx.send(()).unwrap();
            std::future::pending::<()>().await;
        }));
        started_rx.recv().unwrap();
        drop(rt);
        let (a, b, c) = rx.recv_timeout(support::WAIT).expect("no spawn happened");
        for task in [a, b, c] {
            assert!(task.is_finished());
            assert!(futures::executor::block_on(task)
                .unwrap_err()
                .is_cancelled());
        }
        assert_eq!(
            polls.get(),
            0,
            "a future spawned during shutdown was polled"
        );
        assert_eq!(
            drops.get(),
            3,
            "each spawned future is dropped exactly once"
        );
    });
}

/// Item 4: `shutdown_timeout` returns within about its timeout even when a
/// task blocks its worker; the blocked worker completes its task when it
/// gets control back, and exits.
#[test]
fn shutdown_timeout_returns_while_a_worker_is_blocked() {
    watchdog("shutdown_timeout_blocked_worker", || {
        const NAME: &str = "lc-blocked";
        const BLOCK: Duration = Duration::from_millis(1500);
        let rt = named_runtime(2, NAME);
        let (started_tx, started_rx) = mpsc::channel();
        let drops = Counter::new();
        let guard = drops.guard();
        let blocked = rt.spawn(async move {
            let _guard = guard;
            started_tx.send(()).unwrap();
            std::thread::sleep(BLOCK); // don't: blocks the worker
            std::future::pending::<()>().await;
        });
        let idle_drops = Counter::new();
        let idle = rt.spawn(pending_with(idle_drops.guard()));
        started_rx.recv().unwrap();
        let start = Instant::now();
        rt.shutdown_timeout(Duration::from_millis(100));
        let took = start.elapsed();
        assert!(
            took < BLOCK - Duration::from_millis(500),
            "shutdown_timeout(100ms) took {took:?}: it waited for the blocked worker"
        );
        assert!(futures::executor::block_on(idle)
            .unwrap_err()
            .is_cancelled());
        assert_eq!(idle_drops.get(), 1);
        // The blocked task is completed once its worker gets control back.
        assert!(futures::executor::block_on(blocked)
            .unwrap_err()
            .is_cancelled());
        assert_eq!(drops.get(), 1);
        support::wait_until("the blocked worker exited", || threads_named(NAME) == 0);
    });
}

/// Item 4: `shutdown_background` returns at once, even with a blocked
/// worker, and every task still ends up cancelled and dropped once.
#[test]
fn shutdown_background_returns_at_once() {
    watchdog("shutdown_background", || {
        const NAME: &str = "lc-background";
        const BLOCK: Duration = Duration::from_millis(1500);
        let rt = named_runtime(2, NAME);
        let handle = rt.handle().clone();
        let (started_tx, started_rx) = mpsc::channel();
        drop(rt.spawn(async move {
            started_tx.send(()).unwrap();
            std::thread::sleep(BLOCK);
        }));
        let drops = Counter::new();
        let idle: Vec<_> = (0..10)
            .map(|_| rt.spawn(pending_with(drops.guard())))
            .collect();
        started_rx.recv().unwrap();
        let start = Instant::now();
        rt.shutdown_background();
        let took = start.elapsed();
        assert!(
            took < BLOCK - Duration::from_millis(500),
            "shutdown_background took {took:?}"
        );
        for task in idle {
            assert!(futures::executor::block_on(task)
                .unwrap_err()
                .is_cancelled());
        }
        assert_eq!(drops.get(), 10);
        assert!(futures::executor::block_on(handle.spawn(async {}))
            .unwrap_err()
            .is_cancelled());
        support::wait_until("the workers exited", || threads_named(NAME) == 0);
    });
}

/// `shutdown_background` is the way to end a runtime from inside one of its
/// own tasks: it does not panic there, and the runtime still ends.
#[test]
fn shutdown_background_inside_its_own_task_does_not_panic() {
    watchdog("shutdown_background_inside", || {
        const NAME: &str = "lc-bg-inside";
        let rt = named_runtime(2, NAME);
        let handle = rt.handle().clone();
        let drops = Counter::new();
        let idle = handle.spawn(pending_with(drops.guard()));
        let slot = Arc::new(Mutex::new(Some(rt)));
        let task = handle.spawn(async move {
            let rt = slot.lock().unwrap().take().unwrap();
            rt.shutdown_background();
            "returned"
        });
        assert_eq!(futures::executor::block_on(task).unwrap(), "returned");
        assert!(futures::executor::block_on(idle)
            .unwrap_err()
            .is_cancelled());
        assert_eq!(drops.get(), 1);
        support::wait_until("the workers exited", || threads_named(NAME) == 0);
    });
}

/// A task that owns its runtime and panics drops the runtime during the
/// unwind: that must not be a second panic (which would abort the
/// process), and the runtime still ends.
#[test]
fn a_panicking_task_that_owns_its_runtime_does_not_abort() {
    watchdog("panicking_owner", || {
        const NAME: &str = "lc-panic-owner";
        let rt = named_runtime(1, NAME);
        let handle = rt.handle().clone();
        let drops = Counter::new();
        let idle = handle.spawn(pending_with(drops.guard()));
        let task = handle.spawn(async move {
            let _rt = rt;
            runtime::task::yield_now().await;
            panic!("the owner fails");
        });
        assert!(futures::executor::block_on(task).unwrap_err().is_panic());
        assert!(futures::executor::block_on(idle)
            .unwrap_err()
            .is_cancelled());
        assert_eq!(drops.get(), 1);
        support::wait_until("the worker exited", || threads_named(NAME) == 0);
    });
}

/// A task still queued on a worker when the shutdown begins is dropped
/// after the drivers shut down too (not by the exiting worker while they
/// still run): its destructor's wait on a timer fails instead of hanging.
#[test]
fn a_queued_task_waiting_on_a_timer_in_its_destructor_does_not_hang_the_drop() {
    watchdog("queued_destructor_timer", || {
        struct WaitsInDrop(mpsc::Sender<bool>);
        impl Drop for WaitsInDrop {
            fn drop(&mut self) {
                let slept = std::panic::catch_unwind(|| {
                    futures::executor::block_on(runtime::time::sleep(Duration::from_millis(50)))
                });
                let _ = self.0.send(slept.is_ok());
            }
        }
        let rt = support::runtime(1);
        let (outcome_tx, outcome_rx) = mpsc::channel();
        let (b_tx, b_rx) = futures_channel::oneshot::channel::<()>();
        let (c_tx, c_rx) = futures_channel::oneshot::channel::<()>();
        let guard = WaitsInDrop(outcome_tx);
        // B and C wait; A wakes B then C (C takes the LIFO slot, B goes to
        // the worker's queue), then blocks the worker while we drop.
        drop(rt.spawn(async move {
            let _guard = guard;
            let _ = b_rx.await;
            std::future::pending::<()>().await;
        }));
        drop(rt.spawn(async move {
            let _ = c_rx.await;
        }));
        let (blocking_tx, blocking_rx) = mpsc::channel();
        drop(rt.spawn(async move {
            b_tx.send(()).unwrap();
            c_tx.send(()).unwrap();
            blocking_tx.send(()).unwrap();
            std::thread::sleep(Duration::from_millis(300));
        }));
        blocking_rx.recv().unwrap();
        drop(rt);
        let slept = outcome_rx
            .recv_timeout(support::WAIT)
            .expect("the destructor never finished");
        assert!(!slept, "the timer cannot be driven any more; it must fail");
    });
}
