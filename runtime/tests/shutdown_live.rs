//! Shutdown with live work, at scale and all at once: what `shutdown.rs`
//! checks one case at a time (idle, queued, waker-held tasks, one running
//! blocking closure), here mixed together: 100,000 live tasks of every
//! kind (idle, runnable, inside `catch_cancel`, inside `shield`, sleeping,
//! holding other tasks' handles), blocking closures running and queued,
//! wakers held and woken by other threads during and after the shutdown,
//! and threads spawning and cancelling while the runtime goes away.
//!
//! Every future carries a drop guard: each is dropped exactly once, no
//! cleanup runs on a plain drop, every cleanup runs on a graceful shutdown,
//! and every handle resolves as cancelled. Memory errors (a use after free
//! while a late wake races the teardown) are for `scripts/memcheck.sh`,
//! which runs the same scenarios in `tests/stress.rs` under valgrind and
//! AddressSanitizer.

mod support;

use runtime::task::{catch_cancel, shield, yield_now, JoinHandle};
use runtime::time::{sleep, Duration};
use runtime::{Builder, Handle};
use std::future::{pending, poll_fn};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Poll, Waker};
use support::{runtime, wait_until, watchdog, Counter, Flag};

const N: usize = 100_000;

/// Awaits a handle of a runtime that is gone, on this thread.
fn resolve<T>(handle: JoinHandle<T>) -> Result<T, runtime::task::JoinError> {
    futures::executor::block_on(handle)
}

type Wakers = Arc<Mutex<Vec<Waker>>>;

/// Pending forever, after storing its waker in `wakers`.
async fn park_with_waker(wakers: Wakers) {
    let mut stored = false;
    poll_fn(|cx| {
        if !stored {
            wakers.lock().unwrap().push(cx.waker().clone());
            stored = true;
        }
        Poll::<()>::Pending
    })
    .await;
}

/// Spawns task `i` of the mix; `started` counts first polls.
fn spawn_live(
    rt: &runtime::Runtime,
    i: usize,
    drops: &Counter,
    cleanups: &Counter,
    started: &Counter,
    wakers: &Wakers,
) -> JoinHandle<()> {
    let guard = drops.guard();
    let (cleanups, started, wakers) = (cleanups.clone(), started.clone(), wakers.clone());
    rt.spawn(async move {
        let _guard = guard;
        started.incr();
        match i % 6 {
            // Idle, its waker held (and woken) by another thread.
            0 => park_with_waker(wakers).await,
            // Inside catch_cancel: a plain drop runs no cleanup.
            1 => {
                if catch_cancel(pending::<()>()).await.is_err() {
                    cleanups.incr();
                }
            }
            // Inside a shield.
            2 => shield(pending::<()>()).await,
            // Sleeping for an hour: its timer goes with the future.
            3 => sleep(Duration::from_secs(3600)).await,
            // Always runnable.
            4 => loop {
                yield_now().await;
            },
            // Holding another task's handle; cancels it from its destructor.
            _ => {
                struct CancelOnDrop(JoinHandle<()>);
                impl Drop for CancelOnDrop {
                    fn drop(&mut self) {
                        self.0.cancel();
                    }
                }
                let _other = CancelOnDrop(runtime::spawn(pending::<()>()));
                pending::<()>().await
            }
        }
    })
}

/// 100,000 live tasks of every kind, a thread waking a sixth of them in a
/// loop: dropping the runtime drops every future once (the kind-5 tasks'
/// own children too), runs no cleanup, and every handle says cancelled.
/// Waking after the shutdown does nothing.
#[test]
fn dropping_a_runtime_with_100k_live_tasks_of_every_kind() {
    watchdog("drop_100k_live", || {
        let rt = runtime(2);
        let (drops, cleanups, started) = (Counter::new(), Counter::new(), Counter::new());
        let wakers: Wakers = Arc::default();
        let mut handles = Vec::with_capacity(N / 2);
        for i in 0..N {
            let handle = spawn_live(&rt, i, &drops, &cleanups, &started, &wakers);
            if i % 2 == 0 {
                handles.push(handle);
            } // else detached
        }
        // Most have been polled; the rest are queued: both must go.
        wait_until("half the tasks have started", || started.get() >= N / 2);
        let stop = Flag::new();
        let waker_thread = {
            let (stop, wakers) = (stop.clone(), wakers.clone());
            std::thread::spawn(move || {
                while !stop.get() {
                    let batch: Vec<Waker> = wakers.lock().unwrap().clone();
                    batch.iter().for_each(Waker::wake_by_ref);
                    std::thread::yield_now();
                }
                // After the shutdown: wake every one again, by value too.
                let all = std::mem::take(&mut *wakers.lock().unwrap());
                all.iter().for_each(Waker::wake_by_ref);
                all.into_iter().for_each(Waker::wake);
            })
        };
        drop(rt);
        stop.set();
        waker_thread.join().expect("waking after shutdown panicked");
        assert_eq!(
            drops.get(),
            N,
            "not every live future was dropped exactly once"
        );
        assert_eq!(cleanups.get(), 0, "a plain drop ran a catch_cancel cleanup");
        for handle in handles {
            assert!(handle.is_finished());
            assert!(resolve(handle).unwrap_err().is_cancelled());
        }
        assert_eq!(drops.get(), N);
    });
}

/// A graceful shutdown of 100,000 tasks waiting inside `catch_cancel`: each
/// cleanup (which yields and sleeps) runs exactly once, then the runtime
/// stops, long before the timeout.
#[test]
fn graceful_shutdown_runs_100k_async_cleanups() {
    watchdog("graceful_100k", || {
        let rt = runtime(2);
        let (drops, cleanups, started) = (Counter::new(), Counter::new(), Counter::new());
        let handles: Vec<_> = (0..N)
            .map(|i| {
                let (guard, cleanups, started) = (drops.guard(), cleanups.clone(), started.clone());
                rt.spawn(async move {
                    let _guard = guard;
                    started.incr();
                    if catch_cancel(pending::<()>()).await.is_err() {
                        yield_now().await;
                        if i % 10 == 0 {
                            sleep(Duration::from_millis(1)).await;
                        }
                        cleanups.incr();
                    }
                })
            })
            .collect();
        // A task not yet polled has no catch frame yet: it is dropped, not
        // cleaned up. Wait until every one is inside its frame.
        wait_until("every task is inside catch_cancel", || started.get() == N);
        rt.shutdown_timeout(std::time::Duration::from_secs(25));
        assert_eq!(cleanups.get(), N, "not every cleanup ran exactly once");
        assert_eq!(drops.get(), N);
        for handle in handles {
            assert!(resolve(handle).unwrap_err().is_cancelled());
        }
    });
}

/// Blocking closures running and queued when the runtime is dropped, next
/// to live async tasks: the queued ones never run and are dropped once; the
/// running ones are not waited for, finish afterwards, and are dropped once.
#[test]
fn dropping_a_runtime_with_running_and_queued_blocking_closures() {
    const RUNNING: usize = 2;
    const QUEUED: usize = 50;
    watchdog("drop_blocking_mix", || {
        let rt = Builder::new()
            .worker_threads(2)
            .max_blocking_threads(RUNNING)
            .build()
            .unwrap();
        let (drops, ran, finished) = (Counter::new(), Counter::new(), Counter::new());
        let (started_tx, started_rx) = mpsc::channel();
        let mut releases = Vec::new();
        let mut running = Vec::new();
        for _ in 0..RUNNING {
            let (release_tx, release_rx) = mpsc::channel::<()>();
            releases.push(release_tx);
            let (guard, started_tx, finished) =
                (drops.guard(), started_tx.clone(), finished.clone());
            running.push(rt.spawn_blocking(move || {
                let _guard = guard;
                started_tx.send(()).unwrap();
                let _ = release_rx.recv();
                finished.incr();
            }));
        }
        for _ in 0..RUNNING {
            started_rx
                .recv_timeout(support::WAIT)
                .expect("a blocking closure never started");
        }
        let queued: Vec<_> = (0..QUEUED)
            .map(|_| {
                let (guard, ran) = (drops.guard(), ran.clone());
                rt.spawn_blocking(move || {
                    let _guard = guard;
                    ran.incr();
                })
            })
            .collect();
        let live: Vec<_> = (0..1000)
            .map(|_| {
                let guard = drops.guard();
                rt.spawn(async move {
                    let _guard = guard;
                    pending::<()>().await
                })
            })
            .collect();
        drop(rt); // would hang if it waited for the running closures
        assert_eq!(ran.get(), 0, "a queued blocking closure ran after shutdown");
        assert_eq!(
            drops.get(),
            QUEUED + 1000,
            "queued closures or tasks not dropped once"
        );
        for handle in queued.into_iter().chain(live) {
            assert!(resolve(handle).unwrap_err().is_cancelled());
        }
        assert_eq!(finished.get(), 0);
        drop(releases);
        for handle in running {
            // The closure was already running: it completes either way.
            if let Err(e) = resolve(handle) {
                assert!(e.is_cancelled(), "unexpected {e:?}");
            }
        }
        assert_eq!(finished.get(), RUNNING);
        wait_until("the running closures were dropped", || {
            drops.get() == QUEUED + 1000 + RUNNING
        });
    });
}

/// While the runtime is dropped, other threads keep spawning through a
/// `Handle`, cancelling what they spawned, and waking stored wakers: every
/// future created on either side of the shutdown is dropped exactly once,
/// and every handle resolves.
#[test]
fn shutdown_during_a_storm_of_spawns_cancels_and_wakes() {
    watchdog("shutdown_storm", || {
        let rt = runtime(2);
        let handle = rt.handle().clone();
        let (created, drops) = (Counter::new(), Counter::new());
        let wakers: Wakers = Arc::default();
        let stop = Flag::new();
        let storm: Vec<_> = (0..3)
            .map(|t| {
                let (handle, created, drops, wakers, stop) = (
                    handle.clone(),
                    created.clone(),
                    drops.clone(),
                    wakers.clone(),
                    stop.clone(),
                );
                std::thread::spawn(move || {
                    storm_thread(t, &handle, &created, &drops, &wakers, &stop)
                })
            })
            .collect();
        wait_until("the storm has spawned 20,000 tasks", || {
            created.get() > 20_000
        });
        drop(rt);
        // Keep storming a little after the shutdown: spawns are refused.
        let after = created.get();
        wait_until("the storm has spawned after the shutdown", || {
            created.get() > after + 1000
        });
        stop.set();
        let mut unresolved = 0;
        for thread in storm {
            for handle in thread.join().expect("a storm thread panicked") {
                if resolve(handle).is_err() {
                    unresolved += 1;
                }
            }
        }
        drop(std::mem::take(&mut *wakers.lock().unwrap()));
        assert!(unresolved > 0, "no handle kept by the storm was cancelled");
        assert_eq!(
            drops.get(),
            created.get(),
            "futures created and futures dropped differ"
        );
    });
}

/// One storm thread: spawn (a third idle with a stored waker, a third
/// yielding, a third finishing at once), cancel every other one, wake the
/// stored wakers; returns the handles it kept.
fn storm_thread(
    t: usize,
    handle: &Handle,
    created: &Counter,
    drops: &Counter,
    wakers: &Wakers,
    stop: &Flag,
) -> Vec<JoinHandle<()>> {
    let mut kept = Vec::new();
    let mut i = 0usize;
    while !stop.get() {
        i += 1;
        created.incr();
        let (guard, wakers2) = (drops.guard(), wakers.clone());
        let task = handle.spawn(async move {
            let _guard = guard;
            match (i + t) % 3 {
                0 => park_with_waker(wakers2).await,
                1 => {
                    for _ in 0..3 {
                        yield_now().await;
                    }
                }
                _ => {}
            }
        });
        if i % 2 == 0 {
            task.cancel();
        }
        if i % 7 == 0 && kept.len() < 10_000 {
            kept.push(task);
        }
        if i % 64 == 0 {
            let batch: Vec<Waker> = wakers.lock().unwrap().drain(..).collect();
            batch.into_iter().for_each(Waker::wake);
        }
    }
    kept
}
