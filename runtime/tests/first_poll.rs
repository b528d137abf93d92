//! A task joins the runtime's task list at the end of its first poll, and
//! only if that poll leaves it pending (`Shared::spawn_at`,
//! `Schedule::list_pending`): most short tasks complete in their first
//! poll and never take the list's locks. Until then the task is counted,
//! not listed (`live_tasks`, the dump's `unstarted`). These tests check
//! what users see of that: the dump, the books, and the shutdown paths of a
//! first poll that straddles the start of a shutdown or outlives it.
//!
//! Some tests block the one worker on a synchronous channel on purpose;
//! each wait is bounded.

mod support;

use runtime::metrics::TaskDump;
use runtime::task::{catch_cancel, yield_now};
use runtime::{Builder, Handle, Runtime};
use std::sync::mpsc;
use std::time::Duration;
use support::{wait_until, watchdog, Counter, Tracked, WAIT};

fn both_flavors() -> [(&'static str, Runtime); 2] {
    [
        (
            "multi-thread",
            Builder::new().worker_threads(2).build().unwrap(),
        ),
        (
            "current-thread",
            Builder::new_current_thread().build().unwrap(),
        ),
    ]
}

fn dump() -> TaskDump {
    Handle::current().dump()
}

/// The multi-thread flavor (the current-thread core also lists a task
/// before its first poll when it moves it out of its stealable queue, see
/// `spawn_outside.rs`).
#[test]
fn a_task_is_listed_once_its_first_poll_leaves_it_pending() {
    watchdog("listed_after_first_poll", || {
        let rt = Builder::new().worker_threads(2).build().unwrap();
        {
            let flavor = "multi-thread";
            let task = rt.spawn(async move {
                let me = runtime::task::id();
                let first = dump();
                assert!(
                    first.get(me).is_none(),
                    "{flavor}: listed in its first poll: {first}"
                );
                assert!(first.unstarted() >= 1, "{flavor}: not counted: {first}");
                yield_now().await;
                let second = dump();
                assert!(
                    second.get(me).is_some(),
                    "{flavor}: not listed after its first poll: {second}"
                );
                // Spawned on a worker: the same.
                let child = runtime::spawn(async {
                    let me = runtime::task::id();
                    assert!(dump().get(me).is_none(), "listed in its first poll");
                    std::future::pending::<()>().await
                });
                let id = child.id();
                while dump().get(id).is_none() {
                    yield_now().await;
                }
                child.cancel();
                assert!(child.await.unwrap_err().is_cancelled());
                assert!(
                    dump().get(id).is_none(),
                    "{flavor}: listed after completion"
                );
            });
            rt.block_on(task).unwrap();
            wait_until("the books balance", || {
                let m = rt.handle().metrics();
                m.live_tasks == 0 && m.spawned_tasks == m.completed_tasks
            });
            assert_eq!(rt.handle().dump().unstarted(), 0, "{flavor}");
        }
    });
}

/// Tasks spawned from a task, half completing in their first poll (never
/// listed), half after a yield (listed, then removed): each runs to its
/// end once, each future is dropped once, and the counts balance.
#[test]
fn tasks_that_complete_in_their_first_poll_or_later_balance_the_books() {
    watchdog("first_poll_books", || {
        const TASKS: usize = 4_000;
        for (flavor, rt) in both_flavors() {
            let (polls, drops) = (Counter::new(), Counter::new());
            let (p, d) = (polls.clone(), drops.clone());
            let sum = rt.block_on(rt.spawn(async move {
                let handles: Vec<_> = (0..TASKS)
                    .map(|i| {
                        runtime::spawn(Tracked::new(
                            async move {
                                if i % 2 == 1 {
                                    yield_now().await;
                                }
                                i
                            },
                            &p,
                            &d,
                        ))
                    })
                    .collect();
                let mut sum = 0;
                for h in handles {
                    sum += h.await.unwrap();
                }
                sum
            }));
            assert_eq!(sum.unwrap(), (0..TASKS).sum::<usize>(), "{flavor}");
            assert_eq!(drops.get(), TASKS, "{flavor}: each future dropped once");
            // A task that yields is polled twice.
            assert_eq!(polls.get(), TASKS + TASKS / 2, "{flavor}");
            wait_until("the books balance", || {
                let m = rt.handle().metrics();
                m.live_tasks == 0 && m.spawned_tasks == m.completed_tasks
            });
            assert_eq!(rt.handle().dump().unstarted(), 0, "{flavor}");
        }
    });
}

/// A one-worker runtime whose worker is blocked in the first poll of a
/// task (`task`) spawned from a task: the poll says it runs, blocks the
/// worker (as a task must not) until `release` is used, then returns
/// pending, in `catch_cancel`: once cancelled it cleans up (`cleanups`)
/// and ends. `polls` and `drops` count its future's polls and drops.
struct BlockedFirstPoll {
    rt: Runtime,
    handle: Handle,
    task: runtime::task::JoinHandle<()>,
    release: mpsc::Sender<()>,
    polls: Counter,
    drops: Counter,
    cleanups: Counter,
}

// The outer task's output is the inner task's handle, on purpose.
#[allow(clippy::async_yields_async)]
fn blocked_first_poll() -> BlockedFirstPoll {
    let rt = Builder::new().worker_threads(1).build().unwrap();
    let (polls, drops, cleanups) = (Counter::new(), Counter::new(), Counter::new());
    let (started_tx, started) = mpsc::channel();
    let (release, release_rx) = mpsc::channel::<()>();
    let (p, d, c) = (polls.clone(), drops.clone(), cleanups.clone());
    let task = rt
        .block_on(rt.spawn(async move {
            runtime::spawn(Tracked::new(
                async move {
                    started_tx.send(()).unwrap();
                    let _ = release_rx.recv_timeout(WAIT);
                    if catch_cancel(std::future::pending::<()>()).await.is_err() {
                        yield_now().await;
                        c.incr();
                    }
                },
                &p,
                &d,
            ))
        }))
        .unwrap();
    started.recv_timeout(WAIT).expect("the task never ran");
    BlockedFirstPoll {
        handle: rt.handle().clone(),
        rt,
        task,
        release,
        polls,
        drops,
        cleanups,
    }
}

/// The shutdown begins (the list closes, the listed tasks are cancelled)
/// while a task is in its first poll, unlisted. When that poll returns
/// pending, the task is listed still and cancelled as the others were: it
/// cleans up within the grace period, instead of idling unseen until the
/// deadline and being dropped without its cleanup.
#[test]
fn a_first_poll_that_straddles_the_start_of_a_shutdown_is_cancelled_with_its_cleanup() {
    watchdog("first_poll_straddles", || {
        let BlockedFirstPoll {
            rt,
            handle,
            task,
            release,
            drops,
            cleanups,
            ..
        } = blocked_first_poll();
        let shutdown = std::thread::spawn(move || rt.shutdown_timeout(WAIT));
        // A spawn resolves at once once the list is closed.
        wait_until("the task list closes", || {
            handle.spawn(async {}).is_finished()
        });
        release.send(()).unwrap();
        shutdown.join().unwrap();

        let err = futures::executor::block_on(task).unwrap_err();
        assert!(err.is_cancelled(), "{err}");
        assert_eq!(cleanups.get(), 1, "the cancelled task did not clean up");
        assert_eq!(drops.get(), 1, "each future is dropped exactly once");
        let m = handle.metrics();
        assert_eq!(m.live_tasks, 0, "{m}");
        assert_eq!(m.spawned_tasks, m.completed_tasks, "{m}");
    });
}

/// A first poll that outlives the whole shutdown (`shutdown_timeout` left
/// its worker behind and completed everything it could reach): when the
/// poll returns pending, nothing could find the task in the list any more,
/// so it is completed there and then, as cancelled, its future dropped once.
#[test]
fn a_first_poll_that_outlives_the_shutdown_completes_the_task_as_it_returns() {
    watchdog("first_poll_outlives", || {
        let BlockedFirstPoll {
            rt,
            handle,
            task,
            release,
            polls,
            drops,
            cleanups,
        } = blocked_first_poll();
        rt.shutdown_timeout(Duration::from_millis(50));
        assert!(!task.is_finished(), "completed while its poll ran");
        release.send(()).unwrap();

        let err = futures::executor::block_on(task).unwrap_err();
        assert!(err.is_cancelled(), "{err}");
        assert_eq!(
            (polls.get(), drops.get()),
            (1, 1),
            "polled again, or dropped twice"
        );
        assert_eq!(cleanups.get(), 0, "polled after the shutdown ended");
        wait_until("the books balance", || {
            let m = handle.metrics();
            m.live_tasks == 0 && m.spawned_tasks == m.completed_tasks
        });
    });
}
