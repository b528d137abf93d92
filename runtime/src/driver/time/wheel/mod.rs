//! A hierarchical timing wheel: 6 levels of 64 slots at 1 ms resolution
//! (Tokio's shape), with O(1) insert and remove.
//!
//! Time is counted in *ticks* (milliseconds since the driver started).
//! A timer due at tick `when` goes in the lowest level where `when` and the
//! wheel's current tick (`elapsed`) differ only in that level's digit (base
//! 64): level 0 for timers due within the current 64 ms block, level 1
//! within the current 4 s block, and so on. Level 5 spans about 2.2 years;
//! timers further away than that go in level 5 too, whose slots then act as
//! a ring: such a timer is looked at once per rotation and put back until
//! it is near enough.
//!
//! Advancing the wheel visits only occupied slots (a 64-bit mask per level
//! finds the next one): when a slot of level `n > 0` comes due, its
//! entries *cascade*, each moving down to the level its deadline now
//! belongs to; when a slot of level 0 comes due, its entries expire. Each
//! entry thus moves at most once per level, so the cost of a timer is
//! bounded by the number of levels, never by the number of timers.
//!
//! The wheel knows nothing of clocks or threads: the driver holds it under
//! its lock and feeds it ticks.

mod entry;
mod level;
#[cfg(test)]
mod tests;

pub(crate) use entry::Key;

use entry::{List, Place, Slab};
use level::{Expiration, Level, NUM_LEVELS};
use std::task::Waker;

/// The furthest a timer can be from `elapsed` and still have a level of
/// its own; further deadlines share the top level's ring.
const MAX_DURATION: u64 = (1 << (6 * NUM_LEVELS)) - 1;

/// The timers of one runtime.
pub(crate) struct Wheel {
    /// The tick the wheel has been advanced to; every entry expires later.
    elapsed: u64,
    levels: Box<[Level; NUM_LEVELS]>,
    /// Expired entries whose wakers have not been handed out yet.
    pending: List,
    slab: Slab,
}

/// The level a timer due at `when` belongs to, seen from `elapsed`.
fn level_for(elapsed: u64, when: u64) -> usize {
    const SLOT_MASK: u64 = (1 << 6) - 1;
    // The highest bit where the two differ decides the level; the mask
    // keeps timers in the current 64 ms block on level 0.
    let mut masked = (elapsed ^ when) | SLOT_MASK;
    if masked >= MAX_DURATION {
        masked = MAX_DURATION - 1;
    }
    let significant = 63 - masked.leading_zeros() as usize;
    significant / 6
}

impl Wheel {
    pub(crate) fn new() -> Wheel {
        Wheel {
            elapsed: 0,
            levels: Box::new(std::array::from_fn(Level::new)),
            pending: List::EMPTY,
            slab: Slab::new(),
        }
    }

    /// The tick the wheel has been advanced to.
    pub(crate) fn elapsed(&self) -> u64 {
        self.elapsed
    }

    /// Entries allocated: registered and not yet released by their owner
    /// (fired ones included).
    #[cfg_attr(not(test), allow(dead_code))] // the tests' leak check
    pub(crate) fn len(&self) -> usize {
        self.slab.len()
    }

    /// Registers a timer due at tick `when`. Gives the waker back if `when`
    /// is not after [`elapsed`](Wheel::elapsed): that timer is already due.
    pub(crate) fn insert(&mut self, when: u64, waker: Waker) -> Result<Key, Waker> {
        if when <= self.elapsed {
            return Err(waker);
        }
        let (key, index) = self.slab.alloc(when, waker);
        let level = level_for(self.elapsed, when);
        self.levels[level].add(&mut self.slab, index, when);
        Ok(key)
    }

    /// Unlinks the entry (wherever it is) and releases it. Returns its
    /// waker unless it was already handed out.
    pub(crate) fn remove(&mut self, key: Key) -> Option<Waker> {
        let index = self.slab.index_of(key);
        self.unlink(index);
        self.slab.release(index)
    }

    /// True once the entry's waker was handed out by [`poll`](Wheel::poll)
    /// or [`fire_all`](Wheel::fire_all).
    pub(crate) fn is_fired(&self, key: Key) -> bool {
        let index = self.slab.index_of(key);
        self.slab.get(index).place == Place::Fired
    }

    /// Makes `waker` the one the entry wakes, unless it would wake the same
    /// task already (the common case: no clone).
    pub(crate) fn set_waker(&mut self, key: Key, waker: &Waker) {
        let index = self.slab.index_of(key);
        let slot = &mut self.slab.get_mut(index).waker;
        match slot {
            Some(old) if old.will_wake(waker) => {}
            _ => *slot = Some(waker.clone()),
        }
    }

    fn unlink(&mut self, index: u32) {
        match self.slab.get(index).place {
            Place::Slot { level, slot } => {
                self.levels[level as usize].remove(&mut self.slab, index, slot as usize);
            }
            Place::Pending => self.pending.unlink(&mut self.slab, index),
            Place::Fired => {}
            Place::Free => unreachable!("a free entry is never looked up"),
        }
    }

    /// The tick at which the wheel next has something to do (an entry to
    /// expire, or a slot to cascade), if it holds any timer.
    pub(crate) fn next_expiration(&self) -> Option<u64> {
        self.next_expiration_slot().map(|e| e.deadline)
    }

    fn next_expiration_slot(&self) -> Option<Expiration> {
        if !self.pending.is_empty() {
            return Some(Expiration {
                level: 0,
                slot: 0,
                deadline: self.elapsed,
            });
        }
        // Lower levels always come due before higher ones (their entries
        // lie within the current block of the level above).
        self.levels
            .iter()
            .find_map(|level| level.next_expiration(self.elapsed))
    }

    /// Advances the wheel to tick `now` and hands out the waker of one
    /// expired timer, marking it fired; `None` once nothing is due at
    /// `now`. Call it until it returns `None`.
    pub(crate) fn poll(&mut self, now: u64) -> Option<Waker> {
        loop {
            if let Some(index) = self.pending.pop_back(&mut self.slab) {
                let entry = self.slab.get_mut(index);
                entry.place = Place::Fired;
                return entry.waker.take();
            }
            match self.next_expiration_slot() {
                Some(expiration) if expiration.deadline <= now => {
                    self.process_expiration(expiration);
                    self.set_elapsed(expiration.deadline);
                }
                _ => {
                    self.set_elapsed(now);
                    return None;
                }
            }
        }
    }

    /// Empties a due slot: entries due by its deadline expire (into
    /// `pending`), the others cascade to a lower level.
    fn process_expiration(&mut self, expiration: Expiration) {
        let mut list = self.levels[expiration.level].take_slot(expiration.slot);
        while let Some(index) = list.pop_back(&mut self.slab) {
            let when = self.slab.get(index).when;
            if when <= expiration.deadline {
                self.pending.push_front(&mut self.slab, index);
                self.slab.get_mut(index).place = Place::Pending;
            } else {
                let level = level_for(expiration.deadline, when);
                self.levels[level].add(&mut self.slab, index, when);
            }
        }
    }

    fn set_elapsed(&mut self, when: u64) {
        if when > self.elapsed {
            self.elapsed = when;
        }
    }

    /// Marks every timer fired and returns their wakers (shutdown). The
    /// entries stay allocated until their owners release them.
    pub(crate) fn fire_all(&mut self) -> Vec<Waker> {
        let mut wakers = Vec::new();
        let mut fire = |slab: &mut Slab, list: &mut List| {
            while let Some(index) = list.pop_back(slab) {
                let entry = slab.get_mut(index);
                entry.place = Place::Fired;
                wakers.extend(entry.waker.take());
            }
        };
        fire(&mut self.slab, &mut self.pending);
        for level in self.levels.iter_mut() {
            for slot in 0..64 {
                let mut list = level.take_slot(slot);
                fire(&mut self.slab, &mut list);
            }
        }
        wakers
    }
}
