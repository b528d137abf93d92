//! The current-thread flavor (`Builder::new_current_thread`): the same
//! `Shared` as the multi-thread runtime, with one worker slot and no worker
//! thread. `block_on` drives that worker (the *core*) on the calling
//! thread, interleaved with polling its own future and the runtime's local
//! tasks (`spawn_local`, `task::local_set`), and parks in the driver stack
//! when all three are idle. Timers, I/O, `spawn_blocking`, the paused
//! clock, metrics, `Handle::spawn` from other threads (the injector, then
//! an unpark of the one worker) and shutdown are the multi-thread
//! runtime's own code.
//!
//! * One thread drives at a time: `block_on` takes the core out of its
//!   slot. A second, concurrent `block_on` (another thread, through a
//!   `Handle` or a shared `&Runtime`) polls only its own future until the
//!   core is put back, then takes it (as Tokio's current-thread runtime).
//! * Taking the core counts as a worker starting, putting it back as one
//!   exiting (`Shared::worker_starting` / `worker_exited`), so shutdown
//!   waits for a thread that is driving, and one dropped from inside
//!   `block_on` is finished when the core is put back.
//! * Local tasks run only on the thread that built the runtime (the owner
//!   of `local`): elsewhere `block_on` drives the `Send` tasks only.
//!   Since a runtime is `Send`, it may be shut down on another thread; its
//!   local futures are then leaked there rather than dropped
//!   (`local_set::Pinned`) and their handles resolve as cancelled.

use super::worker::Context as Core;
use super::Shared;
use crate::driver::time::clock::Activity;
use crate::loom::{Arc, AtomicUsize, Mutex, Ordering};
use crate::task::coop;
use crate::task::local_set::{self, LocalShared};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Wake, Waker};

/// Worker turns (tasks) between two looks at the `block_on` future's and
/// the local tasks' wake-ups.
const TURNS_PER_LOOK: usize = 61;

/// The current-thread runtime's part of `Shared`.
pub(crate) struct CurrentThread {
    /// The one worker, while no thread drives it.
    core: Mutex<Option<Box<Core>>>,
    /// `block_on`s waiting for the core (polling their own future).
    waiting: Mutex<Vec<Waker>>,
    /// The runtime's own local task set, owned by the building thread.
    pub(crate) local: Arc<LocalShared>,
}

impl CurrentThread {
    /// The part of `Shared` for a current-thread runtime built on this
    /// thread; `install` puts the core in once `Shared` exists.
    pub(crate) fn new() -> CurrentThread {
        CurrentThread {
            core: Mutex::new(None),
            waiting: Mutex::new(Vec::new()),
            local: LocalShared::new(true),
        }
    }

    /// Puts the core (worker 0) in its slot.
    pub(crate) fn install(&self, core: Core) {
        *self.core.lock() = Some(Box::new(core));
    }

    /// The end of a shutdown (`Shared::finish_shutdown`, after the drivers
    /// and the `Send` tasks): completes the local tasks as cancelled (their
    /// futures dropped on their thread, leaked elsewhere), and drops the
    /// core if it is in its slot (a thread driving it drops it when it
    /// stops), which breaks the core's reference cycle with `Shared`.
    pub(crate) fn shutdown(&self) {
        {
            // Entered on the owner thread: a `spawn_local` from a
            // destructor finds the set closed and resolves as cancelled.
            let _entered = self.local.is_owner().then(|| local_set::enter(&self.local));
            self.local.shutdown();
        }
        let core = self.core.lock().take();
        if let Some(core) = core {
            core.release_queued();
        }
    }

    /// Starts shutdown's part for local tasks: no new ones.
    pub(crate) fn close(&self) {
        self.local.close();
    }

    /// Cancels every local task (shutdown's grace period).
    pub(crate) fn cancel_local(&self) {
        self.local.cancel_all();
    }
}

const IDLE: usize = 0;
const NOTIFIED: usize = 1;
/// The `block_on` that registered the waker has returned.
const DONE: usize = 2;

/// One kind of wake-up of a driving `block_on` (its future, or its local
/// tasks). With a pausable clock, a pending wake-up counts the thread busy
/// in the clock's activity, so the clock does not jump past it.
struct Wakeup {
    state: AtomicUsize,
}

/// The wake-ups that end a park of the core while a `block_on` drives it
/// (checked by `worker::Context::park`).
pub(crate) struct Wakeups {
    future: Wakeup,
    local: Wakeup,
    unparker: super::park::Unparker,
    activity: Option<Arc<Activity>>,
}

impl Wakeups {
    /// True if a wake-up is pending.
    #[inline]
    pub(crate) fn any(&self) -> bool {
        // SeqCst: pairs with the compare-exchange in `notify`; the token
        // left in the parker orders it anyway, this is the fast path.
        self.future.state.load(Ordering::SeqCst) == NOTIFIED
            || self.local.state.load(Ordering::SeqCst) == NOTIFIED
    }

    fn notify(&self, which: &Wakeup) {
        if let Some(activity) = &self.activity {
            // Busy before the wake-up is visible: the paused clock never
            // sees everyone idle while it is pending.
            activity.busy();
        }
        // SeqCst: one total order with `take` and `any`, and with the
        // activity count's RMWs (see `auto_advance`).
        let first = which
            .state
            .compare_exchange(IDLE, NOTIFIED, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok();
        if !first {
            // Already pending (counted once, and its notifier unparks the
            // thread) or done (no longer counts).
            if let Some(activity) = &self.activity {
                let _ = activity.idle();
            }
            return;
        }
        self.unparker.unpark();
    }

    /// Takes a pending wake-up. The thread stays counted busy until
    /// `done_with` (after the work it calls for).
    fn take(which: &Wakeup) -> bool {
        // SeqCst: see `notify`.
        which
            .state
            .compare_exchange(NOTIFIED, IDLE, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
    }

    /// The work a taken wake-up called for is done.
    fn done_with(&self) {
        if let Some(activity) = &self.activity {
            let _ = activity.idle();
        }
    }

    /// `block_on` stops driving: later wake-ups no longer count.
    fn finish(&self) {
        for which in [&self.future, &self.local] {
            // SeqCst: see `notify`.
            if which.state.swap(DONE, Ordering::SeqCst) == NOTIFIED {
                self.done_with();
            }
        }
    }
}

struct FutureWake(Arc<Wakeups>);

impl Wake for FutureWake {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.notify(&self.0.future);
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.0.notify(&self.0.future);
    }
}

struct LocalWake(Arc<Wakeups>);

impl Wake for LocalWake {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.notify(&self.0.local);
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.0.notify(&self.0.local);
    }
}

/// `Runtime::block_on` of a current-thread runtime; the caller has entered
/// the runtime on this thread (`runtime/block_on.rs`).
pub(crate) fn block_on<F: Future>(shared: &Arc<Shared>, future: F) -> F::Output {
    let ct = shared
        .current_thread
        .as_ref()
        .expect("a current-thread runtime");
    let mut future = std::pin::pin!(future);
    let parker = super::park::Parker::new();
    let waker = Waker::from(std::sync::Arc::new(ThreadWake(parker.unparker())));
    loop {
        if let Some(core) = take_core(shared, ct) {
            let core = PutBack {
                shared,
                core: Some(core),
            };
            if let Some(out) = drive(shared, &core, future.as_mut(), false) {
                return out;
            }
            // Stopped (the runtime shuts down): the tasks are gone; only
            // the future is left to poll.
            continue;
        }
        // Another thread drives the core (or the runtime has stopped):
        // poll our own future, and wait for it or for the core.
        ct.waiting.lock().push(waker.clone());
        let mut cx = Context::from_waker(&waker);
        let poll = {
            let _budget = coop::Budget::reset();
            future.as_mut().poll(&mut cx)
        };
        if let Poll::Ready(out) = poll {
            return out;
        }
        parker.park();
    }
}

struct ThreadWake(super::park::Unparker);

impl Wake for ThreadWake {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.0.unpark();
    }
}

/// Takes the core out of its slot, counted as a worker starting; `None`
/// if another thread drives it or the runtime has stopped.
fn take_core(shared: &Arc<Shared>, ct: &CurrentThread) -> Option<Box<Core>> {
    let mut slot = ct.core.lock();
    if shared.is_stopped() {
        return None;
    }
    let core = slot.take()?;
    shared.worker_starting();
    Some(core)
}

/// Puts the core back when dropped (even by a panic), or, once the runtime
/// has stopped, hands its queued entries to the injector and drops it.
struct PutBack<'a> {
    shared: &'a Arc<Shared>,
    core: Option<Box<Core>>,
}

impl PutBack<'_> {
    fn core(&self) -> &Core {
        self.core.as_ref().expect("the core is held")
    }
}

impl Drop for PutBack<'_> {
    fn drop(&mut self) {
        let Some(core) = self.core.take() else { return };
        let ct = self.shared.current_thread.as_ref().expect("current-thread");
        {
            let mut slot = ct.core.lock();
            if self.shared.is_stopped() {
                drop(slot);
                core.release_queued();
                drop(core);
            } else {
                *slot = Some(core);
            }
        }
        let waiting = std::mem::take(&mut *ct.waiting.lock());
        for waker in waiting {
            waker.wake();
        }
        // Counted as a worker exiting: may finish a shutdown that did not
        // wait for us.
        self.shared.worker_exited();
    }
}

/// Drives the core, the runtime's local tasks (on their owner thread) and
/// `future` until `future` completes (`Some`) or the runtime stops
/// (`None`). With `poll_always`, `future` is polled every time round, not
/// only when woken (a condition that nothing wakes: shutdown's grace).
fn drive<F: Future + ?Sized>(
    shared: &Arc<Shared>,
    core: &PutBack<'_>,
    mut future: Pin<&mut F>,
    poll_always: bool,
) -> Option<F::Output> {
    let ct = shared.current_thread.as_ref().expect("current-thread");
    let cx_core = core.core();
    let _worker = cx_core.enter();
    let clock = shared.time().clock();
    let activity = clock.is_pausable().then(|| clock.activity().clone());
    if let Some(activity) = &activity {
        // Both wake-ups start pending (a first poll, a first look at the
        // local tasks), each counted busy.
        activity.busy();
        activity.busy();
    }
    let wakeups = Arc::new(Wakeups {
        future: Wakeup {
            state: AtomicUsize::new(NOTIFIED),
        },
        local: Wakeup {
            state: AtomicUsize::new(NOTIFIED),
        },
        unparker: cx_core.unparker(),
        activity,
    });
    struct Finish<'a>(&'a Core, Arc<Wakeups>);
    impl Drop for Finish<'_> {
        fn drop(&mut self) {
            self.0.set_outside(None);
            self.1.finish();
        }
    }
    cx_core.set_outside(Some(wakeups.clone()));
    let _finish = Finish(cx_core, wakeups.clone());
    let future_waker = Waker::from(std::sync::Arc::new(FutureWake(wakeups.clone())));
    let local_waker = Waker::from(std::sync::Arc::new(LocalWake(wakeups.clone())));
    let local = ct.local.is_owner().then_some(&ct.local);
    let _local = local.map(|local| {
        local.register(&local_waker);
        local_set::enter(local)
    });
    let mut cx = Context::from_waker(&future_waker);
    let mut local_more = false;
    loop {
        if shared.is_stopped() {
            return None;
        }
        let woken = Wakeups::take(&wakeups.future);
        if woken || poll_always {
            let poll = {
                let _budget = coop::Budget::reset();
                future.as_mut().poll(&mut cx)
            };
            if woken {
                wakeups.done_with();
            }
            if let Poll::Ready(out) = poll {
                return Some(out);
            }
        }
        if let Some(local) = local {
            let woken = Wakeups::take(&wakeups.local);
            if woken || local_more {
                local.register(&local_waker);
                local_more = local.tick();
            }
            if woken {
                wakeups.done_with();
            }
        }
        // At least one turn, however often the future wakes itself: a
        // `block_on` future that keeps yielding must not starve the tasks.
        let ran = run_turns(cx_core, &wakeups);
        if !ran && !local_more && !wakeups.any() && !shared.is_stopped() {
            cx_core.park_idle();
        }
    }
}

/// Up to `TURNS_PER_LOOK` turns of the core, until it runs out of work or
/// a wake-up of the `block_on` is pending; true if a turn did something.
/// Not generic (unlike `drive`), so the turns inline into one loop.
fn run_turns(core: &Core, wakeups: &Wakeups) -> bool {
    let mut ran = false;
    for _ in 0..TURNS_PER_LOOK {
        if !core.turn() {
            break;
        }
        ran = true;
        if wakeups.any() {
            break;
        }
    }
    ran
}

/// The grace period of `shutdown_timeout` on a current-thread runtime:
/// drives the cancelled tasks (the local ones too, on their owner thread)
/// until every task has finished or `grace` has passed, in the runtime's
/// time (a paused clock jumps when everything is idle). Another thread
/// driving meanwhile runs them instead; this one then waits for it.
pub(crate) fn run_grace_period(shared: &Arc<Shared>, grace: std::time::Duration) {
    let ct = shared.current_thread.as_ref().expect("current-thread");
    let all_done = || {
        // The count first, as in `OwnedTasks::wait_empty`.
        shared.num_unstarted() == 0
            && shared.owned.len() == 0
            && (!ct.local.is_owner() || ct.local.is_empty())
    };
    let deadline = std::time::Instant::now() + grace;
    let handle = crate::Handle::from_shared(shared.clone());
    let _current = crate::runtime::context::set_current(&handle);
    match take_core(shared, ct) {
        Some(core) => {
            let core = PutBack {
                shared,
                core: Some(core),
            };
            let mut sleep = std::pin::pin!(crate::time::sleep(grace));
            let mut until = std::pin::pin!(std::future::poll_fn(|cx| {
                // A task that completes off this thread (a blocking
                // closure) empties the list with nobody else to wake us.
                // Registered before the look: news after it wakes us.
                shared.owned.wake_when_emptied(cx.waker());
                if all_done() || sleep.as_mut().poll(cx).is_ready() {
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            }));
            let _ = drive(shared, &core, until.as_mut(), true);
        }
        None => {
            shared.wait_no_tasks(Some(deadline));
        }
    }
}
