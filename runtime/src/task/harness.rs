//! The typed operations behind the task vtable: poll a task, deliver its
//! cancellation, complete it, hand its output to the `JoinHandle`.

use super::cancel::PollScope;
use super::error::Repr;
use super::list::DEFERRED;
use super::raw::{Cell, FirstPending, Frame, Header, Notified, RawTask, Schedule};
use super::state::{DropUnlent, Notify, TransitionToIdle, TransitionToRunning};
use super::{coop, waker, JoinError};
use crate::loom::Ordering;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

/// # Safety (for every function here)
/// `ptr` points to a live `Cell<F, S>` whose vtable was built for these
/// same `F` and `S`; each function's doc says which reference it consumes.
unsafe fn cell<'a, F: Future, S>(ptr: NonNull<Header>) -> &'a Cell<F, S> {
    // SAFETY: the vtable that dispatched here was built for `Cell<F, S>`,
    // and `Cell` is `repr(C)` with the header first.
    unsafe { ptr.cast::<Cell<F, S>>().as_ref() }
}

/// Polls once; consumes the run-queue reference the caller popped.
pub(super) unsafe fn poll<F, S>(ptr: NonNull<Header>)
where
    F: Future + 'static,
    F::Output: 'static,
    S: Schedule,
{
    // SAFETY: see the module-level contract.
    let cell = unsafe { cell::<F, S>(ptr) };
    let header = &cell.header;
    // SAFETY: the caller handed us a reference.
    let raw = unsafe { RawTask::from_raw(ptr) };

    let cancelled = match header.state.transition_to_running() {
        TransitionToRunning::Success { cancelled } => cancelled,
        TransitionToRunning::Complete => {
            // SAFETY: the run-queue reference we were handed.
            unsafe { raw.drop_reference() };
            return;
        }
    };

    // The frames are only read when a cancellation was requested (the
    // common poll reads nothing but the state word).
    let (deliver, catch_live) = if cancelled {
        // SAFETY: we hold RUNNING, which gives this thread the poll-only
        // fields.
        header.cancel.with(|c| unsafe {
            let c = &*c;
            (
                !c.consumed() && c.live(Frame::Shield) == 0,
                c.live(Frame::Catch),
            )
        })
    } else {
        (false, 0)
    };
    if deliver && catch_live == 0 {
        // Rule 2: the cancellation becomes the result; the future is
        // dropped, not polled again.
        cancel_and_complete(cell);
        return;
    }

    // SAFETY: the waker borrows our reference for the duration of the poll;
    // the future clones it if it needs to keep it.
    let waker = unsafe { waker::borrowed(ptr) };
    let mut cx = Context::from_waker(&waker);
    let (result, dropped) = {
        let _scope = PollScope::enter(header, deliver);
        let _budget = coop::Budget::reset();
        let result = catch_unwind(AssertUnwindSafe(|| {
            // A panicking future is dropped during the unwind, so its
            // destructors see `std::thread::panicking()` (guards that tell
            // a failure from a normal exit rely on it), as in Tokio. A
            // destructor that panics too then aborts the process, as any
            // panic during an unwind does.
            let drop_on_unwind = DropOnUnwind(cell);
            // SAFETY: RUNNING gives us exclusive access to the stage.
            let poll = unsafe { cell.poll_future(&mut cx) };
            std::mem::forget(drop_on_unwind);
            poll
        }));
        // A finished future is dropped while its task's scope is still set
        // (no second scope entry on the hot path).
        let dropped = matches!(result, Ok(Poll::Ready(_))).then(|| drop_stage(cell));
        (result, dropped)
    };

    match result {
        Ok(Poll::Ready(value)) => {
            // SAFETY: still RUNNING.
            let delivered = header.cancel.with(|c| unsafe { (*c).delivered() });
            let output = if let Some(Err(panic)) = dropped {
                drop_value(value);
                Err(panic)
            } else if delivered {
                // The task received its cancellation (in `catch_cancel` or
                // a task group) and finished its cleanup; the handle still
                // reports it cancelled (rule 6), whatever it returned.
                drop_value(value);
                Err(Repr::Cancelled)
            } else {
                Ok(value)
            };
            complete(cell, output);
        }
        Ok(Poll::Pending) => {
            // SAFETY: still RUNNING.
            if deliver && !header.cancel.with(|c| unsafe { (*c).consumed() }) {
                // No `catch_cancel` on the poll path took it: it ends the task.
                cancel_and_complete(cell);
                return;
            }
            // Relaxed: a deferred slot is only read or written by the
            // task's runner, which we are (see `Notified::is_deferred`).
            if header.list_slot.load(Ordering::Relaxed) == DEFERRED {
                // The first poll of a task whose listing was deferred: it
                // lives on, so the list must hold it before it goes idle
                // (out of every queue, only the list can find it).
                match cell.scheduler.list_pending(header) {
                    FirstPending::Listed => {}
                    FirstPending::Cancel => {
                        // RUNNING: this only sets the flags, and the
                        // transition below re-queues the task.
                        let todo = header.state.transition_to_cancelled();
                        debug_assert!(matches!(todo, Notify::DoNothing));
                    }
                    FirstPending::Refused => {
                        cancel_and_complete(cell);
                        return;
                    }
                }
            }
            match header.state.transition_to_idle() {
                TransitionToIdle::Idle => {}
                TransitionToIdle::Notified => {
                    // SAFETY: transition_to_idle left our reference with us
                    // for exactly this re-queue.
                    cell.scheduler.yield_now(unsafe { Notified::from_raw(raw) });
                }
            }
        }
        Err(panic) => {
            // The future is in whatever state the panic left it; drop it
            // anyway (a second panic from its destructor is swallowed).
            let _ = drop_future(cell);
            complete(cell, Err(Repr::panic(panic)));
        }
    }
}

/// Drops the future in place if the poll unwinds (forgotten otherwise).
/// The caller holds RUNNING and the task's poll scope.
struct DropOnUnwind<'a, F: Future, S>(&'a Cell<F, S>);

impl<F: Future, S> Drop for DropOnUnwind<'_, F, S> {
    fn drop(&mut self) {
        // SAFETY: the poll that held the stage has unwound, and the caller
        // still holds RUNNING: exclusive access.
        unsafe { self.0.drop_future() };
    }
}

/// Drops a task's output value, swallowing a panic from its destructor:
/// nobody could observe it.
fn drop_value<T>(value: T) {
    let _ = catch_unwind(AssertUnwindSafe(move || drop(value)));
}

/// Drops a completed task's output, with the task's id current (its
/// destructor may call `task::id()`, as the future's may).
fn drop_output<F: Future, S>(cell: &Cell<F, S>) {
    // The task is COMPLETE and the caller owns its output: nobody polls
    // it any more, so the scope's poll-only fields are the caller's.
    let _scope = PollScope::enter(&cell.header, false);
    // SAFETY: the caller owns the output (see each call site).
    drop_value(unsafe { cell.take_output() });
}

/// Drops the future (the task's destructors are its cleanup). A panic from
/// a destructor becomes the task's error.
fn drop_future<F: Future, S>(cell: &Cell<F, S>) -> Result<(), Repr> {
    let _scope = PollScope::enter(&cell.header, false);
    drop_stage(cell)
}

/// `drop_future` for a caller that already set the task's poll scope.
fn drop_stage<F: Future, S>(cell: &Cell<F, S>) -> Result<(), Repr> {
    // SAFETY: the caller holds RUNNING.
    catch_unwind(AssertUnwindSafe(|| unsafe { cell.drop_future() })).map_err(Repr::panic)
}

/// Delivers the cancellation: drop the future, complete as cancelled.
fn cancel_and_complete<F, S>(cell: &Cell<F, S>)
where
    F: Future,
    S: Schedule,
{
    let output = drop_future(cell).and(Err(Repr::Cancelled));
    complete(cell, output);
}

/// Stores the output and completes the task: wake the joiner, leave the
/// task list, release the references of the poller and the list. The
/// caller holds RUNNING and one reference.
fn complete<F, S>(cell: &Cell<F, S>, output: Result<F::Output, Repr>)
where
    F: Future,
    S: Schedule,
{
    let header = &cell.header;
    // An `Ok` output without a destructor (`()` for most spawned tasks)
    // has nothing to drop: a detached task leaves it in the stage, freed
    // with the allocation, instead of moving it out again.
    let trivial = !std::mem::needs_drop::<F::Output>() && output.is_ok();
    // SAFETY: RUNNING: exclusive access to the stage; the future was
    // already dropped.
    unsafe { cell.store_output(output) };

    let prev = header.state.transition_to_complete();
    if !prev.is_join_interested() {
        // Detached: nobody will read the output, so it is ours to drop
        // (COMPLETE without JOIN_INTEREST: nobody else touches the stage).
        if !trivial {
            drop_output(cell);
        }
    } else if prev.is_join_waker_set() {
        header.join_waker.with(|w| {
            // SAFETY: JOIN_WAKER is set and COMPLETE now too, so the handle
            // cannot take the slot back: we have read access.
            unsafe { &*w }.with(Waker::wake_by_ref);
        });
        let after = header.state.unset_join_waker_after_complete();
        if !after.is_join_interested() {
            // The handle was dropped while we held the slot; empty it.
            // SAFETY: the handle is gone and we cleared JOIN_WAKER: ours.
            let w = header.join_waker.with_mut(|w| unsafe { (*w).take() });
            drop(w);
        }
    }

    let refs = if cell.scheduler.release(header) { 2 } else { 1 };
    if header.state.ref_dec(refs) {
        // SAFETY: that was the last reference.
        unsafe { RawTask::from_raw(NonNull::from(header)).dealloc() };
    }
}

/// Hands one reference, owned by the caller, to the scheduler.
pub(super) unsafe fn schedule<F, S>(ptr: NonNull<Header>)
where
    F: Future + 'static,
    F::Output: 'static,
    S: Schedule,
{
    // SAFETY: module contract; the caller's reference becomes the Notified.
    let cell = unsafe { cell::<F, S>(ptr) };
    // SAFETY: as above.
    cell.scheduler
        .schedule(unsafe { Notified::from_raw(RawTask::from_raw(ptr)) });
}

/// Frees the allocation. Called exactly once, when the count hits zero.
pub(super) unsafe fn dealloc<F: Future, S>(ptr: NonNull<Header>) {
    // SAFETY: the allocation came from `Box<Cell<F, S>>` in `allocate`,
    // and no reference to it remains.
    drop(unsafe { Box::from_raw(ptr.cast::<Cell<F, S>>().as_ptr()) });
}

/// The `JoinHandle`'s poll: output if complete, else register the waker.
pub(super) unsafe fn try_read_output<F: Future, S>(
    ptr: NonNull<Header>,
    dst: *mut (),
    waker: &Waker,
) {
    // SAFETY: module contract.
    let cell = unsafe { cell::<F, S>(ptr) };
    if !can_read_output(&cell.header, waker) {
        return;
    }
    // SAFETY: COMPLETE with JOIN_INTEREST: the output is the handle's.
    let output = unsafe { cell.take_output() }
        .expect("JoinHandle polled after it returned its result")
        .map_err(|repr| JoinError::new(cell.header.id, repr));
    // SAFETY: the caller guarantees `dst` is a `Poll<Result<F::Output, _>>`.
    unsafe { *(dst as *mut Poll<Result<F::Output, JoinError>>) = Poll::Ready(output) };
}

/// True if the task is complete; otherwise makes sure `waker` is the one
/// the completer will wake.
fn can_read_output(header: &Header, waker: &Waker) -> bool {
    let snapshot = header.state.load();
    if snapshot.is_complete() {
        return true;
    }
    if snapshot.is_join_waker_set() {
        // SAFETY: with JOIN_WAKER set the slot is only read, by anyone.
        let same = header
            .join_waker
            .with(|w| unsafe { &*w }.with(|w| w.will_wake(waker)) == Some(true));
        if same {
            return false;
        }
        if header.state.unset_join_waker().is_err() {
            return true;
        }
    }
    // JOIN_WAKER is clear: the slot is ours to write.
    // SAFETY: as just said.
    header.join_waker.with_mut(|w| unsafe { (*w).set(waker) });
    header.state.set_join_waker().is_err()
}

/// Drops the `JoinHandle`: clean up what it owned, release its reference.
pub(super) unsafe fn drop_join_handle<F: Future, S>(ptr: NonNull<Header>) {
    // SAFETY: module contract.
    let cell = unsafe { cell::<F, S>(ptr) };
    if !cell.header.state.load().is_join_waker_set() {
        // JOIN_WAKER is clear, and only the handle sets it: the slot is
        // ours (the load's Acquire pairs with the completer's
        // `unset_join_waker_after_complete`, after which it no longer reads
        // the slot). Emptied first, the handle has nothing left to clean up
        // before completion, so its interest and its reference go in one
        // read-modify-write.
        // SAFETY: as just said; we still hold the handle's reference.
        let w = cell.header.join_waker.with_mut(|w| unsafe { (*w).take() });
        drop(w);
        match cell.header.state.drop_join_handle_unlent() {
            DropUnlent::Released { last } => {
                if last {
                    // SAFETY: that was the last reference.
                    unsafe { RawTask::from_raw(ptr).dealloc() };
                }
            }
            DropUnlent::Complete => {
                // COMPLETE and we were the joiner: the output is ours.
                drop_output(cell);
                // SAFETY: the handle's own reference.
                unsafe { RawTask::from_raw(ptr).drop_reference() };
            }
        }
        return;
    }
    let todo = cell.header.state.drop_join_handle();
    if todo.drop_output {
        // COMPLETE and we were the joiner: the output is ours.
        drop_output(cell);
    }
    if todo.drop_waker {
        // SAFETY: JOIN_WAKER is clear, so the slot is ours.
        let w = cell.header.join_waker.with_mut(|w| unsafe { (*w).take() });
        drop(w);
    }
    // SAFETY: the handle's own reference.
    unsafe { RawTask::from_raw(ptr).drop_reference() };
}

/// Forced shutdown of a task nobody is polling: drop its future without a
/// poll and complete it as cancelled. Consumes one reference.
pub(super) unsafe fn shutdown<F, S>(ptr: NonNull<Header>)
where
    F: Future,
    S: Schedule,
{
    // SAFETY: module contract.
    let cell = unsafe { cell::<F, S>(ptr) };
    if cell.header.state.transition_to_shutdown() {
        cancel_and_complete(cell);
    } else {
        // SAFETY: the caller's reference.
        unsafe { RawTask::from_raw(ptr).drop_reference() };
    }
}

/// Wakes the task from a waker (see `task::waker`).
///
/// # Safety
/// The caller gives up one reference it owns (the waker's).
pub(super) unsafe fn wake_by_val(raw: RawTask) {
    match raw.header().state.transition_to_notified_by_val() {
        Notify::DoNothing => {}
        // SAFETY: the transition made our reference the run queue's.
        Notify::Submit => unsafe { raw.schedule() },
        // SAFETY: the transition released our reference, the last one.
        Notify::Dealloc => unsafe { raw.dealloc() },
    }
}

/// Wakes the task keeping the caller's reference (which keeps it alive).
pub(super) fn wake_by_ref(raw: RawTask) {
    match raw.header().state.transition_to_notified_by_ref() {
        Notify::DoNothing => {}
        // SAFETY: the transition took a new reference for the run queue.
        Notify::Submit => unsafe { raw.schedule() },
        Notify::Dealloc => unreachable!("wake_by_ref never releases a reference"),
    }
}

/// `JoinHandle::cancel`: flag it, and queue it if it is idle. The caller
/// holds a reference that keeps it alive.
pub(super) fn cancel(raw: RawTask) {
    match raw.header().state.transition_to_cancelled() {
        Notify::DoNothing => {}
        // SAFETY: the transition took a new reference for the run queue.
        Notify::Submit => unsafe { raw.schedule() },
        Notify::Dealloc => unreachable!("cancel never releases a reference"),
    }
}
