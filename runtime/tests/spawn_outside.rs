//! Tasks spawned from a thread that is not one of the runtime's workers
//! join the task list at their first poll, on the worker that runs them
//! (`Shared::spawn_at`). Until then they are counted, not listed: in
//! `live_tasks` and in the dump's `unstarted`. A shutdown that finds them
//! unstarted completes them as cancelled without a poll, whether a worker
//! reaches them after the list closed or the final drain does.
//!
//! The tests block the one worker on a synchronous channel on purpose, so
//! that the spawned tasks wait in its queue; each wait is bounded.

mod support;

use runtime::{Builder, Handle, Runtime};
use std::sync::mpsc;
use support::{wait_until, watchdog, Counter, Tracked, WAIT};

const QUEUED: usize = 5;

/// A one-worker runtime whose worker runs a task that blocks it until the
/// returned sender is used or dropped; returns once it blocks.
fn blocked_runtime() -> (Runtime, mpsc::Sender<()>, runtime::task::JoinHandle<()>) {
    let rt = Builder::new().worker_threads(1).build().unwrap();
    let (started_tx, started_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let blocker = rt.spawn(async move {
        started_tx.send(()).unwrap();
        // Bounded: a failing test does not hang here.
        let _ = release_rx.recv_timeout(WAIT);
    });
    started_rx
        .recv_timeout(WAIT)
        .expect("the blocker never ran");
    (rt, release_tx, blocker)
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

#[test]
fn a_task_spawned_from_outside_counts_as_live_and_unstarted_before_its_first_poll() {
    watchdog("unstarted_counts", || {
        let (rt, release, blocker) = blocked_runtime();
        let (polls, drops) = (Counter::new(), Counter::new());
        let queued = spawn_queued(rt.handle(), &polls, &drops);

        let m = rt.handle().metrics();
        assert_eq!(m.live_tasks, QUEUED + 1, "{m}");
        assert_eq!(m.spawned_tasks, m.completed_tasks + m.live_tasks as u64);
        let dump = rt.handle().dump();
        assert_eq!(dump.unstarted(), QUEUED, "{dump}");
        assert!(
            dump.get(blocker.id()).is_some(),
            "the running blocker is listed: {dump}"
        );
        for task in &queued {
            assert!(
                dump.get(task.id()).is_none(),
                "listed before its poll: {dump}"
            );
        }
        assert!(
            dump.to_string().contains("5 spawned from outside"),
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

        let shutdown = std::thread::spawn(move || rt.shutdown_timeout(WAIT));
        // A spawn from outside resolves at once once the list is closed.
        wait_until("the task list closes", || {
            handle.spawn(async {}).is_finished()
        });
        release.send(()).unwrap();
        shutdown.join().unwrap();

        for task in queued {
            let err = futures::executor::block_on(task).unwrap_err();
            assert!(err.is_cancelled(), "{err}");
        }
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

        for task in queued {
            let err = futures::executor::block_on(task).unwrap_err();
            assert!(err.is_cancelled(), "{err}");
        }
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
