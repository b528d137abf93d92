//! Loom models of one timer's shared state (`timer.rs`) on the real time
//! driver: the fire (a thread advancing the paused clock, which fires what
//! is due under the wheel lock) against the owner's lock-free operations.
//!
//! * `fire_races_poll`: the owner polls a registered timer with a new
//!   waker while it fires. If that poll says `Pending`, the fire woke the
//!   new waker: no wake-up is lost.
//! * `fire_races_drop`: the owner drops a registered timer while it fires:
//!   no stale key is used (that would panic), the wheel ends empty and
//!   every waker reference is released (woken or dropped, once).
//! * `fire_races_push_back`: the owner moves the deadline later while the
//!   old one fires: the timer fires at the new deadline, never at the old
//!   one, whichever came first (a fire that wins leaves the timer to be
//!   filed again under the lock).
//!
//! Run with `scripts/loom.sh loom_timer`.

use super::{Driver, Key};
use crate::driver::Unpark;
use crate::loom::{model, AtomicUsize, Ordering};
use loom::thread;
use std::sync::Arc;
use std::task::{Poll, Wake, Waker};
use std::time::Duration;

/// The paused clock moves only when told: nobody waits in real time.
struct NoUnpark;

impl Unpark for NoUnpark {
    fn unpark(&self) {}
}

/// A waker that counts its wake-ups.
struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counter() -> (Arc<Count>, Waker) {
    let count = Arc::new(Count(AtomicUsize::new(0)));
    (count.clone(), Waker::from(count))
}

const MS: Duration = Duration::from_millis(1);

/// A paused-clock driver with one timer registered 1 ms from now, polled
/// once with `waker`.
fn registered(waker: &Waker) -> (Arc<Driver>, Option<Key>) {
    let time = Arc::new(Driver::new(true, Arc::new(NoUnpark)));
    let mut key = None;
    let (poll, _) = time.poll_sleep(&mut key, time.now() + MS, waker);
    assert!(poll.is_pending());
    assert!(key.is_some());
    (time, key)
}

/// A thread that moves the clock 1 ms on, firing what is due.
fn fire(time: &Arc<Driver>) -> thread::JoinHandle<()> {
    let time = time.clone();
    thread::spawn(move || time.advance(MS))
}

#[test]
fn fire_races_poll() {
    model(|| {
        let (first, first_waker) = counter();
        let (time, mut key) = registered(&first_waker);
        let deadline = time.now() + MS;
        let firing = fire(&time);
        let (second, second_waker) = counter();
        let (poll, _) = time.poll_sleep(&mut key, deadline, &second_waker);
        firing.join().unwrap();
        match poll {
            Poll::Ready(()) => assert!(key.is_none(), "a completed poll released the timer"),
            Poll::Pending => {
                assert_eq!(
                    second.0.load(Ordering::SeqCst),
                    1,
                    "a pending poll's waker was not woken by the fire"
                );
                assert_eq!(
                    first.0.load(Ordering::SeqCst),
                    0,
                    "a replaced waker was woken"
                );
                let (poll, _) = time.poll_sleep(&mut key, deadline, &second_waker);
                assert!(poll.is_ready(), "woken, but not ready");
            }
        }
        assert!(!time.has_timers());
    });
}

#[test]
fn fire_races_drop() {
    model(|| {
        let (count, waker) = counter();
        let (time, key) = registered(&waker);
        drop(waker);
        let firing = fire(&time);
        time.deregister(key.unwrap());
        firing.join().unwrap();
        assert!(!time.has_timers(), "the wheel kept a dropped timer");
        assert!(count.0.load(Ordering::SeqCst) <= 1);
        assert_eq!(Arc::strong_count(&count), 1, "a waker reference leaked");
    });
}

#[test]
fn fire_races_push_back() {
    model(|| {
        let (count, waker) = counter();
        let (time, key) = registered(&waker);
        let later = time.now() + 3 * MS;
        let firing = fire(&time);
        let (key, _) = time.reset(key.unwrap(), later);
        firing.join().unwrap();
        let mut key = key;
        // At 1 ms: not due, whoever won.
        let (poll, _) = time.poll_sleep(&mut key, later, &waker);
        assert!(poll.is_pending(), "fired at the old deadline");
        let woken = count.0.load(Ordering::SeqCst);
        // At 3 ms it fires, waking the last poll's waker.
        time.advance(2 * MS);
        assert_eq!(count.0.load(Ordering::SeqCst), woken + 1);
        let (poll, _) = time.poll_sleep(&mut key, later, &waker);
        assert!(poll.is_ready());
        assert!(!time.has_timers());
    });
}
