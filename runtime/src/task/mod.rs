//! Tasks: spawned futures, their handles, and cancellation.
//!
//! asyncio's vocabulary maps onto this module directly: a *task* is a
//! future the runtime drives on its own (`asyncio.create_task` is
//! [`spawn`](crate::spawn)); its [`JoinHandle`] is the awaitable result;
//! [`JoinHandle::cancel`] is `Task.cancel()`; [`catch_cancel`] is catching
//! `CancelledError`; [`shield`] is `asyncio.shield`.
//!
//! Structured concurrency: a [`JoinSet`] owns a set of tasks and yields
//! their results as they finish; [`scope`] with a [`TaskGroup`] is
//! asyncio's `TaskGroup`. Task-local values ([`task_local!`](crate::task_local),
//! [`LocalKey`]) stand in for `contextvars`; [`id`], [`name`] and
//! [`Builder`] give tasks an identity. The full map from asyncio is in
//! `docs/asyncio.md`.
//!
//! # gather, wait, as_completed
//!
//! These are not written here: the `futures` crate's combinators work on
//! [`JoinHandle`]s as on any future (`join_all` / `try_join_all` for
//! `gather`, `select` / `select_all` for `wait(FIRST_COMPLETED)`,
//! `FuturesUnordered` for `as_completed`). What they cannot do is *own*
//! tasks, since dropping a handle detaches its task; that is the part this
//! module adds: [`JoinSet`] (cancels its tasks when dropped) and [`scope`]
//! (waits for its children, cancels them on the first failure).
//!
//! # The task protocol
//!
//! A task is one heap allocation (`raw::Cell`): a `Header` with the atomic
//! state word, a vtable, the id, the join waker slot, the task's index in
//! the task list and the stage tag; then the scheduler handle; then the
//! *stage*, a union that holds the future, later its output. The state
//! word (see `state.rs`, where each bit says what it rules out) packs six
//! flags and a reference count:
//!
//! * RUNNING: one thread is polling. It alone touches the stage (and its
//!   tag in the header) and the cancellation bookkeeping until it clears
//!   the bit.
//! * SCHEDULED: a run queue holds (or is about to hold) a reference. A wake
//!   of a scheduled task does nothing, so a task is never queued twice. A
//!   wake during a poll sets it and the poller re-queues the task once,
//!   after the poll.
//! * COMPLETE: the future is gone and the output stored; final.
//! * CANCELLED: `cancel()` was called; final.
//! * JOIN_INTEREST / JOIN_WAKER: the `JoinHandle` exists / the task side may
//!   read the join waker slot.
//!
//! References are held by the `JoinHandle`, each run-queue entry
//! (`Notified`), each waker clone, and the runtime's task
//! list (until completion). The last one to go frees the allocation.
//!
//! A task's life: `spawn` allocates it SCHEDULED with three references
//! (handle, queue entry, list) and pushes it. A worker pops it, sets RUNNING,
//! polls. On `Pending` it clears RUNNING and either releases the queue's
//! reference (idle) or, if SCHEDULED was set meanwhile, re-queues it. A wake
//! of an idle task sets SCHEDULED and queues it. On `Ready` the output
//! replaces the future, COMPLETE is set, the joiner's waker is woken, the
//! task leaves the list, and the poller and the list drop their references.
//!
//! # Cancellation
//!
//! `cancel()` sets CANCELLED and SCHEDULED together in one step: an idle
//! task is queued, a running one is re-queued after its poll. So a
//! cancelled task always gets another poll, and that poll, seeing
//! CANCELLED in the same atomic step that gave it RUNNING, delivers the
//! cancellation (see [`catch_cancel`] for how it reaches a catching frame).
//! A poll in progress is never interrupted, and COMPLETE makes `cancel()` a
//! no-op, so a finished task keeps its value.

mod builder;
pub(crate) mod cancel;
pub(crate) mod coop;
mod error;
mod group;
mod harness;
mod join;
mod join_set;
pub(crate) mod list;
mod local;
pub(crate) mod local_set;
#[cfg(all(test, runtime_loom))]
mod loom_state;
pub(crate) mod raw;
pub(crate) mod state;
mod waker;
mod yield_now;

pub use builder::{name, Builder};
pub use cancel::{catch_cancel, is_cancelled, shield, CatchCancel, Shield};
pub use error::{Cancelled, JoinError};
pub use group::{scope, GroupError, Scope, TaskGroup};
pub use join::JoinHandle;
pub use join_set::JoinSet;
pub use local::{AccessError, LocalKey, TaskLocalFuture};
pub use local_set::{spawn_local, LocalSet, RunUntil};
pub use yield_now::yield_now;

use crate::loom::{AtomicU64, Ordering};
use raw::{ListedTask, Notified, RawTask, Schedule};
use std::fmt;
use std::future::Future;
use std::num::NonZeroU64;

/// A task's identity, unique for the life of the process.
///
/// Ids are unique, not ordered: each thread hands out ids from a block it
/// takes from a process-wide counter, so a task spawned later on another
/// thread may have a smaller id (as in Tokio, no order is promised).
///
/// # Examples
///
/// ```
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let a = runtime::spawn(async {});
/// let b = runtime::spawn(async {});
/// assert_ne!(a.id(), b.id());
/// # });
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(NonZeroU64);

/// How many ids a thread takes from the process-wide counter at once: a
/// spawn costs a thread-local access instead of a read-modify-write of a
/// cache line every spawning thread shares.
const ID_BLOCK: u64 = 256;

impl Id {
    pub(crate) fn next() -> Id {
        #[cfg(not(runtime_loom))]
        static NEXT: AtomicU64 = AtomicU64::new(1);
        #[cfg(runtime_loom)]
        loom::lazy_static! {
            static ref NEXT: AtomicU64 = AtomicU64::new(1);
        }
        let id = crate::context::with(|cx| {
            let (next, end) = cx.task_ids.get();
            if next != end {
                cx.task_ids.set((next + 1, end));
                return next;
            }
            // Relaxed: uniqueness comes from the atomicity of the
            // increment; no other memory is published with the ids.
            let start = NEXT.fetch_add(ID_BLOCK, Ordering::Relaxed);
            assert!(start < u64::MAX - ID_BLOCK, "task ids ran out");
            cx.task_ids.set((start + 1, start + ID_BLOCK));
            start
        });
        Id(NonZeroU64::new(id).expect("task ids start at 1"))
    }

    /// The id as a number.
    pub fn as_u64(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({})", self.0)
    }
}

/// The id of the task being polled on this thread (asyncio's
/// `current_task()`, by identity).
///
/// Also available while a cancelled task's future is being dropped, so
/// destructors can log it.
///
/// # Panics
///
/// Panics outside a task (for example directly in `block_on`, or on a
/// plain thread); use [`try_id`] where there may be no task.
///
/// # Examples
///
/// ```
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let handle = runtime::spawn(async { runtime::task::id() });
/// let id = handle.id();
/// assert_eq!(handle.await.unwrap(), id);
/// # });
/// ```
#[track_caller]
pub fn id() -> Id {
    match try_id() {
        Some(id) => id,
        None => panic!(
            "runtime::task::id() called outside a task (e.g. directly in block_on or on a \
             plain thread); use runtime::task::try_id() where there may be no task"
        ),
    }
}

/// The id of the task being polled on this thread, or `None` outside a
/// task.
///
/// # Examples
///
/// ```
/// let rt = runtime::Runtime::new().unwrap();
/// assert_eq!(runtime::task::try_id(), None);
/// rt.block_on(async {
///     assert_eq!(runtime::task::try_id(), None); // block_on's future is not a task
///     let inner = runtime::spawn(async { runtime::task::try_id() });
///     assert!(inner.await.unwrap().is_some());
/// });
/// ```
pub fn try_id() -> Option<Id> {
    cancel::current_id()
}

/// While it lives, this thread polls no task (`block_on`, even nested in a
/// blocking closure): `is_cancelled`, `try_id` and `name` answer as outside
/// a task, and no `catch_cancel` frame registers.
pub(crate) struct OutsideTask {
    _scope: cancel::NoScope,
    _name: builder::NameScope<'static>,
}

impl OutsideTask {
    pub(crate) fn enter() -> OutsideTask {
        OutsideTask {
            _scope: cancel::NoScope::enter(),
            _name: builder::NameScope::clear(),
        }
    }
}

/// Allocates a task for `future` and returns its three references: the
/// task list's, its first run-queue entry and its `JoinHandle`. The caller
/// must first offer the task to the task list (`OwnedTasks::insert`), or
/// defer that to its first poll (`ListedTask::defer`, which the scheduler
/// that polls it must then honour), and then schedule the entry.
pub(crate) fn new_task<F, S>(
    future: F,
    scheduler: S,
) -> (ListedTask, Notified, JoinHandle<F::Output>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    // SAFETY: `F` is `Send`, for which `new_local_task` requires nothing.
    unsafe { new_local_task(future, scheduler) }
}

/// [`new_task`] for a future that need not be `Send` (a *local* task:
/// `spawn_local`).
///
/// # Safety
///
/// Unless `F` is `Send` (then nothing is required: `new_task`),
/// `scheduler` must poll the task, and complete it (which drops the
/// future), only on the thread that calls this function; and if the task
/// may be completed elsewhere (a runtime shut down on another thread), the
/// future must leak itself there rather than run its destructor (see
/// `local_set::Pinned`). The output may leave the thread only through the
/// `JoinHandle`, which is `Send` only if the output is.
pub(crate) unsafe fn new_local_task<F, S>(
    future: F,
    scheduler: S,
) -> (ListedTask, Notified, JoinHandle<F::Output>)
where
    F: Future + 'static,
    F::Output: 'static,
    S: Schedule,
{
    let raw = RawTask::new(future, scheduler, Id::next());
    // SAFETY: a new task holds three references, one for each of the
    // returned owners; and its output type is `F::Output`. The caller keeps
    // the future on this thread.
    unsafe {
        (
            ListedTask::from_raw(raw),
            Notified::from_raw(raw),
            JoinHandle::new(raw),
        )
    }
}
