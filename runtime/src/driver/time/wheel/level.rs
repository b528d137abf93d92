//! One level of the timing wheel: 64 slots, each a list of entries, and a
//! bit per slot saying whether it holds any.
//!
//! Level `n`'s slots each span `64^n` ticks, so the level as a whole spans
//! `64^(n+1)`: level 0 has one slot per tick (250 µs), level 5 one slot
//! per `64^5` ticks (about 3.1 days) and spans about 199 days.

use super::entry::{List, Place, Slab};

/// Levels in the wheel.
pub(super) const NUM_LEVELS: usize = 6;

/// log2 of the slots per level.
const SLOT_BITS: usize = 6;

/// Slots per level.
const LEVEL_MULT: usize = 1 << SLOT_BITS;

/// What the wheel must process next: `levels[level].slots[slot]`, due at
/// tick `deadline`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Expiration {
    pub(super) level: usize,
    pub(super) slot: usize,
    pub(super) deadline: u64,
}

pub(super) struct Level {
    level: usize,
    /// Bit `i` is set when `slots[i]` is not empty.
    occupied: u64,
    slots: [List; LEVEL_MULT],
}

/// Ticks spanned by one slot of `level`.
pub(super) fn slot_range(level: usize) -> u64 {
    1 << (SLOT_BITS * level)
}

/// Ticks spanned by the whole of `level`.
pub(super) fn level_range(level: usize) -> u64 {
    1 << (SLOT_BITS * (level + 1))
}

/// The slot of `level` that a timer expiring at `when` goes in.
fn slot_for(when: u64, level: usize) -> usize {
    ((when >> (SLOT_BITS * level)) % LEVEL_MULT as u64) as usize
}

impl Level {
    pub(super) fn new(level: usize) -> Level {
        Level {
            level,
            occupied: 0,
            slots: [List::EMPTY; LEVEL_MULT],
        }
    }

    /// The first occupied slot at or after `now`, and the tick it is due
    /// at; `None` if the level is empty.
    pub(super) fn next_expiration(&self, now: u64) -> Option<Expiration> {
        if self.occupied == 0 {
            return None;
        }
        let slot_range = slot_range(self.level);
        let level_range = level_range(self.level);
        let now_slot = (now / slot_range) % LEVEL_MULT as u64;
        // Search from the current slot, wrapping around. On the top level,
        // the current slot itself can only hold timers a rotation or more
        // away (a nearer one would be on a lower level), so it comes last.
        let first = if self.level == NUM_LEVELS - 1 {
            (now_slot + 1) % LEVEL_MULT as u64
        } else {
            now_slot
        };
        // Rotate so that bit 0 is `first`: the lowest set bit is then the
        // next occupied slot.
        let occupied = self.occupied.rotate_right(first as u32);
        let slot = (occupied.trailing_zeros() as u64 + first) % LEVEL_MULT as u64;
        let level_start = now & !(level_range - 1);
        let mut deadline = level_start + slot * slot_range;
        if deadline <= now {
            // Only possible on the top level, whose slots are a ring for
            // timers further away than the wheel spans: the slot is in the
            // next rotation.
            debug_assert_eq!(self.level, NUM_LEVELS - 1);
            deadline += level_range;
        }
        Some(Expiration {
            level: self.level,
            slot: slot as usize,
            deadline,
        })
    }

    /// Links entry `index`, expiring at `when`, into its slot.
    pub(super) fn add<T>(&mut self, slab: &mut Slab<T>, index: u32, when: u64) {
        let slot = slot_for(when, self.level);
        self.slots[slot].push_front(slab, index);
        self.occupied |= 1 << slot;
        slab.get_mut(index).place = Place::Slot {
            level: self.level as u8,
            slot: slot as u8,
        };
    }

    /// Unlinks entry `index` from `slot` (where it is).
    pub(super) fn remove<T>(&mut self, slab: &mut Slab<T>, index: u32, slot: usize) {
        self.slots[slot].unlink(slab, index);
        if self.slots[slot].is_empty() {
            self.occupied &= !(1 << slot);
        }
    }

    /// Empties `slot`, returning its list.
    pub(super) fn take_slot(&mut self, slot: usize) -> List {
        self.occupied &= !(1 << slot);
        std::mem::replace(&mut self.slots[slot], List::EMPTY)
    }
}
