//! The runtime's list of live tasks, so shutdown can find every one of them,
//! including idle tasks that no queue holds.
//!
//! An intrusive doubly linked list through each task header's `links`,
//! split into shards (each behind its own lock, on its own cache line) by
//! task id, so spawns and completions on different workers rarely meet.
//! The list owns one reference to each task in it.

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

struct Shard {
    head: Option<NonNull<Header>>,
    len: usize,
    closed: bool,
}

// SAFETY: the raw pointers are task headers, which are `Send + Sync` by
// the task protocol; the list only follows them under the shard's lock.
unsafe impl Send for Shard {}

impl OwnedTasks {
    pub(crate) fn new(workers: usize) -> OwnedTasks {
        let n = (workers * 4).next_power_of_two().clamp(4, 256);
        OwnedTasks {
            shards: (0..n)
                .map(|_| {
                    CachePadded::new(Mutex::new(Shard {
                        head: None,
                        len: 0,
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
    pub(crate) fn insert(&self, task: ListedTask) -> Result<(), ListedTask> {
        let mut shard = self.shard(task.header()).lock();
        if shard.closed {
            return Err(task);
        }
        // The list owns the reference from here on (released by whoever
        // takes the task off the list: `remove` or `pop`).
        let raw = task.into_raw();
        let header = raw.header();
        let ptr = NonNull::from(header);
        header.links.with_mut(|links| {
            // SAFETY: the task is new (no other thread knows it yet) and we
            // hold the shard lock that guards all links in this shard.
            unsafe {
                (*links).prev = None;
                (*links).next = shard.head;
            }
        });
        if let Some(old) = shard.head {
            // SAFETY: `old` is in this shard (we hold its lock), so it is
            // alive: the list holds a reference to it.
            unsafe { old.as_ref() }
                .links
                .with_mut(|l| unsafe { (*l).prev = Some(ptr) });
        }
        shard.head = Some(ptr);
        shard.len += 1;
        Ok(())
    }

    /// Takes a completed task off the list. Returns true if it was on it;
    /// the list's reference is then the caller's to release.
    pub(crate) fn remove(&self, header: &Header) -> bool {
        let ptr = NonNull::from(header);
        let mut shard = self.shard(header).lock();
        // SAFETY: links of tasks in this shard are guarded by its lock; a
        // task never inserted has `prev == None` and is not the head.
        let (prev, next) = header.links.with(|l| unsafe { ((*l).prev, (*l).next) });
        if prev.is_none() && shard.head != Some(ptr) {
            return false;
        }
        unlink(&mut shard, header, prev, next);
        if shard.len == 0 && shard.closed {
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
            let mut cur = shard.head;
            while let Some(ptr) = cur {
                // SAFETY: in the list under its lock: alive.
                let header = unsafe { ptr.as_ref() };
                // SAFETY: the list's reference keeps it alive during `f`; it
                // is lent, not given (`ManuallyDrop`: not released here).
                let task =
                    ManuallyDrop::new(unsafe { ListedTask::from_raw(RawTask::from_raw(ptr)) });
                f(&task);
                // SAFETY: guarded by the shard lock we hold.
                cur = header.links.with(|l| unsafe { (*l).next });
            }
        }
    }

    /// Takes one task off the list, with the list's reference.
    pub(crate) fn pop(&self) -> Option<ListedTask> {
        for shard in self.shards.iter() {
            let mut shard = shard.lock();
            if let Some(ptr) = shard.head {
                // SAFETY: in the list under its lock: alive.
                let header = unsafe { ptr.as_ref() };
                // SAFETY: guarded by the shard lock we hold.
                let next = header.links.with(|l| unsafe { (*l).next });
                unlink(&mut shard, header, None, next);
                // SAFETY: we took over the list's reference.
                return Some(unsafe { ListedTask::from_raw(RawTask::from_raw(ptr)) });
            }
        }
        None
    }

    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().len).sum()
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

fn unlink(
    shard: &mut Shard,
    header: &Header,
    prev: Option<NonNull<Header>>,
    next: Option<NonNull<Header>>,
) {
    // SAFETY: (for every block in this function) the caller holds this
    // shard's lock, which guards the links of every task in it, and those
    // tasks are alive (the list holds a reference to each).
    match prev.map(|p| unsafe { p.as_ref() }) {
        // SAFETY: as above.
        Some(p) => p.links.with_mut(|l| unsafe { (*l).next = next }),
        None => shard.head = next,
    }
    if let Some(n) = next {
        // SAFETY: as above.
        let n = unsafe { n.as_ref() };
        // SAFETY: as above.
        n.links.with_mut(|l| unsafe { (*l).prev = prev });
    }
    // SAFETY: as above.
    header.links.with_mut(|l| unsafe {
        (*l).prev = None;
        (*l).next = None;
    });
    shard.len -= 1;
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
