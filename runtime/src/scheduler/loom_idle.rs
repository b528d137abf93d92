//! Loom models of the idle / searching protocol (`scheduler::idle`): work
//! pushed while workers go to sleep is never stranded.
//!
//! The models run the real `Idle`, the real `Parker`s and the loom stand-ins
//! of the run queues (`scheduler::queue`), driven by a harness that mirrors
//! `worker.rs` step for step: take from the local queue or the injector;
//! else become a searcher (if allowed) and steal from the other workers and
//! the injector; else announce parking with `transition_worker_to_parked`,
//! re-check every queue if this was the last searcher
//! (`notify_if_work_pending`), and park, treating a wake-up that finds the
//! worker still in the sleepers list as spurious (`is_parked`). A worker
//! that finds work as the last searcher wakes another (`notify_parked`). A
//! pusher pushes into the injector and then wakes `worker_to_notify()`, as
//! `Shared::push_remote` does. (The LIFO slot and the tick-based injector
//! check of `worker.rs` only change the order in which a worker looks at
//! its own queues, not whether it sleeps, so they are left out.)
//!
//! The injector comes in two versions. The loom stand-in from
//! `scheduler::queue` is a mutex, whose lock order alone already orders a
//! push before a later emptiness check; that hides how `Idle` orders
//! things. So each configuration also runs with `AtomicInjector`, a lock-free
//! head / tail pair of SeqCst atomics laid out like crossbeam's `Injector`,
//! where nothing but `Idle`'s read-modify-writes on its state word keeps a
//! pusher's check and a parking worker's re-check from both reading stale
//! values. (Weakening `notify_should_wakeup`'s `fetch_add(0, SeqCst)` to a
//! load, or the parking `fetch_sub` to `Relaxed`, fails these models.)
//!
//! `idle_stray_unpark` adds a thread that unparks a worker once at an
//! arbitrary moment (a token left over from an earlier notification, or the
//! time driver's nudge of a sleeper), so the worker's spurious-wake check
//! (`is_parked`) is exercised too.
//!
//! Not modeled: the timer hooks of the park loop (`driver::time`'s
//! `before_park` / `after_park`, `Idle::unpark_self`, `park_timeout`).
//!
//! The worker that runs the last task stops the others (as shutdown does:
//! set `stopped`, unpark everyone). So if a task were ever stranded, every
//! worker would end up parked with nobody to wake it, which loom reports as
//! a deadlock; after joining, every model also asserts that each task ran
//! exactly once.
//!
//! Run (the bound defaults to 2 when `LOOM_MAX_PREEMPTIONS` is unset):
//!
//! ```text
//! CARGO_TARGET_DIR=target/loom RUSTFLAGS="--cfg runtime_loom" LOOM_MAX_PREEMPTIONS=2 \
//!     cargo test -p runtime --release --lib loom_idle
//! ```

use super::idle::Idle;
use super::park::{Parker, Unparker};
use super::queue::{Injector, Steal, Stealer, Worker as LocalQueue};
use crate::loom::model;
use loom::sync::atomic::{AtomicBool, AtomicUsize as LoomAtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

/// What the harness needs of the injector.
trait Inject: Send + Sync + 'static {
    fn new() -> Self;
    fn push(&self, task: usize);
    fn is_empty(&self) -> bool;
    fn steal_batch_and_pop(&self, dest: &LocalQueue<usize>) -> Steal<usize>;
}

impl Inject for Injector<usize> {
    fn new() -> Self {
        Injector::new()
    }
    fn push(&self, task: usize) {
        Injector::push(self, task);
    }
    fn is_empty(&self) -> bool {
        Injector::is_empty(self)
    }
    fn steal_batch_and_pop(&self, dest: &LocalQueue<usize>) -> Steal<usize> {
        Injector::steal_batch_and_pop(self, dest)
    }
}

/// A lock-free injector with crossbeam's synchronization: a push is a
/// SeqCst RMW on `tail`, emptiness is SeqCst loads of `head` and `tail`, a
/// pop a SeqCst CAS on `head`. Tasks are pushed as 0, 1, 2, ... by one
/// pusher, so a slot's task is its index and needs no storage.
struct AtomicInjector {
    head: LoomAtomicUsize,
    tail: LoomAtomicUsize,
}

impl Inject for AtomicInjector {
    fn new() -> Self {
        AtomicInjector {
            head: LoomAtomicUsize::new(0),
            tail: LoomAtomicUsize::new(0),
        }
    }
    fn push(&self, task: usize) {
        let slot = self.tail.fetch_add(1, Ordering::SeqCst);
        assert_eq!(slot, task, "tasks are pushed in order");
    }
    fn is_empty(&self) -> bool {
        let head = self.head.load(Ordering::SeqCst);
        head == self.tail.load(Ordering::SeqCst)
    }
    fn steal_batch_and_pop(&self, _dest: &LocalQueue<usize>) -> Steal<usize> {
        loop {
            let head = self.head.load(Ordering::SeqCst);
            if head == self.tail.load(Ordering::SeqCst) {
                return Steal::Empty;
            }
            if self
                .head
                .compare_exchange(head, head + 1, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
            {
                return Steal::Success(head);
            }
        }
    }
}

/// What `scheduler::Shared` holds for this protocol.
struct Shared<I> {
    idle: Idle,
    injector: I,
    stealers: Vec<Stealer<usize>>,
    unparkers: Vec<Unparker>,
    stopped: AtomicBool,
    /// How many times each task ran (test bookkeeping, not modeled).
    ran: Vec<AtomicUsize>,
    /// Tasks run so far, all workers together (not modeled either).
    total_ran: AtomicUsize,
}

impl<I: Inject> Shared<I> {
    /// `Shared::notify_parked`.
    fn notify_parked(&self) {
        if let Some(index) = self.idle.worker_to_notify() {
            self.unparkers[index].unpark();
        }
    }

    /// `Shared::notify_if_work_pending`.
    fn notify_if_work_pending(&self) {
        let pending = !self.injector.is_empty() || self.stealers.iter().any(|s| !s.is_empty());
        if pending {
            self.notify_parked();
        }
    }

    /// `Shared::push_remote` (without the shutdown drain).
    fn push(&self, task: usize) {
        self.injector.push(task);
        self.notify_parked();
    }

    /// `Shared::stop`.
    fn stop(&self) {
        self.stopped.store(true, Ordering::Release);
        for unparker in &self.unparkers {
            unparker.unpark();
        }
    }

    fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Acquire)
    }
}

/// `worker::Context`, reduced to what decides sleeping and waking.
struct Worker<I> {
    shared: Arc<Shared<I>>,
    index: usize,
    local: LocalQueue<usize>,
    parker: Parker,
    is_searching: Cell<bool>,
}

impl<I: Inject> Worker<I> {
    /// `Context::run`.
    fn run(self) {
        while !self.shared.is_stopped() {
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
    }

    fn next_task(&self) -> Option<usize> {
        self.local.pop().or_else(|| self.steal_injector())
    }

    fn steal_injector(&self) -> Option<usize> {
        loop {
            match self.shared.injector.steal_batch_and_pop(&self.local) {
                Steal::Success(task) => return Some(task),
                Steal::Empty => return None,
                Steal::Retry => continue,
            }
        }
    }

    /// `Context::run_task`; "running" a task counts it, and the last one
    /// stops the runtime.
    fn run_task(&self, task: usize) {
        if self.is_searching.replace(false) && self.shared.idle.transition_worker_from_searching() {
            self.shared.notify_parked();
        }
        self.shared.ran[task].fetch_add(1, SeqCst);
        if self.shared.total_ran.fetch_add(1, SeqCst) + 1 == self.shared.ran.len() {
            self.shared.stop();
        }
    }

    /// `Context::steal_work`, visiting victims in index order.
    fn steal_work(&self) -> Option<usize> {
        if !self.is_searching.get() {
            if !self.shared.idle.transition_worker_to_searching() {
                return None;
            }
            self.is_searching.set(true);
        }
        let n = self.shared.stealers.len();
        for i in 1..n {
            let victim = (self.index + i) % n;
            loop {
                match self.shared.stealers[victim].steal_batch_and_pop(&self.local) {
                    Steal::Success(task) => return Some(task),
                    Steal::Empty => break,
                    Steal::Retry => continue,
                }
            }
        }
        self.steal_injector()
    }

    /// `Context::park`.
    fn park(&self) {
        let was_searching = self.is_searching.replace(false);
        if self
            .shared
            .idle
            .transition_worker_to_parked(self.index, was_searching)
        {
            self.shared.notify_if_work_pending();
        }
        loop {
            self.parker.park();
            if self.shared.is_stopped() {
                return;
            }
            if !self.shared.idle.is_parked(self.index) {
                self.is_searching.set(true);
                return;
            }
            // Spurious wake-up (a stale token): sleep again.
        }
    }
}

/// Starts `workers` workers, pushes `tasks` tasks from the main thread (as
/// a thread outside the runtime would), joins, and checks each task ran
/// exactly once.
fn run_model<I: Inject>(workers: usize, tasks: usize) {
    run_model_with_stray_unpark::<I>(workers, tasks, false);
}

/// `run_model`, plus (if `stray`) a thread that unparks worker 0 once at an
/// arbitrary moment: a token left over from an earlier notification, which
/// the worker must treat as spurious while it is still listed as parked.
fn run_model_with_stray_unpark<I: Inject>(workers: usize, tasks: usize, stray: bool) {
    let locals: Vec<LocalQueue<usize>> = (0..workers).map(|_| LocalQueue::new_fifo()).collect();
    let parkers: Vec<Parker> = (0..workers).map(|_| Parker::new()).collect();
    let shared = Arc::new(Shared {
        idle: Idle::new(workers),
        injector: I::new(),
        stealers: locals.iter().map(|l| l.stealer()).collect(),
        unparkers: parkers.iter().map(|p| p.unparker()).collect(),
        stopped: AtomicBool::new(false),
        ran: (0..tasks).map(|_| AtomicUsize::new(0)).collect(),
        total_ran: AtomicUsize::new(0),
    });
    let threads: Vec<_> = locals
        .into_iter()
        .zip(parkers)
        .enumerate()
        .map(|(index, (local, parker))| {
            let shared = shared.clone();
            thread::spawn(move || {
                Worker {
                    shared,
                    index,
                    local,
                    parker,
                    is_searching: Cell::new(false),
                }
                .run()
            })
        })
        .collect();
    let stray = stray.then(|| {
        let unparker = shared.unparkers[0].clone();
        thread::spawn(move || unparker.unpark())
    });
    for task in 0..tasks {
        shared.push(task);
    }
    if let Some(th) = stray {
        th.join().unwrap();
    }
    for th in threads {
        th.join().unwrap();
    }
    for (task, ran) in shared.ran.iter().enumerate() {
        assert_eq!(ran.load(SeqCst), 1, "task {task} ran {ran:?} times");
    }
}

#[test]
fn idle_one_worker_one_push() {
    model(|| run_model::<Injector<usize>>(1, 1));
    model(|| run_model::<AtomicInjector>(1, 1));
}

#[test]
fn idle_one_worker_two_pushes() {
    model(|| run_model::<Injector<usize>>(1, 2));
    model(|| run_model::<AtomicInjector>(1, 2));
}

#[test]
fn idle_two_workers_one_push() {
    model(|| run_model::<Injector<usize>>(2, 1));
    model(|| run_model::<AtomicInjector>(2, 1));
}

#[test]
fn idle_two_workers_two_pushes() {
    model(|| run_model::<Injector<usize>>(2, 2));
    model(|| run_model::<AtomicInjector>(2, 2));
}

#[test]
fn idle_stray_unpark() {
    model(|| run_model_with_stray_unpark::<Injector<usize>>(2, 1, true));
    model(|| run_model_with_stray_unpark::<AtomicInjector>(2, 1, true));
}
