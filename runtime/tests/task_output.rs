//! What a task holds over its life (its future, then its output value or
//! error) is dropped exactly once, whichever path ends it: read through the
//! `JoinHandle`, dropped with a handle that never read it, dropped by the
//! worker for a detached task, a panic's payload, a cancellation, the
//! runtime's shutdown. And the runtime's task list holds exactly the live
//! tasks, whatever order tasks finish in.

mod support;

use futures_channel::oneshot;
use runtime::task::{Id, JoinHandle};
use std::collections::HashSet;
use support::{block_on, runtime, wait_until, watchdog, Counter, DropGuard};

/// A task output that counts its drops.
struct Output(#[allow(dead_code)] DropGuard);

#[test]
fn an_output_read_through_the_handle_is_dropped_once_by_its_reader() {
    let drops = Counter::new();
    let d = drops.clone();
    block_on("output_read", 2, move || async move {
        let handles: Vec<JoinHandle<Output>> = (0..100)
            .map(|_| {
                let guard = d.guard();
                runtime::spawn(async move { Output(guard) })
            })
            .collect();
        for h in handles {
            let out = h.await.expect("the task failed");
            let before = d.get();
            drop(out);
            assert_eq!(d.get(), before + 1, "the read output was not dropped once");
        }
    });
    assert_eq!(drops.get(), 100);
}

#[test]
fn an_output_nobody_reads_is_dropped_once() {
    let drops = Counter::new();
    let d = drops.clone();
    let rt = runtime(2);
    watchdog("output_unread", move || {
        // Detached before completion: the worker drops the output.
        for _ in 0..100 {
            let guard = d.guard();
            drop(rt.spawn(async move { Output(guard) }));
        }
        wait_until("the detached outputs are dropped", || d.get() == 100);
        // Complete, then the handle is dropped without reading it.
        let handles: Vec<JoinHandle<Output>> = (0..100)
            .map(|_| {
                let guard = d.guard();
                rt.spawn(async move { Output(guard) })
            })
            .collect();
        for h in &handles {
            wait_until("the task finishes", || h.is_finished());
        }
        assert_eq!(
            d.get(),
            100,
            "an output was dropped while its handle held it"
        );
        drop(handles);
        assert_eq!(
            d.get(),
            200,
            "the unread outputs were not dropped once each"
        );
        drop(rt);
    });
    assert_eq!(drops.get(), 200);
}

#[test]
fn a_panic_payload_is_dropped_once_read_or_not() {
    let drops = Counter::new();
    let d = drops.clone();
    let rt = runtime(2);
    watchdog("panic_payload", move || {
        let spawn = |d: &Counter| {
            let guard = d.guard();
            rt.spawn(async move {
                std::panic::panic_any(guard);
            })
        };
        let read = spawn(&d);
        let unread = spawn(&d);
        let detached = spawn(&d);
        drop(detached);
        let err = rt.block_on(read).expect_err("the task panicked");
        assert!(err.is_panic());
        wait_until("the unread task finishes", || unread.is_finished());
        wait_until("the detached payload is dropped", || d.get() == 1);
        drop(unread);
        assert_eq!(
            d.get(),
            2,
            "the unread payload was not dropped with its handle"
        );
        drop(err);
        assert_eq!(
            d.get(),
            3,
            "the read payload was not dropped with its error"
        );
        drop(rt);
    });
    assert_eq!(drops.get(), 3);
}

#[test]
fn futures_cancelled_or_shut_down_are_dropped_once() {
    let drops = Counter::new();
    let d = drops.clone();
    let rt = runtime(2);
    watchdog("cancel_and_shutdown", move || {
        let handles: Vec<JoinHandle<Output>> = (0..200)
            .map(|_| {
                let guard = d.guard();
                rt.spawn(async move {
                    let _g = guard;
                    std::future::pending::<Output>().await
                })
            })
            .collect();
        for h in handles.iter().step_by(2) {
            h.cancel();
        }
        for h in handles.iter().step_by(2) {
            wait_until("the cancelled task finishes", || h.is_finished());
        }
        assert_eq!(d.get(), 100, "cancelling did not drop each future once");
        // The others are idle when the runtime shuts down.
        drop(rt);
        assert_eq!(d.get(), 200, "shutdown did not drop each idle future once");
        drop(handles);
    });
    assert_eq!(drops.get(), 200);
}

#[test]
fn the_task_list_holds_exactly_the_live_tasks_whatever_order_they_finish_in() {
    let rt = runtime(2);
    watchdog("task_list_order", move || {
        // Tasks each waiting for their own signal, finished in a scrambled
        // order, checking after each batch that the dump (which walks the
        // task list) holds exactly the others. 1,000 tasks, then 800 of
        // them finished, then 600 more spawned (into the slots the
        // finished ones left), then all finished.
        type Live = Vec<(Id, oneshot::Sender<()>, JoinHandle<()>)>;
        let spawn = |live: &mut Live, n: usize| {
            for _ in 0..n {
                let (tx, rx) = oneshot::channel::<()>();
                let h = rt.spawn(async move {
                    let _ = rx.await;
                });
                live.push((h.id(), tx, h));
            }
        };
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut finish_down_to = |live: &mut Live, keep: usize| {
            while live.len() > keep {
                for _ in 0..(live.len() - keep).div_ceil(7) {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    let (_, tx, h) = live.swap_remove(seed as usize % live.len());
                    tx.send(()).expect("the task is waiting");
                    rt.block_on(h).expect("the task failed");
                }
                // A task leaves the list just after it wakes its handle, so
                // the last one may still be on its way out.
                let expected: HashSet<Id> = live.iter().map(|(id, ..)| *id).collect();
                let listed =
                    || -> HashSet<Id> { rt.handle().dump().tasks().iter().map(|t| t.id).collect() };
                assert!(listed().is_superset(&expected), "the task list lost a task");
                wait_until("the task list holds just the live tasks", || {
                    listed() == expected
                });
            }
        };
        let mut live = Live::new();
        spawn(&mut live, 1000);
        finish_down_to(&mut live, 200);
        spawn(&mut live, 600);
        finish_down_to(&mut live, 0);
        drop(rt);
    });
}
