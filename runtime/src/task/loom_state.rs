//! Loom models of the task state machine, run on real tasks.
//!
//! Each model allocates a real task (`task::new_task`) whose scheduler is a
//! mock: its run queue is a loom mutex around a `Vec<Notified>`, and its
//! task list is one flag. Two operations on the task race on loom threads;
//! afterwards the main thread drains the queue (polling whatever is in it)
//! and checks the outcome. loom runs every interleaving, up to the
//! preemption bound, and checks each one:
//!
//! * `wake_by_ref_during_poll`, `wake_by_val_during_poll`: a wake racing a
//!   poll is never lost (the future completes), and the task is queued
//!   exactly once more if that poll returned `Pending`, never otherwise.
//!   The future reads its wake-up flag with `Relaxed`, so the models also
//!   prove that a wake happens-before the poll it causes.
//! * `cancel_vs_poll`: a `cancel()` racing a poll is always delivered; the
//!   future is dropped exactly once and never polled after the cancel.
//! * `cancel_vs_completion`: the result is the value or "cancelled", the
//!   value exactly when the future was polled, and always the value if the
//!   task had finished before `cancel()`.
//! * `drop_join_handle_vs_completion` (with and without a registered join
//!   waker): the output, the future and the join waker are each dropped
//!   exactly once, whoever finishes last.
//! * `join_waker_handoff`: a `JoinHandle` polled with one waker, then
//!   awaited with another (a `block_on` parking the loom thread, which loom
//!   reports as a deadlock if never woken) while the task completes: no
//!   lost wake-up, and the join waker slot is never touched by both sides
//!   at once.
//! * `wake_cancel_and_poll`: a poll, a wake and a `cancel()` all at once
//!   end in the value or "cancelled", never in a lost task.
//! * `cancel_in_catch_cancel_vs_poll`: a cancel racing the poll of a task
//!   inside `catch_cancel` reaches the frame exactly once; the cleanup
//!   (which awaits) runs to the end, and the handle reports "cancelled".
//!
//! In every model:
//!
//! * the task is never queued twice (the mock queue must be empty whenever
//!   the task is pushed);
//! * the task's memory is freed: the mock scheduler is a `loom::sync::Arc`
//!   cloned into the task and released only when the task is deallocated,
//!   so a leaked task (or a `Notified` left in a queue) fails with loom's
//!   "Arc leaked";
//! * the free comes after everything the other holders did: the completing
//!   poller and the deallocation both write a loom cell in the task's
//!   scheduler copy, so a last `ref_dec` that does not synchronize with the
//!   others fails loom's causality check;
//! * every access to the stage, the join waker slot and the cancellation
//!   fields is ordered by the state word (loom's `UnsafeCell` checks).
//!
//! Counters that only the test reads (polls, drops, queue pushes) are plain
//! `std` atomics, so they add no interleavings.
//!
//! Run (the bound defaults to 2 when `LOOM_MAX_PREEMPTIONS` is unset):
//!
//! ```text
//! CARGO_TARGET_DIR=target/loom RUSTFLAGS="--cfg runtime_loom" LOOM_MAX_PREEMPTIONS=2 \
//!     cargo test -p runtime --release --lib loom_state
//! ```

use super::raw::{Header, Notified, Schedule};
use super::{catch_cancel, new_task, yield_now, JoinError, JoinHandle};
use crate::loom::model;
use crate::loom::Mutex;
use loom::sync::atomic::AtomicBool;
use loom::thread;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// The mock scheduler: a queue of `Notified` and a one-task list.
///
/// Each copy also has a cell that `release` (the completing poller) and
/// `Drop` (the task's deallocation, for the task's copy) both write: if
/// the last reference's release did not order the completion before the
/// free, loom reports the two writes as a causality violation.
struct Sched {
    shared: loom::sync::Arc<SchedInner>,
    completion_writes: loom::cell::UnsafeCell<u32>,
}

struct SchedInner {
    queue: Mutex<Vec<Notified>>,
    /// Entries ever pushed (by `schedule` or `yield_now`).
    pushes: AtomicUsize,
    /// The task is on the "list": `release` takes it off once.
    listed: std::sync::atomic::AtomicBool,
}

// SAFETY: the cell is written only by the completing poller (once) and by
// `Drop`; whether those two are ordered is exactly what loom checks.
unsafe impl Sync for Sched {}

impl Clone for Sched {
    fn clone(&self) -> Sched {
        Sched {
            shared: self.shared.clone(),
            completion_writes: loom::cell::UnsafeCell::new(0),
        }
    }
}

impl Drop for Sched {
    fn drop(&mut self) {
        // SAFETY: `&mut self`: nobody else can reach the cell.
        self.completion_writes.with_mut(|n| unsafe { *n += 1 });
    }
}

impl Schedule for Sched {
    fn schedule(&self, task: Notified) {
        self.shared.pushes.fetch_add(1, SeqCst);
        let mut queue = self.shared.queue.lock();
        // Every model has one task: an entry already queued means the task
        // is queued twice (or its reference was duplicated).
        assert!(queue.is_empty(), "a task was queued twice");
        queue.push(task);
    }

    fn yield_now(&self, task: Notified) {
        self.schedule(task);
    }

    fn release(&self, _task: &Header) -> bool {
        // SAFETY: only the thread completing the task (holding RUNNING)
        // calls `release`, once; `Drop` runs after the last reference.
        self.completion_writes.with_mut(|n| unsafe { *n += 1 });
        self.shared.listed.swap(false, SeqCst)
    }
}

impl Sched {
    fn new() -> Sched {
        Sched {
            shared: loom::sync::Arc::new(SchedInner {
                queue: Mutex::new(Vec::new()),
                pushes: AtomicUsize::new(0),
                listed: std::sync::atomic::AtomicBool::new(true),
            }),
            completion_writes: loom::cell::UnsafeCell::new(0),
        }
    }

    fn pushes(&self) -> usize {
        self.shared.pushes.load(SeqCst)
    }

    fn pop(&self) -> Option<Notified> {
        self.shared.queue.lock().pop()
    }

    /// Polls queued entries until the queue stays empty.
    fn drain(&self) {
        while let Some(task) = self.pop() {
            task.run();
        }
    }

    /// End of a model: nothing queued, the task left the list.
    fn assert_done(&self) {
        assert!(
            self.shared.queue.lock().is_empty(),
            "a Notified was left queued"
        );
        assert!(!self.shared.listed.load(SeqCst), "the task never completed");
    }
}

/// Spawns `future` on the mock scheduler. The list's reference is the
/// mock list's; `complete` releases it through `Sched::release`.
fn spawn<F>(sched: &Sched, future: F) -> (Notified, JoinHandle<F::Output>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let (listed, notified, handle) = new_task(future, sched.clone());
    // The model's `listed` flag stands for the task list: `release` hands
    // this reference back when the task completes.
    std::mem::forget(listed);
    (notified, handle)
}

/// A count only the test reads.
#[derive(Clone, Default)]
struct Counter(Arc<AtomicUsize>);

impl Counter {
    /// Increments; returns the new count.
    fn inc(&self) -> usize {
        self.0.fetch_add(1, SeqCst) + 1
    }

    fn get(&self) -> usize {
        self.0.load(SeqCst)
    }
}

/// Counts its own drop.
struct DropCount(Counter);

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.inc();
    }
}

/// A task output that counts its creations and drops.
struct Output {
    value: u32,
    _drop: DropCount,
}

impl Output {
    fn new(value: u32, created: &Counter, dropped: &Counter) -> Output {
        created.inc();
        Output {
            value,
            _drop: DropCount(dropped.clone()),
        }
    }
}

/// A waker counting its wakes; `Arc::strong_count` shows leaked clones.
#[derive(Default)]
struct CountWaker(AtomicUsize);

impl Wake for CountWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// Where a future leaves the waker of its first poll for the test.
#[derive(Clone, Default)]
struct WakerSlot(Arc<std::sync::Mutex<Option<Waker>>>);

impl WakerSlot {
    fn set_once(&self, waker: &Waker) {
        let mut slot = self.0.lock().unwrap();
        if slot.is_none() {
            *slot = Some(waker.clone());
        }
    }

    fn take(&self) -> Waker {
        self.0
            .lock()
            .unwrap()
            .take()
            .expect("the future stored no waker")
    }
}

fn poll_join<T>(handle: &mut JoinHandle<T>, waker: &Waker) -> Poll<Result<T, JoinError>> {
    Pin::new(handle).poll(&mut Context::from_waker(waker))
}

/// Polls `future` on this loom thread until it is ready, parking the thread
/// in between; a wake unparks it. If no wake ever comes, every thread ends
/// up blocked and loom reports a deadlock. (`loom::future::block_on` does
/// the same but needs loom's `futures` feature.)
fn block_on<F: Future + Unpin>(mut future: F) -> F::Output {
    struct Unpark(thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(out) = Pin::new(&mut future).poll(&mut cx) {
            return out;
        }
        thread::park();
    }
}

/// A future, idle after its first poll, is woken and polled on one thread
/// while another sets its flag and wakes it again.
fn wake_during_poll(by_val: bool) {
    model(move || {
        let sched = Sched::new();
        let flag = loom::sync::Arc::new(AtomicBool::new(false));
        let polls = Counter::default();
        let future_drops = Counter::default();
        let slot = WakerSlot::default();

        let future = {
            let (flag, polls, slot) = (flag.clone(), polls.clone(), slot.clone());
            let drop_count = DropCount(future_drops.clone());
            poll_fn(move |cx| {
                let _keep = &drop_count;
                polls.inc();
                slot.set_once(cx.waker());
                // Relaxed on purpose: the task protocol alone must make the
                // waker's store visible to the poll the wake causes.
                if flag.load(loom::sync::atomic::Ordering::Relaxed) {
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            })
        };
        let (notified, mut handle) = spawn(&sched, future);
        notified.run();
        assert_eq!(polls.get(), 1);
        let waker = slot.take();
        waker.wake_by_ref();
        assert_eq!(sched.pushes(), 1, "an idle task is queued by a wake");
        let notified = sched.pop().unwrap();

        let poller = thread::spawn(move || notified.run());
        let waker_thread = {
            let flag = flag.clone();
            thread::spawn(move || {
                flag.store(true, loom::sync::atomic::Ordering::Relaxed);
                if by_val {
                    waker.wake();
                } else {
                    waker.wake_by_ref();
                    drop(waker);
                }
            })
        };
        poller.join().unwrap();
        waker_thread.join().unwrap();
        sched.drain();

        // The racing poll either saw the flag (2 polls, no re-queue) or
        // returned Pending and the wake queued the task exactly once (3).
        let polls = polls.get();
        assert!(polls == 2 || polls == 3, "polls: {polls}");
        assert_eq!(sched.pushes() - 1, polls - 2, "queued once per missed wake");
        assert!(handle.is_finished(), "the wake was lost");
        assert!(matches!(
            poll_join(&mut handle, Waker::noop()),
            Poll::Ready(Ok(()))
        ));
        assert_eq!(future_drops.get(), 1);
        drop(handle);
        sched.assert_done();
    });
}

#[test]
fn wake_by_ref_during_poll() {
    wake_during_poll(false);
}

#[test]
fn wake_by_val_during_poll() {
    wake_during_poll(true);
}

/// Three at once: a poll, a wake by value (with the flag that makes the
/// future finish) and a `cancel()`. The result is the value or "cancelled",
/// never lost; the future, the output and every task reference are dropped
/// exactly once; and the task is never queued twice.
#[test]
fn wake_cancel_and_poll() {
    model(|| {
        let sched = Sched::new();
        let flag = loom::sync::Arc::new(AtomicBool::new(false));
        let future_drops = Counter::default();
        let (created, dropped) = (Counter::default(), Counter::default());
        let slot = WakerSlot::default();
        let future = {
            let (flag, slot) = (flag.clone(), slot.clone());
            let (created, dropped) = (created.clone(), dropped.clone());
            let drop_count = DropCount(future_drops.clone());
            poll_fn(move |cx| {
                let _keep = &drop_count;
                slot.set_once(cx.waker());
                if flag.load(loom::sync::atomic::Ordering::Relaxed) {
                    Poll::Ready(Output::new(9, &created, &dropped))
                } else {
                    Poll::Pending
                }
            })
        };
        let (notified, handle) = spawn(&sched, future);
        notified.run();
        let waker = slot.take();
        waker.wake_by_ref();
        let notified = sched.pop().unwrap();

        let poller = thread::spawn(move || notified.run());
        let waker_thread = {
            let flag = flag.clone();
            thread::spawn(move || {
                flag.store(true, loom::sync::atomic::Ordering::Relaxed);
                waker.wake();
            })
        };
        let canceller = thread::spawn(move || {
            handle.cancel();
            handle
        });
        poller.join().unwrap();
        waker_thread.join().unwrap();
        let mut handle = canceller.join().unwrap();
        sched.drain();

        match poll_join(&mut handle, Waker::noop()) {
            Poll::Ready(Ok(out)) => assert_eq!(out.value, 9),
            Poll::Ready(Err(e)) => assert!(e.is_cancelled()),
            Poll::Pending => panic!("the task never completed"),
        }
        assert_eq!(future_drops.get(), 1);
        assert_eq!(created.get(), dropped.get(), "an output leaked");
        drop(handle);
        drop(slot);
        sched.assert_done();
    });
}

#[test]
fn cancel_vs_poll() {
    model(|| {
        let sched = Sched::new();
        let polls = Counter::default();
        let future_drops = Counter::default();
        let future = {
            let polls = polls.clone();
            let drop_count = DropCount(future_drops.clone());
            poll_fn(move |_cx| {
                let _keep = &drop_count;
                polls.inc();
                Poll::<()>::Pending
            })
        };
        let (notified, handle) = spawn(&sched, future);

        let poller = thread::spawn(move || notified.run());
        let canceller = thread::spawn(move || {
            handle.cancel();
            handle
        });
        poller.join().unwrap();
        let mut handle = canceller.join().unwrap();
        sched.drain();

        // The cancel was delivered by the racing poll's re-queue, by a
        // fresh queue entry, or at the start of the racing poll.
        assert!(sched.pushes() <= 1);
        assert!(polls.get() <= 1, "polled after the cancellation");
        assert_eq!(future_drops.get(), 1);
        match poll_join(&mut handle, Waker::noop()) {
            Poll::Ready(Err(e)) => assert!(e.is_cancelled()),
            _ => panic!("the cancellation was lost"),
        }
        drop(handle);
        sched.assert_done();
    });
}

#[test]
fn cancel_vs_completion() {
    model(|| {
        let sched = Sched::new();
        let polls = Counter::default();
        let future_drops = Counter::default();
        let (created, dropped) = (Counter::default(), Counter::default());
        let future = {
            let (polls, created, dropped) = (polls.clone(), created.clone(), dropped.clone());
            let drop_count = DropCount(future_drops.clone());
            poll_fn(move |_cx| {
                let _keep = &drop_count;
                polls.inc();
                Poll::Ready(Output::new(7, &created, &dropped))
            })
        };
        let (notified, handle) = spawn(&sched, future);

        let poller = thread::spawn(move || notified.run());
        let canceller = thread::spawn(move || {
            let finished_before = handle.is_finished();
            handle.cancel();
            (handle, finished_before)
        });
        poller.join().unwrap();
        let (mut handle, finished_before) = canceller.join().unwrap();
        sched.drain();

        assert_eq!(
            sched.pushes(),
            0,
            "a task with a queued entry is not re-queued"
        );
        match poll_join(&mut handle, Waker::noop()) {
            Poll::Ready(Ok(out)) => {
                // A poll in progress is not interrupted: it keeps its value.
                assert_eq!(out.value, 7);
                assert_eq!(polls.get(), 1);
            }
            Poll::Ready(Err(e)) => {
                assert!(e.is_cancelled());
                assert!(
                    !finished_before,
                    "a cancel after completion changed the result"
                );
                assert_eq!(polls.get(), 0, "cancelled after producing a value");
            }
            Poll::Pending => panic!("the task never completed"),
        }
        assert_eq!(future_drops.get(), 1);
        assert_eq!(created.get(), dropped.get(), "an output leaked");
        drop(handle);
        sched.assert_done();
    });
}

fn drop_join_handle_vs_completion(register_waker: bool) {
    model(move || {
        let sched = Sched::new();
        let future_drops = Counter::default();
        let (created, dropped) = (Counter::default(), Counter::default());
        let future = {
            let (created, dropped) = (created.clone(), dropped.clone());
            let drop_count = DropCount(future_drops.clone());
            poll_fn(move |_cx| {
                let _keep = &drop_count;
                Poll::Ready(Output::new(1, &created, &dropped))
            })
        };
        let (notified, mut handle) = spawn(&sched, future);
        let join_waker = Arc::new(CountWaker::default());
        if register_waker {
            let waker = Waker::from(join_waker.clone());
            assert!(poll_join(&mut handle, &waker).is_pending());
        }

        let poller = thread::spawn(move || notified.run());
        let dropper = thread::spawn(move || drop(handle));
        poller.join().unwrap();
        dropper.join().unwrap();
        sched.drain();

        assert_eq!(created.get(), 1);
        assert_eq!(dropped.get(), 1, "the output was not dropped exactly once");
        assert_eq!(future_drops.get(), 1);
        assert_eq!(Arc::strong_count(&join_waker), 1, "the join waker leaked");
        assert!(join_waker.0.load(SeqCst) <= 1);
        sched.assert_done();
    });
}

#[test]
fn drop_join_handle_vs_completion_no_waker() {
    drop_join_handle_vs_completion(false);
}

#[test]
fn drop_join_handle_vs_completion_with_waker() {
    drop_join_handle_vs_completion(true);
}

#[test]
fn join_waker_handoff() {
    model(|| {
        let sched = Sched::new();
        let (created, dropped) = (Counter::default(), Counter::default());
        let future = {
            let (created, dropped) = (created.clone(), dropped.clone());
            poll_fn(move |_cx| Poll::Ready(Output::new(3, &created, &dropped)))
        };
        let (notified, handle) = spawn(&sched, future);
        let first_waker = Arc::new(CountWaker::default());

        let poller = thread::spawn(move || notified.run());
        let joiner = {
            let first_waker = Waker::from(first_waker.clone());
            thread::spawn(move || {
                // Register one waker, then await with another: the second
                // poll swaps the slot's waker while the task may complete.
                let mut handle = handle;
                let out = match poll_join(&mut handle, &first_waker) {
                    Poll::Ready(out) => out,
                    Poll::Pending => block_on(&mut handle),
                };
                drop(handle);
                out
            })
        };
        poller.join().unwrap();
        let out = joiner.join().unwrap().expect("the task failed");
        assert_eq!(out.value, 3);
        drop(out);
        sched.drain();

        assert_eq!(sched.pushes(), 0);
        assert_eq!(created.get(), 1);
        assert_eq!(dropped.get(), 1);
        assert_eq!(
            Arc::strong_count(&first_waker),
            1,
            "the first join waker leaked"
        );
        sched.assert_done();
    });
}

/// The inner future of the `catch_cancel` model: stores its waker, never
/// completes, counts its drop.
struct Forever {
    slot: WakerSlot,
    _drop: DropCount,
}

impl Future for Forever {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.slot.set_once(cx.waker());
        Poll::Pending
    }
}

#[test]
fn cancel_in_catch_cancel_vs_poll() {
    model(|| {
        let sched = Sched::new();
        let slot = WakerSlot::default();
        let (inner_drops, future_drops) = (Counter::default(), Counter::default());
        let (cleanup_started, cleanup_done) = (Counter::default(), Counter::default());
        let future = {
            let inner = Forever {
                slot: slot.clone(),
                _drop: DropCount(inner_drops.clone()),
            };
            let drop_count = DropCount(future_drops.clone());
            let (started, done) = (cleanup_started.clone(), cleanup_done.clone());
            async move {
                let _keep = drop_count;
                match catch_cancel(inner).await {
                    Ok(()) => unreachable!("the inner future never completes"),
                    Err(_cancelled) => {
                        started.inc();
                        yield_now().await; // asynchronous cleanup
                        done.inc();
                        5u32
                    }
                }
            }
        };
        let (notified, handle) = spawn(&sched, future);
        // First poll: the catch_cancel frame registers; the task goes idle.
        notified.run();
        let waker = slot.take();
        waker.wake_by_ref();
        let notified = sched.pop().unwrap();

        let poller = thread::spawn(move || notified.run());
        let canceller = thread::spawn(move || {
            handle.cancel();
            handle
        });
        poller.join().unwrap();
        let mut handle = canceller.join().unwrap();
        sched.drain();

        assert_eq!(
            cleanup_started.get(),
            1,
            "the cancellation reached the frame once"
        );
        assert_eq!(cleanup_done.get(), 1, "the cleanup was cut short");
        assert_eq!(inner_drops.get(), 1);
        assert_eq!(future_drops.get(), 1);
        match poll_join(&mut handle, Waker::noop()) {
            // Caught and cleaned up, but still reported cancelled.
            Poll::Ready(Err(e)) => assert!(e.is_cancelled()),
            Poll::Ready(Ok(_)) => panic!("a cancelled task reported a value"),
            Poll::Pending => panic!("the task never completed"),
        }
        drop(handle);
        drop(waker);
        sched.assert_done();
    });
}
