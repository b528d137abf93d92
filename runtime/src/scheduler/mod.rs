//! The multi-threaded, work-stealing scheduler.
//!
//! * Each worker thread owns a FIFO queue (`crossbeam_deque::Worker`) and a
//!   LIFO slot; other workers steal from its queue through a `Stealer`.
//! * The `Injector` takes tasks spawned or woken outside the workers.
//! * Idle workers park; `idle` decides whom to wake (see its rules).
//!
//! `Shared` is what every handle, task and worker points to.

pub(crate) mod idle;
#[cfg(all(test, loom))]
mod loom_idle;
#[cfg(all(test, loom))]
mod loom_park;
pub(crate) mod park;
pub(crate) mod queue;
pub(crate) mod worker;

use crate::blocking::BlockingPool;
use crate::loom::{fence, Arc, AtomicBool, Ordering};
use crate::task::list::OwnedTasks;
use crate::task::raw::{Header, Notified, Schedule};
use crate::task::{self, JoinHandle};
use crate::time::driver::Driver as TimeDriver;
use idle::Idle;
use park::Unparker;
use queue::{Injector, Stealer};
use std::future::Future;

/// What other threads can reach of one worker.
pub(crate) struct Remote {
    pub(crate) stealer: Stealer<Notified>,
    pub(crate) unparker: Unparker,
}

/// The state shared by the runtime, its handles, workers and tasks.
pub(crate) struct Shared {
    pub(crate) injector: Injector<Notified>,
    pub(crate) remotes: Box<[Remote]>,
    pub(crate) idle: Idle,
    pub(crate) owned: OwnedTasks,
    pub(crate) blocking: BlockingPool,
    /// The timers and the clock (`crate::time`).
    pub(crate) time: TimeDriver,
    /// Set when shutdown begins (once).
    shutting_down: AtomicBool,
    /// Set when the workers must exit (after shutdown's grace period).
    stopped: AtomicBool,
    /// Set once shutdown has completed every task: a queue entry pushed
    /// after that must be dropped by whoever pushed it (see `push_remote`).
    drained: AtomicBool,
}

impl Shared {
    pub(crate) fn new(remotes: Box<[Remote]>, blocking: BlockingPool, time: TimeDriver) -> Shared {
        let workers = remotes.len();
        Shared {
            injector: Injector::new(),
            remotes,
            idle: Idle::new(workers),
            owned: OwnedTasks::new(workers),
            blocking,
            time,
            shutting_down: AtomicBool::new(false),
            stopped: AtomicBool::new(false),
            drained: AtomicBool::new(false),
        }
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
        }
        already
    }

    /// True once shutdown has begun: new tasks are refused.
    pub(crate) fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Relaxed)
    }

    /// Spawns a future as a task of this runtime.
    pub(crate) fn spawn<F>(self: &Arc<Self>, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (raw, notified, handle) = task::new_task(future, self.clone());
        self.bind(raw, notified, |n| self.schedule(n));
        handle
    }

    /// Lists a new task and submits its first run; after shutdown, completes
    /// it as cancelled at once instead (its handle resolves, nothing leaks).
    pub(crate) fn bind(
        &self,
        raw: task::raw::RawTask,
        notified: Notified,
        submit: impl FnOnce(Notified),
    ) {
        if self.owned.insert(raw) {
            submit(notified);
        } else {
            // The list refused its reference; release it ourselves.
            raw.drop_reference();
            notified.shutdown();
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
                queue::Steal::Success(task) => drop(task),
                queue::Steal::Empty => break,
                queue::Steal::Retry => {}
            }
        }
    }

    fn schedule_task(self: &Arc<Self>, task: Notified, is_yield: bool) {
        worker::with_current(|cx| match cx {
            Some(cx) if Arc::ptr_eq(&cx.shared, self) => cx.schedule_local(task, is_yield),
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
        self.owned.remove(task)
    }
}
