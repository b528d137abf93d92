//! Task wakers: a `RawWaker` is a pointer to the task header plus this
//! vtable. Cloning takes a task reference; waking never allocates.

use super::harness;
use super::raw::{Header, RawTask};
use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable, Waker};

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

/// A waker for the task being polled that borrows the poller's reference
/// instead of taking one: it must not be dropped (hence `ManuallyDrop`).
///
/// # Safety
/// `ptr` is a live task and the caller holds a reference for as long as the
/// returned waker is used.
pub(super) unsafe fn borrowed(ptr: NonNull<Header>) -> ManuallyDrop<Waker> {
    let raw = RawWaker::new(ptr.as_ptr() as *const (), &VTABLE);
    // SAFETY: the vtable functions below uphold the RawWaker contract for
    // task header pointers; the caller keeps the task alive.
    ManuallyDrop::new(unsafe { Waker::from_raw(raw) })
}

/// # Safety
/// `ptr` came from a waker made by this module, so it is a live task header.
unsafe fn task(ptr: *const ()) -> RawTask {
    // SAFETY: as the contract says; a waker's pointer is never null.
    unsafe { RawTask::from_raw(NonNull::new_unchecked(ptr as *mut Header)) }
}

unsafe fn clone(ptr: *const ()) -> RawWaker {
    // SAFETY: the waker being cloned keeps the task alive.
    unsafe { task(ptr) }.header().state.ref_inc();
    RawWaker::new(ptr, &VTABLE)
}

unsafe fn wake(ptr: *const ()) {
    // SAFETY: the waker owns the reference `wake_by_val` consumes.
    unsafe { harness::wake_by_val(task(ptr)) };
}

unsafe fn wake_by_ref(ptr: *const ()) {
    // SAFETY: the borrowed waker keeps the task alive.
    harness::wake_by_ref(unsafe { task(ptr) });
}

unsafe fn drop_waker(ptr: *const ()) {
    // SAFETY: the waker owns the reference released here.
    unsafe { task(ptr).drop_reference() };
}
