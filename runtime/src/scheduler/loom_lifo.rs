//! Loom models of the LIFO slot and the steal path: a worker that runs a
//! task, keeps the task it woke last in its LIFO slot and pushes the ones
//! displaced from the slot to its local queue, while another worker steals
//! from that queue.
//!
//! `worker::Context` cannot run under loom (it is tied to the whole
//! runtime: the time driver, the I/O driver, the blocking pool), so the
//! models run a harness that mirrors `worker.rs` step for step, as
//! `loom_idle.rs` does for the park loop:
//!
//! * `schedule_local`: a task woken (or spawned) on a worker goes into its
//!   LIFO slot; the task it displaces goes to the back of the local queue;
//!   a task woken during its own poll goes to the `yielded` list;
//! * `run_task`: run a task, then up to `MAX_LIFO_POLLS_PER_TICK` (the
//!   real constant) tasks from the LIFO slot; a task still in the slot
//!   after that goes to the local queue;
//! * `next_task`: the LIFO slot, then the local queue; `flush_yielded`
//!   moves the yielded list to the local queue;
//! * `steal_work`: `steal_batch_and_pop` from every other worker's
//!   `Stealer`.
//!
//! The queues are the real `scheduler::queue` types (mutex stand-ins under
//! `runtime_loom`), the tasks are real tasks (`task::new_task`) whose
//! scheduler (`Sched`) routes `schedule` and `yield_now` to the current
//! worker's `schedule_local`, as `Shared::schedule_task` does, found
//! through a loom thread local like `worker::CURRENT`. A spawn inside a
//! poll takes the same path (`Shared::schedule_spawned`).
//!
//! Left out: the injector and the tick-based checks (they change the order
//! in which a worker looks at its queues, not who may take what), and the
//! idle / searching / parking protocol, which `loom_idle.rs` models. Here
//! a worker that finds no work anywhere leaves. That strands nothing: only
//! the worker's own thread fills its LIFO slot, yielded list and local
//! queue, and it leaves only once all three are empty.
//!
//! Each task has a number; a queue entry carries it next to its `Notified`,
//! and the harness records where each task's entry is (a LIFO slot, a
//! yielded list, a local queue). In every interleaving, up to the
//! preemption bound, the models check:
//!
//! * a task has at most one entry at a time (never queued twice), and
//!   every entry is run exactly once: each task is polled exactly as many
//!   times as it was queued, and completes (no task lost);
//! * an entry in a worker's LIFO slot (or yielded list) is run by that
//!   worker, never by another; a steal only ever takes an entry from a
//!   local queue;
//! * a task woken during its own poll never lands in the LIFO slot (it is
//!   re-queued through `yield_now`, behind the other work);
//! * an entry pushed to a local queue is run once, by its owner or by a
//!   thief. Each model also checks, over all its executions, that the
//!   outcomes it is about all occur (an entry stolen and one run by its
//!   owner, for instance), so no model passes by never reaching a steal;
//! * nothing is left behind: the tasks' scheduler copies hold a
//!   `loom::sync::Arc` of the harness (which holds the queues), so a
//!   `Notified` stranded in a queue, or a task never freed, fails with
//!   loom's "Arc leaked".
//!
//! The models:
//!
//! * `lifo_displaced_task_is_stolen_or_run_once`: task A spawns B, then C.
//!   C takes the LIFO slot and runs on A's worker right after A; B, pushed
//!   out of the slot, runs once, locally or on the thief.
//! * `lifo_batch_steal`: task A spawns four tasks; three are pushed out of
//!   the slot, so a steal takes one and moves another to the thief's queue
//!   (`steal_batch_and_pop`'s batch); each still runs once.
//! * `lifo_overflow_after_max_polls`: a chain of
//!   `MAX_LIFO_POLLS_PER_TICK + 2` tasks, each spawning the next: the
//!   first `MAX_LIFO_POLLS_PER_TICK` after the head run from the slot on
//!   the head's worker; the last one is moved to the local queue, where it
//!   may be stolen.
//! * `lifo_yielded_task_goes_to_the_queue`: a task that wakes itself
//!   during its poll (`yield_now`) is re-queued through the yielded list
//!   and the local queue, never the slot, so its next poll may be on the
//!   thief; what it then spawns runs on that worker.
//! * `lifo_wakes_from_two_workers`: an idle task X is woken by a task on
//!   each worker at once. Each wake puts X into the waking worker's slot,
//!   or is absorbed (X already queued), or, if X is running, makes its
//!   poller re-queue it through the yielded list. X is never queued twice,
//!   no wake-up is lost (X finishes after seeing both), and it runs on
//!   whichever worker's slot held it.
//!
//! Run (the bound defaults to 2 when `LOOM_MAX_PREEMPTIONS` is unset):
//!
//! ```text
//! CARGO_TARGET_DIR=target/loom RUSTFLAGS="--cfg runtime_loom" LOOM_MAX_PREEMPTIONS=2 \
//!     cargo test -p runtime --release --lib loom_lifo
//! ```

use super::queue::{Steal, Stealer, Worker as LocalQueue};
use super::worker::MAX_LIFO_POLLS_PER_TICK;
use crate::loom::model;
use crate::task::new_task;
use crate::task::raw::{Header, Notified, Schedule};
use crate::task::JoinHandle;
use loom::sync::Arc;
use loom::thread;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Mutex as StdMutex;
use std::task::{Context, Poll, Waker};

/// The runner recorded for a poll outside any worker (a model's setup).
const SETUP: usize = usize::MAX;

/// A run-queue entry: the task's number in the model, and its reference.
struct Entry {
    id: usize,
    task: Notified,
}

/// Where a task's entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    /// Not queued (idle, running or complete).
    Nowhere,
    /// Worker `n`'s LIFO slot.
    Lifo(usize),
    /// Worker `n`'s yielded list.
    Yielded(usize),
    /// Worker `n`'s local queue (or, after a batch steal, the thief's).
    Queue(usize),
    /// Held by the model's setup, outside any worker.
    Setup,
}

/// What a task does when polled.
#[derive(Clone, Default)]
struct Plan {
    /// Polls in which it wakes itself and returns `Pending` (as
    /// `yield_now` does), before anything else.
    yields: usize,
    /// Tasks it spawns, in order, in the poll after its yields.
    spawns: Vec<usize>,
    /// Wakes (from other tasks) it waits for before it finishes; its
    /// first poll then leaves its waker in `Record::first_waker`.
    wait_for: usize,
}

/// The test's bookkeeping for one task. `std` types: they add no
/// interleavings, and no lock is held across a loom operation.
struct Record {
    plan: Plan,
    place: StdMutex<Place>,
    /// Entries ever made for it (spawn, wake, yield, setup).
    queued: AtomicUsize,
    /// The worker of each poll, in order (`SETUP` outside the workers).
    ran_on: StdMutex<Vec<usize>>,
    /// Entries of it taken from a local queue by another worker.
    stolen: AtomicUsize,
    /// Wakes delivered to it by other tasks (counted before the wake).
    woken: AtomicUsize,
    first_waker: StdMutex<Option<Waker>>,
    /// On the "task list" until it completes (`Schedule::release`).
    listed: AtomicBool,
}

/// What every worker and task can reach: the stealers and the records.
struct Harness {
    stealers: Vec<Stealer<Entry>>,
    tasks: Vec<Record>,
    /// Join handles of every task, checked and dropped at the end.
    handles: StdMutex<Vec<JoinHandle<()>>>,
    /// Steals that moved a batch besides the entry they returned.
    batches: AtomicUsize,
}

impl Harness {
    /// A new entry for task `id` lands at `place`. Recorded before the
    /// entry is published, so a thief never runs it before this.
    fn placed(&self, id: usize, place: Place) {
        let mut at = self.tasks[id].place.lock().unwrap();
        assert_eq!(
            *at,
            Place::Nowhere,
            "task {id} queued twice (now to {place:?})"
        );
        *at = place;
        self.tasks[id].queued.fetch_add(1, SeqCst);
    }

    /// Task `id`'s entry moves from `from` to `to` (before the move).
    fn moved(&self, id: usize, from: Place, to: Place) {
        let mut at = self.tasks[id].place.lock().unwrap();
        assert_eq!(*at, from, "task {id} moved to {to:?} from elsewhere");
        *at = to;
    }

    /// Worker `runner` takes task `id`'s entry to run it.
    fn taken(&self, id: usize, runner: usize) {
        let mut at = self.tasks[id].place.lock().unwrap();
        match *at {
            Place::Lifo(owner) | Place::Yielded(owner) => assert_eq!(
                owner, runner,
                "task {id} in worker {owner}'s {:?} was run by worker {runner}",
                *at
            ),
            Place::Queue(owner) => {
                if owner != runner {
                    self.tasks[id].stolen.fetch_add(1, SeqCst);
                }
            }
            Place::Setup => assert_eq!(runner, SETUP),
            Place::Nowhere => panic!("task {id} ran from an entry it never had"),
        }
        *at = Place::Nowhere;
    }

    fn ran(&self, id: usize) -> Vec<usize> {
        self.tasks[id].ran_on.lock().unwrap().clone()
    }

    fn stolen(&self, id: usize) -> usize {
        self.tasks[id].stolen.load(SeqCst)
    }
}

/// Makes task `id` and returns its first entry (not yet placed).
fn make_task(harness: &Arc<Harness>, id: usize) -> Entry {
    make_task_with(Step {
        harness: harness.clone(),
        id,
        yields_left: harness.tasks[id].plan.yields,
        acted: false,
        first_poll: true,
        wakes: Vec::new(),
    })
}

/// Makes the task that runs `future`; its scheduler is a `Sched`.
fn make_task_with(future: Step) -> Entry {
    let id = future.id;
    let harness = future.harness.clone();
    let sched = Sched {
        harness: harness.clone(),
        id,
    };
    let (listed, task, handle) = new_task(future, sched);
    // The model's `listed` flag stands for the task list: `release` hands
    // this reference back when the task completes.
    std::mem::forget(listed);
    harness.handles.lock().unwrap().push(handle);
    Entry { id, task }
}

/// A task's future: follows its `Plan`.
struct Step {
    harness: Arc<Harness>,
    id: usize,
    yields_left: usize,
    acted: bool,
    first_poll: bool,
    /// Other tasks (number, waker), woken by value in the acting poll.
    wakes: Vec<(usize, Waker)>,
}

impl Future for Step {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let h = this.harness.clone();
        let record = &h.tasks[this.id];
        let runner = with_current(|w| w.map_or(SETUP, |w| w.index));
        record.ran_on.lock().unwrap().push(runner);
        if this.first_poll && record.plan.wait_for > 0 {
            // Only on a setup poll, before the model's threads start.
            let waker = cx.waker().clone();
            *record.first_waker.lock().unwrap() = Some(waker);
        }
        this.first_poll = false;
        if this.yields_left > 0 {
            this.yields_left -= 1;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        if !this.acted {
            this.acted = true;
            for &child in &record.plan.spawns {
                // `Shared::schedule_spawned` on a worker.
                let entry = make_task(&h, child);
                with_current(|w| {
                    w.expect("spawned outside a worker")
                        .schedule_local(entry, false)
                });
            }
            for (target, waker) in std::mem::take(&mut this.wakes) {
                h.tasks[target].woken.fetch_add(1, SeqCst);
                waker.wake();
            }
        }
        if record.woken.load(SeqCst) >= record.plan.wait_for {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// The mock scheduler: `Shared`'s `Schedule` impl, minus the injector.
struct Sched {
    harness: Arc<Harness>,
    id: usize,
}

impl Schedule for Sched {
    fn schedule(&self, task: Notified) {
        let entry = Entry { id: self.id, task };
        with_current(|w| {
            w.expect("woken outside a worker")
                .schedule_local(entry, false)
        });
    }

    fn yield_now(&self, task: Notified) {
        let entry = Entry { id: self.id, task };
        with_current(|w| {
            w.expect("woken outside a worker")
                .schedule_local(entry, true)
        });
    }

    fn release(&self, _task: &Header) -> bool {
        self.harness.tasks[self.id].listed.swap(false, SeqCst)
    }
}

loom::thread_local! {
    /// `worker::CURRENT`: the worker running on this (loom) thread.
    static CURRENT: Cell<*const Worker> = Cell::new(std::ptr::null());
}

fn with_current<R>(f: impl FnOnce(Option<&Worker>) -> R) -> R {
    let ptr = CURRENT.with(|c| c.get());
    // SAFETY: set by `Worker::run` to the worker on its stack and cleared
    // before it returns; only used on this thread.
    f(unsafe { ptr.as_ref() })
}

/// `worker::Context`, reduced to the LIFO slot, the yielded list and the
/// local queue.
struct Worker {
    harness: Arc<Harness>,
    index: usize,
    local: LocalQueue<Entry>,
    lifo: Cell<Option<Entry>>,
    yielded: RefCell<Vec<Entry>>,
    /// The task being polled (test bookkeeping).
    polling: Cell<Option<usize>>,
}

impl Worker {
    /// `Context::run` without parking: leaves when it finds no work.
    fn run(self) {
        CURRENT.with(|c| c.set(&self as *const Worker));
        loop {
            if let Some(entry) = self.next_task() {
                self.run_task(entry);
                continue;
            }
            if self.flush_yielded() {
                continue;
            }
            if let Some(entry) = self.steal_work() {
                self.run_task(entry);
                continue;
            }
            break;
        }
        CURRENT.with(|c| c.set(std::ptr::null()));
        let lifo = self.lifo.take();
        assert!(lifo.is_none() && self.yielded.borrow().is_empty());
    }

    /// `Context::next_task` (without the injector).
    fn next_task(&self) -> Option<Entry> {
        if let Some(entry) = self.lifo.take() {
            return Some(entry);
        }
        self.local.pop()
    }

    /// `Context::flush_yielded`.
    fn flush_yielded(&self) -> bool {
        let mut yielded = self.yielded.borrow_mut();
        if yielded.is_empty() {
            return false;
        }
        for entry in yielded.drain(..) {
            let me = self.index;
            self.harness
                .moved(entry.id, Place::Yielded(me), Place::Queue(me));
            self.local.push(entry);
        }
        true
    }

    /// One entry's poll.
    fn run_entry(&self, entry: Entry) {
        self.harness.taken(entry.id, self.index);
        self.polling.set(Some(entry.id));
        entry.task.run();
        self.polling.set(None);
    }

    /// `Context::run_task`: the task, then the LIFO slot, a few in a row.
    fn run_task(&self, entry: Entry) {
        self.run_entry(entry);
        for _ in 0..MAX_LIFO_POLLS_PER_TICK {
            match self.lifo.take() {
                Some(next) => self.run_entry(next),
                None => return,
            }
        }
        if let Some(next) = self.lifo.take() {
            let me = self.index;
            self.harness
                .moved(next.id, Place::Lifo(me), Place::Queue(me));
            self.local.push(next);
        }
    }

    /// `Context::steal_work`, visiting the other workers in index order.
    fn steal_work(&self) -> Option<Entry> {
        let n = self.harness.stealers.len();
        for i in 1..n {
            let victim = (self.index + i) % n;
            loop {
                // As `steal_work` counts the batch for its metrics.
                let before = self.local.len();
                match self.harness.stealers[victim].steal_batch_and_pop(&self.local) {
                    Steal::Success(entry) => {
                        if self.local.len() > before {
                            self.harness.batches.fetch_add(1, SeqCst);
                        }
                        let at = *self.harness.tasks[entry.id].place.lock().unwrap();
                        assert!(
                            matches!(at, Place::Queue(_)),
                            "stole task {} from {at:?}",
                            entry.id
                        );
                        return Some(entry);
                    }
                    Steal::Empty => break,
                    Steal::Retry => continue,
                }
            }
        }
        None
    }

    /// `Context::schedule_local`.
    fn schedule_local(&self, entry: Entry, is_yield: bool) {
        let me = self.index;
        if is_yield {
            self.harness.placed(entry.id, Place::Yielded(me));
            self.yielded.borrow_mut().push(entry);
            return;
        }
        assert_ne!(
            self.polling.get(),
            Some(entry.id),
            "a task woken during its own poll was sent to the LIFO slot, not to yield_now"
        );
        self.harness.placed(entry.id, Place::Lifo(me));
        if let Some(prev) = self.lifo.replace(Some(entry)) {
            // Recorded before the push publishes it to thieves.
            self.harness
                .moved(prev.id, Place::Lifo(me), Place::Queue(me));
            self.local.push(prev);
        }
    }
}

/// A model's start: what each task does, which tasks start idle (polled
/// once by the setup, outside the workers, so their waker exists), which
/// start in which worker's local queue, and which task holds a waker of
/// which (woken in its acting poll).
struct Setup {
    workers: usize,
    plans: Vec<Plan>,
    idle: Vec<usize>,
    start: Vec<(usize, usize)>,
    wakes: Vec<(usize, usize)>,
}

/// Outcomes a model must see in at least one execution each (counted
/// over all executions, with `std` atomics outside loom's view).
#[derive(Clone)]
struct Seen(std::sync::Arc<Vec<AtomicUsize>>);

impl Seen {
    fn new(n: usize) -> Seen {
        Seen(std::sync::Arc::new(
            (0..n).map(|_| AtomicUsize::new(0)).collect(),
        ))
    }

    fn saw(&self, outcome: usize) {
        self.0[outcome].fetch_add(1, SeqCst);
    }

    /// Asserts every outcome happened; `names` says which is which.
    fn assert_all(&self, names: &[&str]) {
        for (name, count) in names.iter().zip(self.0.iter()) {
            let count = count.load(SeqCst);
            println!("  {name}: {count} executions");
            assert!(count > 0, "no execution where {name}");
        }
    }
}

/// Runs one execution of a model: sets it up, runs the workers, checks
/// the invariants every model shares, then `check`.
fn run(setup: &Setup, check: impl FnOnce(&Harness)) {
    let locals: Vec<LocalQueue<Entry>> =
        (0..setup.workers).map(|_| LocalQueue::new_fifo()).collect();
    let harness = Arc::new(Harness {
        stealers: locals.iter().map(|l| l.stealer()).collect(),
        tasks: setup
            .plans
            .iter()
            .map(|plan| Record {
                plan: plan.clone(),
                place: StdMutex::new(Place::Nowhere),
                queued: AtomicUsize::new(0),
                ran_on: StdMutex::new(Vec::new()),
                stolen: AtomicUsize::new(0),
                woken: AtomicUsize::new(0),
                first_waker: StdMutex::new(None),
                listed: AtomicBool::new(true),
            })
            .collect(),
        handles: StdMutex::new(Vec::new()),
        batches: AtomicUsize::new(0),
    });
    for &id in &setup.idle {
        let entry = make_task(&harness, id);
        harness.placed(id, Place::Setup);
        harness.taken(id, SETUP);
        entry.task.run();
        assert!(harness.tasks[id].first_waker.lock().unwrap().is_some());
    }
    for &(id, worker) in &setup.start {
        let wakes = setup
            .wakes
            .iter()
            .filter(|&&(holder, _)| holder == id)
            .map(|&(_, target)| {
                let waker = harness.tasks[target].first_waker.lock().unwrap().clone();
                (target, waker.expect("the target starts idle"))
            })
            .collect();
        let entry = make_task_with(Step {
            harness: harness.clone(),
            id,
            yields_left: setup.plans[id].yields,
            acted: false,
            first_poll: true,
            wakes,
        });
        harness.placed(id, Place::Queue(worker));
        locals[worker].push(entry);
    }
    for &id in &setup.idle {
        let waker = harness.tasks[id].first_waker.lock().unwrap().take();
        drop(waker);
    }

    let threads: Vec<_> = locals
        .into_iter()
        .enumerate()
        .map(|(index, local)| {
            let harness = harness.clone();
            thread::spawn(move || {
                Worker {
                    harness,
                    index,
                    local,
                    lifo: Cell::new(None),
                    yielded: RefCell::new(Vec::new()),
                    polling: Cell::new(None),
                }
                .run()
            })
        })
        .collect();
    for th in threads {
        th.join().unwrap();
    }

    for (id, record) in harness.tasks.iter().enumerate() {
        let at = *record.place.lock().unwrap();
        assert_eq!(at, Place::Nowhere, "task {id} was left queued");
        let polls = record.ran_on.lock().unwrap().len();
        let queued = record.queued.load(SeqCst);
        assert_eq!(polls, queued, "task {id}: {queued} entries, {polls} polls");
        assert!(!record.listed.load(SeqCst), "task {id} never completed");
    }
    let handles = std::mem::take(&mut *harness.handles.lock().unwrap());
    assert_eq!(handles.len(), setup.plans.len(), "a task was never made");
    for handle in &handles {
        assert!(handle.is_finished(), "a task never completed");
    }
    drop(handles);
    check(&harness);
}

/// Task 0 spawns 1, then 2: 2 takes the LIFO slot and runs right after
/// 0 on 0's worker; 1, pushed out of the slot to the local queue, runs
/// once, on that worker or on the thief.
#[test]
fn lifo_displaced_task_is_stolen_or_run_once() {
    let seen = Seen::new(3);
    let outcomes = seen.clone();
    model(move || {
        let setup = Setup {
            workers: 2,
            plans: vec![
                Plan {
                    spawns: vec![1, 2],
                    ..Plan::default()
                },
                Plan::default(),
                Plan::default(),
            ],
            idle: vec![],
            start: vec![(0, 0)],
            wakes: vec![],
        };
        run(&setup, |h| {
            let head = h.ran(0);
            assert_eq!(h.ran(2), head, "the LIFO slot's task ran elsewhere");
            outcomes.saw(if h.stolen(1) > 0 { 0 } else { 1 });
            if head != [0] {
                outcomes.saw(2);
            }
        });
    });
    seen.assert_all(&[
        "the displaced task was stolen",
        "the displaced task ran on its owner",
        "the spawning task itself was stolen",
    ]);
}

/// Task 0 spawns 1 to 4: 1 to 3 are pushed out of the slot (the local
/// queue then holds three), 4 runs from the slot on 0's worker. A steal
/// takes 1 and moves half of the rest (2) to the thief's queue: every
/// task still runs exactly once.
#[test]
fn lifo_batch_steal() {
    let seen = Seen::new(2);
    let outcomes = seen.clone();
    model(move || {
        let mut plans = vec![Plan::default(); 5];
        plans[0].spawns = vec![1, 2, 3, 4];
        let setup = Setup {
            workers: 2,
            plans,
            idle: vec![],
            start: vec![(0, 0)],
            wakes: vec![],
        };
        run(&setup, |h| {
            assert_eq!(h.ran(4), h.ran(0), "the LIFO slot's task ran elsewhere");
            let stolen = (1..=3).filter(|&i| h.stolen(i) > 0).count();
            if h.batches.load(SeqCst) > 0 {
                outcomes.saw(0);
            }
            if stolen == 0 {
                outcomes.saw(1);
            }
        });
    });
    seen.assert_all(&["a steal moved a batch", "nothing was stolen"]);
}

/// A chain of `MAX_LIFO_POLLS_PER_TICK + 2` tasks, each spawning the
/// next: after the head, `MAX_LIFO_POLLS_PER_TICK` run from the slot on the
/// head's worker; the last is moved to the local queue, and may be stolen.
#[test]
fn lifo_overflow_after_max_polls() {
    let seen = Seen::new(2);
    let outcomes = seen.clone();
    model(move || {
        let n = MAX_LIFO_POLLS_PER_TICK + 2;
        let setup = Setup {
            workers: 2,
            plans: (0..n)
                .map(|i| Plan {
                    spawns: if i + 1 < n { vec![i + 1] } else { vec![] },
                    ..Plan::default()
                })
                .collect(),
            idle: vec![],
            start: vec![(0, 0)],
            wakes: vec![],
        };
        run(&setup, |h| {
            let head = h.ran(0);
            for i in 1..=MAX_LIFO_POLLS_PER_TICK {
                assert_eq!(h.ran(i), head, "task {i} left the LIFO slot");
            }
            outcomes.saw(if h.stolen(n - 1) > 0 { 0 } else { 1 });
        });
    });
    seen.assert_all(&[
        "the task moved out of the slot was stolen",
        "the task moved out of the slot ran on its owner",
    ]);
}

/// Task 0 wakes itself during its first poll (`yield_now`): it goes to
/// the yielded list, then the local queue, never the slot, so its second
/// poll may be on the thief. Task 1, which it then spawns, runs on the
/// worker of that second poll.
#[test]
fn lifo_yielded_task_goes_to_the_queue() {
    let seen = Seen::new(2);
    let outcomes = seen.clone();
    model(move || {
        let setup = Setup {
            workers: 2,
            plans: vec![
                Plan {
                    yields: 1,
                    spawns: vec![1],
                    ..Plan::default()
                },
                Plan::default(),
            ],
            idle: vec![],
            start: vec![(0, 0)],
            wakes: vec![],
        };
        run(&setup, |h| {
            let polls = h.ran(0);
            assert_eq!(polls.len(), 2);
            assert_eq!(h.ran(1), [polls[1]], "the spawned task left the slot");
            outcomes.saw(if polls[0] != polls[1] { 0 } else { 1 });
        });
    });
    seen.assert_all(&[
        "the yielded task's next poll was on the other worker",
        "the yielded task's next poll was on the same worker",
    ]);
}

/// Task 0 is idle, waiting for two wakes; task 1 on worker 0 and task 2 on
/// worker 1 each wake it. No wake-up is lost, task 0 is never queued
/// twice, and each entry of it in a LIFO slot runs on that slot's worker.
#[test]
fn lifo_wakes_from_two_workers() {
    let seen = Seen::new(4);
    let outcomes = seen.clone();
    model(move || {
        let setup = Setup {
            workers: 2,
            plans: vec![
                Plan {
                    wait_for: 2,
                    ..Plan::default()
                },
                Plan::default(),
                Plan::default(),
            ],
            idle: vec![0],
            start: vec![(1, 0), (2, 1)],
            wakes: vec![(1, 0), (2, 0)],
        };
        run(&setup, |h| {
            let polls = h.ran(0);
            // The setup's poll, then one or two more.
            assert!(polls.len() == 2 || polls.len() == 3, "polls: {polls:?}");
            assert_eq!(polls[0], SETUP);
            outcomes.saw(if polls.len() == 2 { 0 } else { 1 });
            outcomes.saw(if *polls.last().unwrap() == 0 { 2 } else { 3 });
        });
    });
    seen.assert_all(&[
        "one poll saw both wakes",
        "a poll came between the wakes",
        "the last poll was on worker 0",
        "the last poll was on worker 1",
    ]);
}
