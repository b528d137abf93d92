//! The worker as the current-thread runtime's core: the calling thread of
//! `block_on` drives it one turn at a time (`turn`, `park_idle`) instead
//! of running `Context::run`'s loop on a thread of its own.

use super::{replace_current, Context, Entered};
use crate::loom::Arc;
use crate::task::raw::Notified;

impl Context {
    /// Makes this thread run this worker until the guard drops, as `run`
    /// does for its loop: for the current-thread runtime, whose `block_on`
    /// drives the one worker (`turn`, `park_idle`) on the calling thread.
    pub(in crate::scheduler) fn enter(&self) -> Entered<'_> {
        let prev = replace_current(Some(self as *const Context));
        let counters = crate::metrics::worker::enter(&self.shared.metrics, self.counters());
        self.counters().unparked(self.shared.metrics.epoch);
        Entered {
            cx: self,
            prev,
            _counters: counters,
        }
    }

    /// Sets (or clears) the wake-ups of the `block_on` driving this core
    /// (the current-thread runtime): they end its park.
    pub(in crate::scheduler) fn set_outside(
        &self,
        wakeups: Option<Arc<crate::scheduler::current_thread::Wakeups>>,
    ) {
        *self.outside.borrow_mut() = wakeups;
    }

    /// Wakes this worker's park (the current-thread runtime's wake-ups).
    pub(in crate::scheduler) fn unparker(&self) -> crate::scheduler::park::Unparker {
        self.parker.unparker()
    }

    /// One turn of `run`'s loop without the park: returns false if there
    /// was nothing to do (the current-thread runtime then parks,
    /// `park_idle`, unless its `block_on` has other work).
    pub(in crate::scheduler) fn turn(&self) -> bool {
        self.tick.set(self.tick.get().wrapping_add(1));
        if self.is_maintenance_tick() {
            // No other worker waits in the reactor here: without a
            // registered socket it has nothing to report, so the system
            // call is skipped (the one thread registers its sockets itself;
            // its park polls the reactor anyway).
            self.poll_drivers_before_yielded();
        }
        if let Some(task) = self.next_task_of_core() {
            self.run_task(task);
            return true;
        }
        if self.has_yielded() {
            self.poll_drivers_before_yielded();
            // The queue is empty (`next_task_of_core` found nothing): the
            // yielded tasks become its front, run before anything pushed
            // from now on, as at its back in `flush_yielded`.
            let mut ready = self.ready.borrow_mut();
            ready.extend(self.yielded.borrow_mut().drain(..));
            return true;
        }
        if let Some(task) = self.steal_work() {
            self.run_task(task);
            return true;
        }
        self.shared.time().process_if_due()
    }

    /// `next_task` for the current-thread runtime's core: the ready list
    /// (yielded tasks, see `turn`) between the LIFO slot and the queue,
    /// which gives `next_task`'s order (the list holds the queue's front).
    fn next_task_of_core(&self) -> Option<Notified> {
        if self.is_maintenance_tick() {
            // The deque's tasks, then the yielded ones, to the back of the
            // ready list (the queue's front): the same order, and the next
            // passes skip the deque (nobody steals from the core).
            let mut ready = self.ready.borrow_mut();
            let mut refused = Vec::new();
            while let Some(task) = self.local.pop() {
                // Out of the stealable queue, a task is out of the reach of
                // a shutdown on another thread (`drain_worker_queues`)
                // while this core is blocked in a poll: one spawned from
                // outside is listed now, or, if the list refuses it (the
                // shutdown has begun), completed now as cancelled, unpolled
                // (a task ahead of it could block the core first).
                if task.is_deferred() {
                    if !self.shared.bind_deferred(&task) {
                        refused.push(task);
                        continue;
                    }
                    self.counters().listed_deferred.incr_release();
                }
                ready.push_back(task);
            }
            ready.extend(self.yielded.borrow_mut().drain(..));
            drop(ready);
            // Out of the borrow: dropping a future runs user code, which
            // may spawn or wake onto this core.
            for task in refused {
                task.shutdown();
            }
            if let Some(task) = self.steal_injector() {
                return Some(task);
            }
        }
        if let Some(task) = self.lifo.take() {
            return Some(task);
        }
        let ready = self.ready.borrow_mut().pop_front();
        ready
            .or_else(|| self.local.pop())
            .or_else(|| self.steal_injector())
    }

    /// `run`'s park, with its counters (the current-thread runtime).
    pub(in crate::scheduler) fn park_idle(&self) {
        let epoch = self.shared.metrics.epoch;
        self.counters().parks.incr();
        self.counters().parked(epoch);
        self.park();
        self.counters().unparked(epoch);
        self.shared.time().process_if_due();
    }

    /// Hands the queued entries to the injector, as `run` does when it
    /// exits (see there): the current-thread runtime's core, once stopped.
    pub(in crate::scheduler) fn release_queued(&self) {
        if let Some(task) = self.lifo.take() {
            self.shared.push_remote(task);
        }
        let ready = std::mem::take(&mut *self.ready.borrow_mut());
        for task in ready {
            self.shared.push_remote(task);
        }
        let yielded = std::mem::take(&mut *self.yielded.borrow_mut());
        for task in yielded {
            self.shared.push_remote(task);
        }
        while let Some(task) = self.local.pop() {
            self.shared.push_remote(task);
        }
    }
}
