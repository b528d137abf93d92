//! Driving a future on the calling thread until it completes.

use super::context;
use crate::scheduler::auto_advance::BlockOnActivity;
use crate::scheduler::park::{Parker, Unparker};
use crate::task::coop;
use crate::Handle;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

const BLOCK_ON_INSIDE_RUNTIME: &str =
    "`block_on` was called on a thread that is already running a runtime \
(a worker thread, or inside another `block_on`); blocking here would stall that runtime. \
Use `.await` instead, or run the blocking code in `runtime::spawn_blocking`.";

struct ThreadWaker(Unparker);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

crate::loom::thread_local! {
    /// One parker per thread, reused by every `block_on` on it.
    static PARKER: (Parker, Waker) = {
        let parker = Parker::new();
        let waker = Waker::from(Arc::new(ThreadWaker(parker.unparker())));
        (parker, waker)
    };
}

/// Polls `future` on this thread, parking between polls, with `handle` as
/// the current runtime.
pub(crate) fn block_on<F: Future>(handle: &Handle, future: F) -> F::Output {
    let _entered = context::enter_runtime(BLOCK_ON_INSIDE_RUNTIME);
    let _current = context::set_current(handle);
    // `block_on` is outside any task, even inside a blocking closure (which
    // is one): `task::is_cancelled`, `task::id` and the like describe it.
    let _outside = crate::task::OutsideTask::enter();
    if handle.shared.current_thread().is_some() {
        // The current-thread flavor: this thread drives the runtime.
        return crate::scheduler::current_thread::block_on(&handle.shared, future);
    }
    let mut future = pin!(future);
    let mut drive = |(parker, waker): &(Parker, Waker)| {
        // With a pausable clock, this thread counts as busy while it polls
        // or has been woken, so the clock does not jump meanwhile.
        let activity = BlockOnActivity::new(&handle.shared, parker.unparker());
        let waker = activity.as_ref().map_or(waker, BlockOnActivity::waker);
        let mut cx = Context::from_waker(waker);
        loop {
            let poll = {
                let _budget = coop::Budget::reset();
                future.as_mut().poll(&mut cx)
            };
            if let Poll::Ready(out) = poll {
                return out;
            }
            match &activity {
                Some(activity) => activity.park(&handle.shared, parker),
                None => parker.park(),
            }
        }
    };
    // In a thread-local destructor that runs after `PARKER`'s, a parker of
    // its own.
    let mut run = Some(&mut drive);
    match PARKER.try_with(|parts| (run.take().expect("runs once"))(parts)) {
        Ok(out) => out,
        Err(_) => {
            let parker = Parker::new();
            let waker = Waker::from(Arc::new(ThreadWaker(parker.unparker())));
            (run.take().expect("not run yet"))(&(parker, waker))
        }
    }
}
