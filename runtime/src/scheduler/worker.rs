//! The worker loop: take a task (LIFO slot, own queue, injector, other
//! workers), poll it, repeat; park when there is nothing anywhere.

use super::park::Parker;
use super::queue::{Steal, Worker as LocalQueue};
use super::Shared;
use crate::driver::time::{Park, Parked};
use crate::loom::Arc;
use crate::metrics::worker::WorkerCounters;
use crate::task::raw::Notified;
use crossbeam_utils::CachePadded;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::time::Duration;

mod core;

/// Every this many ticks (LIFO polls count) a worker does its maintenance:
/// it takes from the injector before its own queue, so outside work is
/// served even when the local queue never empties; it flushes its yielded
/// tasks; it fires the timers that are due (one relaxed atomic load when
/// none is registered, `driver::time`); and it polls the I/O driver
/// without waiting (unless another worker waits in it). So all three are
/// served even when no worker ever parks. Tokio uses 61 for the same
/// checks.
const MAINTENANCE_INTERVAL: u32 = 61;

/// How long the driver's holder looks for socket events before a paused
/// clock may jump to the next timer, when sockets are registered: the
/// clock must not jump past an answer that is already on its way through
/// the kernel. Real time, spent each time the holder parks while the clock
/// is paused and sockets are registered (an event ends the look early; a
/// notification waits for it, at most this long).
const PAUSED_IO_GRACE: Duration = Duration::from_millis(2);

/// At most this many tasks run in a row from the LIFO slot; then the slot's
/// task goes to the back of the queue, so two tasks waking each other cannot
/// starve the rest of the queue.
pub(super) const MAX_LIFO_POLLS_PER_TICK: usize = 3;

/// The most tasks taken from the injector at once. A worker takes its fair
/// share, `queued / workers + 1`, up to this.
const MAX_INJECTOR_BATCH: usize = 128;

/// A worker's own state, reachable from its thread while it runs (the
/// scheduler's `schedule` uses it to push woken tasks locally).
pub(crate) struct Context {
    pub(super) shared: Arc<Shared>,
    pub(super) index: usize,
    pub(super) local: LocalQueue<Notified>,
    /// The task woken last by the running task: it runs next.
    pub(super) lifo: Cell<Option<Notified>>,
    /// Tasks that woke themselves during their poll (`yield_now`, a spent
    /// budget). They run after the worker has looked at its queue and the
    /// injector, so a few tasks that keep yielding cannot keep outside work
    /// waiting for the periodic injector check.
    yielded: RefCell<Vec<Notified>>,
    /// The current-thread runtime's core only (`turn`): the front of its
    /// queue. Yielded tasks move here when the queue runs dry, and the
    /// deque's and the yielded tasks at the maintenance tick (in queue
    /// order). One thread touches the core, so they skip the stealable
    /// deque's atomics.
    ready: RefCell<VecDeque<Notified>>,
    is_searching: Cell<bool>,
    /// Set while `poll` runs a task on this worker: a task that the poll
    /// wakes and that lands in the local queue wakes no other worker yet
    /// (`schedule_wake`).
    polling: Cell<bool>,
    /// A wake during the current poll pushed a task to the local queue:
    /// once the poll returns, another worker is woken to help if the idle
    /// rules call for it and the queue still holds work.
    notify_after_poll: Cell<bool>,
    tick: Cell<u32>,
    rng: Cell<u32>,
    parker: Parker,
    /// This worker's counters (`crate::metrics`), also in `shared`; held
    /// here so counting is one load and one add.
    counters: std::sync::Arc<CachePadded<WorkerCounters>>,
    /// The current-thread runtime's core only: wake-ups of its `block_on`
    /// (the future, the local tasks), which end a park (`current_thread`).
    outside: RefCell<Option<Arc<super::current_thread::Wakeups>>>,
}

/// The worker running on this thread, if any (a field of the thread's
/// context, `crate::context`). Set for the duration of `Context::run` (or
/// of `Context::enter`'s guard).
fn current_ptr() -> Option<*const Context> {
    let ptr = crate::context::with(|cx| cx.worker.get());
    (!ptr.is_null()).then_some(ptr)
}

/// Sets the worker running on this thread; returns the previous one.
fn replace_current(worker: Option<*const Context>) -> Option<*const Context> {
    let prev = crate::context::with(|cx| cx.worker.replace(worker.unwrap_or(std::ptr::null())));
    (!prev.is_null()).then_some(prev)
}

/// While it lives, this thread runs a worker (`Context::enter`).
pub(super) struct Entered<'a> {
    cx: &'a Context,
    prev: Option<*const Context>,
    _counters: crate::metrics::worker::EnterGuard,
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        self.cx.counters().parked(self.cx.shared.metrics.epoch);
        replace_current(self.prev);
    }
}

/// Runs `f` with this thread's worker context, if this thread is a worker.
pub(super) fn with_current<R>(f: impl FnOnce(Option<&Context>) -> R) -> R {
    let ptr = current_ptr();
    // SAFETY: the pointer is set by `run` to a context on its stack and
    // cleared before `run` returns; it is only used on this thread.
    f(ptr.map(|p| unsafe { &*p }))
}

/// True on a worker thread (of any runtime).
pub(crate) fn is_worker_thread() -> bool {
    current_ptr().is_some()
}

impl Context {
    pub(crate) fn new(
        shared: Arc<Shared>,
        index: usize,
        local: LocalQueue<Notified>,
        parker: Parker,
    ) -> Context {
        let counters = shared.metrics.worker(index).clone();
        Context {
            shared,
            index,
            local,
            lifo: Cell::new(None),
            yielded: RefCell::new(Vec::new()),
            ready: RefCell::new(VecDeque::new()),
            is_searching: Cell::new(false),
            polling: Cell::new(false),
            notify_after_poll: Cell::new(false),
            tick: Cell::new(0),
            rng: Cell::new(0x9E37_79B9 ^ (index as u32 + 1).wrapping_mul(0x85EB_CA6B)),
            parker,
            counters,
            outside: RefCell::new(None),
        }
    }

    /// The worker thread's main loop; returns when the runtime stops it.
    pub(crate) fn run(self) {
        struct Reset;
        impl Drop for Reset {
            fn drop(&mut self) {
                replace_current(None);
            }
        }
        replace_current(Some(&self as *const Context));
        let _reset = Reset;
        // Spawns and completions on this thread count on our counters.
        let _counters = crate::metrics::worker::enter(&self.shared.metrics, self.counters());
        let epoch = self.shared.metrics.epoch;
        self.counters().unparked(epoch);

        while !self.shared.is_stopped() {
            self.tick.set(self.tick.get().wrapping_add(1));
            if self.is_maintenance_tick() {
                self.poll_drivers_now();
            }
            if let Some(task) = self.next_task() {
                self.run_task(task);
                continue;
            }
            if self.has_yielded() {
                // Tasks that yielded run again only after the drivers had a
                // non-blocking look: due timers and ready sockets wake their
                // tasks first (as in Tokio), so a task spinning on
                // `yield_now` cannot delay I/O until the maintenance tick.
                self.poll_drivers_before_yielded();
                self.flush_yielded();
                continue;
            }
            if let Some(task) = self.steal_work() {
                self.run_task(task);
                continue;
            }
            // Out of work: fire due timers (their tasks land in our queue)
            // before deciding to sleep.
            if self.shared.time().process_if_due() {
                continue;
            }
            // Busy time: one clock reading on each side of the park.
            self.counters().parks.incr();
            self.counters().parked(epoch);
            self.park();
            self.counters().unparked(epoch);
            self.shared.time().process_if_due();
        }
        self.counters().parked(epoch);
        // Leftover queue entries go to the injector, which the end of the
        // shutdown drains (`Shared::finish_shutdown`, after the drivers are
        // shut down; a push after that drains itself). Most only hold a
        // reference: the runtime completes every listed task through its
        // task list. A task whose poll outlived the shutdown (a worker
        // blocked past `shutdown_timeout`) was taken off the list already
        // and re-queued here by that poll: the drain completes it as
        // cancelled. Not completed here: this thread is still inside the
        // runtime and the drivers may still run, so a destructor waiting
        // on a timer could hang the shutdown.
        self.release_queued();
    }

    /// Fires the due timers and polls the I/O reactor without waiting
    /// (unless another worker waits in it); the tasks they wake land in
    /// this worker's queue.
    fn poll_drivers_now(&self) {
        self.shared.time().process_if_due();
        if self.shared.poll_driver_now() {
            // A worker went to sleep while we held the poller.
            self.shared.hand_off_driver();
        }
    }

    /// `poll_drivers_now` for the flush of the yielded tasks, which can
    /// come once per pass over the queue: the reactor's system call only
    /// when a socket is registered (a yield-heavy runtime without sockets
    /// would pay one `epoll_wait` per pass for nothing). Due timers are
    /// always fired (one relaxed load when none is due).
    fn poll_drivers_before_yielded(&self) {
        self.shared.time().process_if_due();
        if self.shared.io_has_sources() && self.shared.poll_driver_now() {
            // A worker went to sleep while we held the poller.
            self.shared.hand_off_driver();
        }
    }

    fn has_yielded(&self) -> bool {
        !self.yielded.borrow().is_empty()
    }

    fn is_maintenance_tick(&self) -> bool {
        self.tick.get() % MAINTENANCE_INTERVAL == 0
    }

    fn next_task(&self) -> Option<Notified> {
        if self.is_maintenance_tick() {
            // Yielded tasks must not wait forever behind a busy queue either.
            self.flush_yielded();
            if let Some(task) = self.steal_injector() {
                return Some(task);
            }
        }
        if let Some(task) = self.lifo.take() {
            return Some(task);
        }
        self.local.pop().or_else(|| self.steal_injector())
    }

    /// Moves the yielded tasks to the back of the local queue (where other
    /// workers can steal them). Returns false if there were none.
    fn flush_yielded(&self) -> bool {
        let mut yielded = self.yielded.borrow_mut();
        if yielded.is_empty() {
            return false;
        }
        for task in yielded.drain(..) {
            self.local.push(task);
        }
        drop(yielded);
        self.notify_others();
        true
    }

    /// Moves this worker's fair share of the injector into the back of the
    /// local queue, as `steal_injector` does, without taking a task out.
    fn take_injector_share(&self) {
        if !self.shared.injector.is_empty() {
            self.move_from_injector(self.injector_share());
        }
    }

    /// This worker's fair share of the injector: `queued / workers + 1`,
    /// at most `MAX_INJECTOR_BATCH`.
    fn injector_share(&self) -> usize {
        (self.shared.injector.len() / self.shared.remotes.len() + 1).min(MAX_INJECTOR_BATCH)
    }

    /// Takes this worker's fair share of the injector (`queued / workers +
    /// 1`, at most `MAX_INJECTOR_BATCH`) into the local queue and returns
    /// one task of it.
    fn steal_injector(&self) -> Option<Notified> {
        let share = self.injector_share();
        let first = loop {
            match self
                .shared
                .injector
                .steal_batch_with_limit_and_pop(&self.local, share)
            {
                Steal::Success(task) => break task,
                Steal::Empty => return None,
                Steal::Retry => continue,
            }
        };
        // That call stopped at crossbeam's batch limit or a block boundary.
        // (What it moved besides `first` is not counted: a backlog of
        // remote spawns is served in larger batches that way, which
        // `spawn_many_remote_busy1` needs; counting it made that bench 4 to
        // 6 times slower.)
        self.move_from_injector(share - 1);
        Some(first)
    }

    /// Moves `n` tasks from the injector to the back of the local queue, or
    /// all it holds if fewer: one crossbeam call stops at its batch limit
    /// or at a block boundary, so this keeps calling.
    fn move_from_injector(&self, n: usize) {
        let before = self.local.len();
        loop {
            let moved = self.local.len().saturating_sub(before);
            if moved >= n {
                return;
            }
            match self
                .shared
                .injector
                .steal_batch_with_limit(&self.local, n - moved)
            {
                Steal::Success(()) => {}
                Steal::Empty => return,
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
        self.counters().polls.incr();
        self.poll(task);
        // Tasks woken by the one that just ran go first (message passing
        // latency), but only a few in a row, and none while outside work
        // waits in the injector. Each counts as a tick, so the periodic
        // checks keep their pace.
        for _ in 0..MAX_LIFO_POLLS_PER_TICK {
            if self.shared.is_stopped() {
                // Shutting down: what the poll woke is left to the exit.
                return;
            }
            let Some(next) = self.lifo.take() else {
                return;
            };
            if !self.shared.injector.is_empty() {
                // Remote work came in while the chain ran: it goes ahead
                // of the chain's next task now, not at the cap (when each
                // link stalls, as in `spawn_many_remote_busy2`, waiting
                // for the cap cost up to three stalls per batch). Two
                // loads of the injector's indexes per LIFO poll when it
                // is empty.
                self.yield_chain_to_injector(next);
                return;
            }
            self.tick.set(self.tick.get().wrapping_add(1));
            self.counters().polls.incr();
            self.poll(next);
        }
        if let Some(next) = self.lifo.take() {
            // The chain has had its turn.
            self.yield_chain_to_injector(next);
        }
    }

    /// Ends a LIFO chain's turn: outside work that waits in the injector
    /// goes into the queue ahead of the chain's next task (otherwise it
    /// would wait a whole chain of polls more), then the chain's task, to
    /// the back of the queue, without waking another worker (as in Tokio):
    /// this worker runs it after what is queued, and a helper woken for it
    /// would mostly pull one of a chain of tasks that wake each other away
    /// from the rest of the chain (a chain of spawns bounced between the
    /// workers that way, each cap waking the parked one through the
    /// reactor's eventfd: a third of `chained_spawn`'s time).
    fn yield_chain_to_injector(&self, next: Notified) {
        self.take_injector_share();
        self.local.push(next);
    }

    /// Polls one task. If its wakes pushed tasks to the local queue, another
    /// worker is woken to help once the poll has returned (see
    /// `schedule_wake`).
    #[inline]
    fn poll(&self, task: Notified) {
        if task.is_deferred() && self.shared.is_shutting_down() {
            // Never polled, and the shutdown has begun: it completes as
            // cancelled instead of starting (as a spawn after the start of
            // the shutdown is refused, `Shared::spawn_at`).
            task.shutdown();
            return;
        }
        self.polling.set(true);
        task.run();
        self.polling.set(false);
        if self.notify_after_poll.replace(false) && !self.local.is_empty() {
            self.notify_others();
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
                let before = self.local.len();
                match remotes[victim].stealer.steal_batch_and_pop(&self.local) {
                    Steal::Success(task) => {
                        let counters = self.counters();
                        counters.steal_operations.incr();
                        // Others may steal from us meanwhile: a lower bound.
                        let batch = self.local.len().saturating_sub(before);
                        counters.stolen.add(1 + batch as u64);
                        return Some(task);
                    }
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
        let time = self.shared.time();
        let driver = &self.shared.driver;
        loop {
            // One parking worker at a time holds the driver stack (the I/O
            // driver's lock, taken with a try-lock); it waits in it instead
            // of on its condition variable, the time driver bounding the
            // wait by the next timer. The others sleep until notified.
            let mut poller = driver.acquire_for_park();
            let mut events = 0;
            let mut waited_for_timers = false;
            let due = match poller.as_mut() {
                Some(state) => {
                    self.shared.set_holder(Some(self.index));
                    if time.clock().is_pausable() {
                        // A paused clock may jump to the next timer in
                        // `before_park`; only if no I/O event is waiting.
                        // With sockets registered, events still on their
                        // way through the kernel (loopback data deferred
                        // to a softirq on a loaded machine) get a moment
                        // to arrive first. (Not through `park_driver`: an
                        // unpark token must stay for the park below.)
                        let look = if time.clock().is_paused() && self.shared.io_has_sources() {
                            PAUSED_IO_GRACE
                        } else {
                            Duration::ZERO
                        };
                        events = state.peek(look);
                    }
                    if events > 0 {
                        // Events already waiting: no wait, they are
                        // handled below.
                        None
                    } else {
                        // The time driver wraps the wait in the I/O
                        // driver: until the next timer, not at all if one
                        // is due.
                        let parked = time.park(
                            || self.shared.all_idle(),
                            || self.shared.idle.unpark_self(self.index),
                            |timeout| self.parker.park_driver(|| state.park(timeout)),
                        );
                        match parked {
                            Parked::Due { notified } => Some(notified),
                            Parked::Woke {
                                out,
                                waited_for_timers: waited,
                            } => {
                                events = out.unwrap_or(0);
                                waited_for_timers = waited;
                                None
                            }
                        }
                    }
                }
                None => match self.park_without_driver() {
                    Park::Due { notified } => Some(notified),
                    Park::Sleep(timeout) => {
                        match timeout {
                            None => self.parker.park(),
                            Some(timeout) => self.parker.park_timeout(timeout),
                        }
                        None
                    }
                },
            };
            if let Some(notified) = due {
                // Left the parked state; the caller fires the timers.
                // (Short work: the driver is not handed on, see below.)
                if let Some(state) = poller.take() {
                    self.shared.set_holder(None);
                    if driver.release(state) {
                        self.shared.hand_off_driver();
                    }
                }
                self.is_searching.set(notified);
                return;
            }
            let held_poller = poller.is_some();
            if let Some(mut state) = poller.take() {
                self.shared.set_holder(None);
                if events > 0 {
                    // Leave the parked state before waking the tasks (they
                    // land in our queue), so the idle counts cover them.
                    // The poller is not handed on (that would cost a
                    // wake-up per event batch): we run what the events
                    // woke and come back to it; if they woke more than we
                    // can run, the pushes wake other workers, which take it
                    // when they park. Only a worker that found it taken
                    // while we held it is nudged (`missed`, see
                    // `DriverLock::acquire_for_park`).
                    let notified = !self.shared.idle.unpark_self(self.index);
                    state.dispatch();
                    if driver.release(state) {
                        // A worker went to sleep while we dispatched: it
                        // takes the poller, so that the next events do not
                        // wait until we park.
                        self.shared.hand_off_driver();
                    }
                    self.is_searching.set(notified);
                    return;
                }
            }
            if self.shared.is_stopped() {
                return;
            }
            if self.outside.borrow().as_ref().is_some_and(|w| w.any()) {
                // A current-thread runtime's `block_on` was woken (its
                // future or its local tasks): leave the parked state to
                // run it.
                if !self.shared.idle.unpark_self(self.index) {
                    // Notified meanwhile: counted as searching.
                    self.is_searching.set(true);
                }
                return;
            }
            if !self.shared.idle.is_parked(self.index) {
                // Notified: `worker_to_notify` counted us as searching.
                self.is_searching.set(true);
                if waited_for_timers || held_poller {
                    // Someone else must watch the sockets and the timers
                    // while we work.
                    self.shared.hand_off_driver();
                }
                return;
            }
            // Our timeout ended, the timers changed, or a stale unpark
            // token: look at the timers again and sleep again.
        }
    }

    /// The park of a worker that could not take the driver stack (another
    /// thread waits in it, for the timers and the I/O): fires a timer
    /// already due instead of sleeping (`Park::Due`), and otherwise sleeps
    /// until notified (`Park::Sleep(None)`). With a paused clock, if this worker was the last to go
    /// idle, it wakes the holder, which alone may make the clock jump
    /// (after a look at the sockets: an answer already on its way over
    /// loopback must not lose the race against a timeout).
    fn park_without_driver(&self) -> Park {
        if self.shared.time().is_due() {
            let notified = !self.shared.idle.unpark_self(self.index);
            return Park::Due { notified };
        }
        self.shared.on_worker_idle();
        Park::Sleep(None)
    }

    /// After this worker pushed to its own queue: wakes another worker to
    /// help, if the idle rules call for it. With one worker (a
    /// current-thread runtime, or `worker_threads(1)`) there is nobody
    /// else, and the idle state's read-modify-write is skipped.
    #[inline]
    fn notify_others(&self) {
        if self.shared.remotes.len() > 1 {
            self.shared.notify_parked();
        }
    }

    /// This worker's counters (`crate::metrics`); only this thread writes
    /// them.
    #[inline]
    pub(super) fn counters(&self) -> &WorkerCounters {
        &self.counters
    }

    /// Pushes a task spawned on this worker into the LIFO slot (but see
    /// `push_lifo` for the current-thread core); the task
    /// it displaces goes to the local queue, and another worker is woken
    /// to help: at once outside a poll, and once the poll returns for a
    /// spawn during one (as for wakes, see `schedule_wake`).
    ///
    /// Why not at once: a task spawning many tasks in one poll (a fan-out
    /// loop) had the helper chase it, stealing a few tasks, running out,
    /// parking and being woken again, both threads on the queue's and the
    /// allocator's cache lines. `spawn_many_local` (10,000 spawns in one
    /// poll) then took 4.8 to 5.2 ms in 3 of 4 runs instead of 1.5 to
    /// 1.7 ms. The price: tasks spawned by a poll that then runs for long
    /// (blocking the worker, which tasks must not do) wait until it
    /// returns, as the LIFO slot's task does anyway; Tokio wakes the
    /// helper at once.
    #[inline]
    pub(super) fn schedule_local(&self, task: Notified) {
        self.push_lifo(task);
    }

    /// Pushes a task woken on this worker: into the LIFO slot, or, for a
    /// task woken during its own poll, into the yielded list.
    ///
    /// A task displaced from the LIFO slot goes to the local queue. If the
    /// wake comes from a task's poll on this worker, another worker is
    /// woken to help only when that poll returns (`poll`), and once however
    /// many tasks the poll woke: the woken tasks usually want what their
    /// waker is still working on (the channel it sends on, the lock it
    /// releases), and a helper woken at once would run them in parallel
    /// with their waker, both fighting over the same cache lines (in
    /// `channel_fan_in` such a pass takes two to three times as long as one worker
    /// running it all). The price: a poll that wakes tasks and then runs
    /// for long keeps them waiting until it returns, as it keeps the LIFO
    /// slot's task waiting anyway. Outside a poll (timers, I/O events) the
    /// helper is woken at once.
    #[inline]
    pub(super) fn schedule_wake(&self, task: Notified, is_yield: bool) {
        if is_yield {
            self.yielded.borrow_mut().push(task);
            return;
        }
        self.push_lifo(task);
    }

    /// `schedule_local` and `schedule_wake`: the LIFO slot, its previous
    /// task to the local queue.
    ///
    /// But for the current-thread runtime's core outside a task's poll
    /// (`poll`, which sets `polling`): there, what the `block_on` future
    /// or a local task spawns or wakes (both polled between two turns of
    /// the core, on this thread), or what its driver wakes, goes to the
    /// back of the queue. The slot is for what a task polled by this
    /// worker spawns or wakes (run next, while the data it shares is in
    /// cache, and only a few in a row: `run_task`). Filled between turns, it was
    /// refilled before every turn, which takes it first: a `block_on`
    /// loop spawning two tasks a round starved the first of each pair,
    /// displaced to the queue, until the loop ended. Tokio's
    /// current-thread scheduler runs such tasks in order (it has no LIFO
    /// slot).
    #[inline]
    fn push_lifo(&self, task: Notified) {
        if !self.polling.get() && self.outside.borrow().is_some() {
            self.local.push(task);
            return;
        }
        if let Some(prev) = self.lifo.replace(Some(task)) {
            self.local.push(prev);
            if self.polling.get() {
                self.notify_after_poll.set(true);
            } else {
                self.notify_others();
            }
        }
    }
}
