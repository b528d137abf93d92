//! Task wakers: a `RawWaker` is a pointer to the task header plus this
//! vtable. Cloning takes a task reference; waking never allocates. Also the
//! one-word join waker slot, which relies on recognizing these wakers.

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

/// The join waker slot in the task header, in one word instead of a
/// `Waker`'s two.
///
/// The usual joiner is another task of this runtime (a task awaiting a
/// `JoinHandle`), whose waker is a task pointer plus [`VTABLE`]: the slot
/// stores just that pointer (and owns the reference the clone took). Any
/// other waker (`block_on`'s, the `FuturesUnordered` wakers of `JoinSet`
/// and task groups, a foreign executor's) is boxed, and the slot stores the
/// box's address with its low bit set. Both kinds of pointer are
/// at least 8-aligned, so the low bit is free; null means empty.
///
/// Who may touch the slot is decided by the JOIN_WAKER bit (see
/// `task::state`); this type only packs and unpacks.
pub(crate) struct JoinWaker(*mut ());

/// The low-bit tag of a boxed (foreign) waker.
const BOXED: usize = 1;

// SAFETY: the slot owns a `Waker` (a task reference or a boxed `Waker`),
// which is `Send + Sync`; the raw pointer is only its encoding.
unsafe impl Send for JoinWaker {}
// SAFETY: as for `Send`; `&JoinWaker` only lends the waker out by shared
// reference.
unsafe impl Sync for JoinWaker {}

impl JoinWaker {
    pub(crate) const fn empty() -> JoinWaker {
        JoinWaker(std::ptr::null_mut())
    }

    /// Stores a clone of `waker`, dropping the one held before.
    pub(super) fn set(&mut self, waker: &Waker) {
        let clone = waker.clone();
        let ptr = if std::ptr::eq(clone.vtable(), &VTABLE) {
            // One of our task wakers: keep its task pointer and the
            // reference the clone took (given back in `take`).
            ManuallyDrop::new(clone).data() as *mut ()
        } else {
            let boxed = Box::into_raw(Box::new(clone)).cast::<()>();
            debug_assert_eq!(boxed.addr() & BOXED, 0);
            boxed.map_addr(|a| a | BOXED)
        };
        let old = std::mem::replace(&mut self.0, ptr);
        drop(JoinWaker(old));
    }

    /// Runs `f` on the stored waker, if any.
    #[inline]
    pub(super) fn with<R>(&self, f: impl FnOnce(&Waker) -> R) -> Option<R> {
        if self.0.is_null() {
            None
        } else if self.0.addr() & BOXED != 0 {
            let boxed = self.0.map_addr(|a| a & !BOXED).cast::<Waker>();
            // SAFETY: a tagged pointer came from `Box::into_raw` in `set`
            // and the box lives until `take`.
            Some(f(unsafe { &*boxed }))
        } else {
            // SAFETY: an untagged pointer is a task whose reference the
            // slot owns, so the borrowed waker is valid while we run `f`.
            let waker = unsafe { borrowed(NonNull::new_unchecked(self.0.cast::<Header>())) };
            Some(f(&waker))
        }
    }

    /// Empties the slot, handing back the waker it held.
    #[inline]
    pub(super) fn take(&mut self) -> Option<Waker> {
        let ptr = std::mem::replace(&mut self.0, std::ptr::null_mut());
        if ptr.is_null() {
            None
        } else if ptr.addr() & BOXED != 0 {
            let boxed = ptr.map_addr(|a| a & !BOXED).cast::<Waker>();
            // SAFETY: from `Box::into_raw` in `set`; the slot no longer
            // holds it, so the box is ours to take back.
            Some(*unsafe { Box::from_raw(boxed) })
        } else {
            // SAFETY: the task reference the slot owned becomes the
            // returned waker's (the vtable upholds the RawWaker contract
            // for task pointers).
            Some(unsafe { Waker::from_raw(RawWaker::new(ptr, &VTABLE)) })
        }
    }
}

impl Drop for JoinWaker {
    #[inline]
    fn drop(&mut self) {
        // Usually empty by now (the completer or the handle took it).
        if !self.0.is_null() {
            drop(self.take());
        }
    }
}

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    #[test]
    fn foreign_waker_is_boxed_woken_and_released() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut slot = JoinWaker::empty();
        assert_eq!(slot.with(|_| ()), None);
        slot.set(&waker);
        assert_eq!(Arc::strong_count(&count), 3, "the slot holds a clone");
        assert_eq!(slot.with(|w| w.will_wake(&waker)), Some(true));
        assert_eq!(slot.with(|w| w.will_wake(Waker::noop())), Some(false));
        slot.with(Waker::wake_by_ref);
        assert_eq!(count.0.load(Ordering::Relaxed), 1);
        // Replacing drops the old clone.
        slot.set(Waker::noop());
        assert_eq!(Arc::strong_count(&count), 2);
        slot.set(&waker);
        let taken = slot.take().expect("the slot held a waker");
        assert!(taken.will_wake(&waker));
        assert_eq!(slot.with(|_| ()), None);
        drop(taken);
        slot.set(&waker);
        drop(slot);
        assert_eq!(Arc::strong_count(&count), 2, "dropping the slot drops it");
    }
}
