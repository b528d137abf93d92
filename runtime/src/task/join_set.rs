//! `JoinSet`: a collection of tasks, joined in the order they finish.

use super::{Id, JoinError, JoinHandle};
use crate::Handle;
use futures_util::stream::{FuturesUnordered, StreamExt};
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// A set of spawned tasks whose results are taken as they finish (asyncio's
/// `as_completed` over tasks you own, or `asyncio.wait` in a loop).
///
/// Every task spawned into the set belongs to it: dropping the set cancels
/// those still in it (as with [`cancel_all`](JoinSet::cancel_all)), so no
/// task outlives its set by accident. [`detach_all`](JoinSet::detach_all)
/// lets them go on purpose.
///
/// [`join_next`](JoinSet::join_next) does not poll every task: the set is a
/// `futures_util::stream::FuturesUnordered` of the tasks' `JoinHandle`s,
/// which gives each handle its own waker and polls only the handles whose
/// tasks finished, so taking `n` results costs `O(n)` however many tasks
/// are in the set. That crate is well tested and already does exactly this,
/// which is why it is used instead of a hand-written ready list.
///
/// # Examples
///
/// ```
/// use runtime::task::JoinSet;
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let mut set = JoinSet::new();
/// for i in 0..10u64 {
///     set.spawn(async move { i * i });
/// }
/// let mut total = 0;
/// while let Some(result) = set.join_next().await {
///     total += result.unwrap();
/// }
/// assert_eq!(total, 285);
/// assert!(set.is_empty());
/// # });
/// ```
pub struct JoinSet<T> {
    tasks: FuturesUnordered<Joined<T>>,
}

/// A `JoinHandle` whose output carries the task's id.
struct Joined<T>(JoinHandle<T>);

impl<T> Future for Joined<T> {
    type Output = (Id, Result<T, JoinError>);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let id = self.0.id();
        Pin::new(&mut self.0).poll(cx).map(|out| (id, out))
    }
}

impl<T> JoinSet<T> {
    /// An empty set.
    pub fn new() -> JoinSet<T> {
        JoinSet {
            tasks: FuturesUnordered::new(),
        }
    }

    /// The number of tasks in the set: running, or finished but not yet
    /// joined.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// True if the set holds no task.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Adds an already spawned task to the set; from now on the set owns it
    /// (and cancels it when dropped).
    pub fn insert(&mut self, handle: JoinHandle<T>) -> Id {
        let id = handle.id();
        self.tasks.push(Joined(handle));
        id
    }

    /// Waits for any task in the set to finish and returns its result, or
    /// `None` if the set is empty.
    ///
    /// Cancel-safe: dropping the returned future before it completes loses
    /// no result (the task stays in the set).
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::task::JoinSet;
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let mut set = JoinSet::new();
    /// set.spawn(async { panic!("boom") });
    /// let err = set.join_next().await.unwrap().unwrap_err();
    /// assert!(err.is_panic());
    /// assert!(set.join_next().await.is_none());
    /// # });
    /// ```
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        poll_fn(|cx| self.poll_join_next(cx)).await
    }

    /// Like [`join_next`](JoinSet::join_next), with the id of the task that
    /// finished (a failed task's id is in its [`JoinError`]).
    pub async fn join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        poll_fn(|cx| self.poll_join_next_with_id(cx)).await
    }

    /// The result of a task that has already finished, without waiting;
    /// `None` if none has (or the set is empty).
    ///
    /// It never runs out of the cooperative budget: `while let Some(r) =
    /// set.try_join_next()` reaps every finished task.
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        let mut cx = Context::from_waker(Waker::noop());
        // Not budgeted: a reaping loop sees every finished task, however
        // many operations the calling task has done in this poll.
        match super::coop::unconstrained(|| self.poll_join_next(&mut cx)) {
            Poll::Ready(out) => out,
            Poll::Pending => None,
        }
    }

    /// Polls for the next finished task: `Ready(None)` if the set is empty;
    /// `Pending` (with `cx`'s waker registered) if no task has finished.
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        self.poll_join_next_with_id(cx)
            .map(|out| out.map(|res| res.map(|(_, value)| value)))
    }

    /// Like [`poll_join_next`](JoinSet::poll_join_next), with the task's id.
    pub fn poll_join_next_with_id(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<(Id, T), JoinError>>> {
        self.tasks
            .poll_next_unpin(cx)
            .map(|out| out.map(|(id, res)| res.map(|value| (id, value))))
    }

    /// Cancels every task in the set ([`JoinHandle::cancel`] on each). The
    /// tasks stay in the set: keep calling [`join_next`](JoinSet::join_next)
    /// to wait for them to finish (their cleanup included) and to see their
    /// results, or use [`shutdown`](JoinSet::shutdown).
    pub fn cancel_all(&self) {
        for task in self.tasks.iter() {
            task.0.cancel();
        }
    }

    /// Cancels every task and waits until all have finished, discarding
    /// their results; the set is then empty.
    pub async fn shutdown(&mut self) {
        self.cancel_all();
        while self.join_next().await.is_some() {}
    }

    /// Removes every task from the set without cancelling it: each keeps
    /// running, detached, as if its `JoinHandle` had been dropped.
    pub fn detach_all(&mut self) {
        self.tasks.clear();
    }
}

impl<T: Send + 'static> JoinSet<T> {
    /// Spawns `future` on the current runtime into the set and returns the
    /// task's id.
    ///
    /// # Panics
    ///
    /// Panics outside a runtime, as [`runtime::spawn`](crate::spawn) does;
    /// use [`spawn_on`](JoinSet::spawn_on) with a [`Handle`] elsewhere.
    #[track_caller]
    pub fn spawn<F>(&mut self, future: F) -> Id
    where
        F: Future<Output = T> + Send + 'static,
    {
        self.insert(crate::spawn(future))
    }

    /// Spawns `future` on `handle`'s runtime into the set.
    #[track_caller]
    pub fn spawn_on<F>(&mut self, future: F, handle: &Handle) -> Id
    where
        F: Future<Output = T> + Send + 'static,
    {
        self.insert(handle.spawn(future))
    }

    /// Runs the blocking closure `f` on the current runtime's blocking pool,
    /// as a task of the set.
    ///
    /// # Panics
    ///
    /// Panics outside a runtime, as [`runtime::spawn_blocking`](crate::spawn_blocking)
    /// does.
    #[track_caller]
    pub fn spawn_blocking<F>(&mut self, f: F) -> Id
    where
        F: FnOnce() -> T + Send + 'static,
    {
        self.insert(crate::spawn_blocking(f))
    }
}

impl<T> Default for JoinSet<T> {
    fn default() -> Self {
        JoinSet::new()
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        self.cancel_all();
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len()).finish()
    }
}
