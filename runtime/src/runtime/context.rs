//! Which runtime this thread belongs to, and whether it may block.

use crate::Handle;
use std::cell::{Cell, RefCell};
use std::marker::PhantomData;

thread_local! {
    /// The runtime `spawn` uses on this thread.
    static CURRENT: RefCell<Option<Handle>> = const { RefCell::new(None) };
    /// True on worker threads and inside `block_on`: blocking here would
    /// stall a runtime, so `block_on` refuses.
    static ENTERED: Cell<bool> = const { Cell::new(false) };
}

/// Restores the previous current handle on drop.
pub(crate) struct SetCurrentGuard {
    prev: Option<Handle>,
    _not_send: PhantomData<*const ()>,
}

pub(crate) fn set_current(handle: &Handle) -> SetCurrentGuard {
    let prev = CURRENT.with(|c| c.borrow_mut().replace(handle.clone()));
    SetCurrentGuard {
        prev,
        _not_send: PhantomData,
    }
}

impl Drop for SetCurrentGuard {
    fn drop(&mut self) {
        let prev = self.prev.take();
        CURRENT.with(|c| *c.borrow_mut() = prev);
    }
}

/// Runs `f` with the current handle, if any.
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Handle>) -> R) -> R {
    CURRENT.with(|c| f(c.borrow().as_ref()))
}

/// Marks this thread as running a runtime (a worker, or `block_on`).
pub(crate) struct EnterRuntimeGuard(PhantomData<*const ()>);

/// Enters the runtime on this thread, or panics with `misuse` if the thread
/// is already inside one.
pub(crate) fn enter_runtime(misuse: &str) -> EnterRuntimeGuard {
    if ENTERED.with(|e| e.replace(true)) {
        panic!("{misuse}");
    }
    EnterRuntimeGuard(PhantomData)
}

impl Drop for EnterRuntimeGuard {
    fn drop(&mut self) {
        ENTERED.with(|e| e.set(false));
    }
}

/// True on a worker thread or inside `block_on`.
pub(crate) fn is_entered() -> bool {
    ENTERED.with(Cell::get)
}
