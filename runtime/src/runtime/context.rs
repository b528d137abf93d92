//! Which runtime this thread belongs to, and whether it may block.
//!
//! The state lives in the thread's context struct (`crate::context`): `Cell`s
//! of plain data with a `const` initializer and no destructor, so it stays
//! readable for the whole life of the thread, thread-local destructors
//! included: code that runs in one after the thread's other thread-locals
//! are gone gets the "outside a runtime" answer instead of an abort. The current handle itself is owned
//! by the guard that made it current; the thread-local only points to it.

use crate::Handle;
use std::cell::Cell;
use std::marker::PhantomData;

// The fields of the thread's context (`crate::context`) this module owns.

/// The runtime `spawn` uses on this thread: points into the innermost live
/// `SetCurrentGuard` (null: none).
fn current_slot<R>(f: impl FnOnce(&Cell<*const Handle>) -> R) -> R {
    crate::context::with(|cx| f(&cx.handle))
}

/// Live `SetCurrentGuard`s on this thread: their nesting depth.
fn depth_slot<R>(f: impl FnOnce(&Cell<usize>) -> R) -> R {
    crate::context::with(|cx| f(&cx.depth))
}

/// `with_current` calls in progress on this thread: while one lends out the
/// current handle, a guard dropped meanwhile (by user code that runs
/// inside, e.g. a destructor) must not free it.
fn lent_slot<R>(f: impl FnOnce(&Cell<usize>) -> R) -> R {
    crate::context::with(|cx| f(&cx.lent))
}

/// True on worker threads and inside `block_on`: blocking here would stall
/// a runtime, so `block_on` refuses.
fn entered_slot<R>(f: impl FnOnce(&Cell<bool>) -> R) -> R {
    crate::context::with(|cx| f(&cx.entered))
}

const OUT_OF_ORDER: &str = "`EnterGuard`s dropped out of order: the guards returned by \
`Handle::enter()` must be dropped in the reverse order of their creation (the innermost \
first), or a later spawn would land on the wrong runtime. Keep each guard in a scope \
(`{ let _guard = handle.enter(); ... }`) instead of dropping guards by hand";

/// Makes a handle current; restores the previous one on drop.
pub(crate) struct SetCurrentGuard {
    /// The current handle while this guard lives; boxed so that its
    /// address, which `CURRENT` holds, does not move with the guard.
    /// `None` only once leaked (see `drop`).
    handle: Option<Box<Handle>>,
    /// What `CURRENT` held before.
    prev: *const Handle,
    /// `DEPTH` once this guard was made: it must be the innermost one
    /// again when it is dropped.
    depth: usize,
    _not_send: PhantomData<*const ()>,
}

pub(crate) fn set_current(handle: &Handle) -> SetCurrentGuard {
    let handle = Box::new(handle.clone());
    let prev = current_slot(|c| c.replace(&*handle));
    let depth = depth_slot(|d| {
        d.set(d.get() + 1);
        d.get()
    });
    SetCurrentGuard {
        handle: Some(handle),
        prev,
        depth,
        _not_send: PhantomData,
    }
}

impl Drop for SetCurrentGuard {
    fn drop(&mut self) {
        if depth_slot(Cell::get) != self.depth {
            // An outer guard dropped before an inner one. `CURRENT` or an
            // inner guard's `prev` may still point to our handle: leak it
            // so those pointers stay valid, and say what went wrong.
            if let Some(handle) = self.handle.take() {
                Box::leak(handle);
            }
            if !std::thread::panicking() {
                panic!("{OUT_OF_ORDER}");
            }
            return;
        }
        depth_slot(|d| d.set(self.depth - 1));
        current_slot(|c| c.set(self.prev));
        if lent_slot(Cell::get) > 0 {
            // A `with_current` up the stack may still use our handle (this
            // guard was dropped by code it called): leak it rather than
            // free it under that reference. Only such reentrant drops leak.
            if let Some(handle) = self.handle.take() {
                Box::leak(handle);
            }
        }
    }
}

/// Runs `f` with the current handle, if any.
// Always inlined: `spawn` passes its future through `f`, and a call here
// cost one more copy of it (one that stalled on store forwarding).
#[inline(always)]
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Handle>) -> R) -> R {
    let current = current_slot(Cell::get);
    if current.is_null() {
        return f(None);
    }
    struct Lend;
    impl Drop for Lend {
        fn drop(&mut self) {
            lent_slot(|n| n.set(n.get() - 1));
        }
    }
    lent_slot(|n| n.set(n.get() + 1));
    let _lend = Lend;
    // A non-null `CURRENT` points to the boxed handle of the innermost live
    // `SetCurrentGuard` on this thread. Guards restore it in nesting order;
    // one dropped out of order, or while `LENT` says a call like this one
    // is in progress, leaks its box instead of freeing it.
    // SAFETY: so the handle outlives this call; only `&` references to it
    // are ever made.
    f(unsafe { current.as_ref() })
}

/// Marks this thread as running a runtime (a worker, or `block_on`).
pub(crate) struct EnterRuntimeGuard(PhantomData<*const ()>);

/// Enters the runtime on this thread, or panics with `misuse` if the thread
/// is already inside one.
pub(crate) fn enter_runtime(misuse: &str) -> EnterRuntimeGuard {
    if entered_slot(|e| e.replace(true)) {
        panic!("{misuse}");
    }
    EnterRuntimeGuard(PhantomData)
}

impl Drop for EnterRuntimeGuard {
    fn drop(&mut self) {
        entered_slot(|e| e.set(false));
    }
}

/// True on a worker thread or inside `block_on`.
pub(crate) fn is_entered() -> bool {
    entered_slot(Cell::get)
}
