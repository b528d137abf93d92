//! Cancellation a task can clean up after: `catch_cancel`, `shield` and
//! `is_cancelled`, and the per-poll context they read.
//!
//! # How delivery works
//!
//! `JoinHandle::cancel` sets CANCELLED and schedules the task. At the start
//! of the next poll, the harness decides whether the cancellation is
//! *deliverable*: requested, not yet consumed, and no `shield` live in the
//! task. If it is deliverable and no `catch_cancel` frame is live, the
//! harness drops the future without polling it. Otherwise it polls with
//! "deliver" set in this thread's [`PollScope`], and the innermost live
//! `catch_cancel` frame on the poll path consumes it: it drops its inner
//! future and returns `Err(Cancelled)`. If no frame took it by the end of the
//! poll, the harness drops the future as if there had been none.
//!
//! Frame bookkeeping (`CancelFrames` in the task header) is touched only
//! through the `PollScope`, which exists only on the thread that holds the
//! task's RUNNING bit; that is what makes the plain (non-atomic) counters
//! sound. A frame remembers the id of the task it registered in and only
//! deregisters inside that same task; a frame moved to another task (a boxed
//! future sent elsewhere) leaves the first task's count high, which only
//! makes that task poll once more before dropping its future.

use super::raw::{CancelFrames, Frame, Header, RawTask};
use super::{harness, Cancelled, Id};
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll};

/// What the current thread is polling.
#[derive(Clone, Copy)]
pub(crate) struct Scope {
    header: NonNull<Header>,
    /// A cancellation is deliverable in this poll and not yet consumed.
    deliver: bool,
    /// `catch_cancel` frames on the poll stack right now.
    catch_depth: u32,
}

/// This thread's scope slot (`crate::context`).
#[inline]
fn slot<R>(f: impl FnOnce(&Cell<Option<Scope>>) -> R) -> R {
    crate::context::with(|cx| f(&cx.poll_scope))
}

/// Marks this thread as polling (or dropping the future of) one task; the
/// previous scope is restored on drop, so nested `block_on` in a blocking
/// task works.
pub(super) struct PollScope(Option<Scope>);

impl PollScope {
    /// The caller must hold the task's RUNNING bit while the scope lives,
    /// or own the output of a COMPLETE task (which nobody polls any more)
    /// while it drops it: either way no other thread touches the task's
    /// poll-only fields.
    #[inline]
    pub(super) fn enter(header: &Header, deliver: bool) -> PollScope {
        let scope = Scope {
            header: NonNull::from(header),
            deliver,
            catch_depth: 0,
        };
        PollScope(slot(|c| c.replace(Some(scope))))
    }
}

impl Drop for PollScope {
    #[inline]
    fn drop(&mut self) {
        slot(|c| c.set(self.0));
    }
}

/// Clears this thread's task scope while it lives: `block_on` nested in a
/// blocking closure (which runs as a task) is outside any task.
pub(super) struct NoScope(Option<Scope>);

impl NoScope {
    pub(super) fn enter() -> NoScope {
        NoScope(slot(|c| c.replace(None)))
    }
}

impl Drop for NoScope {
    fn drop(&mut self) {
        slot(|c| c.set(self.0));
    }
}

fn current() -> Option<Scope> {
    slot(Cell::get)
}

fn update(f: impl FnOnce(&mut Scope)) {
    slot(|c| {
        if let Some(mut s) = c.get() {
            f(&mut s);
            c.set(Some(s));
        }
    });
}

impl Scope {
    fn header(&self) -> &Header {
        // SAFETY: a scope exists only while its task is being polled on this
        // thread, and the poller holds a reference.
        unsafe { self.header.as_ref() }
    }

    fn id(&self) -> Id {
        self.header().id
    }

    /// Runs `f` on the task's poll-only cancellation fields.
    fn frames<R>(&self, f: impl FnOnce(&mut CancelFrames) -> R) -> R {
        // SAFETY: this thread holds RUNNING for the scope's task (see
        // `PollScope::enter`), and no reference escapes `f`.
        self.header().cancel.with_mut(|c| f(unsafe { &mut *c }))
    }
}

/// True if the current task has been asked to cancel (even if it caught the
/// cancellation and is cleaning up). False outside a task.
///
/// # Examples
///
/// ```
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let task = runtime::spawn(async { runtime::task::is_cancelled() });
/// assert!(!task.await.unwrap());
/// # });
/// ```
pub fn is_cancelled() -> bool {
    current().is_some_and(|s| s.header().state.load().is_cancelled())
}

/// Awaits `future`, and if the task is cancelled meanwhile, drops `future`
/// and returns `Err(Cancelled)` instead of ending the task, which then runs on
/// to clean up (asyncio's `try: await ... except CancelledError:`).
///
/// The cancellation is consumed: later awaits in the task run normally, so
/// asynchronous cleanup (flushing, logging, notifying) completes. The
/// task's `JoinHandle` still reports it cancelled, once it finishes. With
/// nested `catch_cancel`s the innermost one on the poll path receives it.
/// Outside a task (in `block_on`), it just awaits `future`.
///
/// # Examples
///
/// ```
/// use runtime::task::{catch_cancel, yield_now};
/// use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
/// use std::sync::Arc;
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let cleaned_up = Arc::new(AtomicBool::new(false));
/// let flag = cleaned_up.clone();
/// let (started_tx, started_rx) = futures_channel::oneshot::channel();
/// let task = runtime::spawn(async move {
///     started_tx.send(()).unwrap();
///     if catch_cancel(std::future::pending::<()>()).await.is_err() {
///         yield_now().await; // asynchronous cleanup is allowed here
///         flag.store(true, SeqCst);
///     }
/// });
/// started_rx.await.unwrap();
/// task.cancel();
/// assert!(task.await.unwrap_err().is_cancelled());
/// assert!(cleaned_up.load(SeqCst));
/// # });
/// ```
pub fn catch_cancel<F: Future>(future: F) -> CatchCancel<F> {
    CatchCancel {
        inner: Some(future),
        registered: None,
    }
}

/// Future returned by [`catch_cancel`].
#[must_use = "futures do nothing unless awaited"]
pub struct CatchCancel<F> {
    inner: Option<F>,
    /// The task whose live `catch_cancel` count includes this frame.
    registered: Option<Id>,
}

/// Deregisters a frame from the task it counted in, if that task is the one
/// being polled here.
fn deregister(registered: &mut Option<Id>, frame: Frame) {
    let Some(id) = registered.take() else { return };
    if let Some(scope) = current().filter(|s| s.id() == id) {
        scope.frames(|f| f.deregister(frame));
    }
}

fn register(registered: &mut Option<Id>, scope: Scope, frame: Frame) {
    if *registered != Some(scope.id()) {
        deregister(registered, frame);
        scope.frames(|f| f.register(frame));
        *registered = Some(scope.id());
    }
}

impl<F: Future> CatchCancel<F> {
    /// Projects the pinned inner future.
    fn inner(self: Pin<&mut Self>) -> Option<Pin<&mut F>> {
        // SAFETY: `inner` is structurally pinned: it is never moved out, only
        // dropped in place (set to `None`), and `CatchCancel` is not `Unpin`
        // unless `F` is.
        unsafe {
            self.get_unchecked_mut()
                .inner
                .as_mut()
                .map(|f| Pin::new_unchecked(f))
        }
    }

    /// Drops the inner future in place and deregisters the frame.
    fn finish(self: Pin<&mut Self>) {
        // SAFETY: dropping in place upholds the pinning guarantee; the
        // `registered` field is not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        this.inner = None;
        deregister(&mut this.registered, Frame::Catch);
    }

    fn poll_inner(mut self: Pin<&mut Self>, cx: &mut Context<'_>, depth: u32) -> Poll<F::Output> {
        struct RestoreDepth(u32);
        impl Drop for RestoreDepth {
            fn drop(&mut self) {
                let depth = self.0;
                update(|s| s.catch_depth = depth);
            }
        }
        let _restore = RestoreDepth(depth - 1);
        update(|s| s.catch_depth = depth);
        let inner = self
            .as_mut()
            .inner()
            .expect("CatchCancel polled after completion");
        let out = inner.poll(cx);
        if out.is_ready() {
            self.finish();
        }
        out
    }

    /// Takes the cancellation: mark it consumed, drop the inner future.
    fn consume(self: Pin<&mut Self>, scope: Scope) -> Poll<Result<F::Output, Cancelled>> {
        scope.frames(|f| {
            f.set_consumed(true);
            f.set_delivered();
        });
        update(|s| s.deliver = false);
        self.finish();
        Poll::Ready(Err(Cancelled::new()))
    }
}

impl<F: Future> Future for CatchCancel<F> {
    type Output = Result<F::Output, Cancelled>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(scope) = current() else {
            let inner = self
                .as_mut()
                .inner()
                .expect("CatchCancel polled after completion");
            let out = inner.poll(cx);
            if out.is_ready() {
                self.finish();
            }
            return out.map(Ok);
        };
        // SAFETY: `registered` is not structurally pinned.
        register(
            unsafe { &mut self.as_mut().get_unchecked_mut().registered },
            scope,
            Frame::Catch,
        );

        let depth = scope.catch_depth + 1;
        if !scope.deliver {
            return self.poll_inner(cx, depth).map(Ok);
        }
        // Frames deeper than this one may be live (more are registered than
        // sit on the poll stack); give them the first chance.
        if u32::from(scope.frames(|f| f.live(Frame::Catch))) > depth {
            if let Poll::Ready(v) = self.as_mut().poll_inner(cx, depth) {
                return Poll::Ready(Ok(v));
            }
            if scope.frames(|f| f.consumed()) {
                return Poll::Pending;
            }
        }
        self.consume(scope)
    }
}

impl<F> Drop for CatchCancel<F> {
    fn drop(&mut self) {
        // Drop the inner future first: frames nested inside it deregister
        // before this one.
        self.inner = None;
        deregister(&mut self.registered, Frame::Catch);
    }
}

/// Runs `future` to completion even if the task is cancelled meanwhile: a
/// cancellation requested while it runs is held back, then delivered at the
/// task's next await after it completes (asyncio's `shield`).
///
/// Use it for a critical section that must not be abandoned halfway, such
/// as a write that must be acknowledged. Outside a task it just awaits
/// `future`.
///
/// # Examples
///
/// ```
/// use runtime::task::{shield, yield_now};
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let (started_tx, started_rx) = futures_channel::oneshot::channel();
/// let (tx, rx) = futures_channel::oneshot::channel::<u32>();
/// let task = runtime::spawn(async move {
///     let committed = shield(async move {
///         started_tx.send(()).unwrap();
///         for _ in 0..10 {
///             yield_now().await;
///         }
///         7 // the shielded work finishes despite the cancel
///     })
///     .await;
///     tx.send(committed).unwrap();
///     std::future::pending::<()>().await; // the cancellation lands here
/// });
/// started_rx.await.unwrap();
/// task.cancel();
/// assert!(task.await.unwrap_err().is_cancelled());
/// assert_eq!(rx.await.unwrap(), 7);
/// # });
/// ```
pub fn shield<F: Future>(future: F) -> Shield<F> {
    Shield {
        inner: future,
        registered: None,
    }
}

/// Future returned by [`shield`].
#[must_use = "futures do nothing unless awaited"]
pub struct Shield<F> {
    inner: F,
    registered: Option<Id>,
}

impl<F> Shield<F> {
    /// Leaves the task's shield count; if that releases a pending
    /// cancellation, wakes the task so its next poll delivers it.
    fn release(&mut self) {
        let Some(id) = self.registered else { return };
        deregister(&mut self.registered, Frame::Shield);
        if let Some(scope) = current().filter(|s| s.id() == id) {
            let released = scope.frames(|f| f.live(Frame::Shield) == 0 && !f.consumed());
            if released && scope.header().state.load().is_cancelled() {
                // SAFETY: the task is being polled on this thread, and the
                // poller's reference keeps it alive; wake_by_ref takes its
                // own reference if it queues the task.
                harness::wake_by_ref(unsafe { RawTask::from_raw(scope.header) });
            }
        }
    }
}

impl<F: Future> Future for Shield<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `inner` is structurally pinned (never moved out);
        // `registered` is not.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above.
        let inner = unsafe { Pin::new_unchecked(&mut this.inner) };
        let Some(scope) = current() else {
            return inner.poll(cx);
        };
        register(&mut this.registered, scope, Frame::Shield);

        struct RestoreDeliver(bool);
        impl Drop for RestoreDeliver {
            fn drop(&mut self) {
                let deliver = self.0;
                update(|s| s.deliver = deliver);
            }
        }
        let _restore = RestoreDeliver(scope.deliver);
        update(|s| s.deliver = false);
        let out = inner.poll(cx);
        if out.is_ready() {
            this.release();
        }
        out
    }
}

impl<F> Drop for Shield<F> {
    fn drop(&mut self) {
        self.release();
    }
}

/// The id of the task this thread is polling (or whose future it is
/// dropping), if any.
pub(super) fn current_id() -> Option<Id> {
    current().map(|s| s.id())
}

/// A `catch_cancel` frame that stays registered for the whole life of a
/// task group's scope, and hands the cancellation back when the scope is
/// done: the group takes its parent's cancellation, cancels and awaits its
/// children, then re-arms the cancellation so the parent's next poll
/// delivers it (to an outer `catch_cancel`, or ending the task).
///
/// It never drops anything itself: `poll_with` reports the cancellation and
/// the group decides.
pub(super) struct GroupFrame {
    /// The task whose live `catch_cancel` count includes this frame.
    registered: Option<Id>,
    /// The task whose cancellation this frame consumed (and must re-arm).
    took: Option<Id>,
}

impl GroupFrame {
    pub(super) const fn new() -> GroupFrame {
        GroupFrame {
            registered: None,
            took: None,
        }
    }

    /// Polls through `poll_inner` as a `catch_cancel` frame would. Returns
    /// `Err(Cancelled)` when a cancellation is delivered to this frame (no
    /// deeper frame took it); it is then consumed until [`release`].
    ///
    /// [`release`]: GroupFrame::release
    pub(super) fn poll_with<R>(
        &mut self,
        poll_inner: impl FnOnce() -> Poll<R>,
    ) -> Result<Poll<R>, Cancelled> {
        let Some(scope) = current() else {
            return Ok(poll_inner());
        };
        register(&mut self.registered, scope, Frame::Catch);
        let depth = scope.catch_depth + 1;
        if !scope.deliver {
            return Ok(at_depth(depth, poll_inner));
        }
        // Deeper frames (inside the group's body) get the first chance.
        if u32::from(scope.frames(|f| f.live(Frame::Catch))) > depth {
            let out = at_depth(depth, poll_inner);
            if out.is_ready() || scope.frames(|f| f.consumed()) {
                return Ok(out);
            }
        }
        scope.frames(|f| {
            f.set_consumed(true);
            f.set_delivered();
        });
        update(|s| s.deliver = false);
        self.took = Some(scope.id());
        Err(Cancelled::new())
    }

    /// Deregisters the frame; if it took the task's cancellation, re-arms
    /// it and wakes the task so that its next poll delivers it again.
    pub(super) fn release(&mut self) {
        deregister(&mut self.registered, Frame::Catch);
        let Some(id) = self.took.take() else { return };
        if let Some(scope) = current().filter(|s| s.id() == id) {
            scope.frames(|f| f.set_consumed(false));
            // SAFETY: the task is being polled (or its future dropped) on
            // this thread, and the poller's reference keeps it alive;
            // wake_by_ref takes its own reference if it queues the task.
            harness::wake_by_ref(unsafe { RawTask::from_raw(scope.header) });
        }
    }
}

/// Runs `f` with `depth` frames counted on the poll stack.
fn at_depth<R>(depth: u32, f: impl FnOnce() -> R) -> R {
    struct RestoreDepth(u32);
    impl Drop for RestoreDepth {
        fn drop(&mut self) {
            let depth = self.0;
            update(|s| s.catch_depth = depth);
        }
    }
    let _restore = RestoreDepth(depth - 1);
    update(|s| s.catch_depth = depth);
    f()
}

impl Drop for GroupFrame {
    fn drop(&mut self) {
        self.release();
    }
}
