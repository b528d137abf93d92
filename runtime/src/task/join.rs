//! `JoinHandle`: the awaitable result of a spawned task (asyncio's Task seen
//! from outside) and the way to cancel it.

use super::harness;
use super::raw::RawTask;
use super::{coop, Id, JoinError};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

/// An owned permission to await a spawned task's result and to cancel it.
///
/// Returned by [`spawn`](crate::spawn), [`Handle::spawn`](crate::Handle::spawn)
/// and [`spawn_blocking`](crate::spawn_blocking). Awaiting it yields
/// `Ok(value)`, or a [`JoinError`] if the task was cancelled or panicked.
///
/// Dropping the handle *detaches* the task: it keeps running and its output
/// is dropped when it finishes (as in Tokio and asyncio). To stop a task,
/// call [`cancel`](JoinHandle::cancel).
///
/// # Examples
///
/// ```
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let task = runtime::spawn(async { 6 * 7 });
/// assert_eq!(task.await.unwrap(), 42);
/// # });
/// ```
pub struct JoinHandle<T> {
    raw: RawTask,
    _output: PhantomData<fn() -> T>,
}

// SAFETY: the handle only moves the output (`T: Send`) across threads,
// through the task protocol.
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: `&JoinHandle` only allows `cancel`, `is_finished` and `id`, which
// touch atomics; the output is reached through `&mut` (poll) only.
unsafe impl<T: Send> Sync for JoinHandle<T> {}

impl<T> Unpin for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    /// # Safety
    /// `raw` is a task whose output type is `T`; the handle takes over the
    /// task's `JoinHandle` reference.
    pub(super) unsafe fn new(raw: RawTask) -> JoinHandle<T> {
        JoinHandle {
            raw,
            _output: PhantomData,
        }
    }

    /// Asks the task to stop, like asyncio's `Task.cancel()`.
    ///
    /// The task's next poll turns the request into its result: the future is
    /// dropped (its destructors are the cleanup) and awaiting the handle
    /// yields an error whose [`is_cancelled`](JoinError::is_cancelled) is
    /// true. An idle task is scheduled so this happens promptly, even if
    /// what it waits for never comes. A poll already running is not
    /// interrupted. A task inside [`catch_cancel`](super::catch_cancel)
    /// receives [`Cancelled`](super::Cancelled) there instead and may clean
    /// up before finishing.
    ///
    /// Never blocks, works from any thread, and calling it twice, or after
    /// the task finished, changes nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let task = runtime::spawn(std::future::pending::<()>());
    /// task.cancel();
    /// assert!(task.await.unwrap_err().is_cancelled());
    /// # });
    /// ```
    pub fn cancel(&self) {
        harness::cancel(self.raw);
    }

    /// True once the task has finished (with a value, a panic, or as
    /// cancelled); awaiting the handle then returns at once.
    pub fn is_finished(&self) -> bool {
        self.raw.header().state.load().is_complete()
    }

    /// The id of the task.
    pub fn id(&self) -> Id {
        self.raw.header().id
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(_spend) = coop::poll_proceed(cx) else {
            return Poll::Pending;
        };
        let mut out: Poll<Result<T, JoinError>> = Poll::Pending;
        // SAFETY: `out` has the task's output type (the handle was made for
        // it), and we are its JoinHandle.
        unsafe {
            self.raw.try_read_output(
                &mut out as *mut Poll<Result<T, JoinError>> as *mut (),
                cx.waker(),
            )
        };
        out
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        // SAFETY: called once, from the handle, with its reference.
        unsafe { self.raw.drop_join_handle() }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.id())
            .field("finished", &self.is_finished())
            .finish()
    }
}
