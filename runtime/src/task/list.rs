//! The runtime's list of live tasks, so shutdown can find every one of them,
//! including idle tasks that no queue holds.
//!
//! A vector of task pointers per shard (each behind its own lock, on its
//! own cache line; a task's shard is chosen by its id), so spawns and
//! completions on different workers rarely meet. Each task remembers its
//! index in its shard (a 4-byte slot in the header instead of two link
//! pointers: see docs/ARCHITECTURE.md, "The task header"). The list owns
//! one reference to each task in it.

use super::raw::{Header, ListedTask, RawTask};
use crate::loom::{Condvar, Mutex};
use crossbeam_utils::CachePadded;
use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::time::Instant;

pub(crate) struct OwnedTasks {
    shards: Box<[CachePadded<Mutex<Shard>>]>,
    mask: u64,
    /// Signalled when a shard becomes empty after `close`.
    emptied: Condvar,
    emptied_lock: Mutex<()>,
}

/// One shard: its tasks, densely packed. A listed task's header holds its
/// index here (`Header::list_slot`), so removal is a swap with the last
/// entry, and the moved task's index is rewritten.
struct Shard {
    tasks: Vec<NonNull<Header>>,
    closed: bool,
}

/// The `list_slot` of a task that is in no list (not inserted yet, or
/// removed).
pub(crate) const UNLISTED: u32 = u32::MAX;

/// A shard keeps at least this many entries' capacity when it shrinks.
const MIN_CAPACITY: usize = 256;

// SAFETY: the raw pointers are task headers, which are `Send + Sync` by
// the task protocol; the list only follows them under the shard's lock.
unsafe impl Send for Shard {}

impl Shard {
    /// Sets the `list_slot` of the task at `index` to `index`.
    fn relink(&self, index: usize) {
        // SAFETY: the entry is in this shard, whose lock the caller holds:
        // the task is alive (the list holds a reference) and its
        // `list_slot` is guarded by that lock.
        unsafe {
            let header = self.tasks[index].as_ref();
            header.list_slot.with_mut(|s| *s = index as u32);
        }
    }

    /// Takes the task at `index` out (the last entry takes its place).
    fn take(&mut self, index: usize) -> NonNull<Header> {
        let ptr = self.tasks.swap_remove(index);
        if index < self.tasks.len() {
            self.relink(index);
        }
        // SAFETY: `ptr` was in this shard (lock held, alive); its slot is
        // guarded by the lock.
        unsafe { ptr.as_ref() }
            .list_slot
            .with_mut(|s| unsafe { *s = UNLISTED });
        // A burst of tasks does not keep its memory for the runtime's life:
        // halve the capacity once three quarters of it are unused.
        let cap = self.tasks.capacity();
        if cap > MIN_CAPACITY && self.tasks.len() <= cap / 4 {
            self.tasks.shrink_to((cap / 2).max(MIN_CAPACITY));
        }
        ptr
    }
}

impl OwnedTasks {
    pub(crate) fn new(workers: usize) -> OwnedTasks {
        let n = (workers * 4).next_power_of_two().clamp(4, 256);
        OwnedTasks {
            shards: (0..n)
                .map(|_| {
                    CachePadded::new(Mutex::new(Shard {
                        tasks: Vec::new(),
                        closed: false,
                    }))
                })
                .collect(),
            mask: n as u64 - 1,
            emptied: Condvar::new(),
            emptied_lock: Mutex::new(()),
        }
    }

    fn shard(&self, header: &Header) -> &Mutex<Shard> {
        &self.shards[(header.id.as_u64() & self.mask) as usize]
    }

    /// Adds a new task, taking over its list reference. Hands the
    /// reference back if the list is closed (the runtime is shutting down).
    ///
    /// # Panics
    /// If one shard would hold `u32::MAX` tasks (about 240 GB of tasks).
    pub(crate) fn insert(&self, task: ListedTask) -> Result<(), ListedTask> {
        let mut shard = self.shard(task.header()).lock();
        if shard.closed {
            return Err(task);
        }
        let index = shard.tasks.len();
        assert!(
            index < UNLISTED as usize,
            "more than u32::MAX - 1 live tasks in one task-list shard"
        );
        // The list owns the reference from here on (released by whoever
        // takes the task off the list: `remove` or `pop`).
        let raw = task.into_raw();
        let header = raw.header();
        shard.tasks.push(NonNull::from(header));
        shard.relink(index);
        Ok(())
    }

    /// Takes a completed task off the list. Returns true if it was on it;
    /// the list's reference is then the caller's to release.
    pub(crate) fn remove(&self, header: &Header) -> bool {
        let ptr = NonNull::from(header);
        let mut shard = self.shard(header).lock();
        // SAFETY: a task's `list_slot` is guarded by its shard's lock,
        // which we hold (a task never inserted holds `UNLISTED`).
        let index = header.list_slot.with(|s| unsafe { *s }) as usize;
        if shard.tasks.get(index) != Some(&ptr) {
            return false;
        }
        shard.take(index);
        if shard.tasks.is_empty() && shard.closed {
            drop(shard);
            let _guard = self.emptied_lock.lock();
            self.emptied.notify_all();
        }
        true
    }

    /// Refuses all further inserts.
    pub(crate) fn close(&self) {
        for shard in self.shards.iter() {
            shard.lock().closed = true;
        }
    }

    /// Calls `f` on every task in the list (under its shard's lock, so `f`
    /// must not complete tasks or take list locks).
    pub(crate) fn for_each(&self, mut f: impl FnMut(&ListedTask)) {
        for shard in self.shards.iter() {
            let shard = shard.lock();
            for &ptr in &shard.tasks {
                // SAFETY: in the list under its lock: alive. The list's
                // reference keeps it alive during `f`; it is lent, not given
                // (`ManuallyDrop`: not released here).
                let task =
                    ManuallyDrop::new(unsafe { ListedTask::from_raw(RawTask::from_raw(ptr)) });
                f(&task);
            }
        }
    }

    /// Takes one task off the list, with the list's reference.
    pub(crate) fn pop(&self) -> Option<ListedTask> {
        for shard in self.shards.iter() {
            let mut shard = shard.lock();
            if let Some(last) = shard.tasks.len().checked_sub(1) {
                let ptr = shard.take(last);
                // SAFETY: we took over the list's reference.
                return Some(unsafe { ListedTask::from_raw(RawTask::from_raw(ptr)) });
            }
        }
        None
    }

    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().tasks.len()).sum()
    }

    /// After `close`: waits until every task has left the list or the
    /// deadline passes. Returns true if the list is empty.
    pub(crate) fn wait_empty(&self, deadline: Option<Instant>) -> bool {
        let mut guard = self.emptied_lock.lock();
        loop {
            if self.len() == 0 {
                return true;
            }
            match deadline {
                None => self.emptied.wait(&mut guard),
                Some(d) => {
                    if Instant::now() >= d || self.emptied.wait_until(&mut guard, d).timed_out() {
                        return self.len() == 0;
                    }
                }
            }
        }
    }
}

impl Drop for OwnedTasks {
    fn drop(&mut self) {
        debug_assert_eq!(
            self.len(),
            0,
            "the runtime shut down with tasks still listed"
        );
    }
}
