//! Unit tests of the timing wheel on its own: ticks in, wakers out (the
//! payload is a waker here).

use super::level::NUM_LEVELS;
use super::{Expired, Key, Wheel, MAX_DURATION};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::task::{Wake, Waker};

/// A waker that records its id in a shared log when woken.
struct Recorder {
    id: u64,
    log: Arc<Mutex<Vec<u64>>>,
}

impl Wake for Recorder {
    fn wake(self: Arc<Self>) {
        self.log.lock().unwrap().push(self.id);
    }
}

fn waker(id: u64, log: &Arc<Mutex<Vec<u64>>>) -> Waker {
    Waker::from(Arc::new(Recorder {
        id,
        log: log.clone(),
    }))
}

/// Polls the wheel at `now`, waking everything it hands out; returns how
/// many fired.
fn poll_all(wheel: &mut Wheel<Waker>, now: u64) -> usize {
    let mut n = 0;
    while let Some(w) = wheel.poll(now, |_| Expired::Fire) {
        w.wake();
        n += 1;
    }
    n
}

/// Drives the wheel the way the driver does, jumping from one expiration
/// to the next until it is empty or `until` is passed; returns, per fired
/// id, the tick at which it fired.
fn run_until(
    wheel: &mut Wheel<Waker>,
    log: &Arc<Mutex<Vec<u64>>>,
    until: u64,
) -> HashMap<u64, u64> {
    let mut fired_at = HashMap::new();
    while let Some(next) = wheel.next_expiration() {
        if next > until {
            break;
        }
        assert!(next >= wheel.elapsed(), "the wheel went backwards");
        poll_all(wheel, next);
        for id in log.lock().unwrap().drain(..) {
            assert!(
                fired_at.insert(id, next).is_none(),
                "timer {id} fired twice"
            );
        }
    }
    fired_at
}

/// Deadlines that land on every level, on level boundaries, and beyond the
/// top level's span.
fn interesting_deadlines() -> Vec<u64> {
    let mut whens = vec![1, 2, 63, 64, 65, 127, 128, 4095, 4096, 4097];
    for level in 1..NUM_LEVELS as u32 {
        let span = 64u64.pow(level);
        whens.extend([span - 1, span, span + 1, 3 * span + 7, 64 * span - 1]);
    }
    whens.extend([
        MAX_DURATION - 1,
        MAX_DURATION,
        MAX_DURATION + 1,
        MAX_DURATION + 12_345,
        3 * MAX_DURATION + 17,
        1 << 40,
    ]);
    whens.sort_unstable();
    whens.dedup();
    whens
}

#[test]
fn a_timer_on_every_level_fires_exactly_at_its_tick() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = Wheel::new();
    let whens = interesting_deadlines();
    for (id, &when) in whens.iter().enumerate() {
        wheel.insert(when, waker(id as u64, &log)).unwrap();
    }
    assert_eq!(wheel.len(), whens.len());
    let fired_at = run_until(&mut wheel, &log, u64::MAX);
    assert_eq!(fired_at.len(), whens.len());
    for (id, &when) in whens.iter().enumerate() {
        assert_eq!(fired_at[&(id as u64)], when, "timer due at {when}");
    }
    assert_eq!(wheel.next_expiration(), None);
}

#[test]
fn nothing_fires_before_its_tick() {
    for when in interesting_deadlines() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut wheel = Wheel::new();
        wheel.insert(when, waker(0, &log)).unwrap();
        // Walk up to one tick before, through every intermediate
        // expiration (cascades).
        let fired = run_until(&mut wheel, &log, when - 1);
        assert!(fired.is_empty(), "timer due at {when} fired early");
        assert_eq!(poll_all(&mut wheel, when - 1), 0);
        assert_eq!(poll_all(&mut wheel, when), 1, "timer due at {when}");
    }
}

#[test]
fn a_late_poll_fires_everything_due_at_once() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = Wheel::new();
    for (id, when) in [5, 70, 5000, 300_000].into_iter().enumerate() {
        wheel.insert(when, waker(id as u64, &log)).unwrap();
    }
    assert_eq!(poll_all(&mut wheel, 10_000), 3);
    assert_eq!(wheel.elapsed(), 10_000);
    assert_eq!(poll_all(&mut wheel, 299_999), 0);
    assert_eq!(poll_all(&mut wheel, 1_000_000), 1);
}

#[test]
fn next_expiration_never_passes_the_earliest_deadline() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = Wheel::new();
    assert_eq!(wheel.next_expiration(), None);
    wheel.insert(10_000, waker(0, &log)).unwrap();
    let first = wheel.next_expiration().unwrap();
    assert!(first <= 10_000 && first > 0);
    wheel.insert(3, waker(1, &log)).unwrap();
    assert_eq!(wheel.next_expiration(), Some(3));
}

#[test]
fn inserting_at_or_before_elapsed_is_refused() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = Wheel::new();
    assert!(wheel.insert(0, waker(0, &log)).is_err());
    poll_all(&mut wheel, 100);
    assert!(wheel.insert(100, waker(0, &log)).is_err());
    assert!(wheel.insert(99, waker(0, &log)).is_err());
    assert!(wheel.insert(101, waker(0, &log)).is_ok());
    assert_eq!(wheel.len(), 1);
}

#[test]
fn removed_timers_never_fire_on_any_level() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = Wheel::new();
    let whens = interesting_deadlines();
    let keys: Vec<Key> = whens
        .iter()
        .enumerate()
        .map(|(id, &when)| wheel.insert(when, waker(id as u64, &log)).unwrap())
        .collect();
    // Remove every other one, before anything moved.
    for key in keys.iter().step_by(2) {
        wheel.remove(*key);
    }
    let fired_at = run_until(&mut wheel, &log, u64::MAX);
    for (id, &when) in whens.iter().enumerate() {
        let id = id as u64;
        if id % 2 == 0 {
            assert!(!fired_at.contains_key(&id), "removed timer {when} fired");
        } else {
            assert_eq!(fired_at[&id], when);
        }
    }
    // The fired ones were released as they fired.
    assert_eq!(wheel.len(), 0);
}

#[test]
fn removal_after_a_cascade_and_from_the_pending_list() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = Wheel::new();
    let far = wheel.insert(100_000, waker(0, &log)).unwrap();
    let near = wheel.insert(100, waker(1, &log)).unwrap();
    let also_near = wheel.insert(100, waker(2, &log)).unwrap();
    // Cascade `far` down a level or two, without firing it.
    run_until(&mut wheel, &log, 99_000);
    assert_eq!(wheel.len(), 1);
    wheel.remove(far);
    assert_eq!(wheel.len(), 0);
    // Hand out one of the two due at 100: the other is left pending.
    let mut wheel2 = Wheel::new();
    let a = wheel2.insert(100, waker(3, &log)).unwrap();
    let b = wheel2.insert(100, waker(4, &log)).unwrap();
    wheel2
        .poll(100, |_| Expired::Fire)
        .expect("one is due")
        .wake();
    let pending = match log.lock().unwrap().pop() {
        Some(3) => b,
        Some(4) => a,
        other => panic!("woke {other:?}"),
    };
    assert_eq!(wheel2.len(), 1);
    wheel2.remove(pending);
    assert!(
        wheel2.poll(100, |_| Expired::Fire).is_none(),
        "the removed pending timer is gone"
    );
    assert_eq!(wheel2.len(), 0);
    // Clean up the first wheel too.
    let _ = (near, also_near);
    assert_eq!(
        run_until(&mut wheel, &log, u64::MAX).len(),
        0,
        "fired already"
    );
}

#[test]
fn keys_are_reused_but_stale_keys_are_caught() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = Wheel::new();
    let first = wheel.insert(50, waker(0, &log)).unwrap();
    wheel.remove(first);
    let second = wheel.insert(60, waker(1, &log)).unwrap();
    assert_ne!(first, second, "same slot, new generation");
    let stale = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| wheel.remove(first)));
    assert!(stale.is_err(), "a stale key must not touch the new entry");
    assert_eq!(wheel.len(), 1);
}

#[test]
fn a_fired_entrys_key_is_stale() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = Wheel::new();
    let key = wheel.insert(20, waker(1, &log)).unwrap();
    assert_eq!(poll_all(&mut wheel, 20), 1);
    let stale = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| wheel.remove(key)));
    assert!(stale.is_err(), "a fired entry was released");
}

#[test]
fn a_refiled_entry_fires_at_its_new_tick_under_the_same_key() {
    // The driver's "pushed back without the lock": when the entry's tick
    // comes, the callback moves it to a later one, on any level.
    let laters = [21, 63, 64, 100, 5_000, 300_000, MAX_DURATION + 5];
    for (i, later) in laters.into_iter().chain(laters).enumerate() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut wheel = Wheel::new();
        let key = wheel.insert(20, waker(7, &log)).unwrap();
        let mut asked = 0;
        let refile = |asked: &mut u32| {
            *asked += 1;
            if *asked == 1 {
                Expired::Refile(later)
            } else {
                Expired::Fire
            }
        };
        assert!(wheel.poll(20, |_| refile(&mut asked)).is_none());
        assert_eq!(asked, 1);
        assert_eq!(wheel.len(), 1, "still registered");
        // Nothing until `later`, through every cascade on the way.
        while let Some(next) = wheel.next_expiration().filter(|&n| n < later) {
            assert!(wheel.poll(next, |_| refile(&mut asked)).is_none());
        }
        assert_eq!(asked, 1, "asked again before {later}");
        if i >= laters.len() {
            // The key still names the entry: it can be removed.
            wheel.remove(key);
            assert_eq!(wheel.len(), 0);
            continue;
        }
        let fired = wheel.poll(later, |_| refile(&mut asked));
        fired.expect("fires at its new tick").wake();
        assert_eq!(*log.lock().unwrap(), vec![7]);
        assert_eq!(wheel.len(), 0);
    }
}

#[test]
fn a_refile_to_a_passed_tick_fires() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = Wheel::new();
    wheel.insert(20, waker(1, &log)).unwrap();
    // A callback asking for tick 25 while the wheel is polled at 30.
    let fired = wheel.poll(30, |_| Expired::Refile(25));
    assert!(fired.is_some());
    assert_eq!(wheel.len(), 0);
}

#[test]
fn fire_all_hands_out_every_waker() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = Wheel::new();
    let whens = interesting_deadlines();
    for (id, &when) in whens.iter().enumerate() {
        wheel.insert(when, waker(id as u64, &log)).unwrap();
    }
    let wakers = wheel.fire_all();
    assert_eq!(wakers.len(), whens.len());
    assert_eq!(wheel.next_expiration(), None);
    assert_eq!(wheel.len(), 0);
}

/// xorshift64*: deterministic pseudo-random numbers for the tests.
fn rng(seed: u64) -> impl FnMut() -> u64 {
    let mut x = seed | 1;
    move || {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[test]
fn many_random_timers_fire_in_order_and_exactly_on_time() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = Wheel::new();
    let mut next = rng(0x5EED);
    let mut expected = HashMap::new();
    let mut keys = Vec::new();
    let mut now = 0;
    // Insert in rounds while the wheel advances, so deadlines are measured
    // from many different `elapsed` values.
    for round in 0..20u64 {
        for i in 0..500u64 {
            let id = round * 1000 + i;
            let span = [64, 4096, 1 << 20, 1 << 30, 1 << 38][(next() % 5) as usize];
            let when = now + 1 + next() % span;
            keys.push((id, wheel.insert(when, waker(id, &log)).unwrap()));
            expected.insert(id, when);
        }
        // Remove a few.
        for _ in 0..50 {
            let (id, key) = keys.swap_remove((next() % keys.len() as u64) as usize);
            if expected.contains_key(&id) {
                wheel.remove(key);
                expected.remove(&id);
            }
        }
        now += next() % 100_000;
        for (id, at) in run_until(&mut wheel, &log, now) {
            assert_eq!(expected.remove(&id), Some(at), "timer {id}");
        }
    }
    for (id, at) in run_until(&mut wheel, &log, u64::MAX) {
        assert_eq!(expected.remove(&id), Some(at), "timer {id}");
    }
    assert!(expected.is_empty(), "{} timers never fired", expected.len());
}

#[test]
fn cost_per_tick_does_not_grow_with_the_number_of_timers() {
    // 100,000 timers an hour away: stepping the wheel one tick at a time
    // must not look at them (no scan): a few thousand polls stay cheap, and
    // nothing fires early.
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = Wheel::new();
    for id in 0..100_000 {
        wheel
            .insert(3_600_000 + id % 1000, waker(id, &log))
            .unwrap();
    }
    let start = std::time::Instant::now();
    for now in 1..=5_000 {
        assert_eq!(poll_all(&mut wheel, now), 0);
    }
    // Generous: a scan of 100,000 entries per tick would take seconds.
    assert!(start.elapsed() < std::time::Duration::from_secs(2));
    assert_eq!(run_until(&mut wheel, &log, u64::MAX).len(), 100_000);
}
