//! `Handle`: a cheap, cloneable reference to a running runtime.

use super::{block_on, context};
use crate::blocking::BlockingPool;
use crate::loom::Arc;
use crate::metrics::{RuntimeMetrics, TaskDump};
use crate::scheduler::Shared;
use crate::task::JoinHandle;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::Location;

/// A reference to a runtime, to spawn onto it from anywhere: other threads,
/// a server's connection handlers, libraries.
///
/// `Clone + Send + Sync`, one atomic increment to clone. It does not keep
/// the runtime running: once the [`Runtime`](crate::Runtime) is shut down,
/// tasks spawned through a handle resolve at once as cancelled.
///
/// # Examples
///
/// Embedding the runtime in a server object:
///
/// ```
/// struct Server {
///     handle: runtime::Handle,
/// }
///
/// impl Server {
///     fn handle_request(&self, n: u64) -> runtime::task::JoinHandle<u64> {
///         self.handle.spawn(async move { n * 2 })
///     }
/// }
///
/// let rt = runtime::Runtime::new().unwrap();
/// let server = Server { handle: rt.handle().clone() };
/// let reply = server.handle_request(21);
/// assert_eq!(rt.block_on(reply).unwrap(), 42);
/// ```
#[derive(Clone)]
pub struct Handle {
    pub(crate) shared: Arc<Shared>,
}

/// Returned by [`Handle::try_current`] when this thread has no runtime.
#[derive(Debug)]
pub struct TryCurrentError(());

impl TryCurrentError {
    /// True: the error means this thread is not inside a runtime (the only
    /// cause there is).
    pub fn is_missing_context(&self) -> bool {
        true
    }
}

impl fmt::Display for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "there is no runtime on this thread: call this from a task, inside `Runtime::block_on`, \
             or after `Handle::enter()`",
        )
    }
}

impl std::error::Error for TryCurrentError {}

/// Returned by [`Handle::enter`]: while it lives, this thread uses the
/// handle's runtime for [`spawn`](crate::spawn) and
/// [`Handle::current`].
#[must_use = "the runtime is only entered while the guard lives"]
pub struct EnterGuard<'a> {
    _guard: context::SetCurrentGuard,
    _handle: PhantomData<&'a Handle>,
}

impl fmt::Debug for EnterGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EnterGuard")
    }
}

pub(crate) const NO_RUNTIME: &str =
    "there is no runtime on this thread. Spawn from a task, from inside \
`Runtime::block_on`, or on a thread that entered a runtime with `Handle::enter()`; \
or annotate `main` with `#[runtime::main]`";

impl Handle {
    pub(crate) fn from_shared(shared: Arc<Shared>) -> Handle {
        Handle { shared }
    }

    /// The handle of the runtime this thread is in.
    ///
    /// # Panics
    ///
    /// Panics outside a runtime (not a worker thread, not inside
    /// `block_on`, no [`enter`](Handle::enter) guard); use
    /// [`try_current`](Handle::try_current) to check instead.
    #[track_caller]
    pub fn current() -> Handle {
        match Handle::try_current() {
            Ok(handle) => handle,
            Err(_) => panic!("Handle::current(): {NO_RUNTIME}"),
        }
    }

    /// The handle of the runtime this thread is in, if any.
    ///
    /// # Errors
    ///
    /// [`TryCurrentError`] if this thread is not inside a runtime.
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        context::with_current(|h| h.cloned()).ok_or(TryCurrentError(()))
    }

    /// Spawns a task on this runtime; see [`spawn`](crate::spawn).
    ///
    /// Works from any thread. After the runtime shut down, the returned
    /// handle resolves at once to a cancelled [`JoinError`](crate::task::JoinError).
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_named(future, None)
    }

    /// `spawn` with a task name (from `task::Builder`), which the task dump
    /// and slow-poll reports show.
    #[track_caller]
    pub(crate) fn spawn_named<F>(
        &self,
        future: F,
        name: Option<&std::sync::Arc<str>>,
    ) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.shared.spawn_at(future, Location::caller(), name)
    }

    /// A snapshot of the runtime's counters: workers, tasks, queues, the
    /// blocking pool. See [`RuntimeMetrics`] for what each means and the
    /// [`metrics`](crate::metrics) module for what they cost (little: the
    /// counters are always on).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = runtime::Builder::new().worker_threads(1).build().unwrap();
    /// rt.block_on(rt.spawn(async {})).unwrap();
    /// let m = rt.handle().metrics();
    /// assert_eq!(m.spawned_tasks, 1);
    /// assert!(m.workers[0].polls >= 1);
    /// ```
    pub fn metrics(&self) -> RuntimeMetrics {
        RuntimeMetrics::collect(&self.shared)
    }

    /// Lists the runtime's live tasks: id, name, state (idle, scheduled,
    /// running) and, with [`Builder::enable_task_dump`](crate::Builder::enable_task_dump),
    /// spawn location and time since the last poll. `Display` prints a
    /// table. A task idle for long awaits something that never happens; a
    /// task running for long blocks its worker.
    ///
    /// Takes each task-list shard's lock in turn (and, with tracking, each
    /// table shard's): meant for debugging, not for every request.
    ///
    /// Without tracking, a task is listed from the end of its first poll
    /// on (a task that completes in it never is), and counted in
    /// [`TaskDump::unstarted`] until then.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::metrics::TaskState;
    ///
    /// let rt = runtime::Runtime::new().unwrap();
    /// let stuck = rt.spawn(std::future::pending::<()>());
    /// // Listed once its first poll has left it pending.
    /// let dump = loop {
    ///     let dump = rt.handle().dump();
    ///     if dump.get(stuck.id()).is_some() {
    ///         break dump;
    ///     }
    ///     assert_eq!(dump.unstarted(), 1, "live, so listed or counted");
    ///     std::thread::yield_now();
    /// };
    /// assert_ne!(dump.get(stuck.id()).unwrap().state, TaskState::Complete);
    /// println!("{dump}");
    /// ```
    pub fn dump(&self) -> TaskDump {
        TaskDump::collect(&self.shared)
    }

    /// Runs a blocking closure on this runtime's blocking pool; see
    /// [`spawn_blocking`](crate::spawn_blocking).
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        BlockingPool::spawn(&self.shared, f)
    }

    /// Runs `future` to completion on the calling thread, with this runtime
    /// as the current one; see [`Runtime::block_on`](crate::Runtime::block_on).
    ///
    /// # Panics
    ///
    /// Panics if called on a worker thread or inside another `block_on`
    /// (it would stall the runtime); `.await` the future instead.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        block_on::block_on(self, future)
    }

    /// Makes this runtime the current one on this thread until the guard is
    /// dropped, so [`spawn`](crate::spawn) works on a thread the runtime
    /// does not own.
    ///
    /// # Panics
    ///
    /// Guards nest: dropping one while a guard made after it is still live
    /// (`let a = h1.enter(); let b = h2.enter(); drop(a);`) panics, as in
    /// Tokio, instead of leaving the wrong runtime current.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = runtime::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// std::thread::spawn(move || {
    ///     let _guard = handle.enter();
    ///     let task = runtime::spawn(async { "spawned from a plain thread" });
    ///     handle.block_on(task).unwrap()
    /// })
    /// .join()
    /// .unwrap();
    /// ```
    pub fn enter(&self) -> EnterGuard<'_> {
        EnterGuard {
            _guard: context::set_current(self),
            _handle: PhantomData,
        }
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("workers", &self.shared.num_workers())
            .finish_non_exhaustive()
    }
}

/// Libraries written against the `futures` spawn traits can run on this
/// runtime: the spawned future is detached.
impl futures_task::Spawn for Handle {
    fn spawn_obj(
        &self,
        future: futures_task::FutureObj<'static, ()>,
    ) -> Result<(), futures_task::SpawnError> {
        if self.shared.is_shutting_down() {
            return Err(futures_task::SpawnError::shutdown());
        }
        drop(self.spawn(future));
        Ok(())
    }

    fn status(&self) -> Result<(), futures_task::SpawnError> {
        if self.shared.is_shutting_down() {
            Err(futures_task::SpawnError::shutdown())
        } else {
            Ok(())
        }
    }
}
