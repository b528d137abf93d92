//! Task groups: [`scope`] and [`TaskGroup`], asyncio's `TaskGroup`.
//!
//! The rules are documented on [`scope`].

use super::cancel::GroupFrame;
use super::{Id, JoinError, JoinHandle};
use futures_util::stream::{FuturesUnordered, StreamExt};
use futures_util::task::AtomicWaker;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

/// Runs `body` with a [`TaskGroup`] to spawn children into, and completes
/// once the body and every child have finished (asyncio's
/// `async with asyncio.TaskGroup() as tg:`).
///
/// The first failure (a child's `Err` or panic, the body's `Err`, or the
/// awaiting task being cancelled) cancels the other children and the body,
/// and becomes the result once every child has finished its cleanup. See
/// the rules below, including what happens if this future is dropped
/// early.
///
/// # Why a `scope` function plus a `TaskGroup` handle
///
/// asyncio writes `async with asyncio.TaskGroup() as tg:`; the block is the
/// group's lifetime, and leaving it waits for the children. Rust has no
/// async `with`, so the block is a closure: [`scope`] runs a *body* that
/// receives a [`TaskGroup`] handle and spawns children through it, and the
/// future `scope` returns completes only once every child has finished.
/// The handle is cheap to clone and `Send`, so children can spawn siblings,
/// as `tg.create_task` can be called from inside a child.
///
/// The body runs *inside* the calling task (it is not spawned), so it may
/// borrow the caller's locals; children are tasks, so they are `'static`.
///
/// # Semantics, exactly
///
/// * Children return `Result<(), E>`. The first failure, in the order the
///   group observes them, is the group's error: a child returning `Err(e)`,
///   a child panicking, the body returning `Err(e)`, or the parent task
///   being cancelled. Later failures are dropped.
/// * On the first failure the group *aborts*: it cancels every child with
///   [`JoinHandle::cancel`] (children inside
///   [`catch_cancel`](super::catch_cancel) run their cleanup) and drops the
///   body if it is still running (its destructors are its cleanup; the body
///   is not a task, so it cannot catch the cancellation). A child spawned
///   while the group aborts is not started: [`TaskGroup::spawn`] drops its
///   future and returns `None`.
/// * A child that was cancelled by someone else is not a failure (as in
///   asyncio).
/// * The scope completes when the body has finished (or was dropped) *and*
///   every child has finished, cleanup included. It returns the body's value,
///   or the first failure as a [`GroupError`].
/// * **Parent cancelled** ([`JoinHandle::cancel`] on the task awaiting the
///   scope): the scope takes the cancellation like a
///   [`catch_cancel`](super::catch_cancel) frame (a `catch_cancel` inside
///   the body, deeper on the poll path, gets it first, as in asyncio where
///   the body may catch `CancelledError`). It aborts as above, waits for
///   every child, returns `Err` with [`GroupError::is_cancelled`], and
///   *re-arms* the cancellation: the parent's next await delivers it again,
///   to an enclosing `catch_cancel` or ending the task. So a cancelled
///   parent never ends while its children still run. (asyncio's
///   `TaskGroup.__aexit__` re-raises `CancelledError` the same way.)
///   **One rule for the result**, the same as for
///   [`catch_cancel`](super::catch_cancel): a task whose cancellation was
///   received (here by the group) reports cancelled through its
///   `JoinHandle` when it finishes, whatever it returns, even if it
///   ignores the error and returns a value without awaiting anything more.
/// * **Scope future dropped** before it completes (it lost a `select`, a
///   `timeout` expired, the parent was dropped during runtime shutdown): a
///   destructor cannot wait, so the children are cancelled but *not*
///   awaited; their cleanup runs after the drop. To have the group wait,
///   cancel the *task* instead of dropping the future (or put the scope in
///   its own task and cancel that).
/// * A [`TaskGroup`] used after its scope has completed panics: there is no
///   scope left to wait for the child.
/// * Outside a task (directly in `block_on`) there is no parent task to
///   cancel; everything else is the same.
///
/// # Errors
///
/// A [`GroupError`] holding the first failure.
///
/// # Examples
///
/// ```
/// use runtime::task::{self, TaskGroup};
/// use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
/// use std::sync::Arc;
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let total = Arc::new(AtomicU32::new(0));
/// let result = task::scope(|group: TaskGroup<String>| {
///     let total = total.clone();
///     async move {
///         for i in 1..=3 {
///             let total = total.clone();
///             group.spawn(async move {
///                 total.fetch_add(i, SeqCst);
///                 Ok(())
///             });
///         }
///         Ok("body done")
///     }
/// })
/// .await;
/// assert_eq!(result.unwrap(), "body done");
/// assert_eq!(total.load(SeqCst), 6); // every child finished before `scope` returned
///
/// // The first failure cancels the siblings and is the result.
/// let err = task::scope(|group: TaskGroup<&'static str>| async move {
///     group.spawn(std::future::pending()); // cancelled by the failure
///     group.spawn(async { Err("disk full") });
///     Ok(())
/// })
/// .await
/// .unwrap_err();
/// assert_eq!(err.into_error(), Some("disk full"));
/// # });
/// ```
pub fn scope<T, E, F, Fut>(body: F) -> Scope<T, E, Fut>
where
    F: FnOnce(TaskGroup<E>) -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: Send + 'static,
{
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            phase: Phase::Open,
            incoming: Vec::new(),
        }),
        waker: AtomicWaker::new(),
    });
    let body = body(TaskGroup {
        shared: shared.clone(),
    });
    Scope {
        frame: GroupFrame::new(),
        body: Some(body),
        rest: Rest {
            shared,
            children: FuturesUnordered::new(),
            value: None,
            failure: None,
            done: false,
        },
    }
}

/// A handle to spawn children into a [`scope`]'s group (asyncio's
/// `tg.create_task`). Clone it to let children spawn siblings.
///
/// # Examples
///
/// ```
/// use runtime::task::{self, TaskGroup};
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let (tx, rx) = futures_channel::oneshot::channel();
/// task::scope(|group: TaskGroup<()>| async move {
///     let inner = group.clone();
///     group.spawn(async move {
///         // A child spawning a sibling: the scope waits for it too.
///         inner.spawn(async move {
///             tx.send("from the grandchild").unwrap();
///             Ok(())
///         });
///         Ok(())
///     });
///     Ok(())
/// })
/// .await
/// .unwrap();
/// assert_eq!(rx.await.unwrap(), "from the grandchild");
/// # });
/// ```
pub struct TaskGroup<E> {
    shared: Arc<Shared<E>>,
}

impl<E> Clone for TaskGroup<E> {
    fn clone(&self) -> Self {
        TaskGroup {
            shared: self.shared.clone(),
        }
    }
}

impl<E> fmt::Debug for TaskGroup<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroup").finish_non_exhaustive()
    }
}

struct Shared<E> {
    state: Mutex<State<E>>,
    /// The scope's waker: woken when a child is added.
    waker: AtomicWaker,
}

impl<E> Shared<E> {
    fn lock(&self) -> MutexGuard<'_, State<E>> {
        // A panic while holding this lock cannot leave the state torn (each
        // critical section is a push, a drain or a store), so poisoning is
        // ignored.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

struct State<E> {
    phase: Phase,
    /// Children spawned since the scope last looked.
    incoming: Vec<JoinHandle<Result<(), E>>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Open,
    /// A failure happened or the scope was dropped: new children are not
    /// started.
    Aborting,
    /// The scope completed: nobody is left to wait for a child.
    Closed,
}

impl<E: Send + 'static> TaskGroup<E> {
    /// Spawns `future` as a child of the group and returns its id, or
    /// `None` if the group is aborting (after a failure), in which case
    /// `future` is dropped without being polled.
    ///
    /// The child runs concurrently, like any task. Its `Err` or panic is a
    /// failure of the group (see [`scope`]).
    ///
    /// # Panics
    ///
    /// Panics if the group's scope has already completed (a handle kept
    /// past its scope); spawn with [`runtime::spawn`](crate::spawn) or into
    /// a [`JoinSet`](super::JoinSet) for tasks that outlive it. Panics
    /// outside a runtime, as [`runtime::spawn`](crate::spawn) does.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> Option<Id>
    where
        F: Future<Output = Result<(), E>> + Send + 'static,
    {
        let mut state = self.shared.lock();
        match state.phase {
            Phase::Open => {}
            Phase::Aborting => return None,
            Phase::Closed => panic!(
                "TaskGroup::spawn: the group's scope has already completed, so nothing would \
                 wait for this task; spawn children while the scope runs, or use \
                 runtime::spawn or a JoinSet for tasks that outlive it"
            ),
        }
        // Spawned under the lock, so the scope cannot close between the
        // check and the push.
        let handle = crate::spawn(future);
        let id = handle.id();
        state.incoming.push(handle);
        drop(state);
        self.shared.waker.wake();
        Some(id)
    }
}

/// Future returned by [`scope`]: the group's result, once the body and every
/// child have finished.
#[must_use = "futures do nothing unless awaited"]
pub struct Scope<T, E, Fut> {
    /// Takes the parent task's cancellation (see the module docs).
    frame: GroupFrame,
    /// The body; structurally pinned, dropped in place.
    body: Option<Fut>,
    rest: Rest<T, E>,
}

struct Rest<T, E> {
    shared: Arc<Shared<E>>,
    /// `FuturesUnordered` rather than a hand-written ready list: it polls
    /// only the handles whose tasks finished (each handle gets its own
    /// waker), which is exactly what is needed here.
    children: FuturesUnordered<JoinHandle<Result<(), E>>>,
    value: Option<T>,
    failure: Option<Failure<E>>,
    done: bool,
}

impl<T, E> Rest<T, E> {
    /// Records `failure` if it is the first, and aborts the group.
    fn fail<Fut>(&mut self, failure: Failure<E>, body: Pin<&mut Option<Fut>>) {
        if self.failure.is_none() {
            self.failure = Some(failure);
        }
        self.abort(body);
    }

    /// Cancels every child, drops the body, refuses new children.
    fn abort<Fut>(&mut self, mut body: Pin<&mut Option<Fut>>) {
        let incoming = {
            let mut state = self.shared.lock();
            if state.phase == Phase::Open {
                state.phase = Phase::Aborting;
            }
            std::mem::take(&mut state.incoming)
        };
        self.children.extend(incoming);
        for child in self.children.iter() {
            child.cancel();
        }
        body.set(None);
    }

    fn poll_inner<Fut>(
        &mut self,
        mut body: Pin<&mut Option<Fut>>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<T, GroupError<E>>>
    where
        Fut: Future<Output = Result<T, E>>,
    {
        self.shared.waker.register(cx.waker());
        loop {
            if let Some(fut) = body.as_mut().as_pin_mut() {
                if let Poll::Ready(out) = fut.poll(cx) {
                    body.set(None);
                    match out {
                        Ok(value) => self.value = Some(value),
                        Err(e) => self.fail(Failure::Error(e), body.as_mut()),
                    }
                }
            }
            let incoming = std::mem::take(&mut self.shared.lock().incoming);
            self.children.extend(incoming);
            while let Poll::Ready(Some(result)) = self.children.poll_next_unpin(cx) {
                match result {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => self.fail(Failure::Error(e), body.as_mut()),
                    Err(e) if e.is_panic() => self.fail(Failure::Panic(e), body.as_mut()),
                    // Cancelled by someone else (or by the abort): not a failure.
                    Err(_) => {}
                }
            }
            if body.is_some() || !self.children.is_empty() {
                return Poll::Pending;
            }
            let mut state = self.shared.lock();
            if !state.incoming.is_empty() {
                // A child spawned a sibling just now.
                continue;
            }
            state.phase = Phase::Closed;
            drop(state);
            self.done = true;
            return Poll::Ready(match self.failure.take() {
                Some(failure) => Err(GroupError { failure }),
                None => Ok(self
                    .value
                    .take()
                    .expect("a group without failures has the body's value")),
            });
        }
    }
}

impl<T, E, Fut> Future for Scope<T, E, Fut>
where
    Fut: Future<Output = Result<T, E>>,
{
    type Output = Result<T, GroupError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: only `body` is structurally pinned: it is never moved, only
        // dropped in place through `Pin::set`; `frame` and `rest` are not
        // pinned.
        let this = unsafe { self.get_unchecked_mut() };
        assert!(
            !this.rest.done,
            "task::scope future polled after it completed; await it once"
        );
        loop {
            // SAFETY: as above, `body` stays where it is.
            let body = unsafe { Pin::new_unchecked(&mut this.body) };
            let rest = &mut this.rest;
            match this.frame.poll_with(|| rest.poll_inner(body, cx)) {
                Ok(Poll::Ready(out)) => {
                    this.frame.release();
                    return Poll::Ready(out);
                }
                Ok(Poll::Pending) => return Poll::Pending,
                Err(_cancelled) => {
                    // SAFETY: as above.
                    let body = unsafe { Pin::new_unchecked(&mut this.body) };
                    this.rest.fail(Failure::Cancelled, body);
                    // Poll again (the cancellation is now consumed) to
                    // collect the children that already finished and wait
                    // for the rest.
                }
            }
        }
    }
}

impl<T, E, Fut> Drop for Scope<T, E, Fut> {
    fn drop(&mut self) {
        if self.rest.done {
            return;
        }
        // Dropped early: cancel what still runs; it cannot be awaited here.
        // SAFETY: `body` is dropped in place, never moved.
        let body = unsafe { Pin::new_unchecked(&mut self.body) };
        self.rest.abort(body);
    }
}

impl<T, E, Fut> fmt::Debug for Scope<T, E, Fut> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scope")
            .field("body_running", &self.body.is_some())
            .field("children", &self.rest.children.len())
            .finish_non_exhaustive()
    }
}

enum Failure<E> {
    Error(E),
    Panic(JoinError),
    Cancelled,
}

/// The first failure of a task group (see [`scope`]): a child's or the
/// body's error, a child's panic, or the cancellation of the task awaiting
/// the group.
///
/// Opaque; ask it with [`is_error`](GroupError::is_error),
/// [`is_panic`](GroupError::is_panic) and
/// [`is_cancelled`](GroupError::is_cancelled).
///
/// # Examples
///
/// ```
/// use runtime::task::{self, TaskGroup};
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let err = task::scope(|group: TaskGroup<String>| async move {
///     group.spawn(async { panic!("child failed") });
///     Ok(())
/// })
/// .await
/// .unwrap_err();
/// assert!(err.is_panic());
/// assert!(err.to_string().contains("child failed"));
/// # });
/// ```
pub struct GroupError<E> {
    failure: Failure<E>,
}

impl<E> GroupError<E> {
    /// True if a child or the body returned `Err`.
    pub fn is_error(&self) -> bool {
        matches!(self.failure, Failure::Error(_))
    }

    /// True if a child panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.failure, Failure::Panic(_))
    }

    /// True if the task awaiting the group was cancelled (the cancellation
    /// is re-delivered at its next await; propagate this error).
    pub fn is_cancelled(&self) -> bool {
        matches!(self.failure, Failure::Cancelled)
    }

    /// The error a child or the body returned, if that was the failure.
    pub fn into_error(self) -> Option<E> {
        match self.failure {
            Failure::Error(e) => Some(e),
            _ => None,
        }
    }

    /// The panicked child's [`JoinError`] (its id, name and payload), if
    /// that was the failure.
    pub fn into_join_error(self) -> Option<JoinError> {
        match self.failure {
            Failure::Panic(e) => Some(e),
            _ => None,
        }
    }
}

impl<E: fmt::Display> fmt::Display for GroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.failure {
            Failure::Error(e) => write!(f, "a task group failed: {e}"),
            Failure::Panic(e) => write!(f, "a task group failed: {e}"),
            Failure::Cancelled => f.write_str("a task group's parent task was cancelled"),
        }
    }
}

impl<E: fmt::Debug> fmt::Debug for GroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.failure {
            Failure::Error(e) => f.debug_tuple("GroupError::Error").field(e).finish(),
            Failure::Panic(e) => f.debug_tuple("GroupError::Panic").field(e).finish(),
            Failure::Cancelled => f.write_str("GroupError::Cancelled"),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for GroupError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.failure {
            Failure::Error(e) => Some(e),
            Failure::Panic(e) => Some(e),
            Failure::Cancelled => None,
        }
    }
}
