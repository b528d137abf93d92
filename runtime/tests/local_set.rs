//! Local tasks (`task::spawn_local`): the cancellation rules and the task
//! identity features, each run twice, on a current-thread runtime and on a
//! `LocalSet` driven by a multi-thread runtime's `block_on`; then what is
//! particular to `LocalSet` (drop, wakers from other threads, `Send`
//! handles, misuse).

mod support;

use futures_channel::oneshot;
use runtime::task::{self, catch_cancel, is_cancelled, shield, spawn_local, yield_now, LocalSet};
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;
use std::thread::ThreadId;
use std::time::Duration;
use support::{expect_panic, watchdog, Counter};

/// Runs `make()` on a current-thread runtime's `block_on`.
fn on_current_thread<Fut: Future<Output = ()>>(
    name: &str,
    make: impl FnOnce() -> Fut + Send + 'static,
) {
    watchdog(name, move || {
        let rt = runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(make());
    });
}

/// Runs `make()` inside a `LocalSet` on a two-worker runtime.
fn on_local_set<Fut: Future<Output = ()>>(name: &str, make: impl FnOnce() -> Fut + Send + 'static) {
    watchdog(name, move || {
        let rt = support::runtime(2);
        let set = LocalSet::new();
        set.block_on(&rt, make());
    });
}

/// One test per runner for the same body.
macro_rules! on_both {
    ($(#[$doc:meta])* fn $name:ident() $body:block) => {
        mod $name {
            use super::*;
            $(#[$doc])*
            fn body() -> impl std::future::Future<Output = ()> { async move $body }
            #[test]
            fn current_thread() {
                on_current_thread(stringify!($name), body);
            }
            #[test]
            fn local_set() {
                on_local_set(stringify!($name), body);
            }
        }
    };
}

/// A future that counts its drops and polls, and records the thread that
/// dropped it.
struct Probe<F> {
    inner: F,
    polls: Rc<Cell<usize>>,
    drops: Counter,
    dropped_on: Rc<Cell<Option<ThreadId>>>,
}

impl<F: Future + Unpin> Future for Probe<F> {
    type Output = F::Output;
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<F::Output> {
        self.polls.set(self.polls.get() + 1);
        std::pin::Pin::new(&mut self.inner).poll(cx)
    }
}

impl<F> Drop for Probe<F> {
    fn drop(&mut self) {
        self.drops.incr();
        self.dropped_on.set(Some(std::thread::current().id()));
    }
}

on_both! {
    /// Rules 1-2: cancelling an idle local task (from another thread)
    /// queues it; its future is dropped exactly once, on its thread,
    /// without another poll; a second cancel and one after completion
    /// change nothing.
    fn cancel_idle_from_another_thread() {
        let drops = Counter::new();
        let polls = Rc::new(Cell::new(0));
        let dropped_on = Rc::new(Cell::new(None));
        let (_tx, rx) = oneshot::channel::<()>();
        let handle = spawn_local(Probe {
            inner: rx,
            polls: polls.clone(),
            drops: drops.clone(),
            dropped_on: dropped_on.clone(),
        });
        while polls.get() == 0 {
            yield_now().await;
        }
        std::thread::scope(|s| {
            s.spawn(|| {
                handle.cancel();
                handle.cancel();
            });
        });
        let err = handle.await.unwrap_err();
        assert!(err.is_cancelled(), "{err:?}");
        assert_eq!(drops.get(), 1);
        assert_eq!(polls.get(), 1, "a cancelled idle task is not polled again");
        assert_eq!(dropped_on.get(), Some(std::thread::current().id()));
    }
}

on_both! {
    /// Rule 4: a cancel during the task's own poll does not interrupt it;
    /// the next poll delivers it.
    fn cancel_during_a_poll() {
        let slot: Rc<RefCell<Option<task::JoinHandle<()>>>> = Rc::new(RefCell::new(None));
        let after_cancel = Rc::new(Cell::new(false));
        let (slot2, after2) = (slot.clone(), after_cancel.clone());
        let handle = spawn_local(async move {
            yield_now().await; // the handle is in the slot from here on
            slot2.borrow().as_ref().unwrap().cancel();
            after2.set(true); // the poll goes on after the cancel
            yield_now().await;
            unreachable!("the cancellation is delivered at the next poll");
        });
        let id = handle.id();
        *slot.borrow_mut() = Some(handle);
        // Wait for completion without taking the handle out of the slot.
        while !slot.borrow().as_ref().unwrap().is_finished() {
            yield_now().await;
        }
        let handle = slot.borrow_mut().take().unwrap();
        assert_eq!(handle.id(), id);
        assert!(handle.await.unwrap_err().is_cancelled());
        assert!(after_cancel.get());
    }
}

on_both! {
    /// Rule: cancel after completion keeps the value; twice is harmless.
    fn cancel_after_completion_keeps_the_value() {
        let handle = spawn_local(async { Rc::new(5) });
        while !handle.is_finished() {
            yield_now().await;
        }
        handle.cancel();
        handle.cancel();
        assert_eq!(*handle.await.unwrap(), 5);
    }
}

on_both! {
    /// catch_cancel: async cleanup (a timer) runs, then the task reports
    /// cancelled; is_cancelled is true inside the cleanup.
    fn catch_cancel_runs_async_cleanup() {
        let cleaned = Rc::new(Cell::new(false));
        let (started_tx, started_rx) = oneshot::channel();
        let cleaned2 = cleaned.clone();
        let handle = spawn_local(async move {
            let r = catch_cancel(async move {
                started_tx.send(()).unwrap();
                std::future::pending::<()>().await
            })
            .await;
            assert!(r.is_err(), "the cancellation reaches catch_cancel");
            assert!(is_cancelled());
            runtime::time::sleep(Duration::from_millis(5)).await;
            cleaned2.set(true);
            7
        });
        started_rx.await.unwrap();
        handle.cancel();
        assert!(handle.await.unwrap_err().is_cancelled());
        assert!(cleaned.get(), "the cleanup ran to its end");
    }
}

on_both! {
    /// shield: the shielded part completes, the cancellation lands at the
    /// next await after it.
    fn shield_completes_then_cancellation_lands() {
        let done = Rc::new(Cell::new(false));
        let (started_tx, started_rx) = oneshot::channel();
        let (go_tx, go_rx) = oneshot::channel::<()>();
        let done2 = done.clone();
        let handle = spawn_local(async move {
            shield(async move {
                started_tx.send(()).unwrap();
                go_rx.await.unwrap();
                done2.set(true);
            })
            .await;
            yield_now().await;
            unreachable!("cancelled at the first await after the shield");
        });
        started_rx.await.unwrap();
        handle.cancel();
        go_tx.send(()).unwrap();
        assert!(handle.await.unwrap_err().is_cancelled());
        assert!(done.get());
    }
}

on_both! {
    /// Names, ids and task-locals on local tasks.
    fn names_ids_and_task_locals() {
        runtime::task_local! { static VALUE: u32; }
        let handle = task::Builder::new()
            .name("local-one")
            .spawn_local(VALUE.scope(9, async {
                (task::name().unwrap().to_string(), task::id(), VALUE.get())
            }));
        let id = handle.id();
        let (name, seen, value) = handle.await.unwrap();
        assert_eq!(name, "local-one");
        assert_eq!(seen, id);
        assert_eq!(value, 9);
        let panicking = task::Builder::new()
            .name("local-panics")
            .spawn_local(async { panic!("boom") });
        let err = panicking.await.unwrap_err();
        assert_eq!(err.name(), Some("local-panics"));
    }
}

on_both! {
    /// task::scope inside a local task: its children finish before it, and
    /// cancelling the local parent cancels them.
    fn scope_in_a_local_task() {
        let sum = spawn_local(async {
            task::scope(|group: task::TaskGroup<()>| async move {
                let total = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
                for i in 1..=4 {
                    let total = total.clone();
                    group.spawn(async move {
                        total.fetch_add(i, std::sync::atomic::Ordering::SeqCst);
                        Ok(())
                    });
                }
                Ok(total)
            })
            .await
        })
        .await
        .unwrap()
        .unwrap();
        assert_eq!(sum.load(std::sync::atomic::Ordering::SeqCst), 10);

        let (started_tx, started_rx) = oneshot::channel();
        let child_dropped = Counter::new();
        let child_dropped2 = child_dropped.clone();
        let parent = spawn_local(async move {
            task::scope(|group: task::TaskGroup<()>| async move {
                let guard = child_dropped2.guard();
                group.spawn(async move {
                    let _guard = guard;
                    std::future::pending::<()>().await;
                    Ok(())
                });
                started_tx.send(()).unwrap();
                std::future::pending::<Result<(), ()>>().await
            })
            .await
        });
        started_rx.await.unwrap();
        parent.cancel();
        assert!(parent.await.unwrap_err().is_cancelled());
        assert_eq!(child_dropped.get(), 1, "the scope cancelled and awaited its child");
    }
}

on_both! {
    /// A local task's waker sent to another thread and woken there: the
    /// task runs again, on its own thread.
    fn waker_woken_from_another_thread() {
        let here = std::thread::current().id();
        let handle = spawn_local(async move {
            let mut sent = false;
            std::future::poll_fn(|cx| {
                if sent {
                    return std::task::Poll::Ready(());
                }
                sent = true;
                let waker = cx.waker().clone();
                std::thread::spawn(move || waker.wake());
                std::task::Poll::Pending
            })
            .await;
            std::thread::current().id()
        });
        assert_eq!(handle.await.unwrap(), here);
    }
}

/// Dropping a `LocalSet` cancels its tasks: each future is dropped exactly
/// once, on the set's thread, and each handle resolves as cancelled.
#[test]
fn dropping_a_local_set_drops_each_task_once_on_its_thread() {
    watchdog("local_set_drop", || {
        let rt = support::runtime(2);
        let set = LocalSet::new();
        let drops = Counter::new();
        let dropped_on = Rc::new(Cell::new(None));
        let mut handles = Vec::new();
        for _ in 0..10 {
            let (tx, rx) = oneshot::channel::<()>();
            std::mem::forget(tx); // never sent, never closed
            handles.push(set.spawn_local(Probe {
                inner: rx,
                polls: Rc::new(Cell::new(0)),
                drops: drops.clone(),
                dropped_on: dropped_on.clone(),
            }));
        }
        // Some run once (and wait), the others never start.
        set.block_on(&rt, async {
            yield_now().await;
        });
        assert_eq!(drops.get(), 0);
        drop(set);
        assert_eq!(drops.get(), 10);
        assert_eq!(dropped_on.get(), Some(std::thread::current().id()));
        for handle in handles {
            let err = futures::executor::block_on(handle).unwrap_err();
            assert!(err.is_cancelled());
        }
        assert_eq!(drops.get(), 10, "dropped exactly once");
    });
}

/// A local task's `JoinHandle` is `Send`: awaited on a worker thread.
#[test]
fn join_handle_of_a_local_task_is_awaited_from_another_thread() {
    fn assert_send<T: Send>(_: &T) {}
    watchdog("local_handle_send", || {
        let rt = support::runtime(2);
        let set = LocalSet::new();
        let here = std::thread::current().id();
        set.block_on(&rt, async move {
            let local = spawn_local(async move {
                let _not_send = Rc::new(());
                yield_now().await;
                std::thread::current().id()
            });
            assert_send(&local);
            let remote = runtime::spawn(async move {
                let ran_on = local.await.unwrap();
                (ran_on, std::thread::current().id())
            });
            let (ran_on, awaited_on) = remote.await.unwrap();
            assert_eq!(ran_on, here);
            assert_ne!(awaited_on, here, "awaited on a worker thread");
        });
    });
}

/// `run_until` inside a task of a multi-thread runtime is `!Send`, so it
/// runs in `block_on`; nested `LocalSet`s each keep their own tasks.
#[test]
fn nested_local_sets_keep_their_tasks() {
    watchdog("local_set_nested", || {
        let rt = support::runtime(1);
        let outer = LocalSet::new();
        outer.block_on(&rt, async {
            let inner = LocalSet::new();
            let inner_task = inner.spawn_local(async { 1 });
            let outer_task = spawn_local(async { 2 });
            let a = inner.run_until(inner_task).await.unwrap();
            assert_eq!(a + outer_task.await.unwrap(), 3);
        });
    });
}

/// `spawn_local` outside a `LocalSet` and a current-thread runtime panics
/// with advice: on a plain thread, and on a multi-thread runtime.
#[test]
fn spawn_local_outside_panics_with_advice() {
    let msg = expect_panic("spawn_local on a plain thread", || {
        spawn_local(async {});
    });
    assert!(msg.contains("LocalSet::run_until"), "{msg}");
    assert!(msg.contains("new_current_thread"), "{msg}");
    let rt = support::runtime(1);
    let msg = rt.block_on(async {
        runtime::spawn(async {
            expect_panic("spawn_local on a worker", || {
                spawn_local(async {});
            })
        })
        .await
        .unwrap()
    });
    assert!(msg.contains("runtime::spawn"), "{msg}");
}

/// Many local tasks waking each other from other threads: every one runs
/// to the end, on the set's thread.
#[test]
fn remote_wakes_under_load() {
    watchdog("local_set_remote_wakes", || {
        let rt = support::runtime(2);
        let set = LocalSet::new();
        let here = std::thread::current().id();
        set.block_on(&rt, async move {
            let mut handles = Vec::new();
            for i in 0..200u64 {
                let (tx, rx) = oneshot::channel();
                runtime::spawn(async move {
                    runtime::task::yield_now().await;
                    tx.send(i).unwrap();
                });
                handles.push(spawn_local(async move {
                    let v = rx.await.unwrap();
                    assert_eq!(std::thread::current().id(), here);
                    v
                }));
            }
            let mut sum = 0;
            for h in handles {
                sum += h.await.unwrap();
            }
            assert_eq!(sum, 199 * 200 / 2);
        });
    });
}

/// Awaiting a `LocalSet` runs it until every task has finished: tasks
/// spawned before, tasks spawned by its tasks, and tasks waiting for a
/// timer or for a wake from another thread; not one returns early.
#[test]
fn awaiting_a_local_set_runs_all_its_tasks() {
    watchdog("local_set_awaited", || {
        let rt = support::runtime(2);
        let set = LocalSet::new();
        let done = Rc::new(Cell::new(0));
        let here = std::thread::current().id();
        for i in 0..10u64 {
            let done = done.clone();
            let (tx, rx) = oneshot::channel();
            // Woken from a worker thread, after a timer there.
            rt.spawn(async move {
                runtime::time::sleep(Duration::from_millis(i)).await;
                tx.send(i).unwrap();
            });
            set.spawn_local(async move {
                assert_eq!(rx.await.unwrap(), i);
                assert_eq!(std::thread::current().id(), here);
                // A child spawned from inside the set, with a local timer.
                let d = done.clone();
                spawn_local(async move {
                    runtime::time::sleep(Duration::from_millis(1)).await;
                    d.set(d.get() + 1);
                });
                done.set(done.get() + 1);
            });
        }
        rt.block_on(set);
        assert_eq!(done.get(), 20, "every task and child ran to the end");
    });
}

/// An empty set is done at once; a set whose tasks all finished is done.
#[test]
fn awaiting_an_empty_local_set_returns() {
    watchdog("local_set_awaited_empty", || {
        let rt = support::runtime(1);
        rt.block_on(LocalSet::new());
        let set = LocalSet::new();
        let ran = Rc::new(Cell::new(false));
        let r = ran.clone();
        set.spawn_local(async move { r.set(true) });
        rt.block_on(async {
            set.await;
        });
        assert!(ran.get());
    });
}
