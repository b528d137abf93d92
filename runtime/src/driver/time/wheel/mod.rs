//! A hierarchical timing wheel: 6 levels of 64 slots (Tokio's shape, at a
//! finer tick), with O(1) insert and remove.
//!
//! Time is counted in *ticks* (quarter milliseconds since the driver
//! started; the wheel itself only sees tick numbers). A timer due at tick
//! `when` goes in the lowest level where `when` and the wheel's current
//! tick (`elapsed`) differ only in that level's digit (base 64): level 0
//! for timers due within the current block of 64 ticks (16 ms), level 1
//! within the current 4,096 ticks (~1 s), and so on. Level 5 spans 2^36
//! ticks (about 199 days);
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
//! its lock and feeds it ticks. It stores a payload per timer (the driver's
//! shared timer record; a waker in the tests) and hands it out when the
//! timer fires, releasing the entry. When an entry comes due, a callback
//! may instead move it to a later tick (a deadline that was pushed back
//! without the lock, see `driver::time::timer`): the entry is re-filed
//! under the same key.

mod entry;
mod level;
#[cfg(test)]
mod tests;

pub(crate) use entry::Key;

use entry::{List, Place, Slab};
use level::{Expiration, Level, NUM_LEVELS};

/// The furthest a timer can be from `elapsed` and still have a level of
/// its own; further deadlines share the top level's ring.
const MAX_DURATION: u64 = (1 << (6 * NUM_LEVELS)) - 1;

/// The timers of one runtime, each with its payload `T`.
pub(crate) struct Wheel<T> {
    /// The tick the wheel has been advanced to; every entry expires later.
    elapsed: u64,
    levels: Box<[Level; NUM_LEVELS]>,
    /// Expired entries not handed out yet.
    pending: List,
    slab: Slab<T>,
}

/// What [`Wheel::poll`]'s callback says of an expired entry.
pub(crate) enum Expired {
    /// Hand it out: it fired.
    Fire,
    /// Its deadline moved to this later tick: file it there.
    Refile(u64),
}

/// The level a timer due at `when` belongs to, seen from `elapsed`.
fn level_for(elapsed: u64, when: u64) -> usize {
    const SLOT_MASK: u64 = (1 << 6) - 1;
    // The highest bit where the two differ decides the level; the mask
    // keeps timers in the current block of 64 ticks on level 0.
    let mut masked = (elapsed ^ when) | SLOT_MASK;
    if masked >= MAX_DURATION {
        masked = MAX_DURATION - 1;
    }
    let significant = 63 - masked.leading_zeros() as usize;
    significant / 6
}

impl<T> Wheel<T> {
    pub(crate) fn new() -> Wheel<T> {
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

    /// Entries in the wheel: inserted, and neither fired nor removed yet.
    #[cfg_attr(not(test), allow(dead_code))] // the tests' leak check
    pub(crate) fn len(&self) -> usize {
        self.slab.len()
    }

    /// Registers a timer due at tick `when`. Gives the payload back if
    /// `when` is not after [`elapsed`](Wheel::elapsed): that timer is
    /// already due.
    pub(crate) fn insert(&mut self, when: u64, payload: T) -> Result<Key, T> {
        if when <= self.elapsed {
            return Err(payload);
        }
        let (key, index) = self.slab.alloc(when, payload);
        let level = level_for(self.elapsed, when);
        self.levels[level].add(&mut self.slab, index, when);
        Ok(key)
    }

    /// Unlinks the entry (wherever it is), releases it and returns its
    /// payload.
    ///
    /// # Panics
    ///
    /// If the entry has fired or was removed already (a stale key: a bug
    /// in the timer code, never a user error).
    pub(crate) fn remove(&mut self, key: Key) -> T {
        let index = self.slab.index_of(key);
        self.unlink(index);
        self.slab.release(index)
    }

    fn unlink(&mut self, index: u32) {
        match self.slab.get(index).place {
            Place::Slot { level, slot } => {
                self.levels[level as usize].remove(&mut self.slab, index, slot as usize);
            }
            Place::Pending => self.pending.unlink(&mut self.slab, index),
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

    /// Advances the wheel to tick `now` and hands out the payload of one
    /// expired timer, releasing its entry; `None` once nothing is due at
    /// `now`. Call it until it returns `None`. `expired` is asked about
    /// each expired entry first: it may move the entry to a tick after
    /// `now` instead ([`Expired::Refile`]; an earlier tick fires it).
    pub(crate) fn poll(&mut self, now: u64, mut expired: impl FnMut(&T) -> Expired) -> Option<T> {
        loop {
            if let Some(index) = self.pending.pop_back(&mut self.slab) {
                let entry = self.slab.get_mut(index);
                let payload = entry
                    .payload
                    .as_ref()
                    .expect("a live entry holds its payload");
                match expired(payload) {
                    Expired::Refile(when) if when > now => {
                        entry.when = when;
                        // `elapsed` <= `now` < `when`: the entry goes in a
                        // slot still ahead of the wheel.
                        let level = level_for(self.elapsed, when);
                        self.levels[level].add(&mut self.slab, index, when);
                        continue;
                    }
                    Expired::Fire | Expired::Refile(_) => return Some(self.slab.release(index)),
                }
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

    /// Releases every entry and returns their payloads (shutdown).
    pub(crate) fn fire_all(&mut self) -> Vec<T> {
        let mut fired = Vec::new();
        let mut fire = |slab: &mut Slab<T>, list: &mut List| {
            while let Some(index) = list.pop_back(slab) {
                fired.push(slab.release(index));
            }
        };
        fire(&mut self.slab, &mut self.pending);
        for level in self.levels.iter_mut() {
            for slot in 0..64 {
                let mut list = level.take_slot(slot);
                fire(&mut self.slab, &mut list);
            }
        }
        fired
    }
}
