//! Parking a thread until it is notified: the idle workers' sleep, and the
//! thread running `block_on`.
//!
//! This is where the driver stack plugs into the scheduler: the one worker
//! holding the stack waits in it (in the I/O driver's poller, for at most
//! what the time driver allows) instead of on the condition variable
//! (`park_driver`), and `unpark` interrupts that wait through the driver's
//! handle (`driver::Unpark`, the `mio::Waker`). The rest of the scheduler
//! only sees `park` / `unpark`.
//!
//! The protocol is the classic three-state parker: `unpark` before `park`
//! is remembered (a token), so a notification is never lost between a
//! worker's last check for work and its sleep.

use crate::driver::Unpark;
use crate::loom::{Arc, AtomicUsize, Condvar, Mutex, Ordering};
use std::time::Duration;

const EMPTY: usize = 0;
const PARKED: usize = 1;
const NOTIFIED: usize = 2;
/// Waiting in the reactor's poller rather than on the condition variable.
const PARKED_DRIVER: usize = 3;

struct Inner {
    state: AtomicUsize,
    lock: Mutex<()>,
    cvar: Condvar,
    /// How to interrupt a `park_driver` wait; `None` for parkers that never
    /// hold the reactor (`block_on`).
    driver: Option<Arc<dyn Unpark>>,
}

/// The sleeping side; one per parked thread.
pub(crate) struct Parker {
    inner: Arc<Inner>,
}

/// The waking side; clone it to whoever must wake the thread.
#[derive(Clone)]
pub(crate) struct Unparker {
    inner: Arc<Inner>,
}

impl Parker {
    pub(crate) fn new() -> Parker {
        Parker::with_driver(None)
    }

    /// A parker that may also wait in the I/O poller (a worker's), woken
    /// there through `driver`.
    pub(crate) fn with_driver(driver: Option<Arc<dyn Unpark>>) -> Parker {
        Parker {
            inner: Arc::new(Inner {
                state: AtomicUsize::new(EMPTY),
                lock: Mutex::new(()),
                cvar: Condvar::new(),
                driver,
            }),
        }
    }

    /// Parks by running `wait` (a wait in the reactor's poller, bounded by
    /// the timers' timeout), unless an `unpark` is pending. An `unpark`
    /// during `wait` interrupts it through the driver's handle (`driver::Unpark`).
    /// Returns `wait`'s result, or `None` if it did not run.
    pub(crate) fn park_driver<R>(&self, wait: impl FnOnce() -> R) -> Option<R> {
        let inner = &*self.inner;
        debug_assert!(inner.driver.is_some(), "park_driver without a driver waker");
        // SeqCst: as in `park_inner`; pairs with `unpark`'s swap.
        match inner
            .state
            .compare_exchange(EMPTY, PARKED_DRIVER, Ordering::SeqCst, Ordering::SeqCst)
        {
            Ok(_) => {}
            Err(NOTIFIED) => {
                inner.state.swap(EMPTY, Ordering::SeqCst);
                return None;
            }
            Err(actual) => panic!("inconsistent park state: {actual}"),
        }
        let out = wait();
        // Woken, timed out or events: either way, leave EMPTY (a token
        // that came meanwhile is consumed; the caller re-checks its state
        // as after `park_timeout`). SeqCst: pairs with `unpark`'s swap.
        inner.state.swap(EMPTY, Ordering::SeqCst);
        Some(out)
    }

    pub(crate) fn unparker(&self) -> Unparker {
        Unparker {
            inner: self.inner.clone(),
        }
    }

    /// Blocks until `unpark` is called (or was called since the last park).
    pub(crate) fn park(&self) {
        self.park_inner(None);
    }

    /// Like `park`, but returns after `timeout` at the latest.
    pub(crate) fn park_timeout(&self, timeout: Duration) {
        self.park_inner(Some(timeout));
    }

    fn park_inner(&self, timeout: Option<Duration>) {
        let inner = &*self.inner;
        // SeqCst on all state operations: pairs with `unpark`'s swap; the
        // token handed over here orders everything the unparker did before
        // (such as pushing a task) before what we do after.
        if inner
            .state
            .compare_exchange(NOTIFIED, EMPTY, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            return;
        }
        let mut guard = inner.lock.lock();
        match inner
            .state
            .compare_exchange(EMPTY, PARKED, Ordering::SeqCst, Ordering::SeqCst)
        {
            Ok(_) => {}
            Err(NOTIFIED) => {
                // Notified between the first check and taking the lock.
                inner.state.swap(EMPTY, Ordering::SeqCst);
                return;
            }
            Err(actual) => panic!("inconsistent park state: {actual}"),
        }
        loop {
            match timeout {
                None => inner.cvar.wait(&mut guard),
                Some(t) => {
                    let _ = inner.cvar.wait_for(&mut guard, t);
                    // Timed out or notified: either way, leave EMPTY.
                    inner.state.swap(EMPTY, Ordering::SeqCst);
                    return;
                }
            }
            if inner
                .state
                .compare_exchange(NOTIFIED, EMPTY, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
            {
                return;
            }
            // Spurious wake-up: wait again.
        }
    }
}

impl Unparker {
    /// Wakes the parked thread, or makes its next `park` return at once.
    pub(crate) fn unpark(&self) {
        let inner = &*self.inner;
        // SeqCst: pairs with the parker's compare-exchanges (see park).
        match inner.state.swap(NOTIFIED, Ordering::SeqCst) {
            EMPTY | NOTIFIED => {}
            PARKED => {
                // Take the lock so the notification cannot fall between the
                // parker's state change and its wait.
                drop(inner.lock.lock());
                inner.cvar.notify_one();
            }
            PARKED_DRIVER => {
                if let Some(driver) = &inner.driver {
                    driver.unpark();
                }
            }
            actual => panic!("inconsistent park state: {actual}"),
        }
    }
}
