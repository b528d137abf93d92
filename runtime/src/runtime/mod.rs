//! `Runtime`: owns the worker threads; starts, drives and shuts down.

mod block_on;
mod builder;
pub(crate) mod context;
mod handle;

pub use builder::{Builder, WORKER_THREADS_ENV};
pub(crate) use handle::NO_RUNTIME;
pub use handle::{EnterGuard, Handle, TryCurrentError};

use crate::task::JoinHandle;
use std::fmt;
use std::future::Future;
use std::io;
use std::thread::JoinHandle as ThreadHandle;
use std::time::{Duration, Instant};

/// A multi-threaded, work-stealing async runtime.
///
/// Owns a pool of worker threads that run spawned tasks, and a pool of
/// threads for blocking closures. Most programs create it through
/// `#[runtime::main]`; servers that embed it keep a [`Handle`].
///
/// Dropping the runtime shuts it down: every task is cancelled and its
/// future dropped, the workers are joined. [`shutdown_timeout`] first gives
/// tasks that caught their cancellation time to clean up.
///
/// [`shutdown_timeout`]: Runtime::shutdown_timeout
///
/// # Examples
///
/// ```
/// let rt = runtime::Runtime::new().unwrap();
/// let task = rt.spawn(async { 6 * 7 });
/// assert_eq!(rt.block_on(task).unwrap(), 42);
/// ```
pub struct Runtime {
    handle: Handle,
    workers: Vec<ThreadHandle<()>>,
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("handle", &self.handle)
            .finish()
    }
}

impl Runtime {
    /// A runtime with the default configuration (see [`Builder::new`]).
    ///
    /// # Errors
    ///
    /// As [`Builder::build`]: an invalid `RUNTIME_WORKER_THREADS`, or a
    /// thread the operating system refuses to start.
    pub fn new() -> io::Result<Runtime> {
        Builder::new().build()
    }

    pub(crate) fn new_with(handle: Handle) -> Runtime {
        Runtime {
            handle,
            workers: Vec::new(),
        }
    }

    /// A handle to this runtime, to clone and hand out.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Spawns a task; see [`spawn`](crate::spawn).
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Runs a blocking closure on the blocking pool; see
    /// [`spawn_blocking`](crate::spawn_blocking).
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.spawn_blocking(f)
    }

    /// Runs `future` to completion on the calling thread, while the workers
    /// run the spawned tasks; returns its output. Inside it,
    /// [`spawn`](crate::spawn) uses this runtime.
    ///
    /// # Panics
    ///
    /// Panics if called on a worker thread or inside another `block_on`:
    /// blocking there would stall the runtime. Use `.await` instead.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = runtime::Runtime::new().unwrap();
    /// let out = rt.block_on(async {
    ///     let a = runtime::spawn(async { 1 });
    ///     let b = runtime::spawn(async { 2 });
    ///     a.await.unwrap() + b.await.unwrap()
    /// });
    /// assert_eq!(out, 3);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.handle.block_on(future)
    }

    /// Shuts down, giving cancelled tasks up to `timeout` to finish.
    ///
    /// Every task is cancelled. Tasks inside
    /// [`catch_cancel`](crate::task::catch_cancel) receive the cancellation
    /// and run their cleanup; once all tasks have finished, or `timeout` has
    /// passed, the workers stop and what is left is dropped without being
    /// polled again. Blocking closures already running are not waited for.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = runtime::Runtime::new().unwrap();
    /// let task = rt.spawn(std::future::pending::<()>());
    /// rt.shutdown_timeout(Duration::from_secs(1));
    /// assert!(task.is_finished());
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        self.shutdown(timeout);
    }

    fn shutdown(&mut self, grace: Duration) {
        let shared = &self.handle.shared;
        if shared.begin_shutdown() {
            return;
        }
        if worker_of(shared) {
            panic!(
                "a runtime was dropped or shut down from one of its own worker threads, \
                 which would have to wait for itself; drop it outside the runtime \
                 (for example from `main`, or move it into `spawn_blocking`)"
            );
        }
        if !grace.is_zero() {
            shared.owned.for_each(|task| task.cancel());
            shared.owned.wait_empty(Instant::now().checked_add(grace));
        }
        shared.stop();
        for worker in self.workers.drain(..) {
            // A worker only panics through a bug in the runtime itself;
            // shutdown carries on either way.
            let _ = worker.join();
        }
        shared.blocking.shutdown();
        // Whatever did not finish in time is completed as cancelled now,
        // its future dropped here without another poll.
        while let Some(task) = shared.owned.pop() {
            task.shutdown();
        }
        // Timers outlive the workers no longer: whatever is still
        // registered (only sleeps held outside the tasks, which were all
        // dropped above) is woken, and polling it panics with a message.
        shared.time.shutdown();
        // Sockets too: their waiters are woken and every later operation
        // fails with an error instead of waiting for a reactor that is gone.
        shared.io.shutdown();
        shared.drain();
    }
}

/// True if this thread is one of `shared`'s workers.
fn worker_of(shared: &crate::loom::Arc<crate::scheduler::Shared>) -> bool {
    context::is_entered()
        && context::with_current(|h| h.is_some_and(|h| crate::loom::Arc::ptr_eq(&h.shared, shared)))
        && crate::scheduler::worker::is_worker_thread()
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.shutdown(Duration::ZERO);
    }
}
