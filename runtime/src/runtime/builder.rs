//! `Builder`: configure and start a runtime.

use super::Runtime;
use crate::blocking::{BlockingPool, PoolConfig};
use crate::driver::io::Reactor;
use crate::driver::io_stack::IoStack;
use crate::driver::time::Driver as TimeDriver;
use crate::driver::Unpark;
use crate::loom::{thread, Arc};
use crate::scheduler::park::Parker;
use crate::scheduler::queue::Worker as LocalQueue;
use crate::scheduler::{worker, Remote, Shared};
use crate::Handle;
use std::io;
use std::time::Duration;

/// The most worker threads a runtime takes ([`Builder::worker_threads`],
/// `RUNTIME_WORKER_THREADS`); more is an error from [`Builder::build`].
const MAX_WORKER_THREADS: usize = 32_768;

/// The most threads the blocking pool takes
/// ([`Builder::max_blocking_threads`]); more is an error from
/// [`Builder::build`].
const MAX_BLOCKING_THREADS: usize = 32_768;

/// Declared first in a worker thread, so dropped last: after the thread
/// left its runtime context, it reports its exit (the last worker to exit
/// may finish the shutdown, see `Shared::worker_exited`).
struct WorkerExit(Arc<Shared>);

impl Drop for WorkerExit {
    fn drop(&mut self) {
        self.0.worker_exited();
    }
}

/// The environment variable that overrides the default number of worker
/// threads (an explicit [`Builder::worker_threads`] still wins).
pub const WORKER_THREADS_ENV: &str = "RUNTIME_WORKER_THREADS";

/// Configures and builds a [`Runtime`].
///
/// # Examples
///
/// ```
/// let rt = runtime::Builder::new()
///     .worker_threads(2)
///     .thread_name("my-server-worker")
///     .build()
///     .unwrap();
/// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
/// ```
#[derive(Debug, Clone)]
pub struct Builder {
    flavor: Flavor,
    worker_threads: Option<usize>,
    max_blocking_threads: usize,
    thread_name: String,
    thread_stack_size: Option<usize>,
    thread_keep_alive: Duration,
    start_paused: bool,
    /// Task dump and slow-poll settings (`crate::metrics`).
    observe: crate::metrics::Config,
}

/// Which scheduler `build` makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavor {
    MultiThread,
    CurrentThread,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

impl Builder {
    /// A builder with the defaults: one worker per available CPU (or
    /// `RUNTIME_WORKER_THREADS`), up to 512 blocking threads kept alive 10 s
    /// when idle, threads named `runtime-worker`.
    pub fn new() -> Builder {
        Builder {
            flavor: Flavor::MultiThread,
            worker_threads: None,
            max_blocking_threads: 512,
            thread_name: "runtime-worker".to_owned(),
            thread_stack_size: None,
            thread_keep_alive: Duration::from_secs(10),
            start_paused: false,
            observe: crate::metrics::Config::default(),
        }
    }

    /// A builder of the multi-thread, work-stealing flavor: the same as
    /// [`Builder::new`] (Tokio's name).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    /// assert_eq!(rt.handle().metrics().num_workers(), 2);
    /// ```
    pub fn new_multi_thread() -> Builder {
        Builder::new()
    }

    /// A builder of the current-thread flavor: no worker threads; every
    /// task runs on the thread that calls [`Runtime::block_on`], while it
    /// runs. Timers, sockets, [`spawn_blocking`](crate::spawn_blocking)
    /// (on the blocking pool's threads), the paused clock, metrics and
    /// [`Handle`] work as on the multi-thread flavor; a task spawned from
    /// another thread ([`Handle::spawn`]) is queued for the thread that
    /// drives the runtime. This is asyncio's event loop: one thread, no
    /// parallelism, deterministic order.
    ///
    /// Futures that are not `Send` can be spawned with
    /// [`task::spawn_local`](crate::task::spawn_local) inside `block_on` on
    /// the thread that built the runtime (every task of this flavor is
    /// local to one thread, and those tasks to that one). If another thread
    /// calls `block_on`, only the `Send` tasks run there. Dropping the
    /// runtime on another thread than the one that built it leaks the
    /// futures of such tasks (they may be neither dropped nor moved there)
    /// and their handles resolve as cancelled: drop it where it was built.
    ///
    /// One thread drives the runtime at a time: a second, concurrent
    /// `block_on` polls only its own future until the first returns, then
    /// takes over. [`worker_threads`](Builder::worker_threads) is ignored.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = runtime::Builder::new_current_thread().build().unwrap();
    /// let here = std::thread::current().id();
    /// let there = rt.block_on(async {
    ///     runtime::spawn(async { std::thread::current().id() }).await.unwrap()
    /// });
    /// assert_eq!(here, there);
    /// ```
    pub fn new_current_thread() -> Builder {
        Builder {
            flavor: Flavor::CurrentThread,
            ..Builder::new()
        }
    }

    /// Sets the number of worker threads that run tasks: from 1 to 32,768.
    /// Anything else is rejected by [`build`](Builder::build) with an
    /// [`io::ErrorKind::InvalidInput`] error naming the range.
    pub fn worker_threads(&mut self, n: usize) -> &mut Self {
        self.worker_threads = Some(n);
        self
    }

    /// Sets the most threads the blocking pool (for
    /// [`spawn_blocking`](crate::spawn_blocking)) may run at once; further
    /// closures wait in a queue. Default 512; from 1 to 32,768, anything
    /// else is rejected by [`build`](Builder::build) with an
    /// [`io::ErrorKind::InvalidInput`] error naming the range.
    pub fn max_blocking_threads(&mut self, n: usize) -> &mut Self {
        self.max_blocking_threads = n;
        self
    }

    /// Names the runtime's threads (workers and blocking threads).
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Self {
        self.thread_name = name.into();
        self
    }

    /// Sets the stack size of the runtime's threads, in bytes.
    pub fn thread_stack_size(&mut self, bytes: usize) -> &mut Self {
        self.thread_stack_size = Some(bytes);
        self
    }

    /// How long an idle blocking thread waits for work before it exits.
    /// Default 10 s.
    pub fn thread_keep_alive(&mut self, duration: Duration) -> &mut Self {
        self.thread_keep_alive = duration;
        self
    }

    /// Starts the runtime's clock paused, for tests: time stands still
    /// for its timers, moving only through
    /// [`time::advance`](crate::time::advance) and by jumping to the next
    /// timer whenever the whole runtime is idle, so that timeouts of hours
    /// run in microseconds and deterministically. Only such a runtime
    /// accepts [`time::pause`](crate::time::pause) and
    /// [`time::resume`](crate::time::resume). Default `false`.
    ///
    /// `#[runtime::test(start_paused = true)]` sets it for a test. See the
    /// [`time`](crate::time) module for what "idle" means and what the
    /// paused clock does not cover (`std::time::Instant::now()`).
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::time::{self, Duration};
    ///
    /// let rt = runtime::Builder::new().start_paused(true).build().unwrap();
    /// let took = std::time::Instant::now();
    /// rt.block_on(async {
    ///     let out = time::timeout(Duration::from_secs(3600), std::future::pending::<()>()).await;
    ///     assert!(out.is_err());
    /// });
    /// assert!(took.elapsed() < Duration::from_secs(60)); // not an hour
    /// ```
    pub fn start_paused(&mut self, paused: bool) -> &mut Self {
        self.start_paused = paused;
        self
    }

    /// Records, for every task spawned on the workers, where it was spawned
    /// and when it was last polled, so that [`Handle::dump`] can show it.
    /// Default `false`: the dump then lists ids, names and states only.
    ///
    /// Costs nothing when off. When on, each spawn makes one more small
    /// allocation and takes a lock of a sharded table (so does each
    /// completion), and each poll reads the clock once. See the
    /// [`metrics`](crate::metrics) module.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = runtime::Builder::new().enable_task_dump(true).build().unwrap();
    /// let task = rt.spawn(std::future::pending::<()>());
    /// let dump = rt.handle().dump();
    /// let entry = dump.get(task.id()).unwrap();
    /// assert_eq!(entry.location.unwrap().file(), file!());
    /// ```
    pub fn enable_task_dump(&mut self, enable: bool) -> &mut Self {
        self.observe.task_dump = enable;
        self
    }

    /// Reports every poll that takes longer than `threshold`: a task that
    /// blocks its worker thread (a synchronous call in async code, the most
    /// common runtime bug) stalls every task queued behind it.
    ///
    /// A report is a `warn` through the [`log`](https://docs.rs/log) facade
    /// (target `runtime::slow_poll`) naming the task's id, name (from
    /// [`task::Builder::name`](crate::task::Builder::name)), the poll's
    /// duration and where the task was spawned; it is also counted in
    /// [`WorkerMetrics::slow_polls`](crate::metrics::WorkerMetrics::slow_polls).
    /// Install any `log` logger to see the reports.
    ///
    /// Off by default; when off, polls are not timed at all. When on, each
    /// poll reads the clock twice, and tasks are tracked as with
    /// [`enable_task_dump`](Builder::enable_task_dump). Blocking-pool
    /// closures are never reported: blocking is what they are for.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = runtime::Builder::new()
    ///     .slow_poll_threshold(Duration::from_millis(100))
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(async {
    ///     runtime::spawn(async {
    ///         std::thread::sleep(Duration::from_millis(150)); // don't: blocks the worker
    ///     })
    ///     .await
    ///     .unwrap();
    /// });
    /// assert_eq!(rt.handle().metrics().total_slow_polls(), 1);
    /// ```
    pub fn slow_poll_threshold(&mut self, threshold: Duration) -> &mut Self {
        self.observe.slow_poll = Some(threshold);
        self
    }

    fn resolve_worker_threads(&self) -> io::Result<usize> {
        let n = match self.worker_threads {
            Some(n) => n,
            None => match std::env::var(WORKER_THREADS_ENV) {
                Ok(value) => value.trim().parse::<usize>().map_err(|_| {
                    invalid(format!(
                        "{WORKER_THREADS_ENV}={value:?} is not a number of worker threads; \
                         set it to a positive integer or unset it"
                    ))
                })?,
                Err(_) => std::thread::available_parallelism()
                    .map_or(1, |n| n.get())
                    .min(MAX_WORKER_THREADS),
            },
        };
        if n == 0 || n > MAX_WORKER_THREADS {
            return Err(invalid(format!(
                "{n} worker threads requested (through worker_threads or {WORKER_THREADS_ENV}); \
                 a runtime takes from 1 to {MAX_WORKER_THREADS} worker threads"
            )));
        }
        Ok(n)
    }

    /// Starts the runtime's threads.
    ///
    /// # Errors
    ///
    /// An [`io::ErrorKind::InvalidInput`] error for an invalid configuration
    /// (worker or blocking threads outside 1 to 32,768, an unparsable
    /// `RUNTIME_WORKER_THREADS`), or the operating system's error if a
    /// thread cannot be started.
    pub fn build(&mut self) -> io::Result<Runtime> {
        let current_thread = self.flavor == Flavor::CurrentThread;
        let workers = if current_thread {
            1
        } else {
            self.resolve_worker_threads()?
        };
        if self.max_blocking_threads == 0 || self.max_blocking_threads > MAX_BLOCKING_THREADS {
            return Err(invalid(format!(
                "max_blocking_threads({}): the blocking pool takes from 1 to \
                 {MAX_BLOCKING_THREADS} threads (at least 1, or spawn_blocking could never run)",
                self.max_blocking_threads
            )));
        }

        // The driver stack: the time driver over the I/O driver, both
        // interrupted through the I/O driver's waker.
        let (reactor, poller) = Reactor::new()?;
        self.build_on(workers, IoStack::with_io(Arc::new(reactor), poller))
    }

    /// A runtime of `workers` worker threads without an I/O driver (the
    /// time driver over the thread parker), for the loom models, which run
    /// the real scheduler (`scheduler::loom_pool`); `mio` cannot run under
    /// loom.
    #[cfg(all(test, runtime_loom))]
    pub(crate) fn build_without_io(&mut self, workers: usize) -> io::Result<Runtime> {
        self.build_on(workers, IoStack::without_io())
    }

    /// Starts `workers` worker threads over the driver stack built on
    /// `stack` (its bottom: the I/O driver, or the thread parker); for the
    /// current-thread flavor (one worker slot), no thread: `block_on`
    /// drives the worker.
    fn build_on(&mut self, workers: usize, stack: IoStack) -> io::Result<Runtime> {
        let time = TimeDriver::new(self.start_paused, stack.unpark_handle());
        let mut locals = Vec::with_capacity(workers);
        let mut remotes = Vec::with_capacity(workers);
        for _ in 0..workers {
            let local = LocalQueue::new_fifo();
            let driver_waker: Arc<dyn Unpark> = stack.unpark_handle();
            let parker = Parker::with_driver(Some(driver_waker));
            remotes.push(Remote {
                stealer: local.stealer(),
                unparker: parker.unparker(),
            });
            locals.push((local, parker));
        }
        let blocking = BlockingPool::new(PoolConfig {
            max_threads: self.max_blocking_threads,
            keep_alive: self.thread_keep_alive,
            thread_name: self.thread_name.clone(),
            stack_size: self.thread_stack_size,
            activity: self.start_paused.then(|| time.clock().activity().clone()),
        });
        let mut shared = Shared::new(remotes.into_boxed_slice(), blocking, time, stack)
            .with_metrics(self.observe);
        if self.flavor == Flavor::CurrentThread {
            shared = shared.with_current_thread();
        }
        let shared = Arc::new(shared);
        let handle = Handle::from_shared(shared.clone());
        let mut runtime = Runtime::new_with(handle.clone());
        if let Some(ct) = shared.current_thread() {
            // No thread: `block_on` drives the one worker (the core).
            let (local, parker) = locals.pop().expect("one worker slot");
            ct.install(worker::Context::new(shared.clone(), 0, local, parker));
            return Ok(runtime);
        }

        for (index, (local, parker)) in locals.into_iter().enumerate() {
            let mut builder = thread::Builder::new().name(self.thread_name.clone());
            if let Some(size) = self.thread_stack_size {
                builder = builder.stack_size(size);
            }
            let shared = shared.clone();
            let handle = handle.clone();
            // Counted before the thread starts, uncounted as it exits (even
            // by a panic): a shutdown that does not join the workers knows
            // when the last one is gone.
            shared.worker_starting();
            let exit_shared = shared.clone();
            let spawned = builder.spawn(move || {
                let _exit = WorkerExit(exit_shared);
                let _entered =
                    super::context::enter_runtime("a new worker thread is never inside a runtime");
                let _current = super::context::set_current(&handle);
                worker::Context::new(shared, index, local, parker).run();
            });
            match spawned {
                Ok(thread) => runtime.workers.push(thread),
                // Dropping `runtime` stops and joins the workers started.
                Err(err) => {
                    runtime.handle.shared.worker_exited();
                    return Err(err);
                }
            }
        }
        Ok(runtime)
    }
}
