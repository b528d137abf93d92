//! The worker loop: take a task (LIFO slot, own queue, injector, other
//! workers), poll it, repeat; park when there is nothing anywhere.

use super::park::Parker;
use super::queue::{Steal, Worker as LocalQueue};
use super::Shared;
use crate::loom::Arc;
use crate::task::raw::Notified;
use std::cell::{Cell, RefCell};

/// Every this many ticks the injector is checked before the local queue, so
/// a worker whose own queue never empties still takes outside work (Tokio
/// uses 61 as well).
const GLOBAL_QUEUE_INTERVAL: u32 = 61;

/// At most this many tasks run in a row from the LIFO slot; then the slot's
/// task goes to the back of the queue, so two tasks waking each other cannot
/// starve the rest of the queue.
const MAX_LIFO_POLLS_PER_TICK: usize = 3;

/// A worker's own state, reachable from its thread while it runs (the
/// scheduler's `schedule` uses it to push woken tasks locally).
pub(crate) struct Context {
    pub(super) shared: Arc<Shared>,
    pub(super) index: usize,
    pub(super) local: LocalQueue<Notified>,
    /// The task woken last by the running task: it runs next.
    pub(super) lifo: Cell<Option<Notified>>,
    is_searching: Cell<bool>,
    tick: Cell<u32>,
    rng: Cell<u32>,
    parker: Parker,
}

thread_local! {
    /// The worker running on this thread, if any. Set for the duration of
    /// `Context::run`.
    static CURRENT: RefCell<Option<*const Context>> = const { RefCell::new(None) };
}

/// Runs `f` with this thread's worker context, if this thread is a worker.
pub(super) fn with_current<R>(f: impl FnOnce(Option<&Context>) -> R) -> R {
    let ptr = CURRENT.with(|c| *c.borrow());
    // SAFETY: the pointer is set by `run` to a context on its stack and
    // cleared before `run` returns; it is only used on this thread.
    f(ptr.map(|p| unsafe { &*p }))
}

/// True on a worker thread (of any runtime).
pub(crate) fn is_worker_thread() -> bool {
    CURRENT.with(|c| c.borrow().is_some())
}

impl Context {
    pub(crate) fn new(
        shared: Arc<Shared>,
        index: usize,
        local: LocalQueue<Notified>,
        parker: Parker,
    ) -> Context {
        Context {
            shared,
            index,
            local,
            lifo: Cell::new(None),
            is_searching: Cell::new(false),
            tick: Cell::new(0),
            rng: Cell::new(0x9E37_79B9 ^ (index as u32 + 1).wrapping_mul(0x85EB_CA6B)),
            parker,
        }
    }

    /// The worker thread's main loop; returns when the runtime stops it.
    pub(crate) fn run(self) {
        struct Reset;
        impl Drop for Reset {
            fn drop(&mut self) {
                CURRENT.with(|c| *c.borrow_mut() = None);
            }
        }
        CURRENT.with(|c| *c.borrow_mut() = Some(&self as *const Context));
        let _reset = Reset;

        while !self.shared.is_stopped() {
            self.tick.set(self.tick.get().wrapping_add(1));
            if let Some(task) = self.next_task() {
                self.run_task(task);
                continue;
            }
            if let Some(task) = self.steal_work() {
                self.run_task(task);
                continue;
            }
            self.park();
        }
        // Leftover queue entries only hold references: the runtime completes
        // every task through its task list.
        drop(self.lifo.take());
        while self.local.pop().is_some() {}
    }

    fn next_task(&self) -> Option<Notified> {
        if self.tick.get() % GLOBAL_QUEUE_INTERVAL == 0 {
            if let Some(task) = self.steal_injector() {
                return Some(task);
            }
        }
        if let Some(task) = self.lifo.take() {
            return Some(task);
        }
        self.local.pop().or_else(|| self.steal_injector())
    }

    fn steal_injector(&self) -> Option<Notified> {
        loop {
            match self.shared.injector.steal_batch_and_pop(&self.local) {
                Steal::Success(task) => return Some(task),
                Steal::Empty => return None,
                Steal::Retry => continue,
            }
        }
    }

    fn run_task(&self, task: Notified) {
        if self.is_searching.replace(false) && self.shared.idle.transition_worker_from_searching() {
            // We were the last searcher and found work: there may be more,
            // so someone else takes over the search.
            self.shared.notify_parked();
        }
        task.run();
        // Tasks woken by the one that just ran go first (message passing
        // latency), but only a few in a row.
        for _ in 0..MAX_LIFO_POLLS_PER_TICK {
            match self.lifo.take() {
                Some(next) => next.run(),
                None => return,
            }
        }
        if let Some(next) = self.lifo.take() {
            self.local.push(next);
            self.shared.notify_parked();
        }
    }

    fn next_random(&self, n: usize) -> usize {
        // xorshift32: a cheap, well-spread victim choice.
        let mut x = self.rng.get();
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rng.set(x);
        (x as usize) % n
    }

    /// Steals a batch from another worker (starting at a random one) or from
    /// the injector. Only while allowed to search.
    fn steal_work(&self) -> Option<Notified> {
        if !self.is_searching.get() {
            if !self.shared.idle.transition_worker_to_searching() {
                return None;
            }
            self.is_searching.set(true);
        }
        let remotes = &self.shared.remotes;
        let n = remotes.len();
        let start = self.next_random(n);
        for i in 0..n {
            let victim = (start + i) % n;
            if victim == self.index {
                continue;
            }
            loop {
                match remotes[victim].stealer.steal_batch_and_pop(&self.local) {
                    Steal::Success(task) => return Some(task),
                    Steal::Empty => break,
                    Steal::Retry => continue,
                }
            }
        }
        self.steal_injector()
    }

    fn park(&self) {
        let was_searching = self.is_searching.replace(false);
        if self
            .shared
            .idle
            .transition_worker_to_parked(self.index, was_searching)
        {
            // The last searcher leaving: anything pushed while we searched
            // must not be stranded (see `idle`).
            self.shared.notify_if_work_pending();
        }
        loop {
            self.parker.park();
            if self.shared.is_stopped() {
                return;
            }
            if !self.shared.idle.is_parked(self.index) {
                // Notified: `worker_to_notify` counted us as searching.
                self.is_searching.set(true);
                return;
            }
            // Spurious wake-up (a stale unpark token): sleep again.
        }
    }

    /// Pushes a task woken on this worker: into the LIFO slot, or for a
    /// task that yielded, to the back of the queue.
    pub(super) fn schedule_local(&self, task: Notified, is_yield: bool) {
        if is_yield {
            self.local.push(task);
        } else {
            match self.lifo.replace(Some(task)) {
                None => return,
                Some(prev) => self.local.push(prev),
            }
        }
        self.shared.notify_parked();
    }
}
