//! The wheel's timer records: a slab of entries addressed by index, and the
//! doubly linked lists (threaded through the entries by index) that hold
//! them in the wheel's slots.
//!
//! Indices instead of pointers keep the wheel free of `unsafe`: an entry
//! lives in the slab from `insert` until its owner (one `Sleep`) releases
//! it, and a [`Key`] carries a generation so that a stale key is caught
//! instead of silently touching an entry reused by another timer.

use std::task::Waker;

/// "No entry": the end of a list.
pub(super) const NIL: u32 = u32::MAX;

/// A registration in the wheel, owned by exactly one `Sleep`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Key {
    index: u32,
    generation: u32,
}

/// Where an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Place {
    /// On the slab's free list.
    Free,
    /// In `levels[level].slots[slot]`.
    Slot { level: u8, slot: u8 },
    /// Expired, in the wheel's pending list, waker not yet handed out.
    Pending,
    /// Its waker was handed out (or the runtime shut down); the entry stays
    /// allocated until its owner releases it, so the key stays valid.
    Fired,
}

pub(super) struct Entry {
    /// The tick the timer expires at.
    pub(super) when: u64,
    pub(super) waker: Option<Waker>,
    pub(super) prev: u32,
    /// The next entry of the list, or of the free list.
    pub(super) next: u32,
    pub(super) place: Place,
    generation: u32,
}

/// The entries, with a free list through the unused ones.
pub(super) struct Slab {
    entries: Vec<Entry>,
    free: u32,
    len: usize,
}

impl Slab {
    pub(super) fn new() -> Slab {
        Slab {
            entries: Vec::new(),
            free: NIL,
            len: 0,
        }
    }

    /// Entries allocated (registered and not yet released).
    #[cfg_attr(not(test), allow(dead_code))] // the tests' leak check
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Allocates an entry and returns its key and index. The entry is
    /// unlinked, and `Place::Free` until the caller places it.
    pub(super) fn alloc(&mut self, when: u64, waker: Waker) -> (Key, u32) {
        self.len += 1;
        if self.free != NIL {
            let index = self.free;
            let entry = &mut self.entries[index as usize];
            self.free = entry.next;
            entry.when = when;
            entry.waker = Some(waker);
            entry.prev = NIL;
            entry.next = NIL;
            let key = Key {
                index,
                generation: entry.generation,
            };
            return (key, index);
        }
        let index = u32::try_from(self.entries.len())
            .ok()
            .filter(|&i| i != NIL)
            .expect("more than 4 billion timers registered at once");
        self.entries.push(Entry {
            when,
            waker: Some(waker),
            prev: NIL,
            next: NIL,
            place: Place::Free,
            generation: 0,
        });
        let key = Key {
            index,
            generation: 0,
        };
        (key, index)
    }

    /// The index of `key`'s entry, checking that the key is current.
    ///
    /// # Panics
    ///
    /// On a stale key: a bug in the timer code, never a user error.
    pub(super) fn index_of(&self, key: Key) -> u32 {
        let entry = self.entries.get(key.index as usize);
        let live = entry.is_some_and(|e| e.generation == key.generation && e.place != Place::Free);
        assert!(live, "a timer key was used after its entry was released");
        key.index
    }

    /// Puts an unlinked entry back on the free list and returns its waker.
    pub(super) fn release(&mut self, index: u32) -> Option<Waker> {
        let free = self.free;
        let entry = &mut self.entries[index as usize];
        debug_assert!(
            entry.prev == NIL && entry.next == NIL,
            "released while linked"
        );
        entry.place = Place::Free;
        entry.generation = entry.generation.wrapping_add(1);
        entry.next = free;
        self.free = index;
        self.len -= 1;
        entry.waker.take()
    }

    pub(super) fn get(&self, index: u32) -> &Entry {
        &self.entries[index as usize]
    }

    pub(super) fn get_mut(&mut self, index: u32) -> &mut Entry {
        &mut self.entries[index as usize]
    }
}

/// A doubly linked list of entries.
#[derive(Debug, Clone, Copy)]
pub(super) struct List {
    head: u32,
    tail: u32,
}

impl List {
    pub(super) const EMPTY: List = List {
        head: NIL,
        tail: NIL,
    };

    pub(super) fn is_empty(&self) -> bool {
        self.head == NIL
    }

    pub(super) fn push_front(&mut self, slab: &mut Slab, index: u32) {
        let old_head = self.head;
        {
            let entry = slab.get_mut(index);
            entry.prev = NIL;
            entry.next = old_head;
        }
        if old_head == NIL {
            self.tail = index;
        } else {
            slab.get_mut(old_head).prev = index;
        }
        self.head = index;
    }

    /// Takes `index` out of this list (it must be in it).
    pub(super) fn unlink(&mut self, slab: &mut Slab, index: u32) {
        let (prev, next) = {
            let entry = slab.get_mut(index);
            let links = (entry.prev, entry.next);
            entry.prev = NIL;
            entry.next = NIL;
            links
        };
        if prev == NIL {
            debug_assert_eq!(self.head, index);
            self.head = next;
        } else {
            slab.get_mut(prev).next = next;
        }
        if next == NIL {
            debug_assert_eq!(self.tail, index);
            self.tail = prev;
        } else {
            slab.get_mut(next).prev = prev;
        }
    }

    pub(super) fn pop_back(&mut self, slab: &mut Slab) -> Option<u32> {
        if self.tail == NIL {
            return None;
        }
        let index = self.tail;
        self.unlink(slab, index);
        Some(index)
    }
}
