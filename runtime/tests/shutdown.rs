//! Shutdown: dropping the runtime drops every future exactly once;
//! `shutdown_timeout` gives cleanups time; spawning after shutdown resolves
//! as cancelled.

mod support;

use futures::task::Spawn;
use runtime::task::{catch_cancel, yield_now, JoinHandle};
use runtime::Handle;
use std::future::{pending, poll_fn};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};
use support::{runtime, wait_until, watchdog, Counter, Flag, Tracked};

/// Awaits a handle of a runtime that is gone, on this thread.
fn resolve<T>(handle: JoinHandle<T>) -> Result<T, runtime::task::JoinError> {
    futures::executor::block_on(handle)
}

/// Idle tasks (pending forever), detached or not, are dropped exactly once
/// and their handles resolve as cancelled.
#[test]
fn dropping_the_runtime_drops_idle_tasks_once() {
    watchdog("drop_idle", || {
        let rt = runtime(2);
        let drops = Counter::new();
        let started = Counter::new();
        let mut handles = Vec::new();
        let mut senders = Vec::new();
        for i in 0..300 {
            let guard = drops.guard();
            let started = started.clone();
            let (tx, rx) = futures_channel::oneshot::channel::<()>();
            senders.push(tx); // alive: the tasks stay idle
            let handle = rt.spawn(async move {
                let _guard = guard;
                started.incr();
                let _ = rx.await;
                unreachable!("woken by something other than shutdown");
            });
            if i % 2 == 0 {
                handles.push(handle);
            } // else: detached
        }
        wait_until("every task is idle", || started.get() == 300);
        drop(rt);
        assert_eq!(
            drops.get(),
            300,
            "not every idle future was dropped exactly once"
        );
        for handle in handles {
            assert!(handle.is_finished());
            let err = resolve(handle).unwrap_err();
            assert!(err.is_cancelled(), "expected cancelled, got {err:?}");
        }
        assert_eq!(drops.get(), 300);
        drop(senders);
    });
}

/// Tasks queued behind a busy worker, not yet run, are dropped exactly once.
#[test]
fn dropping_the_runtime_drops_queued_tasks_once() {
    watchdog("drop_queued", || {
        let rt = runtime(1);
        let handle = rt.handle().clone();
        let (busy_tx, busy_rx) = std::sync::mpsc::channel();
        let release = Flag::new();
        let release2 = release.clone();
        let blocker = rt.spawn(async move {
            busy_tx.send(()).unwrap();
            wait_until("the blocker is released", || release2.get());
        });
        busy_rx
            .recv_timeout(support::WAIT)
            .expect("blocker never ran");
        let drops = Counter::new();
        let polls = Counter::new();
        let queued: Vec<_> = (0..100)
            .map(|_| rt.spawn(Tracked::new(pending::<()>(), &polls, &drops)))
            .collect();
        // Release the worker once shutdown has begun, so the queued tasks
        // are (almost always) still queued when the runtime stops.
        let releaser = std::thread::spawn(move || {
            wait_until("shutdown began", || handle.status().is_err());
            release.set();
        });
        drop(rt);
        releaser.join().unwrap();
        assert_eq!(
            drops.get(),
            100,
            "not every queued future was dropped exactly once"
        );
        assert!(
            polls.get() <= 100,
            "a queued pending future was polled twice"
        );
        drop(blocker);
        for task in queued {
            assert!(resolve(task).unwrap_err().is_cancelled());
        }
    });
}

/// Wakers held by another thread: waking during and after shutdown is
/// harmless, and each future is still dropped exactly once.
#[test]
fn waking_during_and_after_shutdown_is_harmless() {
    const N: usize = 50;
    watchdog("wake_after_shutdown", || {
        let rt = runtime(2);
        let drops = Counter::new();
        let slots: Vec<Arc<Mutex<Option<Waker>>>> =
            (0..N).map(|_| Arc::new(Mutex::new(None))).collect();
        for slot in &slots {
            let slot = slot.clone();
            let guard = drops.guard();
            drop(rt.spawn(async move {
                let _guard = guard;
                poll_fn(|cx| {
                    *slot.lock().unwrap() = Some(cx.waker().clone());
                    Poll::<()>::Pending
                })
                .await;
            }));
        }
        wait_until("every task stored its waker", || {
            slots.iter().all(|s| s.lock().unwrap().is_some())
        });
        let stop = Flag::new();
        let waker_thread = {
            let stop = stop.clone();
            let wakers: Vec<Waker> = slots
                .iter()
                .map(|s| s.lock().unwrap().clone().unwrap())
                .collect();
            std::thread::spawn(move || {
                let mut rounds = 0u64;
                while !stop.get() {
                    for w in &wakers {
                        w.wake_by_ref();
                    }
                    rounds += 1;
                }
                for w in wakers {
                    w.wake();
                }
                rounds
            })
        };
        drop(rt);
        stop.set();
        waker_thread
            .join()
            .expect("waking during shutdown panicked");
        assert_eq!(drops.get(), N, "not every future was dropped exactly once");
        for slot in &slots {
            let waker = slot.lock().unwrap().take().unwrap();
            waker.wake_by_ref();
            let clone = waker.clone(); // a clone made after shutdown
            clone.wake();
            waker.wake();
        }
        assert_eq!(drops.get(), N);
    });
}

/// `shutdown_timeout`: tasks inside `catch_cancel` run their async cleanup;
/// shutdown returns as soon as they are done, not after the whole timeout.
#[test]
fn shutdown_timeout_lets_catch_cancel_cleanup_run() {
    const N: usize = 10;
    watchdog("shutdown_timeout_cleanup", || {
        let rt = runtime(2);
        let started = Counter::new();
        let cleaned = Counter::new();
        let drops = Counter::new();
        let mut handles = Vec::new();
        for _ in 0..N {
            let (started2, cleaned, guard) = (started.clone(), cleaned.clone(), drops.guard());
            handles.push(rt.spawn(async move {
                let _guard = guard;
                started2.incr();
                if catch_cancel(pending::<()>()).await.is_err() {
                    for _ in 0..3 {
                        yield_now().await;
                    }
                    cleaned.incr();
                }
            }));
            // And a plain task, dropped at its next poll.
            let (started, guard) = (started.clone(), drops.guard());
            handles.push(rt.spawn(async move {
                let _guard = guard;
                started.incr();
                pending::<()>().await;
            }));
        }
        wait_until("every task started", || started.get() == 2 * N);
        let start = Instant::now();
        rt.shutdown_timeout(Duration::from_secs(20));
        let elapsed = start.elapsed();
        assert_eq!(cleaned.get(), N, "not every cleanup ran to completion");
        assert_eq!(drops.get(), 2 * N);
        assert!(
            elapsed < Duration::from_secs(10),
            "shutdown_timeout waited {elapsed:?} although every task had finished"
        );
        for handle in handles {
            assert!(resolve(handle).unwrap_err().is_cancelled());
        }
    });
}

/// `shutdown_timeout`: a cleanup that never finishes is dropped once the
/// timeout has passed.
#[test]
fn shutdown_timeout_drops_a_cleanup_that_never_finishes() {
    const TIMEOUT: Duration = Duration::from_millis(300);
    watchdog("shutdown_timeout_stuck", || {
        let rt = runtime(2);
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let cleanup_started = Flag::new();
        let cleanup_drops = Counter::new();
        let task_drops = Counter::new();
        let (flag, counter, guard) = (
            cleanup_started.clone(),
            cleanup_drops.clone(),
            task_drops.guard(),
        );
        let handle = rt.spawn(async move {
            let _guard = guard;
            started_tx.send(()).unwrap();
            let _ = catch_cancel(pending::<()>()).await;
            let _cleanup_guard = counter.guard();
            flag.set();
            pending::<()>().await; // a cleanup that never ends
        });
        started_rx
            .recv_timeout(support::WAIT)
            .expect("task never started");
        let start = Instant::now();
        rt.shutdown_timeout(TIMEOUT);
        let elapsed = start.elapsed();
        assert!(cleanup_started.get(), "the cleanup never ran");
        assert_eq!(
            cleanup_drops.get(),
            1,
            "the stuck cleanup was not dropped once"
        );
        assert_eq!(task_drops.get(), 1);
        assert!(
            elapsed >= TIMEOUT,
            "shutdown gave up after {elapsed:?}, before the {TIMEOUT:?} timeout"
        );
        assert!(
            elapsed < Duration::from_secs(10),
            "shutdown took {elapsed:?}"
        );
        assert!(resolve(handle).unwrap_err().is_cancelled());
    });
}

/// Spawning through a `Handle` after shutdown: the handle resolves as
/// cancelled at once, the future is dropped unpolled, nothing panics.
#[test]
fn spawn_through_a_handle_after_shutdown_resolves_cancelled() {
    watchdog("spawn_after_shutdown", || {
        for graceful in [false, true] {
            let rt = runtime(2);
            let handle = rt.handle().clone();
            if graceful {
                rt.shutdown_timeout(Duration::from_secs(5));
            } else {
                drop(rt);
            }
            let (polls, drops) = (Counter::new(), Counter::new());
            let task = handle.spawn(Tracked::new(async { 1 }, &polls, &drops));
            assert!(resolve(task).unwrap_err().is_cancelled());
            assert_eq!(polls.get(), 0, "a future spawned after shutdown was polled");
            assert_eq!(drops.get(), 1);

            let ran = Flag::new();
            let (ran2, guard) = (ran.clone(), drops.guard());
            let blocking = handle.spawn_blocking(move || {
                let _guard = guard;
                ran2.set();
                2
            });
            assert!(resolve(blocking).unwrap_err().is_cancelled());
            assert!(!ran.get(), "a blocking closure spawned after shutdown ran");
            assert_eq!(drops.get(), 2, "the blocking closure was not dropped once");

            // `runtime::spawn` through `enter`, and `block_on` on the handle.
            let _guard = handle.enter();
            let task = runtime::spawn(async { 3 });
            let out = handle.block_on(task);
            assert!(out.unwrap_err().is_cancelled());
        }
    });
}

/// A future whose destructor spawns a task while the runtime shuts down:
/// the new task is refused (cancelled, dropped once, never polled).
#[test]
fn spawning_from_a_destructor_during_shutdown_is_refused() {
    struct SpawnOnDrop {
        handle: Handle,
        slot: Arc<Mutex<Option<JoinHandle<()>>>>,
        polls: Counter,
        drops: Counter,
    }
    impl Drop for SpawnOnDrop {
        fn drop(&mut self) {
            let task = self
                .handle
                .spawn(Tracked::new(pending::<()>(), &self.polls, &self.drops));
            *self.slot.lock().unwrap() = Some(task);
        }
    }
    watchdog("spawn_from_drop", || {
        let rt = runtime(2);
        let slot = Arc::new(Mutex::new(None));
        let (polls, drops) = (Counter::new(), Counter::new());
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let on_drop = SpawnOnDrop {
            handle: rt.handle().clone(),
            slot: slot.clone(),
            polls: polls.clone(),
            drops: drops.clone(),
        };
        drop(rt.spawn(async move {
            let _on_drop = on_drop;
            started_tx.send(()).unwrap();
            pending::<()>().await;
        }));
        started_rx
            .recv_timeout(support::WAIT)
            .expect("task never started");
        drop(rt);
        let task = slot
            .lock()
            .unwrap()
            .take()
            .expect("the destructor did not run");
        assert!(resolve(task).unwrap_err().is_cancelled());
        assert_eq!(polls.get(), 0);
        assert_eq!(drops.get(), 1);
    });
}

/// Tasks that keep spawning tasks until the runtime is dropped: every
/// future created is dropped exactly once, whichever side of the shutdown
/// it was spawned on.
#[test]
fn shutdown_while_tasks_keep_spawning_drops_every_future_once() {
    watchdog("shutdown_while_spawning", || {
        let rt = runtime(2);
        let created = Counter::new();
        let drops = Counter::new();
        for _ in 0..2 {
            let (created, drops) = (created.clone(), drops.clone());
            let guard = drops.guard();
            created.incr();
            drop(rt.spawn(async move {
                let _guard = guard;
                loop {
                    for _ in 0..10 {
                        let guard = drops.guard();
                        created.incr();
                        drop(runtime::spawn(async move {
                            let _guard = guard;
                            pending::<()>().await;
                        }));
                    }
                    yield_now().await;
                }
            }));
        }
        wait_until("a few thousand tasks exist", || created.get() > 2000);
        drop(rt);
        assert_eq!(
            drops.get(),
            created.get(),
            "futures created and futures dropped differ"
        );
    });
}

/// Tasks holding each other's JoinHandles (a cycle) are all freed.
#[test]
fn tasks_holding_each_others_handles_are_dropped_once() {
    watchdog("handle_cycle", || {
        let rt = runtime(2);
        let drops = Counter::new();
        let (a_tx, a_rx) = futures_channel::oneshot::channel::<JoinHandle<()>>();
        let (b_tx, b_rx) = futures_channel::oneshot::channel::<JoinHandle<()>>();
        let (ga, gb) = (drops.guard(), drops.guard());
        let a = rt.spawn(async move {
            let _guard = ga;
            let _other = a_rx.await.unwrap();
            pending::<()>().await;
        });
        let b = rt.spawn(async move {
            let _guard = gb;
            let _other = b_rx.await.unwrap();
            pending::<()>().await;
        });
        a_tx.send(b).unwrap();
        b_tx.send(a).unwrap();
        drop(rt);
        assert_eq!(drops.get(), 2);
    });
}

/// Dropping the runtime does not wait for a blocking closure that is
/// already running; the closure still completes afterwards.
#[test]
fn dropping_the_runtime_does_not_wait_for_running_blocking_closures() {
    watchdog("shutdown_blocking", || {
        let rt = runtime(1);
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let finished = Flag::new();
        let finished2 = finished.clone();
        let task = rt.spawn_blocking(move || {
            started_tx.send(()).unwrap();
            release_rx.recv().unwrap();
            finished2.set();
            7
        });
        started_rx
            .recv_timeout(support::WAIT)
            .expect("closure never started");
        // Would deadlock if shutdown waited for the closure.
        drop(rt);
        assert!(!finished.get());
        release_tx.send(()).unwrap();
        // The handle still resolves once the closure is done.
        match resolve(task) {
            Ok(v) => assert_eq!(v, 7),
            Err(e) => assert!(e.is_cancelled(), "unexpected {e:?}"),
        }
        assert!(finished.get());
    });
}
