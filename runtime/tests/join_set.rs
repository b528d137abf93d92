//! `JoinSet`: results as tasks finish, ownership (drop cancels), cancel_all,
//! detach_all, blocking tasks.

mod support;

use futures_channel::oneshot;
use runtime::task::{catch_cancel, yield_now, JoinSet};
use std::collections::HashSet;
use support::{block_on, wait_until, Counter};

/// Every result comes back exactly once, then `None`; `len` counts tasks
/// not yet joined.
#[test]
fn join_next_returns_each_result_once_then_none() {
    block_on("join_set_results", 2, || async {
        let mut set = JoinSet::new();
        assert!(set.is_empty());
        assert!(set.join_next().await.is_none());
        let mut ids = HashSet::new();
        for i in 0..100u64 {
            ids.insert(set.spawn(async move {
                yield_now().await;
                i
            }));
        }
        assert_eq!(set.len(), 100);
        assert_eq!(ids.len(), 100, "ids are distinct");
        let mut seen = Vec::new();
        while let Some(res) = set.join_next_with_id().await {
            let (id, value) = res.unwrap();
            assert!(ids.remove(&id), "unknown or repeated id {id}");
            seen.push(value);
        }
        seen.sort_unstable();
        assert_eq!(seen, (0..100).collect::<Vec<_>>());
        assert!(set.is_empty());
        assert!(set.join_next().await.is_none());
    });
}

/// Results come in the order the tasks finish, not the order they were
/// spawned.
#[test]
fn join_next_yields_in_completion_order() {
    block_on("join_set_order", 2, || async {
        let mut set = JoinSet::new();
        let mut releases = Vec::new();
        for i in 0..5u32 {
            let (tx, rx) = oneshot::channel::<()>();
            releases.push(tx);
            set.spawn(async move {
                rx.await.unwrap();
                i
            });
        }
        // Release in reverse order, one at a time, and check each comes next.
        for i in (0..5u32).rev() {
            releases.pop().unwrap().send(()).unwrap();
            assert_eq!(set.join_next().await.unwrap().unwrap(), i);
        }
    });
}

/// Dropping the set cancels every task still in it: each future is dropped
/// exactly once, and none runs on.
#[test]
fn dropping_the_set_cancels_its_tasks() {
    let drops = Counter::new();
    let drops2 = drops.clone();
    block_on("join_set_drop", 2, move || async move {
        let mut set = JoinSet::new();
        for _ in 0..50 {
            let guard = drops2.guard();
            set.spawn(async move {
                let _guard = guard;
                std::future::pending::<()>().await;
            });
        }
        drop(set);
        let drops3 = drops2.clone();
        // Bounded wait on the side effect.
        runtime::spawn_blocking(move || {
            wait_until("all 50 futures dropped", || drops3.get() == 50)
        })
        .await
        .unwrap();
    });
    assert_eq!(drops.get(), 50);
}

/// `cancel_all` cancels; the tasks stay in the set, and `join_next` waits
/// for their cleanup and reports them cancelled.
#[test]
fn cancel_all_lets_tasks_clean_up_and_reports_them_cancelled() {
    let cleaned = Counter::new();
    let cleaned2 = cleaned.clone();
    block_on("join_set_cancel_all", 2, move || async move {
        let mut set = JoinSet::new();
        let mut started = Vec::new();
        for _ in 0..20 {
            let (tx, rx) = oneshot::channel();
            started.push(rx);
            let cleaned = cleaned2.clone();
            set.spawn(async move {
                tx.send(()).unwrap();
                if catch_cancel(std::future::pending::<()>()).await.is_err() {
                    yield_now().await; // asynchronous cleanup
                    cleaned.incr();
                }
            });
        }
        for rx in started {
            rx.await.unwrap();
        }
        set.cancel_all();
        assert_eq!(set.len(), 20);
        let mut cancelled = 0;
        while let Some(res) = set.join_next().await {
            assert!(res.unwrap_err().is_cancelled());
            cancelled += 1;
        }
        assert_eq!(cancelled, 20);
        // Every result was taken after its task finished its cleanup.
        assert_eq!(cleaned2.get(), 20);
    });
    assert_eq!(cleaned.get(), 20);
}

/// `shutdown` cancels and waits: afterwards the set is empty and every
/// future is gone.
#[test]
fn shutdown_cancels_and_waits() {
    let drops = Counter::new();
    let drops2 = drops.clone();
    block_on("join_set_shutdown", 2, move || async move {
        let mut set = JoinSet::new();
        for _ in 0..10 {
            let guard = drops2.guard();
            set.spawn(async move {
                let _guard = guard;
                std::future::pending::<()>().await
            });
        }
        set.shutdown().await;
        assert!(set.is_empty());
        assert_eq!(drops2.get(), 10);
    });
}

/// `detach_all` lets the tasks go: they keep running and finish after the
/// set is dropped.
#[test]
fn detach_all_keeps_tasks_running() {
    let finished = Counter::new();
    let finished2 = finished.clone();
    block_on("join_set_detach", 2, move || async move {
        let mut set = JoinSet::new();
        let (release_tx, release_rx) = async_channel::unbounded::<()>();
        let (done_tx, done_rx) = async_channel::unbounded::<()>();
        for _ in 0..10 {
            let (release_rx, done_tx, finished) =
                (release_rx.clone(), done_tx.clone(), finished2.clone());
            set.spawn(async move {
                release_rx.recv().await.unwrap();
                finished.incr();
                done_tx.send(()).await.unwrap();
            });
        }
        set.detach_all();
        assert!(set.is_empty());
        drop(set);
        for _ in 0..10 {
            release_tx.send(()).await.unwrap();
        }
        for _ in 0..10 {
            done_rx.recv().await.unwrap();
        }
    });
    assert_eq!(finished.get(), 10);
}

/// Panics come back as errors; `try_join_next` takes only finished tasks;
/// blocking closures and tasks on an explicit handle join the same way.
#[test]
fn panics_try_join_next_blocking_and_spawn_on() {
    block_on("join_set_misc", 2, || async {
        let mut set: JoinSet<u32> = JoinSet::new();
        assert!(set.try_join_next().is_none());
        set.spawn(async { panic!("boom") });
        let err = set.join_next().await.unwrap().unwrap_err();
        assert!(err.is_panic());

        set.spawn_blocking(|| 7);
        let handle = runtime::Handle::current();
        set.spawn_on(async { 8 }, &handle);
        let mut got = vec![
            set.join_next().await.unwrap().unwrap(),
            set.join_next().await.unwrap().unwrap(),
        ];
        got.sort_unstable();
        assert_eq!(got, vec![7, 8]);

        let (tx, rx) = oneshot::channel::<()>();
        set.spawn(async move {
            rx.await.unwrap();
            9
        });
        assert!(set.try_join_next().is_none(), "the task has not finished");
        tx.send(()).unwrap();
        assert_eq!(set.join_next().await.unwrap().unwrap(), 9);
    });
}

/// Many tasks, most of them idle: joining the few that finish works (and
/// the set does not need to poll the idle ones to find them).
#[test]
fn a_few_finished_among_many_idle() {
    block_on("join_set_many_idle", 2, || async {
        let mut set = JoinSet::new();
        let (_hold, never) = async_channel::bounded::<()>(1);
        for _ in 0..10_000 {
            let never = never.clone();
            set.spawn(async move {
                let _ = never.recv().await;
                0u32
            });
        }
        for i in 1..=3 {
            set.spawn(async move { i });
        }
        let mut sum = 0;
        for _ in 0..3 {
            sum += set.join_next().await.unwrap().unwrap();
        }
        assert_eq!(sum, 6);
        assert_eq!(set.len(), 10_000);
        set.shutdown().await;
    });
}
