//! Tasks spawned from a thread that is not one of the runtime's workers
//! join the task list at the end of their first poll, on the worker that
//! runs them, if it leaves them pending (`Shared::spawn_at`; tasks spawned
//! on a worker do the same, `first_poll.rs`). Until then they are counted,
//! not listed: in `live_tasks` and in the dump's `unstarted`. A shutdown
//! that finds them unstarted completes them as cancelled without a poll,
//! whether a worker reaches them after the list closed or the final drain
//! does.
//!
//! The tests block the one worker on a synchronous channel on purpose, so
//! that the spawned tasks wait in its queue; each wait is bounded.

mod support;

use runtime::{Builder, Handle, Runtime};
use std::sync::mpsc;
use support::{wait_until, watchdog, Counter, Tracked, WAIT};

const QUEUED: usize = 5;

/// A task that blocks the thread polling it (as a task must not) until
/// `release` is used or dropped; it says on `started` when it begins.
struct Blocker {
    started: mpsc::Receiver<()>,
    release: mpsc::Sender<()>,
    task: runtime::task::JoinHandle<()>,
}

/// Spawns a `Blocker` from this thread.
fn spawn_blocker(handle: &Handle) -> Blocker {
    let (started_tx, started) = mpsc::channel();
    let (release, release_rx) = mpsc::channel::<()>();
    let task = handle.spawn(async move {
        started_tx.send(()).unwrap();
        // Bounded: a failing test does not hang here.
        let _ = release_rx.recv_timeout(WAIT);
    });
    Blocker {
        started,
        release,
        task,
    }
}

impl Blocker {
    /// Waits (bounded) until the blocker runs, so its thread is blocked.
    fn wait_started(&self, what: &str) {
        self.started.recv_timeout(WAIT).expect(what);
    }
}

/// A one-worker runtime whose worker runs a task that blocks it until the
/// returned sender is used or dropped; returns once it blocks.
fn blocked_runtime() -> (Runtime, mpsc::Sender<()>, runtime::task::JoinHandle<()>) {
    let rt = Builder::new().worker_threads(1).build().unwrap();
    let blocker = spawn_blocker(rt.handle());
    blocker.wait_started("the blocker never ran");
    (rt, blocker.release, blocker.task)
}

/// Spawns `QUEUED` tasks from this thread (not a worker), each counting
/// its polls and drops.
fn spawn_queued(
    handle: &Handle,
    polls: &Counter,
    drops: &Counter,
) -> Vec<runtime::task::JoinHandle<()>> {
    (0..QUEUED)
        .map(|_| handle.spawn(Tracked::new(async {}, polls, drops)))
        .collect()
}

/// Shuts `rt` down with a grace period from a thread named "shutdown",
/// releases the blocked worker once the task list has closed, and waits
/// for the shutdown to return.
fn shut_down_then_release(rt: Runtime, release: mpsc::Sender<()>) {
    let handle = rt.handle().clone();
    let shutdown = std::thread::Builder::new()
        .name("shutdown".into())
        .spawn(move || rt.shutdown_timeout(WAIT))
        .unwrap();
    // A spawn from outside resolves at once once the list is closed.
    wait_until("the task list closes", || {
        handle.spawn(async {}).is_finished()
    });
    release.send(()).unwrap();
    shutdown.join().unwrap();
}

/// Awaits each task (outside the runtime), expecting it cancelled.
fn assert_cancelled(tasks: Vec<runtime::task::JoinHandle<()>>) {
    for task in tasks {
        let err = futures::executor::block_on(task).unwrap_err();
        assert!(err.is_cancelled(), "{err}");
    }
}

#[test]
fn a_task_spawned_from_outside_counts_as_live_and_unstarted_until_its_first_poll_ends() {
    watchdog("unstarted_counts", || {
        let (rt, release, blocker) = blocked_runtime();
        let (polls, drops) = (Counter::new(), Counter::new());
        let queued = spawn_queued(rt.handle(), &polls, &drops);

        let m = rt.handle().metrics();
        assert_eq!(m.live_tasks, QUEUED + 1, "{m}");
        assert_eq!(m.spawned_tasks, m.completed_tasks + m.live_tasks as u64);
        let dump = rt.handle().dump();
        // The blocker is still in its first poll.
        assert_eq!(dump.unstarted(), QUEUED + 1, "{dump}");
        for id in queued.iter().map(|t| t.id()).chain([blocker.id()]) {
            assert!(
                dump.get(id).is_none(),
                "listed before its first poll ended: {dump}"
            );
        }
        assert!(
            dump.to_string()
                .contains("6 not through their first poll yet"),
            "{dump}"
        );
        assert_eq!(polls.get(), 0);

        release.send(()).unwrap();
        for task in queued {
            rt.block_on(task).unwrap();
        }
        rt.block_on(blocker).unwrap();
        assert_eq!((polls.get(), drops.get()), (QUEUED, QUEUED));
        wait_until("every task is counted as completed", || {
            let m = rt.handle().metrics();
            m.live_tasks == 0 && m.completed_tasks == QUEUED as u64 + 1
        });
        assert_eq!(rt.handle().dump().unstarted(), 0);
    });
}

/// The grace period of `shutdown_timeout`: the worker, released after the
/// list closed, goes on to the queued tasks; the list refuses them (or, if
/// the workers stopped first, the final drain finds them), and they
/// complete as cancelled without a poll.
#[test]
fn unstarted_tasks_complete_as_cancelled_unpolled_in_a_graceful_shutdown() {
    watchdog("unstarted_refused", || {
        let (rt, release, blocker) = blocked_runtime();
        let handle = rt.handle().clone();
        let (polls, drops) = (Counter::new(), Counter::new());
        let queued = spawn_queued(&handle, &polls, &drops);

        shut_down_then_release(rt, release);
        assert_cancelled(queued);
        // The blocker was cancelled while it ran; its poll finished it.
        futures::executor::block_on(blocker).unwrap();
        assert_eq!(polls.get(), 0, "a task was polled after the shutdown began");
        assert_eq!(drops.get(), QUEUED, "each future is dropped exactly once");
        let m = handle.metrics();
        assert_eq!(m.live_tasks, 0, "{m}");
        assert_eq!(m.spawned_tasks, m.completed_tasks, "{m}");
    });
}

/// A shutdown whose workers stop before they reach the queued tasks: the
/// final drain completes them as cancelled, unpolled, each dropped once.
#[test]
fn unstarted_tasks_left_at_shutdown_are_drained_as_cancelled_once() {
    watchdog("unstarted_drained", || {
        let (rt, release, blocker) = blocked_runtime();
        let handle = rt.handle().clone();
        let (polls, drops) = (Counter::new(), Counter::new());
        let queued = spawn_queued(&handle, &polls, &drops);

        // No grace period: the workers stop after the poll they are in.
        rt.shutdown_background();
        release.send(()).unwrap();

        assert_cancelled(queued);
        futures::executor::block_on(blocker).unwrap();
        assert_eq!(polls.get(), 0);
        assert_eq!(drops.get(), QUEUED, "each future is dropped exactly once");
        wait_until("the shutdown's books balance", || {
            let m = handle.metrics();
            m.live_tasks == 0 && m.spawned_tasks == m.completed_tasks
        });
    });
}

/// Many outside threads spawning while the workers run: every task runs
/// once and is listed and unlisted exactly once (the books balance).
#[test]
fn outside_spawns_under_contention_run_once_and_balance() {
    watchdog("outside_contention", || {
        const THREADS: usize = 4;
        const PER_THREAD: usize = 2_000;
        let rt = Builder::new().worker_threads(2).build().unwrap();
        let (polls, drops) = (Counter::new(), Counter::new());
        let handles: Vec<_> = std::thread::scope(|s| {
            let spawners: Vec<_> = (0..THREADS)
                .map(|_| {
                    let handle = rt.handle().clone();
                    let (polls, drops) = (polls.clone(), drops.clone());
                    s.spawn(move || {
                        (0..PER_THREAD)
                            .map(|i| handle.spawn(Tracked::new(async move { i }, &polls, &drops)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            spawners
                .into_iter()
                .flat_map(|t| t.join().unwrap())
                .collect()
        });
        let sum: usize = rt.block_on(async {
            let mut sum = 0;
            for h in handles {
                sum += h.await.unwrap();
            }
            sum
        });
        assert_eq!(sum, THREADS * (0..PER_THREAD).sum::<usize>());
        assert_eq!(polls.get(), THREADS * PER_THREAD);
        assert_eq!(drops.get(), THREADS * PER_THREAD);
        wait_until("every task is counted as completed", || {
            let m = rt.handle().metrics();
            m.live_tasks == 0 && m.completed_tasks == (THREADS * PER_THREAD) as u64
        });
        drop(rt);
    });
}

/// A task spawned from outside that the worker moved into its own queue
/// (with the task it then runs) before that task blocked it: a
/// `shutdown_timeout` that leaves the worker behind still completes it
/// before returning, unpolled, as it did when every task was listed at
/// spawn (it is in no list: the shutdown takes it from the worker's
/// queue).
#[test]
fn shutdown_timeout_completes_unstarted_tasks_queued_behind_a_blocked_worker() {
    watchdog("unstarted_behind_blocked", || {
        let rt = Builder::new().worker_threads(1).build().unwrap();
        // The gate holds the worker until A and D are both in the injector.
        let gate = spawn_blocker(rt.handle());
        gate.wait_started("the gate never ran");
        // A blocks the worker until released.
        let a = spawn_blocker(rt.handle());
        let (polls, drops) = (Counter::new(), Counter::new());
        let d = rt.spawn(Tracked::new(std::future::pending::<()>(), &polls, &drops));
        gate.release.send(()).unwrap();
        a.wait_started("A never ran");
        // One take from the injector moved A and D into the worker's queue.
        assert_eq!(rt.handle().metrics().injector_depth, 0);

        rt.shutdown_timeout(std::time::Duration::from_millis(50));
        assert!(
            d.is_finished(),
            "shutdown_timeout returned with D unfinished"
        );
        assert_eq!((polls.get(), drops.get()), (0, 1));
        let err = futures::executor::block_on(d).unwrap_err();
        assert!(err.is_cancelled(), "{err}");

        // The worker exits once A returns, completing A; D stays dropped
        // once.
        a.release.send(()).unwrap();
        futures::executor::block_on(a.task).unwrap();
        futures::executor::block_on(gate.task).unwrap();
        assert_eq!((polls.get(), drops.get()), (0, 1));
    });
}

/// Cancelled, or detached (handle dropped), before the first poll, on
/// both flavors fed from another thread: each future is dropped once and
/// the books balance.
#[test]
fn cancel_and_detach_before_the_first_poll_drop_each_future_once() {
    watchdog("cancel_detach_unstarted", || {
        const TASKS: usize = 300;
        for current_thread in [false, true] {
            let rt = if current_thread {
                Builder::new_current_thread().build().unwrap()
            } else {
                Builder::new().worker_threads(2).build().unwrap()
            };
            let (polls, drops) = (Counter::new(), Counter::new());
            let handle = rt.handle().clone();
            let (p, d) = (polls.clone(), drops.clone());
            let kept = std::thread::spawn(move || {
                let mut kept = Vec::new();
                for i in 0..TASKS {
                    let h = handle.spawn(Tracked::new(
                        async move {
                            runtime::task::yield_now().await;
                            i
                        },
                        &p,
                        &d,
                    ));
                    match i % 3 {
                        0 => {
                            h.cancel();
                            kept.push((i, h));
                        }
                        1 => drop(h),
                        _ => kept.push((i, h)),
                    }
                }
                kept
            })
            .join()
            .unwrap();
            rt.block_on(async {
                for (i, h) in kept {
                    match h.await {
                        Ok(v) => assert_eq!(v, i),
                        Err(e) => assert!(e.is_cancelled() && i % 3 == 0, "{i}: {e}"),
                    }
                }
            });
            wait_until("every future is dropped", || drops.get() == TASKS);
            wait_until("the books balance", || {
                let m = rt.handle().metrics();
                m.live_tasks == 0 && m.spawned_tasks == m.completed_tasks
            });
            assert_eq!(rt.handle().dump().unstarted(), 0);
            drop(rt);
            assert_eq!(drops.get(), TASKS, "a future dropped twice");
        }
    });
}

/// The current-thread flavor: tasks spawned from other threads, some of
/// them moved out of the core's stealable queue (its ready list) before a
/// task blocks the core's thread; a `shutdown_timeout` from another thread
/// still completes every unstarted one before returning.
#[test]
fn current_thread_shutdown_completes_unstarted_tasks_behind_a_blocked_core() {
    watchdog("ct_unstarted_behind_blocked", || {
        const FILLERS: usize = 300;
        let rt = Builder::new_current_thread().build().unwrap();
        let handle = rt.handle().clone();
        // Quick tasks ahead of A, so the core passes maintenance ticks
        // (which move its queue to the ready list) before A blocks it.
        let fillers: Vec<_> = (0..FILLERS)
            .map(|i| handle.spawn(async move { i }))
            .collect();
        let a = spawn_blocker(&handle);
        let (polls, drops) = (Counter::new(), Counter::new());
        let queued: Vec<_> = (0..QUEUED)
            .map(|_| handle.spawn(Tracked::new(std::future::pending::<()>(), &polls, &drops)))
            .collect();
        // Another thread drives the core; its future ends after A.
        let (done_tx, done_rx) = futures_channel::oneshot::channel::<()>();
        let driver = std::thread::spawn({
            let handle = handle.clone();
            move || handle.block_on(done_rx)
        });
        a.wait_started("A never ran");
        for (i, f) in fillers.into_iter().enumerate() {
            assert!(f.is_finished(), "filler {i} did not run before A");
        }
        rt.shutdown_timeout(std::time::Duration::from_millis(50));
        for task in &queued {
            assert!(
                task.is_finished(),
                "shutdown_timeout returned with a task unfinished"
            );
        }
        assert_eq!((polls.get(), drops.get()), (0, QUEUED));
        a.release.send(()).unwrap();
        futures::executor::block_on(a.task).unwrap();
        let _ = done_tx.send(());
        let _ = driver.join();
        assert_eq!((polls.get(), drops.get()), (0, QUEUED));
    });
}

/// Blocks its thread when dropped, until released (bounded), after saying
/// so: a task whose future holds one blocks the thread that drops it.
struct BlockOnDrop {
    dropping: mpsc::Sender<()>,
    release: mpsc::Receiver<()>,
}

impl Drop for BlockOnDrop {
    fn drop(&mut self) {
        let _ = self.dropping.send(());
        let _ = self.release.recv_timeout(WAIT);
    }
}

/// The current-thread flavor, with the list already closed: the core's
/// maintenance tick moves a batch from its stealable queue to its ready
/// list (the list refuses the unstarted tasks there), then a cancelled
/// task of that batch blocks the core as its future is dropped. A
/// `shutdown_timeout` from another thread still completes every unstarted
/// task of the batch before returning.
///
/// The injector holds `AHEAD` unstarted tasks, then K (listed, woken from
/// here), then more: one take moves K with `AHEAD` tasks ahead of it into
/// the core's queue (a batch of 128), so a maintenance tick (one in every
/// 61 turns) moves K into the ready list with the rest of its batch.
#[test]
fn current_thread_shutdown_completes_unstarted_tasks_refused_into_the_ready_list() {
    watchdog("ct_refused_into_ready", || {
        const AHEAD: usize = 62;
        const BEHIND: usize = 137;
        let rt = Builder::new_current_thread().build().unwrap();
        let handle = rt.handle().clone();
        let (done_tx, done_rx) = futures_channel::oneshot::channel::<()>();
        let driver = std::thread::spawn({
            let handle = handle.clone();
            move || handle.block_on(done_rx)
        });

        // K: polled once (listed), then waits to be woken; its drop blocks.
        let (k_ready_tx, k_ready_rx) = mpsc::channel();
        let (k_dropping_tx, k_dropping_rx) = mpsc::channel();
        let (k_release_tx, k_release_rx) = mpsc::channel::<()>();
        let (k_wake_tx, k_wake_rx) = futures_channel::oneshot::channel::<()>();
        let k = handle.spawn(async move {
            let _block = BlockOnDrop {
                dropping: k_dropping_tx,
                release: k_release_rx,
            };
            k_ready_tx.send(()).unwrap();
            let _ = k_wake_rx.await;
        });
        k_ready_rx.recv_timeout(WAIT).expect("K never ran");

        // G blocks the core while the injector fills and the list closes.
        let g = spawn_blocker(&handle);
        g.wait_started("G never ran");

        let (polls, drops) = (Counter::new(), Counter::new());
        let spawn_pending = |n: usize| -> Vec<_> {
            (0..n)
                .map(|_| handle.spawn(Tracked::new(std::future::pending::<()>(), &polls, &drops)))
                .collect()
        };
        let mut queued = spawn_pending(AHEAD);
        k_wake_tx.send(()).unwrap();
        queued.extend(spawn_pending(BEHIND));

        let shutdown = std::thread::spawn(move || {
            rt.shutdown_timeout(std::time::Duration::from_millis(100));
        });
        wait_until("the task list closes", || {
            handle.spawn(async {}).is_finished()
        });
        g.release.send(()).unwrap();
        k_dropping_rx
            .recv_timeout(WAIT)
            .expect("K was never dropped");
        shutdown.join().unwrap();
        let unfinished = queued.iter().filter(|t| !t.is_finished()).count();
        assert_eq!(
            unfinished, 0,
            "shutdown_timeout returned with unstarted tasks unfinished"
        );
        assert_eq!((polls.get(), drops.get()), (0, AHEAD + BEHIND));

        k_release_tx.send(()).unwrap();
        let _ = done_tx.send(());
        driver.join().unwrap().unwrap();
        for task in [k, g.task] {
            let _ = futures::executor::block_on(task);
        }
        assert_cancelled(queued);
        assert_eq!((polls.get(), drops.get()), (0, AHEAD + BEHIND));
    });
}

/// Records the name of the thread that drops it, after a deliberately slow
/// destructor (1 ms of spinning).
struct SlowDrop(std::sync::Arc<std::sync::Mutex<Vec<Option<String>>>>);

impl Drop for SlowDrop {
    fn drop(&mut self) {
        support::spin_for(std::time::Duration::from_millis(1));
        let name = std::thread::current().name().map(str::to_owned);
        self.0.lock().unwrap().push(name);
    }
}

/// A graceful shutdown waits for the unstarted tasks too: the worker
/// completes them (the list refuses them at their first poll) within the
/// grace period, while the drivers still run, instead of the final drain
/// after the workers stopped. Their destructors take 40 ms in all, ample
/// time for the shutdown to stop the worker in between if it did not wait.
#[test]
fn the_grace_period_waits_for_unstarted_tasks() {
    watchdog("grace_waits_for_unstarted", || {
        const SLOW: usize = 40;
        let (rt, release, blocker) = blocked_runtime();
        let handle = rt.handle().clone();
        let dropped_on = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let queued: Vec<_> = (0..SLOW)
            .map(|_| {
                let slow = SlowDrop(dropped_on.clone());
                handle.spawn(async move {
                    let _slow = slow;
                })
            })
            .collect();

        shut_down_then_release(rt, release);
        assert_cancelled(queued);
        futures::executor::block_on(blocker).unwrap();
        let dropped_on = dropped_on.lock().unwrap();
        assert_eq!(dropped_on.len(), SLOW, "each future is dropped once");
        for name in dropped_on.iter() {
            assert!(
                name.as_deref()
                    .is_some_and(|n| n.starts_with("runtime-worker")),
                "an unstarted task was dropped on {name:?}, after the grace period: {dropped_on:?}"
            );
        }
    });
}
