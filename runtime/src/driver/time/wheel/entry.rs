//! The wheel's timer records: a slab of entries addressed by index, and the
//! doubly linked lists (threaded through the entries by index) that hold
//! them in the wheel's slots.
//!
//! Indices instead of pointers keep the wheel free of `unsafe`: an entry
//! lives in the slab from `insert` until it fires or is removed, and a
//! [`Key`] carries a generation so that a stale key is caught instead of
//! silently touching an entry reused by another timer.

/// "No entry": the end of a list.
pub(super) const NIL: u32 = u32::MAX;

/// An entry in the wheel: valid from `insert` until the entry fires or is
/// removed.
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
    /// Expired, in the wheel's pending list, not yet handed out.
    Pending,
}

pub(super) struct Entry<T> {
    /// The tick the timer expires at.
    pub(super) when: u64,
    /// What the wheel hands out when the entry fires (`None` while free).
    pub(super) payload: Option<T>,
    pub(super) prev: u32,
    /// The next entry of the list, or of the free list.
    pub(super) next: u32,
    pub(super) place: Place,
    generation: u32,
}

/// The entries, with a free list through the unused ones.
pub(super) struct Slab<T> {
    entries: Vec<Entry<T>>,
    free: u32,
    len: usize,
}

impl<T> Slab<T> {
    pub(super) fn new() -> Slab<T> {
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
    pub(super) fn alloc(&mut self, when: u64, payload: T) -> (Key, u32) {
        self.len += 1;
        if self.free != NIL {
            let index = self.free;
            let entry = &mut self.entries[index as usize];
            self.free = entry.next;
            entry.when = when;
            entry.payload = Some(payload);
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
            payload: Some(payload),
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

    /// Puts an unlinked entry back on the free list and returns its
    /// payload.
    pub(super) fn release(&mut self, index: u32) -> T {
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
        entry
            .payload
            .take()
            .expect("a live entry holds its payload")
    }

    pub(super) fn get(&self, index: u32) -> &Entry<T> {
        &self.entries[index as usize]
    }

    pub(super) fn get_mut(&mut self, index: u32) -> &mut Entry<T> {
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

    pub(super) fn push_front<T>(&mut self, slab: &mut Slab<T>, index: u32) {
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
    pub(super) fn unlink<T>(&mut self, slab: &mut Slab<T>, index: u32) {
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

    pub(super) fn pop_back<T>(&mut self, slab: &mut Slab<T>) -> Option<u32> {
        if self.tail == NIL {
            return None;
        }
        let index = self.tail;
        self.unlink(slab, index);
        Some(index)
    }
}
