//! Loom models of the driver stack's wake-up protocol: the time driver
//! over the plain thread parker, with no scheduler (the "scheduler" here
//! is the model's own code, doing what `scheduler::drivers` does).
//!
//! * `first_timer_wakes_the_waiting_holder`: a thread holding the stack
//!   waits in the parker through the time driver (`Driver::park`, which
//!   bounds the wait by the next timer), while another thread registers
//!   the first timer. Whatever the interleaving, the holder learns of the
//!   timer: either
//!   `before_park` sees it (and bounds the wait), or the registration
//!   finds nobody waiting for the timers (`Wake::NoDriver`) and the
//!   scheduler's nudge (here: an unpark of the stack) interrupts the wait.
//! * `earlier_timer_interrupts_the_wait`: the holder waits until a later
//!   timer (loom does not model time: that wait ends only when unparked)
//!   while another thread registers an earlier one: the registration
//!   interrupts the wait through the driver handle (`parked_until`), or
//!   `before_park` sees the earlier timer first.
//! * `unpark_before_wait_is_kept`: an unpark of the parker with nobody
//!   waiting makes the next wait return at once, and is consumed by it.
//!
//! A lost wake-up shows as loom's deadlock (the holder waiting for good).
//!
//! Run with `scripts/loom.sh loom_stack`.

use super::park_thread::ParkThread;
use super::time::{Driver as TimeDriver, Parked, Wake};
use super::Unpark;
use crate::loom::model;
use loom::thread;
use std::sync::Arc;
use std::task::Waker;
use std::time::Duration;

#[test]
fn first_timer_wakes_the_waiting_holder() {
    model(|| {
        let park = Arc::new(ParkThread::new());
        let time = Arc::new(TimeDriver::new(false, park.clone()));
        let holder = {
            let (park, time) = (park.clone(), time.clone());
            thread::spawn(move || loop {
                // The wait in the driver below (`Driver::park` wraps it):
                // returns whether the holder saw the timer as its timeout
                // (it would then wait that long, which loom, not modelling
                // time, cannot: the model ends there).
                let parked = time.park(
                    || false,
                    || true,
                    |timeout| match timeout {
                        Some(_) => true,
                        None => {
                            park.park(None);
                            false
                        }
                    },
                );
                match parked {
                    // The timer is an hour away: it cannot be due.
                    Parked::Due { .. } => unreachable!("a timer an hour away was due"),
                    Parked::Woke { out: true, .. } => break,
                    Parked::Woke { out: false, .. } => {
                        if time.has_timers() {
                            break;
                        }
                    }
                }
            })
        };
        let deadline = time.now() + Duration::from_secs(3600);
        let mut key = None;
        let (poll, wake) = time.poll_sleep(&mut key, deadline, Waker::noop());
        assert!(poll.is_pending());
        if wake == Wake::NoDriver {
            // The scheduler's nudge: unpark the announced holder.
            park.unpark();
        }
        holder.join().unwrap();
        if let Some(key) = key {
            time.deregister(key);
        }
    });
}

#[test]
fn unpark_before_wait_is_kept() {
    model(|| {
        let park = Arc::new(ParkThread::new());
        let th = {
            let park = park.clone();
            thread::spawn(move || park.unpark())
        };
        park.park(None);
        th.join().unwrap();
        // Consumed: after a fresh unpark, the next wait returns again.
        park.unpark();
        park.park(None);
    });
}

#[test]
fn earlier_timer_interrupts_the_wait() {
    model(|| {
        let park = Arc::new(ParkThread::new());
        let time = Arc::new(TimeDriver::new(false, park.clone()));
        let hour = Duration::from_secs(3600);
        let mut later = None;
        let (poll, _) = time.poll_sleep(&mut later, time.now() + 2 * hour, Waker::noop());
        assert!(poll.is_pending());
        let holder = {
            let (park, time) = (park.clone(), time.clone());
            thread::spawn(move || loop {
                let parked = time.park(
                    || false,
                    || true,
                    |timeout| match timeout {
                        // It sees the earlier timer: done.
                        Some(timeout) if timeout < hour + hour / 2 => true,
                        // The later one: loom's timed wait ends only when
                        // unparked.
                        timeout => {
                            park.park(timeout);
                            false
                        }
                    },
                );
                match parked {
                    Parked::Due { .. } => unreachable!("a timer an hour away was due"),
                    Parked::Woke { out: true, .. } => break,
                    Parked::Woke { out: false, .. } => {}
                }
            })
        };
        let mut earlier = None;
        let (poll, wake) = time.poll_sleep(&mut earlier, time.now() + hour, Waker::noop());
        assert!(poll.is_pending());
        if wake == Wake::NoDriver {
            // The scheduler's nudge (the holder is between two waits).
            park.unpark();
        }
        holder.join().unwrap();
        for key in [later, earlier].into_iter().flatten() {
            time.deregister(key);
        }
    });
}
