//! The thread's context: the one thread-local struct that says what this
//! thread is doing for the runtime.
//!
//! Each layer owns its fields and the functions that read them (the field
//! docs name the module); this module only holds them together, so that
//! there is one place to look and one thread-local access per question.
//!
//! Every field is a `Cell` of plain data with a `const` initializer, and
//! the struct has no destructor: it stays readable for the whole life of
//! the thread, thread-local destructors included, so code running in one
//! (after the thread's other thread-locals are gone) gets the "outside a
//! runtime" answer instead of an abort. Pointers here point to data owned
//! by a guard up the stack (the guard that set the field restores the
//! previous value when dropped), never to data this struct owns.
//!
//! Not here: the `block_on` parker (`runtime::block_on`, a per-thread
//! resource with a destructor, created on first use) and user task-locals
//! (`task_local!`, one thread-local per key, as in Tokio).

use crate::metrics::worker::WorkerCounters;
use crate::metrics::Metrics;
use crate::scheduler::worker::Context as Worker;
use crate::task::cancel::Scope;
use crate::task::local_set::LocalShared;
use crate::Handle;
use std::cell::Cell;
use std::ptr;
use std::sync::Arc;
use std::thread::ThreadId;

/// What this thread is doing for the runtime (see the module docs).
pub(crate) struct Context {
    /// `runtime::context`: the runtime `spawn` uses on this thread; points
    /// into the innermost live `SetCurrentGuard` (null: none).
    pub(crate) handle: Cell<*const Handle>,
    /// `runtime::context`: live `SetCurrentGuard`s (their nesting depth).
    pub(crate) depth: Cell<usize>,
    /// `runtime::context`: `with_current` calls in progress (a guard
    /// dropped meanwhile must not free the handle they lend out).
    pub(crate) lent: Cell<usize>,
    /// `runtime::context`: a worker thread or inside `block_on` (blocking
    /// here would stall a runtime).
    pub(crate) entered: Cell<bool>,
    /// `scheduler::worker`: the worker running on this thread (null: none).
    pub(crate) worker: Cell<*const Worker>,
    /// `metrics::worker`: the runtime's metrics and this worker's counters
    /// (null off the workers).
    pub(crate) counters: Cell<(*const Metrics, *const WorkerCounters)>,
    /// `task::cancel`: the task being polled (or whose future is dropped).
    pub(crate) poll_scope: Cell<Option<Scope>>,
    /// `task::coop`: the poll's remaining budget (`None`: unconstrained).
    pub(crate) budget: Cell<Option<u8>>,
    /// `task::builder`: the name of the task being polled; points to the
    /// name a live `NameScope` borrows (null: none).
    pub(crate) task_name: Cell<*const Arc<str>>,
    /// `task::local_set`: the `LocalSet` being run (null: none); points
    /// into the `Arc` its live `Entered` guard borrows.
    pub(crate) local_set: Cell<*const LocalShared>,
    /// `task::local_set`: this thread's id, cached on first use
    /// (`std::thread::current()` clones an `Arc`).
    pub(crate) thread_id: Cell<Option<ThreadId>>,
    /// `task`: the block of task ids this thread hands out, `(next, end)`
    /// (empty: `next == end`).
    pub(crate) task_ids: Cell<(u64, u64)>,
}

impl Context {
    const fn new() -> Context {
        Context {
            handle: Cell::new(ptr::null()),
            depth: Cell::new(0),
            lent: Cell::new(0),
            entered: Cell::new(false),
            worker: Cell::new(ptr::null()),
            counters: Cell::new((ptr::null(), ptr::null())),
            poll_scope: Cell::new(None),
            budget: Cell::new(None),
            task_name: Cell::new(ptr::null()),
            local_set: Cell::new(ptr::null()),
            thread_id: Cell::new(None),
            task_ids: Cell::new((0, 0)),
        }
    }
}

crate::loom::thread_local! {
    static CONTEXT: Context = const { Context::new() };
}

/// Runs `f` with this thread's context.
#[inline]
pub(crate) fn with<R>(f: impl FnOnce(&Context) -> R) -> R {
    CONTEXT.with(f)
}
