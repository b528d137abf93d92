//! The multi-threaded, work-stealing scheduler.
//!
//! * Each worker thread owns a FIFO queue (`crossbeam_deque::Worker`) and a
//!   LIFO slot; other workers steal from its queue through a `Stealer`.
//! * The `Injector` takes tasks spawned or woken outside the workers.
//! * Idle workers park; `idle` decides whom to wake (see its rules).
//!
//! `Shared` is what every handle, task and worker points to.

pub(crate) mod auto_advance;
pub(crate) mod current_thread;
mod drivers;
pub(crate) mod idle;
#[cfg(all(test, runtime_loom))]
mod loom_park;
#[cfg(all(test, runtime_loom))]
mod loom_pool;
pub(crate) mod park;
pub(crate) mod queue;
#[cfg(all(test, not(runtime_loom)))]
mod wake_tests;
pub(crate) mod worker;

use crate::blocking::BlockingPool;
use crate::driver::io::Reactor;
use crate::driver::io_stack::IoStack;
use crate::driver::time::Driver as TimeDriver;
use crate::loom::{fence, Arc, AtomicBool, Condvar, Mutex, Ordering};
use crate::metrics::Metrics;
use crate::task::list::OwnedTasks;
use crate::task::raw::{FirstPending, Header, ListedTask, Notified, Schedule};
use crate::task::{self, JoinHandle};
use drivers::DriverLock;
use idle::Idle;
use park::Unparker;
use queue::{Injector, Stealer};
use std::future::Future;
use std::panic::Location;

/// What other threads can reach of one worker.
pub(crate) struct Remote {
    pub(crate) stealer: Stealer<Notified>,
    pub(crate) unparker: Unparker,
}

/// The state shared by the runtime, its handles, workers and tasks.
pub(crate) struct Shared {
    /// Tasks spawned or woken outside the workers.
    injector: Injector<Notified>,
    /// What other threads reach of each worker (`num_workers`,
    /// `local_queue_depth` for the metrics).
    remotes: Box<[Remote]>,
    /// Who sleeps, who searches (scheduler-internal).
    idle: Idle,
    /// Every live task of the runtime (reached through `for_each_task`,
    /// `cancel_all_tasks`, `wait_no_tasks`, `num_tasks`, `unlist`), but
    /// tasks whose first poll has not ended: those sit in a queue or are
    /// being polled, and join the list at the end of that poll if it
    /// leaves them pending (`spawn_at`, `list_pending`).
    owned: OwnedTasks,
    /// The blocking pool (`blocking()`).
    blocking: BlockingPool,
    /// The time driver: the timers and the clock (the top of the driver
    /// stack; reached through `time()` and the timer calls of `drivers`).
    time: TimeDriver,
    /// Counters and task tracking (`crate::metrics`).
    metrics: Metrics,
    /// The I/O driver's handle (sockets hold a clone, `io_handle()`);
    /// `None` for a runtime without I/O (the loom models).
    io: Option<Arc<Reactor>>,
    /// The driver stack's lock (the bottom of the stack: the I/O driver's
    /// poller, or the thread parker) and who holds it (`drivers`).
    driver: DriverLock,
    /// Set when shutdown begins (once).
    shutting_down: AtomicBool,
    /// Set when the workers must exit (after shutdown's grace period).
    stopped: AtomicBool,
    /// Set once shutdown has completed every task: a queue entry pushed
    /// after that must be dropped by whoever pushed it (see `push_remote`).
    drained: AtomicBool,
    /// Worker threads that have not exited, and who finishes the shutdown.
    exits: Mutex<Exits>,
    /// Notified each time a worker thread exits.
    exited: Condvar,
    /// The current-thread flavor's core and local tasks (`None`: the
    /// multi-thread flavor).
    current_thread: Option<current_thread::CurrentThread>,
}

/// The worker threads' exits, for a shutdown that may not wait for them.
struct Exits {
    /// Worker threads started and not yet exited.
    live: usize,
    /// Set when whoever shut the runtime down did not (or could not) wait
    /// for every worker: the last worker to exit finishes the shutdown.
    last_finishes: bool,
}

impl Shared {
    pub(crate) fn new(
        remotes: Box<[Remote]>,
        blocking: BlockingPool,
        time: TimeDriver,
        stack: IoStack,
    ) -> Shared {
        let workers = remotes.len();
        Shared {
            injector: Injector::new(),
            remotes,
            idle: Idle::new(workers),
            owned: OwnedTasks::new(workers),
            blocking,
            time,
            io: stack.reactor(),
            driver: DriverLock::new(stack),
            metrics: Metrics::new(workers, Default::default()),
            shutting_down: AtomicBool::new(false),
            stopped: AtomicBool::new(false),
            drained: AtomicBool::new(false),
            exits: Mutex::new(Exits {
                live: 0,
                last_finishes: false,
            }),
            exited: Condvar::new(),
            current_thread: None,
        }
    }

    /// Makes this the current-thread flavor's state (one worker slot,
    /// driven by `block_on`); its local tasks belong to this thread.
    pub(crate) fn with_current_thread(mut self) -> Shared {
        self.current_thread = Some(current_thread::CurrentThread::new());
        self
    }

    /// The counters and task tracking (`crate::metrics`).
    pub(crate) fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The blocking pool.
    pub(crate) fn blocking(&self) -> &BlockingPool {
        &self.blocking
    }

    /// The current-thread flavor's part (`None` for the multi-thread one).
    pub(crate) fn current_thread(&self) -> Option<&current_thread::CurrentThread> {
        self.current_thread.as_ref()
    }

    /// Runs `f` on every listed task (the task dump; see
    /// `OwnedTasks::for_each` for what `f` may do): the unstarted tasks
    /// are not listed yet (`num_unstarted`).
    pub(crate) fn for_each_task(&self, mut f: impl FnMut(&ListedTask)) {
        self.owned.for_each(&mut f);
        if let Some(ct) = &self.current_thread {
            // A current-thread runtime's local tasks (`spawn_local`).
            ct.local.for_each_task(f);
        }
    }

    /// Cancels every listed task (the start of `shutdown_timeout`'s grace
    /// period; the list is closed by then, so an unstarted task completes
    /// as cancelled instead of being polled, and one in its first poll is
    /// cancelled as that poll ends, `list_pending`).
    pub(crate) fn cancel_all_tasks(&self) {
        self.owned.for_each(|task| task.cancel());
    }

    /// Waits until no task is live, or `deadline` passes (`None`: no
    /// deadline): none listed, and none unstarted (a worker completes
    /// those as cancelled instead of polling them once shutdown began, and
    /// drops their futures while the drivers still run).
    /// Returns true if none is.
    pub(crate) fn wait_no_tasks(&self, deadline: Option<std::time::Instant>) -> bool {
        self.owned
            .wait_empty(deadline, || self.num_unstarted() == 0)
    }

    /// The number of live tasks (a current-thread runtime's local tasks
    /// included).
    pub(crate) fn num_tasks(&self) -> usize {
        let local = self.current_thread.as_ref().map_or(0, |ct| ct.local.len());
        self.owned.len() + local + self.num_unstarted()
    }

    /// Tasks whose first poll has not ended (nor completed them): their
    /// listing is deferred to the end of that poll (`ListedTask::defer`),
    /// so the task list does not hold them yet.
    pub(crate) fn num_unstarted(&self) -> usize {
        usize::try_from(self.metrics.unstarted()).unwrap_or(usize::MAX)
    }

    /// Local tasks (`spawn_local` on a current-thread runtime) spawned and
    /// completed so far; zero for the multi-thread runtime.
    pub(crate) fn local_task_counts(&self) -> (u64, u64) {
        self.current_thread
            .as_ref()
            .map_or((0, 0), |ct| ct.local.counts())
    }

    /// Takes a completed task off the list (a `Schedule::release`). Returns
    /// false if it was not listed.
    pub(crate) fn unlist(&self, task: &Header) -> bool {
        self.owned.remove(task)
    }

    /// The number of worker threads.
    pub(crate) fn num_workers(&self) -> usize {
        self.remotes.len()
    }

    /// Tasks in worker `index`'s local queue (metrics; racy by nature).
    pub(crate) fn local_queue_depth(&self, index: usize) -> usize {
        self.remotes[index].stealer.len()
    }

    /// Tasks in the injector (metrics; racy by nature).
    pub(crate) fn injector_depth(&self) -> usize {
        self.injector.len()
    }

    /// A worker thread is about to start.
    pub(crate) fn worker_starting(&self) {
        self.exits.lock().live += 1;
    }

    /// A worker thread has left its loop (or failed to start): the last
    /// one finishes a shutdown nobody waits for (see `finish_shutdown_later`).
    pub(crate) fn worker_exited(self: &Arc<Self>) {
        let finish = {
            let mut exits = self.exits.lock();
            exits.live -= 1;
            self.exited.notify_all();
            exits.live == 0 && exits.last_finishes
        };
        if finish {
            self.finish_shutdown();
        }
    }

    /// Waits until every worker thread has exited, or `deadline` passes
    /// (`None`: no deadline). Returns true if they all exited.
    pub(crate) fn wait_workers_exited(&self, deadline: Option<std::time::Instant>) -> bool {
        let mut exits = self.exits.lock();
        while exits.live > 0 {
            match deadline {
                None => self.exited.wait(&mut exits),
                Some(deadline) => {
                    if self.exited.wait_until(&mut exits, deadline).timed_out() {
                        return exits.live == 0;
                    }
                }
            }
        }
        true
    }

    /// The shutdown's initiator does not wait (any longer) for the workers:
    /// the last one to exit calls `finish_shutdown`, or this call does if
    /// none is left.
    pub(crate) fn finish_shutdown_later(self: &Arc<Self>) {
        let none_left = {
            let mut exits = self.exits.lock();
            exits.last_finishes = true;
            exits.live == 0
        };
        if none_left {
            self.finish_shutdown();
        }
    }

    /// The end of a shutdown, once the workers were told to stop: the
    /// drivers shut down first (a timer or socket awaited from a task's
    /// destructor below then fails with a message instead of waiting for
    /// workers that are gone), then every task still listed is completed as
    /// cancelled and its future dropped, with this runtime current (so a
    /// spawn from a destructor finds the runtime and resolves as
    /// cancelled). Idempotent, and safe to run on two threads at once: a
    /// worker left behind by `shutdown_timeout` runs it again when it
    /// exits.
    pub(crate) fn finish_shutdown(self: &Arc<Self>) {
        let handle = crate::Handle::from_shared(self.clone());
        let _current = crate::runtime::context::set_current(&handle);
        self.blocking.shutdown();
        // Timers and sockets: their waiters are woken; a timer polled later
        // panics with a message, a socket operation fails with an error.
        self.time.shutdown();
        if let Some(io) = &self.io {
            io.shutdown();
        }
        while let Some(task) = self.owned.pop() {
            // Off the list, it is no longer live: it counts as completed
            // now (`release` counts a task that leaves the list itself, and
            // finds none of these there, even one still in a poll that
            // outlived the shutdown).
            self.metrics.count_remote_completion();
            task.shutdown();
        }
        self.drain_worker_queues();
        if let Some(ct) = &self.current_thread {
            ct.shutdown();
        }
        self.drain();
    }

    /// Completes what the workers' queues still hold, as the drain does for
    /// the injector. A worker that exits hands its queue to the injector
    /// itself (`Context::release_queued`); this is for one left behind in
    /// a poll that blocks (`shutdown_timeout`): a task it has not polled
    /// is in no list (`ListedTask::defer`), so without this it would wait
    /// for that worker (but for its LIFO slot's task, which nothing else
    /// can reach: docs/ARCHITECTURE.md, *A task from spawn to completion*,
    /// step 2). A listed task's entry here was completed by the list's
    /// pass above: completing it again only drops the entry's reference.
    fn drain_worker_queues(&self) {
        for remote in self.remotes.iter() {
            loop {
                match remote.stealer.steal() {
                    queue::Steal::Success(task) => task.shutdown(),
                    queue::Steal::Empty => break,
                    queue::Steal::Retry => {}
                }
            }
        }
    }

    /// Replaces the default metrics (counters only) with ones built for
    /// `config` (task tracking, slow-poll threshold).
    pub(crate) fn with_metrics(mut self, config: crate::metrics::Config) -> Shared {
        self.metrics = Metrics::new(self.remotes.len(), config);
        self
    }

    pub(crate) fn is_stopped(&self) -> bool {
        // Acquire: pairs with the Release in `stop`; nothing else is read
        // through it, but a worker leaving should see shutdown's writes.
        self.stopped.load(Ordering::Acquire)
    }

    /// Starts shutdown: closes the task list to new tasks. Returns true if
    /// shutdown had already begun.
    pub(crate) fn begin_shutdown(&self) -> bool {
        // Relaxed: only decides who runs shutdown; the list's locks order
        // the rest.
        let already = self.shutting_down.swap(true, Ordering::Relaxed);
        if !already {
            self.owned.close();
            if let Some(ct) = &self.current_thread {
                ct.close();
            }
        }
        already
    }

    /// True once shutdown has begun: new tasks are refused.
    pub(crate) fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Relaxed)
    }

    /// Spawns a future as a task of this runtime; `location` (the caller of
    /// the public `spawn`) and `name` are kept for the task dump and
    /// slow-poll reports if tracking is on.
    pub(crate) fn spawn_at<F>(
        self: &Arc<Self>,
        future: F,
        location: &'static Location<'static>,
        name: Option<&std::sync::Arc<str>>,
    ) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        if self.metrics.registry.is_some() {
            return self.spawn_tracked(future, location, name);
        }
        // The task is made inside the look-up (the thread-local access
        // first): made before it, the new task's parts went through the
        // stack around the look-up's call, and on the current-thread
        // runtime's spawn from a task that cost about a tenth of
        // `ct_chained_spawn` (`perf annotate`: two loads that wait for the
        // stores just before them).
        worker::with_current(|cx| {
            let (listed, notified, handle) = task::new_task(future, self.clone());
            self.submit_spawn(cx, listed, notified);
            handle
        })
    }

    /// `spawn_at`'s second half: defers a new task's listing and queues it,
    /// on the spawning worker or in the injector.
    #[inline(always)]
    fn submit_spawn(
        self: &Arc<Self>,
        cx: Option<&worker::Context>,
        listed: ListedTask,
        notified: Notified,
    ) {
        if self.is_shutting_down() {
            // Refused at once (`bind`): its handle resolves as cancelled.
            return self.bind(listed, notified, |n| self.schedule_spawned(n));
        }
        // The task is listed only if its first poll leaves it pending, by
        // the worker that polls it (`list_pending`): most tasks of a burst
        // or a chain complete in that poll and never touch the list's
        // locks (an insert and a removal per task, on shards that the
        // spawning and the completing worker both write: a sixth of
        // `chained_spawn`'s samples, a third of `spawn_many_local`'s time).
        // The task dump counts it as unstarted until then.
        listed.defer();
        match cx {
            Some(cx) if Arc::ptr_eq(&cx.shared, self) => {
                let counters = cx.counters();
                counters.spawned.incr();
                counters.deferred_spawned.incr();
                cx.schedule_local(notified);
            }
            _ => {
                self.metrics.count_remote_spawn();
                self.metrics.count_deferred_spawn();
                self.push_remote(notified);
            }
        }
    }

    /// Lists a deferred task (`ListedTask::defer`) before its first poll
    /// (the current-thread core, as it takes the task out of the reach of
    /// `drain_worker_queues`); returns false if the list refused it
    /// (shutdown): the task is then completed as cancelled instead of
    /// polled.
    pub(crate) fn bind_deferred(&self, task: &Notified) -> bool {
        // SAFETY: deferred (checked by our caller), and its queue entry is
        // our caller's.
        match unsafe { self.owned.insert_deferred(task.header()) } {
            Ok(()) => true,
            Err(refused) => {
                refused.stay_deferred();
                false
            }
        }
    }

    /// `spawn_at` with task tracking on: kept out of line, so the untracked
    /// spawn stays as small as it was.
    #[inline(never)]
    fn spawn_tracked<F>(
        self: &Arc<Self>,
        future: F,
        location: &'static Location<'static>,
        name: Option<&std::sync::Arc<str>>,
    ) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let registry = self.metrics.registry.as_ref().expect("tracking is on");
        let (future, info) = registry.wrap(future, location, name);
        let (listed, notified, handle) = task::new_task(future, self.clone());
        // Registered before its first run, removed on completion (`release`).
        registry.register(listed.header().id, info);
        self.bind(listed, notified, |n| self.schedule_spawned(n));
        handle
    }

    /// Submits a new task's first run, counting the spawn: on the spawning
    /// worker's counters, or as a remote spawn.
    #[inline]
    fn schedule_spawned(self: &Arc<Self>, task: Notified) {
        // The same look-up as `schedule_task`'s, so counting costs no
        // second thread-local access.
        worker::with_current(|cx| match cx {
            Some(cx) if Arc::ptr_eq(&cx.shared, self) => {
                cx.counters().spawned.incr();
                cx.schedule_local(task);
            }
            _ => {
                self.metrics.count_remote_spawn();
                self.push_remote(task);
            }
        })
    }

    /// Lists a new task and submits its first run; after shutdown, completes
    /// it as cancelled at once instead (its handle resolves, nothing leaks).
    pub(crate) fn bind(&self, task: ListedTask, notified: Notified, submit: impl FnOnce(Notified)) {
        match self.owned.insert(task) {
            Ok(()) => submit(notified),
            Err(refused) => {
                // The list refused its reference; release it ourselves.
                drop(refused);
                notified.shutdown();
            }
        }
    }

    /// Wakes one parked worker if the idle rules call for it.
    pub(crate) fn notify_parked(&self) {
        if let Some(index) = self.idle.worker_to_notify() {
            self.remotes[index].unparker.unpark();
        }
    }

    /// Wakes a worker if any queue holds work (the last searcher's check
    /// before parking).
    pub(crate) fn notify_if_work_pending(&self) {
        let pending =
            !self.injector.is_empty() || self.remotes.iter().any(|r| !r.stealer.is_empty());
        if pending {
            self.notify_parked();
        }
    }

    fn push_remote(&self, task: Notified) {
        self.injector.push(task);
        // SeqCst fence: orders the push before the `drained` check, against
        // shutdown's store of `drained` before it empties the injector: one
        // of the two sees the other, so an entry is never stranded.
        fence(Ordering::SeqCst);
        if self.drained.load(Ordering::Relaxed) {
            self.drain_injector();
            return;
        }
        self.notify_parked();
    }

    fn drain_injector(&self) {
        loop {
            match self.injector.steal() {
                // Completes the task if nobody did (a task re-queued by a
                // poll that outlived the shutdown), else drops a reference.
                queue::Steal::Success(task) => task.shutdown(),
                queue::Steal::Empty => break,
                queue::Steal::Retry => {}
            }
        }
    }

    fn schedule_task(self: &Arc<Self>, task: Notified, is_yield: bool) {
        worker::with_current(|cx| match cx {
            Some(cx) if Arc::ptr_eq(&cx.shared, self) => cx.schedule_wake(task, is_yield),
            _ => self.push_remote(task),
        })
    }

    /// Tells every worker to exit, and wakes them.
    pub(crate) fn stop(&self) {
        // Release: pairs with the Acquire in `is_stopped`.
        self.stopped.store(true, Ordering::Release);
        for remote in self.remotes.iter() {
            remote.unparker.unpark();
        }
    }

    /// After the workers exited and every task was completed: drop what is
    /// still queued, now and for any late push.
    pub(crate) fn drain(&self) {
        self.drained.store(true, Ordering::Relaxed);
        // SeqCst fence: pairs with the fence in `push_remote`.
        fence(Ordering::SeqCst);
        self.drain_injector();
    }
}

impl Schedule for Arc<Shared> {
    fn schedule(&self, task: Notified) {
        self.schedule_task(task, false);
    }

    fn yield_now(&self, task: Notified) {
        self.schedule_task(task, true);
    }

    fn release(&self, task: &Header) -> bool {
        if self.owned.release_deferred(task) {
            // Never listed (most tasks: completed in their first poll).
            // Untracked, so not in the registry either.
            let counters = crate::metrics::worker::current(&self.metrics);
            self.metrics.count_deferred_release(counters);
            match counters {
                Some(counters) => counters.completed.incr(),
                None => self.metrics.count_remote_completion(),
            }
            if self.is_shutting_down() {
                // The grace period waits for the unstarted tasks too.
                self.owned.notify_emptied();
            }
            return true;
        }
        let listed = self.owned.remove(task);
        // After the list: the dump reads the table while a task is listed.
        if let Some(registry) = &self.metrics.registry {
            registry.remove(task.id);
        }
        if listed {
            // Tasks complete in a poll, so on one of our workers.
            match crate::metrics::worker::current(&self.metrics) {
                Some(counters) => counters.completed.incr(),
                None => self.metrics.count_remote_completion(),
            }
        }
        listed
    }

    fn list_pending(&self, task: &Header) -> FirstPending {
        // SAFETY: our caller, the harness, holds RUNNING on a deferred
        // task, and hands over its deferred list reference.
        let listed = unsafe { self.owned.insert_pending(task) };
        let outcome = match listed {
            Ok(false) => FirstPending::Listed,
            Ok(true) => FirstPending::Cancel,
            Err(refused) => {
                // The reference stays in the task; `release` hands it
                // back as the poller completes the task.
                refused.stay_deferred();
                return FirstPending::Refused;
            }
        };
        match crate::metrics::worker::current(&self.metrics) {
            Some(counters) => counters.listed_deferred.incr_release(),
            None => self.metrics.count_remote_listing(),
        }
        outcome
    }
}
