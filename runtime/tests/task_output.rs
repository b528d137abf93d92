//! What a task holds over its life (its future, then its output value or
//! error) is dropped exactly once, whichever path ends it: read through the
//! `JoinHandle`, dropped with a handle that never read it, dropped by the
//! worker for a detached task, a panic's payload, a cancellation, the
//! runtime's shutdown; with it, a waker the handle registered. And the
//! runtime's task list holds exactly the live tasks, whatever order tasks
//! finish in.

mod support;

use futures_channel::oneshot;
use runtime::task::{Id, JoinHandle};
use std::collections::HashSet;
use support::{block_on, runtime, wait_until, watchdog, Counter, DropGuard, Flag};

/// Under the watchdog: runs `body` with a two-worker runtime and a drop
/// counter, then checks that `total` drops were counted.
fn with_counted_drops(
    name: &str,
    total: usize,
    body: impl FnOnce(runtime::Runtime, Counter) + Send + 'static,
) {
    let drops = Counter::new();
    let d = drops.clone();
    let rt = runtime(2);
    watchdog(name, move || body(rt, d));
    assert_eq!(drops.get(), total, "not every drop was counted once");
}

/// A task output that counts its drops.
#[derive(Debug)]
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
    with_counted_drops("output_unread", 200, |rt, d| {
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
}

/// A waker that counts its wakes; its clones are counted by the `Arc`.
struct CountingWaker(Counter);

impl std::task::Wake for CountingWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.incr();
    }
    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.0.incr();
    }
}

/// Polls `handle` once from this thread with `waker` (registering it in
/// the task's join-waker slot); the task must not be finished.
fn register(handle: &mut JoinHandle<Output>, waker: &std::task::Waker) {
    let mut cx = std::task::Context::from_waker(waker);
    assert!(
        std::future::Future::poll(std::pin::Pin::new(handle), &mut cx).is_pending(),
        "the task finished before its handle was polled"
    );
}

#[test]
fn a_handle_dropped_with_a_registered_waker_drops_the_waker_and_the_output_once() {
    use std::sync::Arc;
    with_counted_drops("registered_waker", 2, |rt, d| {
        let wakes = Counter::new();
        let counting = Arc::new(CountingWaker(wakes.clone()));
        let waker = std::task::Waker::from(counting.clone());
        let spawn = |d: &Counter| {
            let guard = d.guard();
            let (tx, rx) = oneshot::channel::<()>();
            let handle = rt.spawn(async move {
                let _ = rx.await;
                Output(guard)
            });
            (tx, handle)
        };

        // Dropped while the task waits: the handle takes its waker back at
        // once; the worker drops the output when the task completes.
        let (tx, mut handle) = spawn(&d);
        register(&mut handle, &waker);
        assert_eq!(Arc::strong_count(&counting), 3, "the slot holds a clone");
        drop(handle);
        assert_eq!(
            Arc::strong_count(&counting),
            2,
            "the dropped handle left its waker in the slot"
        );
        tx.send(()).unwrap();
        wait_until("the first output is dropped", || d.get() == 1);

        // Completed first (the completer wakes the waker, then hands the
        // slot back), then dropped unread: the output goes with the
        // handle, the waker with whichever side holds the slot last.
        let (tx, mut handle) = spawn(&d);
        register(&mut handle, &waker);
        tx.send(()).unwrap();
        // The wake comes after COMPLETE is set.
        wait_until("the completion wakes the joiner", || wakes.get() == 1);
        assert!(handle.is_finished());
        assert_eq!(d.get(), 1, "an output was dropped while its handle held it");
        drop(handle);
        assert_eq!(
            d.get(),
            2,
            "the unread output was not dropped with its handle"
        );
        wait_until("the slot's waker is dropped", || {
            Arc::strong_count(&counting) == 2
        });
        assert_eq!(wakes.get(), 1, "the joiner was woken more than once");
        drop(waker);
        assert_eq!(Arc::strong_count(&counting), 1);
        drop(rt);
    });
}

#[test]
fn a_panic_payload_is_dropped_once_read_or_not() {
    with_counted_drops("panic_payload", 3, |rt, d| {
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
}

#[test]
fn futures_cancelled_or_shut_down_are_dropped_once() {
    with_counted_drops("cancel_and_shutdown", 200, |rt, d| {
        let handles: Vec<JoinHandle<Output>> = (0..200)
            .map(|_| {
                let guard = d.guard();
                rt.spawn(async move {
                    let _g = guard;
                    std::future::pending::<Output>().await
                })
            })
            .collect();
        // Every third (ids come in blocks and pick the task-list shard, so
        // this leaves gaps in every shard for the shutdown to walk past).
        for h in handles.iter().step_by(3) {
            h.cancel();
        }
        for h in handles.iter().step_by(3) {
            wait_until("the cancelled task finishes", || h.is_finished());
        }
        assert_eq!(d.get(), 67, "cancelling did not drop each future once");
        // The others are idle when the runtime shuts down.
        drop(rt);
        assert_eq!(d.get(), 200, "shutdown did not drop each idle future once");
        drop(handles);
    });
}

#[test]
fn the_task_list_holds_exactly_the_live_tasks_whatever_order_they_finish_in() {
    let rt = runtime(2);
    watchdog("task_list_order", move || {
        // Tasks each waiting for their own signal, finished in a scrambled
        // order, checking after each batch that the dump (which walks the
        // task list) holds exactly the others. 1,000 tasks, then 800 of
        // them finished, then 600 more spawned (some into the slots the
        // finished ones left), then all but 100 finished; the runtime's
        // shutdown must then find each of those 100 once.
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
        finish_down_to(&mut live, 100);
        drop(rt);
        for (_, tx, h) in live {
            assert!(tx.is_canceled(), "shutdown left a task's future alive");
            let err = futures_executor_block_on(h).expect_err("shut down");
            assert!(err.is_cancelled());
        }
    });
}

/// Polls a finished handle once (the runtime that ran it is gone).
fn futures_executor_block_on<F: std::future::Future>(f: F) -> F::Output {
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    let mut f = std::pin::pin!(f);
    match f.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(out) => out,
        std::task::Poll::Pending => panic!("the handle of a shut-down task is not ready"),
    }
}

/// Ready with its value on the first poll; its own destructor panics.
struct ReadyThenPanicOnDrop {
    value: Option<Output>,
    _bomb: PanicOnDrop,
}

impl std::future::Future for ReadyThenPanicOnDrop {
    type Output = Output;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Output> {
        std::task::Poll::Ready(self.value.take().expect("polled once"))
    }
}

/// Panics when dropped.
struct PanicOnDrop;

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        panic!("PanicOnDrop");
    }
}

#[test]
fn a_destructor_that_panics_becomes_the_tasks_error_and_nothing_is_dropped_twice() {
    with_counted_drops("panicking_destructor", 2, |rt, d| {
        // Finishes with a value, but its future's destructor panics: the
        // task fails with that panic and its value is dropped once.
        let finished = rt.spawn(ReadyThenPanicOnDrop {
            value: Some(Output(d.guard())),
            _bomb: PanicOnDrop,
        });
        let err = rt.block_on(finished).expect_err("the destructor panicked");
        assert!(err.is_panic());
        assert_eq!(d.get(), 1, "the value was not dropped once");
        // Cancelled while idle, its future's destructor panics: the panic
        // is the result, and the future's other fields are dropped once.
        let field = d.guard();
        let polled = Flag::new();
        let p = polled.clone();
        let cancelled = rt.spawn(async move {
            let _field = field;
            let _bomb = PanicOnDrop;
            p.set();
            std::future::pending::<()>().await
        });
        // Once polled, the future holds the bomb (a cancellation before
        // the first poll would drop only what the block captured).
        wait_until("the task has been polled", || polled.get());
        cancelled.cancel();
        let err = rt.block_on(cancelled).expect_err("cancelled");
        assert!(
            err.is_panic(),
            "a panic while dropping for cancellation is the task's error"
        );
        assert_eq!(d.get(), 2, "the future's fields were not dropped once");
        drop(rt);
    });
}
