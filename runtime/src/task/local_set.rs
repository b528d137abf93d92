//! `LocalSet` and `spawn_local`: tasks whose futures are not `Send`, run
//! on the thread that owns them.
//!
//! A local task is an ordinary task (`task::new_local_task`): the same
//! state word, `JoinHandle`, cancellation, names, ids and task-locals. What
//! differs is its scheduler, [`LocalShared`], which never lets the task off
//! its owner thread:
//!
//! * a wake on the owner thread while the set runs goes to a plain queue
//!   (`queue`, touched only on that thread);
//! * a wake from any other thread (a `Waker` sent away, `JoinHandle::cancel`
//!   from another thread) goes to a mutex-protected queue (`remote`), and
//!   wakes whoever runs the set through its registered waker;
//! * the set's own task list (`owned`) lets dropping the set cancel and
//!   drop every task's future on the owner thread.
//!
//! Two things run a `LocalShared`: a [`LocalSet`] (`run_until`, polled
//! inside `block_on` or a task), and a current-thread runtime, whose
//! `block_on` runs the runtime's own set on the thread that built the
//! runtime (`scheduler/current_thread.rs`). A runtime is `Send`, so it may
//! be shut down on another thread: the futures of its local tasks are
//! boxed in [`Pinned`], which leaks them there instead of dropping them, and
//! their handles resolve as cancelled.

use super::list::OwnedTasks;
use super::raw::{Header, Notified, Schedule};
use super::{new_local_task, JoinHandle};
use crate::loom::{Arc, AtomicBool, AtomicU64, Mutex, Ordering};
use crate::Runtime;
use futures_util::task::AtomicWaker;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::thread::ThreadId;

/// Local tasks polled per poll of `run_until` (or per turn of a
/// current-thread runtime) before the runner yields back to its caller.
const TICK_BUDGET: usize = 61;

/// The set being run on this thread (null: none), a field of the thread's
/// context (`crate::context`). Points into the `Arc` that the live
/// `Entered` guard borrows.
fn slot<R>(f: impl FnOnce(&Cell<*const LocalShared>) -> R) -> R {
    crate::context::with(|cx| f(&cx.local_set))
}

/// The calling thread's id, cached in the thread's context
/// (`std::thread::current()` clones an `Arc`).
pub(crate) fn thread_id() -> ThreadId {
    crate::context::with(|cx| match cx.thread_id.get() {
        Some(id) => id,
        None => {
            let id = std::thread::current().id();
            cx.thread_id.set(Some(id));
            id
        }
    })
}

const NO_LOCAL_SET: &str = "`runtime::task::spawn_local` called outside a `LocalSet` and \
outside a current-thread runtime's `block_on` on the thread that built it. Run the code \
inside `LocalSet::run_until` (or `LocalSet::block_on`), call `LocalSet::spawn_local` on \
the set, or build the runtime with `runtime::Builder::new_current_thread()` and call \
`spawn_local` from its `block_on`; for a `Send` future, use `runtime::spawn`";

/// A value only its owner thread may touch.
struct OwnerOnly<T> {
    owner: ThreadId,
    value: T,
}

// SAFETY: `get` hands out the value only on the owner thread, so it is never
// touched from two threads; the value is `Send`, so dropping it (the only
// use elsewhere) may happen on any thread.
unsafe impl<T: Send> Sync for OwnerOnly<T> {}

impl<T> OwnerOnly<T> {
    fn get(&self) -> &T {
        assert!(
            thread_id() == self.owner,
            "a local task set was touched off its thread"
        );
        &self.value
    }
}

/// What other threads reach of a set: wakes to hand over.
struct Remote {
    tasks: VecDeque<Notified>,
    /// The set was dropped (or its runtime shut down): a late wake only
    /// holds a reference to a completed task, and is dropped.
    closed: bool,
}

/// The scheduler of local tasks (see the module docs).
pub(crate) struct LocalShared {
    owner: ThreadId,
    /// Wakes on the owner thread while the set is entered, and spawns.
    queue: OwnerOnly<RefCell<VecDeque<Notified>>>,
    /// True while `tick` runs the queue: a wake then needs no waker.
    ticking: OwnerOnly<Cell<bool>>,
    remote: Mutex<Remote>,
    /// A hint that `remote` holds tasks (checked without the lock).
    has_remote: AtomicBool,
    owned: OwnedTasks,
    /// Whoever runs the set: `run_until`'s waker, or the current-thread
    /// runtime's `block_on`.
    waker: AtomicWaker,
    /// The set of a current-thread runtime: futures are wrapped in
    /// `Pinned` (the runtime may be dropped on another thread).
    of_runtime: bool,
    /// Tasks spawned (listed) and completed (unlisted by their own
    /// completion, or by the shutdown, `shutdown`), for the runtime's
    /// metrics (`Shared::local_task_counts`).
    spawned: AtomicU64,
    completed: AtomicU64,
}

impl LocalShared {
    /// A set owned by the calling thread.
    pub(crate) fn new(of_runtime: bool) -> Arc<LocalShared> {
        let owner = thread_id();
        Arc::new(LocalShared {
            owner,
            queue: OwnerOnly {
                owner,
                value: RefCell::new(VecDeque::new()),
            },
            ticking: OwnerOnly {
                owner,
                value: Cell::new(false),
            },
            remote: Mutex::new(Remote {
                tasks: VecDeque::new(),
                closed: false,
            }),
            has_remote: AtomicBool::new(false),
            owned: OwnedTasks::new(1),
            waker: AtomicWaker::new(),
            of_runtime,
            spawned: AtomicU64::new(0),
            completed: AtomicU64::new(0),
        })
    }

    /// True on the thread that owns the set.
    pub(crate) fn is_owner(&self) -> bool {
        thread_id() == self.owner
    }

    /// Spawns a local task. The caller is on the owner thread.
    #[track_caller]
    fn spawn<F>(self: &Arc<Self>, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        if self.of_runtime {
            self.spawn_inner(Pinned::new(future, self.owner))
        } else {
            self.spawn_inner(future)
        }
    }

    fn spawn_inner<F>(self: &Arc<Self>, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        assert!(self.is_owner(), "{NO_LOCAL_SET}");
        // Our `Schedule` polls only on the owner thread (the queue is
        // owner-only, and only an owner-thread `tick` runs tasks), which is
        // this one; tasks are completed without a poll on this thread
        // (`LocalSet`'s drop) or, for a runtime's set, possibly elsewhere.
        // SAFETY: so the future is polled and dropped only here, or leaked
        // elsewhere (`Pinned`), as `new_local_task` requires.
        let (listed, notified, handle) = unsafe { new_local_task(future, self.clone()) };
        match self.owned.insert(listed) {
            Ok(()) => {
                // Relaxed: a statistic; nothing is published through it.
                self.spawned.fetch_add(1, Ordering::Relaxed);
                self.push_local(notified);
            }
            Err(refused) => {
                // Closed (the set is being dropped, or its runtime shuts
                // down): complete it as cancelled on the spot.
                drop(refused);
                notified.shutdown();
            }
        }
        handle
    }

    /// Queues a task on the owner thread.
    fn push_local(&self, task: Notified) {
        self.queue.get().borrow_mut().push_back(task);
        if !self.ticking.get().get() {
            self.waker.wake();
        }
    }

    /// Queues a task woken on another thread (or outside a run of the set).
    fn push_remote(&self, task: Notified) {
        let mut remote = self.remote.lock();
        if remote.closed {
            drop(remote);
            // The task was completed when the set closed; only our
            // reference is left to release.
            drop(task);
            return;
        }
        remote.tasks.push_back(task);
        // Relaxed: a hint; the lock orders the queue itself.
        self.has_remote.store(true, Ordering::Relaxed);
        drop(remote);
        self.waker.wake();
    }

    /// Moves the remote wakes to the back of the local queue.
    fn take_remote(&self) {
        // Relaxed: a hint. A wake pushed after this load also wakes our
        // runner's waker, which runs another tick.
        if !self.has_remote.load(Ordering::Relaxed) {
            return;
        }
        let mut remote = self.remote.lock();
        self.has_remote.store(false, Ordering::Relaxed);
        let tasks = std::mem::take(&mut remote.tasks);
        drop(remote);
        self.queue.get().borrow_mut().extend(tasks);
    }

    /// Registers the waker of whoever runs the set: woken when a task is
    /// queued from outside a tick.
    pub(crate) fn register(&self, waker: &std::task::Waker) {
        self.waker.register(waker);
    }

    /// Runs up to `TICK_BUDGET` queued tasks. Owner thread, set entered.
    /// Returns true if tasks are still queued.
    pub(crate) fn tick(&self) -> bool {
        struct Ticking<'a>(&'a Cell<bool>);
        impl Drop for Ticking<'_> {
            fn drop(&mut self) {
                self.0.set(false);
            }
        }
        let ticking = self.ticking.get();
        ticking.set(true);
        let _reset = Ticking(ticking);
        let queue = self.queue.get();
        self.take_remote();
        for _ in 0..TICK_BUDGET {
            let next = queue.borrow_mut().pop_front();
            let task = match next {
                Some(task) => task,
                None => {
                    self.take_remote();
                    match queue.borrow_mut().pop_front() {
                        Some(task) => task,
                        None => return false,
                    }
                }
            };
            // A set's tasks are listed at spawn (only the runtime's
            // scheduler defers a listing to the end of a first poll).
            debug_assert!(!task.is_deferred());
            task.run();
        }
        // Relaxed: a hint, as in `take_remote`.
        !queue.borrow().is_empty() || self.has_remote.load(Ordering::Relaxed)
    }

    /// True once every task of the set has completed.
    pub(crate) fn is_empty(&self) -> bool {
        self.owned.len() == 0
    }

    /// The number of live tasks.
    pub(crate) fn len(&self) -> usize {
        self.owned.len()
    }

    /// Tasks spawned and tasks completed so far (the runtime's metrics).
    pub(crate) fn counts(&self) -> (u64, u64) {
        // Relaxed (both): statistics, as the runtime's own counters.
        (
            self.spawned.load(Ordering::Relaxed),
            self.completed.load(Ordering::Relaxed),
        )
    }

    /// Runs `f` on every live task (the runtime's task dump; see
    /// `OwnedTasks::for_each` for what `f` may do).
    pub(crate) fn for_each_task(&self, f: impl FnMut(&super::raw::ListedTask)) {
        self.owned.for_each(f);
    }

    /// Refuses new tasks from here on.
    pub(crate) fn close(&self) {
        self.owned.close();
    }

    /// Cancels every task (a shutdown's grace period).
    pub(crate) fn cancel_all(&self) {
        self.owned.for_each(|task| task.cancel());
    }

    /// Closes the set and completes every task as cancelled, dropping its
    /// future (a runtime's set: on another thread, `Pinned` leaks it), then
    /// drops every queued wake.
    pub(crate) fn shutdown(&self) {
        self.owned.close();
        while let Some(task) = self.owned.pop() {
            // Off the list it counts as completed, as in `release`, which
            // will not find it there.
            // Relaxed: a statistic.
            self.completed.fetch_add(1, Ordering::Relaxed);
            task.shutdown();
        }
        let late = {
            let mut remote = self.remote.lock();
            remote.closed = true;
            std::mem::take(&mut remote.tasks)
        };
        drop(late);
        if self.is_owner() {
            let queued = std::mem::take(&mut *self.queue.get().borrow_mut());
            drop(queued);
        }
        // Elsewhere the owner-only queue is left as it is: it only holds
        // references, released when the last `Arc` of the set goes.
    }
}

impl Schedule for Arc<LocalShared> {
    fn schedule(&self, task: Notified) {
        if slot(Cell::get) == Arc::as_ptr(self) {
            // Entered on this thread, so this is the owner thread.
            self.push_local(task);
        } else {
            self.push_remote(task);
        }
    }

    fn yield_now(&self, task: Notified) {
        // Either queue is FIFO: a yielded task goes behind the others.
        self.schedule(task);
    }

    fn release(&self, task: &Header) -> bool {
        let listed = self.owned.remove(task);
        if listed {
            // Relaxed: a statistic.
            self.completed.fetch_add(1, Ordering::Relaxed);
        }
        listed
    }
}

/// Makes a set the one `spawn_local` uses on this thread, and the one whose
/// wakes go to its local queue, until dropped.
pub(crate) struct Entered<'a> {
    prev: *const LocalShared,
    _set: PhantomData<&'a Arc<LocalShared>>,
}

/// Enters `set` on this thread, its owner.
pub(crate) fn enter(set: &Arc<LocalShared>) -> Entered<'_> {
    assert!(set.is_owner(), "a local task set was run off its thread");
    let prev = slot(|c| c.replace(Arc::as_ptr(set)));
    Entered {
        prev,
        _set: PhantomData,
    }
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        slot(|c| c.set(self.prev));
    }
}

/// Spawns a `!Send` future on the current thread's local task set and
/// returns its [`JoinHandle`].
///
/// The set is the [`LocalSet`] being run ([`LocalSet::run_until`],
/// [`LocalSet::block_on`]), or, inside `block_on` of a current-thread
/// runtime ([`Builder::new_current_thread`](crate::Builder::new_current_thread))
/// on the thread that built it, the runtime itself: every task of such a
/// runtime runs on that thread. The task never leaves this thread; its
/// `JoinHandle` is `Send` if the output is, so it may be awaited (or
/// cancelled) from anywhere.
///
/// # Panics
///
/// Panics outside both, with a message saying how to fix it.
///
/// # Examples
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
///
/// let rt = runtime::Builder::new_current_thread().build().unwrap();
/// let count = rt.block_on(async {
///     let shared = Rc::new(RefCell::new(0)); // not `Send`
///     let tasks: Vec<_> = (0..3)
///         .map(|_| {
///             let shared = shared.clone();
///             runtime::task::spawn_local(async move { *shared.borrow_mut() += 1 })
///         })
///         .collect();
///     for task in tasks {
///         task.await.unwrap();
///     }
///     let count = *shared.borrow();
///     count
/// });
/// assert_eq!(count, 3);
/// ```
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let ptr = slot(Cell::get);
    if ptr.is_null() {
        panic!("{NO_LOCAL_SET}");
    }
    // A non-null `CURRENT` points into an `Arc<LocalShared>` that the live
    // `Entered` guard which set it borrows; guards restore it in nesting
    // order.
    // SAFETY: so the `Arc` is alive, and this makes one more strong
    // reference to it, released by the `Arc` made next.
    let set = unsafe {
        Arc::increment_strong_count(ptr);
        Arc::from_raw(ptr)
    };
    set.spawn(future)
}

/// A set of tasks that run on the thread that owns the set, so their
/// futures need not be `Send` (`Rc`, `RefCell`, `!Send` client libraries).
///
/// Spawn onto it with [`spawn_local`](LocalSet::spawn_local) (or, while it
/// runs, [`task::spawn_local`](spawn_local)); its tasks run while it runs:
/// inside [`run_until`](LocalSet::run_until), or while the set itself is
/// awaited (until all its tasks finish), in `block_on` or in a task (of a
/// multi-thread runtime too: both futures are `!Send`, so only in
/// `block_on` or a local task), or through
/// [`block_on`](LocalSet::block_on). Timers, sockets, `spawn` and
/// `spawn_blocking` work inside its tasks as anywhere in the runtime.
///
/// Local tasks behave as any task: [`JoinHandle::cancel`],
/// [`catch_cancel`](crate::task::catch_cancel), [`shield`](crate::task::shield),
/// names, ids and task-locals work the same. A `Waker` of a local task may
/// be sent to and woken from any thread; the task still runs on the set's
/// thread.
///
/// Dropping the set cancels its tasks: each future is dropped, on this
/// thread, and each handle resolves as cancelled.
///
/// # Examples
///
/// ```
/// use runtime::task::LocalSet;
/// use std::rc::Rc;
///
/// let rt = runtime::Runtime::new().unwrap();
/// let local = LocalSet::new();
/// let name = Rc::new("local".to_string()); // `Rc` is not `Send`
/// let out = local.block_on(&rt, async move {
///     let task = runtime::task::spawn_local(async move { name.len() });
///     task.await.unwrap()
/// });
/// assert_eq!(out, 5);
/// ```
pub struct LocalSet {
    shared: Arc<LocalShared>,
    /// Owned by its thread: `!Send` and `!Sync`.
    _not_send: PhantomData<*const ()>,
}

impl LocalSet {
    /// An empty set, owned by this thread.
    pub fn new() -> LocalSet {
        LocalSet {
            shared: LocalShared::new(false),
            _not_send: PhantomData,
        }
    }

    /// Spawns a `!Send` future onto this set; it runs once the set runs.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = runtime::Runtime::new().unwrap();
    /// let local = runtime::task::LocalSet::new();
    /// let task = local.spawn_local(async { std::rc::Rc::new(7) });
    /// let out = local.block_on(&rt, task).unwrap();
    /// assert_eq!(*out, 7);
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.shared.spawn(future)
    }

    /// Runs `future` and this set's tasks until `future` completes, and
    /// returns its output. Await it inside `block_on` or a task; the
    /// tasks left unfinished stay in the set, to run when it runs again.
    ///
    /// Each poll runs `future` once and then at most 61 of the set's
    /// tasks, then yields to the runtime (waking itself if tasks are left).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = runtime::Runtime::new().unwrap();
    /// let local = runtime::task::LocalSet::new();
    /// rt.block_on(local.run_until(async {
    ///     let cell = std::rc::Rc::new(std::cell::Cell::new(1));
    ///     let c = cell.clone();
    ///     runtime::task::spawn_local(async move { c.set(2) }).await.unwrap();
    ///     assert_eq!(cell.get(), 2);
    /// }));
    /// ```
    pub fn run_until<F: Future>(&self, future: F) -> RunUntil<'_, F> {
        RunUntil { set: self, future }
    }

    /// Runs `future` and this set's tasks on `rt`, on this thread, until
    /// `future` completes: `rt.block_on(self.run_until(future))`.
    ///
    /// # Panics
    ///
    /// As [`Runtime::block_on`]: inside a runtime (await
    /// [`run_until`](LocalSet::run_until) there instead).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = runtime::Runtime::new().unwrap();
    /// let local = runtime::task::LocalSet::new();
    /// let out = local.block_on(&rt, async {
    ///     runtime::task::spawn_local(async { 1 }).await.unwrap() + 1
    /// });
    /// assert_eq!(out, 2);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, rt: &Runtime, future: F) -> F::Output {
        rt.block_on(self.run_until(future))
    }
}

impl Default for LocalSet {
    fn default() -> Self {
        LocalSet::new()
    }
}

impl fmt::Debug for LocalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSet")
            .field("tasks", &self.shared.owned.len())
            .finish()
    }
}

impl Drop for LocalSet {
    fn drop(&mut self) {
        // Entered: a `spawn_local` from a destructor finds this set, which
        // refuses it (the task completes as cancelled).
        let _entered = enter(&self.shared);
        self.shared.shutdown();
    }
}

/// Awaiting a `LocalSet` runs its tasks until every one of them has
/// finished (Tokio's `impl Future for LocalSet`): await it inside
/// `block_on` or a local task. Tasks spawned meanwhile (by its tasks, or
/// from outside through [`spawn_local`](LocalSet::spawn_local) before it
/// is awaited) are waited for too.
///
/// Each poll runs at most 61 of the set's tasks, then yields to the
/// runtime (waking itself if tasks are left).
///
/// # Examples
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
///
/// let rt = runtime::Runtime::new().unwrap();
/// let local = runtime::task::LocalSet::new();
/// let count = Rc::new(Cell::new(0));
/// for _ in 0..3 {
///     let count = count.clone();
///     local.spawn_local(async move {
///         runtime::task::yield_now().await;
///         count.set(count.get() + 1);
///     });
/// }
/// rt.block_on(local);
/// assert_eq!(count.get(), 3);
/// ```
impl Future for LocalSet {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let shared = &self.shared;
        // Registered before the tick: a wake from another thread after the
        // tick's last look at the remote queue wakes us for another poll.
        shared.register(cx.waker());
        let _entered = enter(shared);
        if shared.tick() {
            // Tasks are left: come back after the runtime had its turn.
            cx.waker().wake_by_ref();
            Poll::Pending
        } else if shared.is_empty() {
            Poll::Ready(())
        } else {
            // Every live task waits for something, which wakes it (and,
            // through the registered waker, us).
            Poll::Pending
        }
    }
}

/// The future of [`LocalSet::run_until`].
#[must_use = "futures do nothing unless awaited"]
pub struct RunUntil<'a, F> {
    set: &'a LocalSet,
    future: F,
}

impl<F: Future> Future for RunUntil<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned (never moved out); `set`
        // is a plain reference.
        let this = unsafe { self.get_unchecked_mut() };
        let shared = &this.set.shared;
        shared.register(cx.waker());
        let _entered = enter(shared);
        // SAFETY: as above.
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        if let Poll::Ready(out) = future.poll(cx) {
            return Poll::Ready(out);
        }
        if shared.tick() {
            // Tasks are left: come back after the runtime had its turn.
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }
}

impl<F> fmt::Debug for RunUntil<'_, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunUntil").finish_non_exhaustive()
    }
}

/// A local future of a current-thread runtime, boxed so that it can be
/// leaked: the runtime is `Send` and may be shut down on another thread,
/// where the future (pinned, and maybe `!Send`) may be neither dropped nor
/// have its memory freed. There its destructor leaks it; the task still
/// completes, as cancelled.
pub(crate) struct Pinned<F> {
    owner: ThreadId,
    future: Option<Pin<Box<F>>>,
}

impl<F> Pinned<F> {
    fn new(future: F, owner: ThreadId) -> Pinned<F> {
        Pinned {
            owner,
            future: Some(Box::pin(future)),
        }
    }
}

impl<F: Future> Future for Pinned<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.future
            .as_mut()
            .expect("polled after it was dropped")
            .as_mut()
            .poll(cx)
    }
}

impl<F> Drop for Pinned<F> {
    fn drop(&mut self) {
        if thread_id() != self.owner {
            // Off its thread: leak it (see the type's docs).
            std::mem::forget(self.future.take());
        }
    }
}
