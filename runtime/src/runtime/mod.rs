//! `Runtime`: owns the worker threads; starts, drives and shuts down.

mod block_on;
mod builder;
pub(crate) mod context;
mod handle;

pub use builder::{Builder, WORKER_THREADS_ENV};
pub(crate) use handle::NO_RUNTIME;
pub use handle::{EnterGuard, Handle, TryCurrentError};

use crate::loom::thread::JoinHandle as ThreadHandle;
use crate::task::JoinHandle;
use std::fmt;
use std::future::Future;
use std::io;
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

    /// Makes this runtime the current one on this thread until the guard is
    /// dropped; see [`Handle::enter`] (guards must be dropped in the reverse
    /// order of their creation).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = runtime::Runtime::new().unwrap();
    /// let _guard = rt.enter();
    /// let task = runtime::spawn(async { 1 }); // no `block_on` needed to spawn
    /// assert_eq!(rt.block_on(task).unwrap(), 1);
    /// ```
    pub fn enter(&self) -> EnterGuard<'_> {
        self.handle.enter()
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

    /// Shuts down, giving cancelled tasks up to `timeout` to finish, and
    /// returns within about `timeout`.
    ///
    /// Every task is cancelled. Tasks inside
    /// [`catch_cancel`](crate::task::catch_cancel) receive the cancellation
    /// and run their cleanup; once all tasks have finished, or `timeout` has
    /// passed, the workers stop and what is left is dropped without being
    /// polled again. Blocking closures already running are not waited for.
    ///
    /// A worker thread still blocked at the deadline (a task calling
    /// `std::thread::sleep` or a blocking system call) is left behind, as in
    /// Tokio: this call returns anyway, and the thread exits when it gets
    /// control back, completing the task it was running (as cancelled,
    /// unless that poll finished it, or failed: the timers and sockets are
    /// shut down by then, so a timer it polls panics) and anything queued
    /// behind it.
    ///
    /// # Panics
    ///
    /// Called from one of this runtime's own tasks, it cannot wait for
    /// itself: it panics with advice, after starting the shutdown as
    /// [`shutdown_background`](Runtime::shutdown_background) does.
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
    #[track_caller]
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        self.shutdown(Mode::Timeout(timeout));
    }

    /// Starts shutting down and returns at once, without waiting for the
    /// worker threads (Tokio's `shutdown_background`). It works anywhere,
    /// including inside one of this runtime's own tasks (where dropping the
    /// runtime panics, since a drop would have to wait).
    ///
    /// Every task is cancelled without a grace period: the workers stop
    /// after the poll they are in, and the last of them to exit drops every
    /// remaining task's future and completes it as cancelled, so `JoinHandle`s
    /// resolve soon after. Use it where blocking is not allowed, for example
    /// to drop a runtime from inside an async context.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = runtime::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// let task = rt.spawn(std::future::pending::<()>());
    /// rt.shutdown_background();
    /// // The task is completed by the exiting workers, shortly.
    /// let err = futures::executor::block_on(task).unwrap_err();
    /// assert!(err.is_cancelled());
    /// // Later spawns resolve as cancelled at once.
    /// assert!(futures::executor::block_on(handle.spawn(async {})).unwrap_err().is_cancelled());
    /// ```
    pub fn shutdown_background(mut self) {
        self.shutdown(Mode::Background);
    }

    #[track_caller]
    fn shutdown(&mut self, mode: Mode) {
        let shared = self.handle.shared.clone();
        if shared.begin_shutdown() {
            return;
        }
        // Joining our own thread would wait forever: such a shutdown goes on
        // without us (the last worker to exit finishes it), and the caller
        // is told with a panic.
        let on_own_worker = worker_of(&shared);
        let deadline = match mode {
            Mode::Timeout(timeout) => Some(Instant::now().checked_add(timeout)),
            Mode::Drop | Mode::Background => None,
        };
        if let (Mode::Timeout(timeout), false) = (mode, on_own_worker) {
            if !timeout.is_zero() {
                shared.cancel_all_tasks();
                match shared.current_thread() {
                    // No worker threads: this thread runs the cleanup.
                    Some(ct) => {
                        ct.cancel_local();
                        crate::scheduler::current_thread::run_grace_period(&shared, timeout);
                    }
                    None => {
                        shared.wait_no_tasks(deadline.flatten());
                    }
                }
            }
        }
        shared.stop();
        if on_own_worker || matches!(mode, Mode::Background) {
            self.workers.clear();
            shared.finish_shutdown_later();
            // `shutdown_background` is the way to do it from inside; and a
            // panic while the thread already unwinds (a panicking task that
            // owned its runtime) would abort the process.
            if on_own_worker && !matches!(mode, Mode::Background) && !std::thread::panicking() {
                if shared.current_thread().is_some() {
                    panic!(
                        "a current-thread runtime was dropped or shut down from inside its own \
                         `block_on` (in one of its tasks or in the future given to `block_on`), \
                         which would have to wait for itself. The shutdown completes when that \
                         `block_on` returns; to wait for it, drop the runtime after `block_on` \
                         returns (for example at the end of `main`), or call \
                         `Runtime::shutdown_background()` to not wait"
                    );
                }
                panic!(
                    "a runtime was dropped or shut down from one of its own worker threads, \
                     which would have to wait for itself. The shutdown goes on in the \
                     background; to wait for it, drop the runtime outside the runtime (for \
                     example from `main`, or move it into `spawn_blocking`), or call \
                     `Runtime::shutdown_background()` to not wait"
                );
            }
            return;
        }
        // Workers that are not blocked exit within microseconds of `stop`:
        // a short floor keeps a grace period spent to its end from leaving
        // them behind for nothing.
        let workers_deadline = deadline
            .flatten()
            .map(|d| d.max(Instant::now() + WORKER_EXIT_FLOOR));
        if shared.wait_workers_exited(workers_deadline) {
            for worker in self.workers.drain(..) {
                // A worker only panics through a bug in the runtime itself;
                // shutdown carries on either way.
                let _ = worker.join();
            }
        } else {
            // Past the deadline: the blocked workers are left behind; the
            // last of them to exit runs `finish_shutdown` again for what
            // it still held.
            self.workers.clear();
            shared.finish_shutdown_later();
        }
        shared.finish_shutdown();
    }
}

/// How long `shutdown_timeout` waits for the workers to exit after telling
/// them to stop, at least, even when its grace period is spent.
const WORKER_EXIT_FLOOR: Duration = Duration::from_millis(20);

/// How a runtime shuts down.
#[derive(Clone, Copy)]
enum Mode {
    /// `drop`: no grace period, wait for the workers.
    Drop,
    /// `shutdown_timeout`: a grace period, and the workers waited for,
    /// both until the deadline.
    Timeout(Duration),
    /// `shutdown_background`: no grace period, no waiting.
    Background,
}

/// True if this thread is one of `shared`'s workers.
fn worker_of(shared: &crate::loom::Arc<crate::scheduler::Shared>) -> bool {
    context::is_entered()
        && context::with_current(|h| h.is_some_and(|h| crate::loom::Arc::ptr_eq(&h.shared, shared)))
        && crate::scheduler::worker::is_worker_thread()
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.shutdown(Mode::Drop);
    }
}
