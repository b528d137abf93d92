//! `Handle::metrics`: the counters add up on known workloads; queue depths,
//! steals, parks, busy time and the blocking pool read what is there.
//!
//! Some tests deliberately block a worker thread (a synchronous channel
//! receive inside a poll) so that the queues hold still while they are
//! measured; each such wait is bounded.

mod support;

use runtime::metrics::RuntimeMetrics;
use runtime::{Builder, Runtime};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use support::{spin_for, wait_until, watchdog, WAIT};

fn metrics(rt: &Runtime) -> RuntimeMetrics {
    rt.handle().metrics()
}

/// A one-shot signal between a task and the test thread, through a
/// synchronous channel (so a task can block its worker on it on purpose).
fn signal() -> (mpsc::Sender<()>, mpsc::Receiver<()>) {
    mpsc::channel()
}

#[test]
fn counters_add_up_on_a_known_workload() {
    const OUTSIDE: u64 = 20;
    const INSIDE: u64 = 30;
    const STUCK: u64 = 3;
    watchdog("metrics_add_up", || {
        let rt = support::runtime(2);
        // Spawned from this thread, which is not a worker: remote spawns.
        // Each task yields once, so it is polled twice.
        let outside: Vec<_> = (0..OUTSIDE)
            .map(|i| {
                rt.spawn(async move {
                    runtime::task::yield_now().await;
                    i
                })
            })
            .collect();
        // Spawned by a task, on a worker: the workers' own spawns.
        let parent = rt.spawn(async {
            let children: Vec<_> = (0..INSIDE)
                .map(|i| {
                    runtime::spawn(async move {
                        runtime::task::yield_now().await;
                        i
                    })
                })
                .collect();
            let mut sum = 0;
            for child in children {
                sum += child.await.unwrap();
            }
            sum
        });
        let stuck: Vec<_> = (0..STUCK)
            .map(|_| rt.spawn(std::future::pending::<()>()))
            .collect();
        let blocking = rt.spawn_blocking(|| 7);

        rt.block_on(async {
            for task in outside {
                task.await.unwrap();
            }
            assert_eq!(parent.await.unwrap(), (0..INSIDE).sum::<u64>());
            assert_eq!(blocking.await.unwrap(), 7);
        });

        let total = OUTSIDE + 1 + INSIDE + STUCK + 1;
        // A task's handle is woken just before the task leaves the task
        // list and is counted as completed: wait for the bookkeeping.
        wait_until("every finished task is counted", || {
            let m = metrics(&rt);
            m.completed_tasks == total - STUCK && m.live_tasks == STUCK as usize
        });
        let m = metrics(&rt);
        assert_eq!(m.spawned_tasks, total);
        assert_eq!(m.spawned_tasks, m.completed_tasks + m.live_tasks as u64);
        assert_eq!(m.remote_spawns, OUTSIDE + 1 + STUCK);
        assert_eq!(m.blocking_spawns, 1);
        let worker_spawns: u64 = m.workers.iter().map(|w| w.spawned).sum();
        assert_eq!(worker_spawns, INSIDE, "{m}");
        // The blocking closure completes on the pool, the rest on workers.
        let worker_completions: u64 = m.workers.iter().map(|w| w.completed).sum();
        assert_eq!(worker_completions, total - STUCK - 1);
        // Every task spawned on the workers was polled; the yielding ones
        // twice.
        assert!(m.total_polls() >= m.spawned_tasks - 1, "{m}");
        assert!(m.total_polls() >= 2 * (OUTSIDE + INSIDE) + 1 + STUCK, "{m}");
        assert_eq!(m.total_slow_polls(), 0, "no threshold set");
        assert_eq!(m.num_workers(), 2);
        drop(stuck);
    });
}

#[test]
fn remote_spawns_are_told_from_worker_spawns() {
    watchdog("metrics_remote", || {
        let rt = support::runtime(1);
        let handle = rt.handle().clone();
        // From a plain thread, through a `Handle`.
        std::thread::spawn(move || {
            for _ in 0..4 {
                drop(handle.spawn(async {}));
            }
        })
        .join()
        .unwrap();
        // From a task: counted on the worker.
        rt.block_on(rt.spawn(async {
            for _ in 0..6 {
                runtime::spawn(async {}).await.unwrap();
            }
        }))
        .unwrap();
        wait_until("all tasks completed", || metrics(&rt).live_tasks == 0);
        let m = metrics(&rt);
        assert_eq!(m.remote_spawns, 4 + 1);
        assert_eq!(m.workers[0].spawned, 6);
        assert_eq!(m.spawned_tasks, 11);
    });
}

#[test]
fn queue_depths_show_waiting_tasks() {
    watchdog("metrics_depths", || {
        let rt = support::runtime(1);
        let (started_tx, started_rx) = signal();
        let (release_tx, release_rx) = signal();
        let blocker = rt.spawn(async move {
            // Ten children: nine in the local queue, the last in the LIFO
            // slot (which the depth does not count).
            let children: Vec<_> = (0..10).map(|_| runtime::spawn(async {})).collect();
            started_tx.send(()).unwrap();
            // Block the only worker on purpose: the queues hold still.
            release_rx
                .recv_timeout(WAIT)
                .expect("the test never released the worker");
            children
        });
        started_rx.recv_timeout(WAIT).unwrap();
        let outside: Vec<_> = (0..5).map(|_| rt.spawn(async {})).collect();

        let m = metrics(&rt);
        assert_eq!(m.injector_depth, 5, "{m}");
        assert_eq!(m.workers[0].local_queue_depth, 9, "{m}");
        assert_eq!(m.total_local_queue_depth(), 9);
        assert_eq!(m.live_tasks, 1 + 10 + 5);

        release_tx.send(()).unwrap();
        let children = rt.block_on(blocker).unwrap();
        rt.block_on(async {
            for task in children.into_iter().chain(outside) {
                task.await.unwrap();
            }
        });
        let m = metrics(&rt);
        assert_eq!(m.injector_depth, 0);
        assert_eq!(m.workers[0].local_queue_depth, 0);
    });
}

#[test]
fn steals_are_counted() {
    watchdog("metrics_steals", || {
        let rt = support::runtime(2);
        let (ran_tx, ran_rx) = mpsc::channel();
        let blocker = rt.spawn(async move {
            let children: Vec<_> = (0..16)
                .map(|_| {
                    let ran = ran_tx.clone();
                    runtime::spawn(async move {
                        let _ = ran.send(std::thread::current().id());
                    })
                })
                .collect();
            // Block this worker (on purpose) until a child has run: only
            // the other worker can run it, by stealing from our queue.
            let who = ran_rx
                .recv_timeout(WAIT)
                .expect("no child ran: the other worker never stole");
            assert_ne!(who, std::thread::current().id());
            children
        });
        let children = rt.block_on(blocker).unwrap();
        rt.block_on(async {
            for child in children {
                child.await.unwrap();
            }
        });
        let m = metrics(&rt);
        let operations: u64 = m.workers.iter().map(|w| w.steal_operations).sum();
        assert!(operations >= 1, "{m}");
        assert!(m.total_stolen_tasks() >= operations, "{m}");
    });
}

#[test]
fn parks_and_busy_time() {
    watchdog("metrics_busy", || {
        let started = Instant::now();
        let rt = support::runtime(2);
        wait_until("both workers parked once", || {
            metrics(&rt).workers.iter().all(|w| w.parks >= 1)
        });
        for w in &metrics(&rt).workers {
            assert!(w.busy <= started.elapsed(), "{w:?}");
        }
        let before: Duration = metrics(&rt).workers.iter().map(|w| w.busy).sum();
        // 50 ms of work on some worker shows up as busy time.
        rt.block_on(rt.spawn(async { spin_for(Duration::from_millis(50)) }))
            .unwrap();
        let after: Duration = metrics(&rt).workers.iter().map(|w| w.busy).sum();
        assert!(
            after >= before + Duration::from_millis(50),
            "{before:?} -> {after:?}"
        );
        // Busy time never runs ahead of the clock.
        for w in &metrics(&rt).workers {
            assert!(w.busy <= started.elapsed(), "{w:?}");
        }
    });
}

#[test]
fn blocking_pool_occupancy() {
    watchdog("metrics_blocking", || {
        let rt = Builder::new()
            .worker_threads(1)
            .max_blocking_threads(1)
            .build()
            .unwrap();
        let (started_tx, started_rx) = signal();
        let (release_tx, release_rx) = signal();
        let first = rt.spawn_blocking(move || {
            started_tx.send(()).unwrap();
            release_rx.recv_timeout(WAIT).unwrap();
        });
        started_rx.recv_timeout(WAIT).unwrap();
        let second = rt.spawn_blocking(|| 2);
        let m = metrics(&rt);
        assert_eq!(m.blocking_threads, 1, "{m}");
        assert_eq!(m.blocking_idle_threads, 0, "{m}");
        assert_eq!(m.blocking_queue_depth, 1, "{m}");
        assert_eq!(m.blocking_spawns, 2);

        release_tx.send(()).unwrap();
        rt.block_on(first).unwrap();
        assert_eq!(rt.block_on(second).unwrap(), 2);
        wait_until("the pool thread waits for work", || {
            let m = metrics(&rt);
            m.blocking_idle_threads == 1 && m.blocking_queue_depth == 0
        });
    });
}

#[test]
fn display_prints_one_line_per_worker() {
    let rt = support::runtime(3);
    rt.block_on(rt.spawn(async {})).unwrap();
    let text = metrics(&rt).to_string();
    assert!(text.starts_with("tasks: "), "{text}");
    assert!(text.contains("polls"), "{text}");
    // A summary line, a header, one line per worker.
    assert_eq!(text.lines().count(), 2 + 3, "{text}");
}

/// The books balance after a shutdown that completes tasks itself: its
/// last pass takes each task still listed off the list and completes it
/// as cancelled, and that counts as a completion, as a task completing
/// on its own does (`spawned_tasks == completed_tasks + live_tasks` once
/// the runtime is quiet). For both flavors, for a current-thread
/// runtime's local tasks, after `drop` (no grace period: the idle tasks
/// are still listed at the last pass) and after `shutdown_timeout`, whose
/// last pass also takes a blocking closure that is still running, which
/// finishes later.
#[test]
fn books_balance_after_the_shutdown_completes_listed_tasks() {
    const IDLE: usize = 3;
    watchdog("books_balance_after_shutdown", || {
        for current_thread in [false, true] {
            for drop_it in [true, false] {
                books_balance_after_shutdown(current_thread, drop_it, IDLE);
            }
        }
    });
}

fn books_balance_after_shutdown(current_thread: bool, drop_it: bool, idle: usize) {
    let case = format!("current_thread {current_thread}, drop {drop_it}");
    let rt = if current_thread {
        Builder::new_current_thread().build().unwrap()
    } else {
        support::runtime(2)
    };
    let handle = rt.handle().clone();
    let (polled_tx, polled_rx) = signal();
    let mut idle: Vec<_> = (0..idle)
        .map(|_| {
            let polled_tx = polled_tx.clone();
            rt.spawn(async move {
                polled_tx.send(()).unwrap();
                std::future::pending::<()>().await
            })
        })
        .collect();
    if current_thread {
        // Local tasks live in the current-thread runtime's own set; and the
        // runtime's tasks run only while something drives it.
        rt.block_on(async {
            let polled_tx = polled_tx.clone();
            idle.push(runtime::task::spawn_local(async move {
                polled_tx.send(()).unwrap();
                std::future::pending::<()>().await
            }));
            for _ in 0..10 {
                runtime::task::yield_now().await;
            }
        });
    }
    for _ in 0..idle.len() {
        polled_rx.recv_timeout(WAIT).unwrap();
    }
    let (release_tx, release_rx) = signal();
    let blocking = (!drop_it).then(|| {
        let (started_tx, started_rx) = signal();
        let blocking = rt.spawn_blocking(move || {
            started_tx.send(()).unwrap();
            release_rx.recv_timeout(WAIT).unwrap();
        });
        started_rx.recv_timeout(WAIT).unwrap();
        blocking
    });
    // Each first poll ended pending: every task is listed.
    let live = idle.len() + usize::from(blocking.is_some());
    wait_until("every task listed", || handle.metrics().live_tasks == live);

    if drop_it {
        drop(rt);
    } else {
        rt.shutdown_timeout(Duration::from_millis(50));
    }
    for task in idle {
        let err = futures::executor::block_on(task).unwrap_err();
        assert!(err.is_cancelled(), "{case}");
    }
    if let Some(blocking) = blocking {
        release_tx.send(()).unwrap();
        futures::executor::block_on(blocking).unwrap();
    }

    let m = handle.metrics();
    assert_eq!(m.live_tasks, 0, "{case}: {m}");
    assert_eq!(
        m.spawned_tasks, m.completed_tasks,
        "{case}: every task spawned has completed: {m}"
    );
}
