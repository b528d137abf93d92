//! Loom models of the parker (`scheduler::park`): the three-state
//! EMPTY / PARKED / NOTIFIED protocol behind every idle worker's sleep.
//!
//! What they prove, for every interleaving up to the preemption bound:
//!
//! * `unpark_then_park`: an `unpark` before `park` is remembered; `park`
//!   returns at once.
//! * `unpark_races_park`, `unpark_races_park_timeout`: an `unpark` from
//!   another thread at any point of `park` (before the first check, between
//!   it and taking the lock, between the lock and the wait, during the wait)
//!   wakes it: the parked thread never sleeps forever (loom reports a thread
//!   blocked for good as a deadlock). loom does not model time, so
//!   `park_timeout` is checked as a wait that only a notification ends.
//! * `park_loop_sees_unparkers_writes`: the park-until-condition loop a
//!   worker runs terminates, and the token orders what the unparker wrote
//!   before `unpark` before what the parked thread reads after `park`
//!   returns (the condition is read `Relaxed`, so only the parker's own
//!   synchronization can make it visible), across repeated park / unpark
//!   rounds, where stale tokens are left over.
//! * `two_unparkers`: two concurrent `unpark`s (one wakes, one leaves a
//!   token) leave the parker consistent, and a later park still returns
//!   once notified again.
//!
//! * `unpark_races_park_driver`: the same for a worker parked in the I/O
//!   poller (`park_driver`), with the plain thread parker
//!   (`driver::park_thread`) standing in for the poller: its wake-up
//!   signal stays set until a wait consumes it (as `mio::Waker`'s eventfd
//!   does). An `unpark` at any point either leaves a token that keeps the
//!   worker from waiting, or signals the driver, never neither.
//!
//! Run (the bound defaults to 2 when `LOOM_MAX_PREEMPTIONS` is unset):
//!
//! ```text
//! CARGO_TARGET_DIR=target/loom RUSTFLAGS="--cfg runtime_loom" LOOM_MAX_PREEMPTIONS=2 \
//!     cargo test -p runtime --release --lib loom_park
//! ```

use super::park::Parker;
use crate::driver::park_thread::ParkThread;
use crate::loom::model;
use loom::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use loom::sync::Arc;
use loom::thread;
use std::time::Duration;

#[test]
fn unpark_then_park() {
    model(|| {
        let parker = Parker::new();
        parker.unparker().unpark();
        parker.park();
        // The token was consumed: one more unpark, one more park.
        parker.unparker().unpark();
        parker.park();
    });
}

#[test]
fn unpark_races_park() {
    model(|| {
        let parker = Parker::new();
        let unparker = parker.unparker();
        let th = thread::spawn(move || unparker.unpark());
        parker.park();
        th.join().unwrap();
    });
}

#[test]
fn unpark_races_park_timeout() {
    model(|| {
        let parker = Parker::new();
        let unparker = parker.unparker();
        let th = thread::spawn(move || unparker.unpark());
        parker.park_timeout(Duration::from_millis(10));
        th.join().unwrap();
        // Whatever the interleaving, the parker is usable afterwards.
        parker.unparker().unpark();
        parker.park();
    });
}

#[test]
fn park_loop_sees_unparkers_writes() {
    model(|| {
        const ROUNDS: usize = 2;
        let parker = Parker::new();
        let unparker = parker.unparker();
        let progress = Arc::new(AtomicUsize::new(0));
        let th = {
            let progress = progress.clone();
            thread::spawn(move || {
                for round in 1..=ROUNDS {
                    // Relaxed on purpose: `unpark` must publish it.
                    progress.store(round, Relaxed);
                    unparker.unpark();
                }
            })
        };
        // A worker's loop: park until the condition holds. Each return
        // from `park` consumed a token, whose unpark preceded a store.
        let mut parks = 0;
        while progress.load(Relaxed) < ROUNDS {
            parker.park();
            parks += 1;
            assert!(parks <= ROUNDS, "park returned without a token");
        }
        th.join().unwrap();
    });
}

#[test]
fn two_unparkers() {
    model(|| {
        let parker = Parker::new();
        let a = {
            let unparker = parker.unparker();
            thread::spawn(move || unparker.unpark())
        };
        let b = {
            let unparker = parker.unparker();
            thread::spawn(move || unparker.unpark())
        };
        parker.park();
        a.join().unwrap();
        b.join().unwrap();
        // At most one token is left over; after a fresh unpark, park
        // returns (and never panics on an inconsistent state).
        parker.unparker().unpark();
        parker.park();
    });
}

#[test]
fn unpark_races_park_driver() {
    model(|| {
        let driver = std::sync::Arc::new(ParkThread::new());
        let parker = Parker::with_driver(Some(driver.clone()));
        let unparker = parker.unparker();
        let th = thread::spawn(move || unparker.unpark());
        // Returns whether it waited in the driver or found the token.
        let _ = parker.park_driver(|| driver.park(None));
        th.join().unwrap();
        // Consistent afterwards: a later unpark before park still works.
        parker.unparker().unpark();
        parker.park();
    });
}
