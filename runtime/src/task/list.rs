//! The runtime's list of live tasks, so shutdown can find every one of them,
//! including idle tasks that no queue holds.
//!
//! A slab of task pointers per shard (each behind its own lock, on its own
//! cache line; a task's shard is chosen by its id), so spawns and
//! completions on different workers rarely meet. Each task remembers its
//! index in its shard (a 4-byte slot in the header instead of two link
//! pointers: see docs/ARCHITECTURE.md, "The task header"). The list owns
//! one reference to each task in it.

use super::raw::{Header, ListedTask, RawTask};
use crate::loom::{Condvar, Mutex, Ordering};
use crossbeam_utils::CachePadded;
use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::task::Waker;
use std::time::Instant;

pub(crate) struct OwnedTasks {
    shards: Box<[CachePadded<Mutex<Shard>>]>,
    mask: u64,
    /// Signalled when a shard becomes empty after `close`.
    emptied: Condvar,
    /// The lock of `emptied`; it holds the waker of an async wait for the
    /// same news (`wake_when_emptied`), woken with the condition variable.
    emptied_lock: Mutex<Option<Waker>>,
}

/// One shard: a slab of task pointers. A listed task's header holds its
/// index here (`Header::list_slot`); a vacant entry holds the index of the
/// next vacant one (a free list), so neither insert nor removal touches any
/// task but the one inserted or removed (except a removal that compacts a
/// sparse slab, `compact_if_sparse`, which rewrites the moved tasks'
/// slots).
struct Shard {
    entries: Vec<Entry>,
    /// The first vacant entry (`NO_ENTRY`: none).
    free: u32,
    /// Occupied entries.
    len: usize,
    /// Set by `close`: new tasks are refused; a deferred task whose first
    /// poll leaves it pending is still listed (`insert_pending`).
    closed: bool,
    /// Set by the shutdown's last pass (`pop` found the closed shard
    /// empty): every task is refused, since nothing would find it.
    sealed: bool,
}

/// A slab entry: a task header's address (8-aligned, so its low bit is
/// clear), or, for a vacant entry whose free-list successor is `next`, a
/// pointer without provenance whose address is `next << 1 | 1`.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Entry(*mut Header);

impl Entry {
    fn task(ptr: NonNull<Header>) -> Entry {
        Entry(ptr.as_ptr())
    }

    fn vacant(next: u32) -> Entry {
        Entry(std::ptr::without_provenance_mut(((next as usize) << 1) | 1))
    }

    /// The successor of a vacant entry; `None` for a task.
    fn next_vacant(self) -> Option<u32> {
        let addr = self.0.addr();
        (addr & 1 == 1).then_some((addr >> 1) as u32)
    }

    fn as_task(self) -> Option<NonNull<Header>> {
        if self.0.addr() & 1 == 1 {
            None
        } else {
            NonNull::new(self.0)
        }
    }
}

/// The `list_slot` of a task that is in no list (not inserted yet, or
/// removed).
pub(crate) const UNLISTED: u32 = u32::MAX;
/// The `list_slot` of a task whose list reference waits in the task itself
/// (`ListedTask::defer`): until the end of its first poll lists it if it
/// is still pending (`insert_pending`; the current-thread core may list
/// it before, `insert_deferred`), or its completion hands the reference
/// back unlisted (`release_deferred`).
pub(crate) const DEFERRED: u32 = u32::MAX - 1;
/// The free list's end, and the bound on a slab's entries: an index below
/// it, shifted left by one, fits a vacant entry's address (on 32-bit
/// targets too).
const NO_ENTRY: u32 = if usize::BITS > 32 {
    u32::MAX
} else {
    (usize::MAX >> 1) as u32
};

/// The most entries a slab may hold: an index below it is below
/// `NO_ENTRY` (a vacant entry can name it) and below `DEFERRED` and
/// `UNLISTED` (a slot holding it is an index).
const MAX_ENTRIES: u32 = if usize::BITS > 32 { DEFERRED } else { NO_ENTRY };

/// An emptied shard keeps its slab up to this capacity (32 KiB).
const MAX_KEPT_CAPACITY: usize = 4096;

/// A slab of at least this many entries is compacted once fewer than a
/// quarter of them hold tasks (`Shard::compact_if_sparse`).
const COMPACT_MIN_ENTRIES: usize = MAX_KEPT_CAPACITY;

const _: () = assert!(std::mem::align_of::<Header>() >= 2);

// SAFETY: the entries are task header pointers (or tagged indices), and
// tasks are `Send + Sync` by the task protocol; the list only follows them
// under the shard's lock.
unsafe impl Send for Shard {}

impl Shard {
    /// Marks entry `index` vacant and forgets the task there (whose
    /// `list_slot` the caller resets).
    fn vacate(&mut self, index: usize) {
        self.entries[index] = Entry::vacant(self.free);
        self.free = index as u32;
        self.len -= 1;
        if self.len == 0 {
            // Start over at index 0 (and give a large slab back: a burst of
            // tasks does not keep its memory for the runtime's life).
            if self.entries.capacity() > MAX_KEPT_CAPACITY {
                self.entries = Vec::new();
            } else {
                self.entries.clear();
            }
            self.free = NO_ENTRY;
        }
    }

    /// After a removal: if the slab is long (`COMPACT_MIN_ENTRIES`) and
    /// less than a quarter full, moves the tasks above index `len` into
    /// the vacant entries below it, cuts the slab to its tasks and gives
    /// back most of its memory, so a burst of tasks does not leave its peak
    /// allocated while a few of them live on.
    ///
    /// Amortized O(1) per removal: a spawner appends only while at most
    /// half the slab is vacant, so the slab was at least half full when it
    /// reached its length, and at least a quarter of that length in
    /// removals has happened since; the pass costs that length. But the
    /// one removal that triggers it pays the whole pass (a scan of the
    /// slab, a write to each moved task's header, a reallocation) with the
    /// shard's lock held: with a million tasks over 64 shards, about 15,600
    /// entries scanned and up to 3,900 headers written, while spawns and
    /// completions on that shard wait.
    fn compact_if_sparse(&mut self) {
        if self.entries.len() < COMPACT_MIN_ENTRIES || self.len * 4 >= self.entries.len() {
            return;
        }
        // As many tasks sit at `len..` as entries are vacant below `len`:
        // `lo` finds each of those in turn.
        let mut lo = 0;
        for hi in self.len..self.entries.len() {
            let Some(ptr) = self.entries[hi].as_task() else {
                continue;
            };
            while self.entries[lo].as_task().is_some() {
                lo += 1;
            }
            self.entries[lo] = self.entries[hi];
            // SAFETY: a task in the slab is alive (the list holds a
            // reference).
            let header = unsafe { ptr.as_ref() };
            // Relaxed: a task's slot is guarded by its shard's lock, which
            // the caller holds (`&mut self` is only reachable through the
            // lock's guard).
            header.list_slot.store(lo as u32, Ordering::Relaxed);
            lo += 1;
        }
        self.entries.truncate(self.len);
        self.entries.shrink_to(2 * self.len);
        self.free = NO_ENTRY;
    }

    /// Rebuilds the free list from the entries (after `pop` trimmed
    /// vacant entries off the end, which may have been on it).
    fn rebuild_free_list(&mut self) {
        self.free = NO_ENTRY;
        for index in (0..self.entries.len()).rev() {
            if self.entries[index].as_task().is_none() {
                self.entries[index] = Entry::vacant(self.free);
                self.free = index as u32;
            }
        }
    }
}

impl OwnedTasks {
    pub(crate) fn new(workers: usize) -> OwnedTasks {
        let n = (workers * 4).next_power_of_two().clamp(4, 256);
        OwnedTasks {
            shards: (0..n)
                .map(|_| {
                    CachePadded::new(Mutex::new(Shard {
                        entries: Vec::new(),
                        free: NO_ENTRY,
                        len: 0,
                        closed: false,
                        sealed: false,
                    }))
                })
                .collect(),
            mask: n as u64 - 1,
            emptied: Condvar::new(),
            emptied_lock: Mutex::new(None),
        }
    }

    fn shard(&self, header: &Header) -> &Mutex<Shard> {
        &self.shards[(header.id.as_u64() & self.mask) as usize]
    }

    /// Adds a new task, taking over its list reference. Hands the
    /// reference back if the list is closed (the runtime is shutting down).
    ///
    /// # Panics
    /// If one shard's slab would hold `u32::MAX - 1` entries (2^31 on a
    /// 32-bit target): billions of live tasks.
    pub(crate) fn insert(&self, task: ListedTask) -> Result<(), ListedTask> {
        self.insert_unless(task, true).map(|_closed| ())
    }

    /// `insert`, which refuses the task once the shard is sealed, or once
    /// it is closed if `refuse_closed`. Returns whether it was closed.
    fn insert_unless(&self, task: ListedTask, refuse_closed: bool) -> Result<bool, ListedTask> {
        let mut shard = self.shard(task.header()).lock();
        if shard.sealed || (shard.closed && refuse_closed) {
            return Err(task);
        }
        // Vacant entries are reused only once they are more than half of
        // the slab; until then the task goes at the end. The end's cache
        // line is this thread's from the previous insert, where a vacant
        // entry's was just written by the worker that removed its task (a
        // cache miss under the lock on every spawn, in a profile of
        // `spawn_many_remote_idle`).
        // After `close` the free list is stale (`pop` trims vacant entries
        // without rebuilding it): a late task goes at the end.
        let reuse = !shard.closed && shard.free != NO_ENTRY && shard.entries.len() > 2 * shard.len;
        assert!(
            reuse || shard.entries.len() < MAX_ENTRIES as usize,
            "more than u32::MAX - 2 (32-bit: 2^31 - 1) entries in one task-list shard"
        );
        // The list owns the reference from here on (released by whoever
        // takes the task off the list: `remove` or `pop`).
        let raw = task.into_raw();
        let header = raw.header();
        let entry = Entry::task(NonNull::from(header));
        let index = if reuse {
            let index = shard.free as usize;
            shard.free = shard.entries[index]
                .next_vacant()
                .expect("the free list leads to a vacant entry");
            shard.entries[index] = entry;
            index
        } else {
            shard.entries.push(entry);
            shard.entries.len() - 1
        };
        shard.len += 1;
        // Relaxed: a task's slot is guarded by its shard's lock, which we
        // hold.
        header.list_slot.store(index as u32, Ordering::Relaxed);
        Ok(shard.closed)
    }

    /// Lists a deferred task (`ListedTask::defer`) before its first poll
    /// (the current-thread core, as it takes the task out of its stealable
    /// queue); refused once the list is closed.
    ///
    /// # Safety
    /// `header`'s task is deferred (its slot is `DEFERRED`), the caller
    /// holds its only run-queue entry (so nobody else lists or completes
    /// it meanwhile), and the caller hands over the deferred reference.
    pub(crate) unsafe fn insert_deferred(&self, header: &Header) -> Result<(), ListedTask> {
        // SAFETY: the deferred reference, handed over by our caller.
        let task = unsafe { ListedTask::from_raw(RawTask::from_raw(NonNull::from(header))) };
        self.insert(task)
    }

    /// Lists a deferred task whose first poll has just left it pending.
    /// After `close` the task is listed still, so the shutdown finds it,
    /// and `Ok(true)` tells the caller to cancel it (the shutdown's
    /// cancellation of the listed tasks may have passed already); once the
    /// shutdown's last pass has been through the shard (`pop`), it is
    /// refused.
    ///
    /// # Safety
    /// `header`'s task is deferred, the caller holds RUNNING (so nobody
    /// else lists or completes it meanwhile), and hands over the deferred
    /// reference.
    pub(crate) unsafe fn insert_pending(&self, header: &Header) -> Result<bool, ListedTask> {
        // SAFETY: the deferred reference, handed over by our caller.
        let task = unsafe { ListedTask::from_raw(RawTask::from_raw(NonNull::from(header))) };
        self.insert_unless(task, false)
    }

    /// A completing task that was never listed (its list reference still
    /// deferred): marks it unlisted and returns true, the list's reference
    /// then being the caller's to release. False for any other task. No
    /// lock: a deferred slot is only read or written by the task's runner
    /// (`Notified::is_deferred`), which the completing caller is.
    pub(crate) fn release_deferred(&self, header: &Header) -> bool {
        // Relaxed: see above; a listed task's slot may be rewritten by a
        // compaction meanwhile, but never to or from `DEFERRED`.
        if header.list_slot.load(Ordering::Relaxed) != DEFERRED {
            return false;
        }
        header.list_slot.store(UNLISTED, Ordering::Relaxed);
        true
    }

    /// Wakes a shutdown waiting in `wait_empty` (a deferred task completed
    /// unlisted: its `also` may hold now).
    pub(crate) fn notify_emptied(&self) {
        let waker = {
            let mut waiter = self.emptied_lock.lock();
            self.emptied.notify_all();
            waiter.take()
        };
        // Out of the lock: a wake may run code that takes it again.
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Wakes `waker` at the next news for `wait_empty` (a shard emptied
    /// after `close`, `notify_emptied`): for a waiter that cannot block
    /// its thread on the condition variable, the current-thread runtime's
    /// grace period, whose thread must keep driving the tasks. One waker
    /// at a time; register, then look (as `wait_empty` does under its
    /// lock): news after the registration wakes it.
    pub(crate) fn wake_when_emptied(&self, waker: &Waker) {
        let mut waiter = self.emptied_lock.lock();
        match &mut *waiter {
            Some(w) if w.will_wake(waker) => {}
            w => *w = Some(waker.clone()),
        }
    }

    /// Takes a completed task off the list. Returns true if it was on it;
    /// the list's reference is then the caller's to release.
    pub(crate) fn remove(&self, header: &Header) -> bool {
        let entry = Entry::task(NonNull::from(header));
        let mut shard = self.shard(header).lock();
        // Relaxed: a task's slot is guarded by its shard's lock, which we
        // hold (a task never inserted holds `UNLISTED`, and one still
        // `DEFERRED` is not in the slab: the check below fails).
        let index = header.list_slot.load(Ordering::Relaxed) as usize;
        if shard.entries.get(index) != Some(&entry) {
            return false;
        }
        shard.vacate(index);
        // Relaxed: as above.
        header.list_slot.store(UNLISTED, Ordering::Relaxed);
        shard.compact_if_sparse();
        if shard.len == 0 && shard.closed {
            drop(shard);
            self.notify_emptied();
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
            for ptr in shard.entries.iter().filter_map(|e| e.as_task()) {
                // SAFETY: in the list under its lock: alive. The list's
                // reference keeps it alive during `f`; it is lent, not given
                // (`ManuallyDrop`: not released here).
                let task =
                    ManuallyDrop::new(unsafe { ListedTask::from_raw(RawTask::from_raw(ptr)) });
                f(&task);
            }
        }
    }

    /// Takes one task off the list, with the list's reference (at
    /// shutdown: each task is found once, from the end of its shard).
    /// After `close`, a shard found empty is sealed: it refuses every task
    /// from then on, so once this returns `None` no task can be listed
    /// where nobody would find it.
    pub(crate) fn pop(&self) -> Option<ListedTask> {
        for shard in self.shards.iter() {
            let mut shard = shard.lock();
            if shard.closed && shard.len == 0 {
                shard.sealed = true;
                continue;
            }
            let mut trimmed = false;
            while let Some(&last) = shard.entries.last() {
                let Some(ptr) = last.as_task() else {
                    shard.entries.pop();
                    trimmed = true;
                    continue;
                };
                let index = shard.entries.len() - 1;
                shard.vacate(index);
                if shard.len > 0 {
                    shard.entries.pop();
                    trimmed = true;
                }
                // Trimmed entries may have been on the free list; after
                // `close` nothing reads it again (`insert_unless` appends),
                // before it must be right.
                if trimmed && !shard.closed {
                    shard.rebuild_free_list();
                }
                // SAFETY: `ptr` was in this shard: alive. (Relaxed: its
                // slot is guarded by the lock we hold.)
                unsafe { ptr.as_ref() }
                    .list_slot
                    .store(UNLISTED, Ordering::Relaxed);
                // SAFETY: we took over the list's reference.
                return Some(unsafe { ListedTask::from_raw(RawTask::from_raw(ptr)) });
            }
        }
        None
    }

    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().len).sum()
    }

    /// After `close`: waits until every task has left the list and `also`
    /// holds (the scheduler's unstarted tasks: `Shared::wait_no_tasks`), or
    /// the deadline passes. Returns true if both hold.
    ///
    /// A task leaving the list wakes the wait (`remove`), as does a
    /// deferred one released unlisted (`notify_emptied`); it also looks
    /// again every `RECHECK`, since `also` reads statistics counters that
    /// no lock orders against the notifications.
    pub(crate) fn wait_empty(&self, deadline: Option<Instant>, also: impl Fn() -> bool) -> bool {
        /// The longest wait between two looks.
        const RECHECK: std::time::Duration = std::time::Duration::from_millis(10);
        // `also` first: it counts a task listed after the close (a first
        // poll that straddled it) as unstarted until the listing, and the
        // list then holds it, so no look misses it in between (the count's
        // Acquire pairs with the listing's Release, `Metrics::unstarted`).
        let done = || also() && self.len() == 0;
        let mut guard = self.emptied_lock.lock();
        loop {
            if done() {
                return true;
            }
            let now = Instant::now();
            if deadline.is_some_and(|d| now >= d) {
                return false;
            }
            let look = now + RECHECK;
            let until = deadline.map_or(look, |d| d.min(look));
            self.emptied.wait_until(&mut guard, until);
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

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;
    use crate::task::raw::{Notified, Schedule};
    use crate::task::{new_task, JoinHandle};
    use std::collections::HashSet;

    /// A scheduler that never runs anything (the tasks here are only
    /// listed, never polled).
    struct Idle;

    impl Schedule for Idle {
        fn schedule(&self, _: Notified) {}
        fn yield_now(&self, _: Notified) {}
        fn release(&self, _: &Header) -> bool {
            false
        }
    }

    /// A task the test keeps alive (its queue entry and handle) while the
    /// list holds its list reference.
    struct Task {
        header: NonNull<Header>,
        _entry: Notified,
        _handle: JoinHandle<()>,
    }

    fn task() -> (ListedTask, Task) {
        let (listed, entry, handle) = new_task(std::future::pending::<()>(), Idle);
        let header = NonNull::from(listed.header());
        (
            listed,
            Task {
                header,
                _entry: entry,
                _handle: handle,
            },
        )
    }

    fn insert(list: &OwnedTasks, live: &mut Vec<Task>, n: usize) {
        for _ in 0..n {
            let (listed, t) = task();
            assert!(list.insert(listed).is_ok(), "the open list refused a task");
            live.push(t);
        }
    }

    /// Removes `t` as a completing task does, releasing the list's
    /// reference.
    fn remove(list: &OwnedTasks, t: &Task) -> bool {
        // SAFETY: `t` keeps the task alive.
        let removed = list.remove(unsafe { t.header.as_ref() });
        if removed {
            // SAFETY: `remove` handed us the list's reference.
            drop(unsafe { ListedTask::from_raw(RawTask::from_raw(t.header)) });
        }
        removed
    }

    fn listed(list: &OwnedTasks) -> HashSet<NonNull<Header>> {
        let mut set = HashSet::new();
        list.for_each(|t| assert!(set.insert(NonNull::from(t.header())), "listed twice"));
        set
    }

    fn check(list: &OwnedTasks, live: &[Task]) {
        let expected: HashSet<_> = live.iter().map(|t| t.header).collect();
        assert_eq!(listed(list), expected);
        assert_eq!(list.len(), live.len());
    }

    /// Removes `count` tasks of `live`, picked by a xorshift from `seed`.
    fn remove_some(list: &OwnedTasks, live: &mut Vec<Task>, seed: &mut u64, count: usize) {
        for _ in 0..count {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            let t = live.swap_remove(*seed as usize % live.len());
            assert!(remove(list, &t), "a listed task was not found");
            assert!(!remove(list, &t), "a task was removed twice");
        }
    }

    #[test]
    fn a_task_never_listed_is_not_removed() {
        let list = OwnedTasks::new(1);
        let (listed, t) = task();
        assert!(!remove(&list, &t));
        let mut live = Vec::new();
        insert(&list, &mut live, 3);
        assert!(!remove(&list, &t), "found in a list it was never put in");
        drop(listed);
        for t in &live {
            assert!(remove(&list, t));
        }
    }

    #[test]
    fn tasks_come_and_go_in_any_order() {
        let list = OwnedTasks::new(1);
        let mut live = Vec::new();
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        insert(&list, &mut live, 200);
        check(&list, &live);
        // Most of them go (so the next inserts reuse vacant entries).
        remove_some(&list, &mut live, &mut seed, 150);
        check(&list, &live);
        insert(&list, &mut live, 120);
        check(&list, &live);
        // `pop` before `close` (trims vacant entries off the end and
        // rebuilds the free list), then inserts into what is left.
        for _ in 0..30 {
            let popped = list.pop().expect("the list is not empty");
            let header = NonNull::from(popped.header());
            let i = live
                .iter()
                .position(|t| t.header == header)
                .expect("a live task");
            let t = live.swap_remove(i);
            drop(popped);
            assert!(!remove(&list, &t), "a popped task was still listed");
        }
        check(&list, &live);
        remove_some(&list, &mut live, &mut seed, 60);
        insert(&list, &mut live, 100);
        check(&list, &live);
        // Shutdown: close, then pop everything.
        list.close();
        let (refused, _t) = task();
        assert!(list.insert(refused).is_err(), "the closed list took a task");
        remove_some(&list, &mut live, &mut seed, 40);
        let mut popped = HashSet::new();
        while let Some(t) = list.pop() {
            assert!(popped.insert(NonNull::from(t.header())), "popped twice");
        }
        let expected: HashSet<_> = live.iter().map(|t| t.header).collect();
        assert_eq!(popped, expected);
        assert_eq!(list.len(), 0);
        assert!(list.wait_empty(Some(Instant::now()), || true));
    }

    /// The longest slab of `list`'s shards and the most entries one
    /// reserves.
    fn slab_sizes(list: &OwnedTasks) -> (usize, usize) {
        list.shards.iter().fold((0, 0), |(len, cap), shard| {
            let shard = shard.lock();
            (
                len.max(shard.entries.len()),
                cap.max(shard.entries.capacity()),
            )
        })
    }

    #[test]
    fn a_burst_gives_its_slab_back() {
        // A burst of tasks, then most of them complete in scattered order
        // while some live on: the slabs must not keep the burst's length.
        let list = OwnedTasks::new(1);
        let shards = list.shards.len();
        let mut live = Vec::new();
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        insert(&list, &mut live, 40_000);
        let (peak, _) = slab_sizes(&list);
        assert!(peak >= 40_000 / shards, "the burst did not fill the slabs");
        remove_some(&list, &mut live, &mut seed, 39_900);
        check(&list, &live);
        let (len, cap) = slab_sizes(&list);
        assert!(
            len <= COMPACT_MIN_ENTRIES && cap <= 2 * COMPACT_MIN_ENTRIES,
            "100 tasks left in slabs of {len} entries ({cap} reserved) after a peak of {peak}"
        );
        // The moved tasks are found where they went: each is removed once,
        // and the list still takes new tasks and finds them.
        insert(&list, &mut live, 1_000);
        check(&list, &live);
        remove_some(&list, &mut live, &mut seed, 500);
        check(&list, &live);
        list.close();
        let mut popped = HashSet::new();
        while let Some(t) = list.pop() {
            assert!(popped.insert(NonNull::from(t.header())), "popped twice");
        }
        let expected: HashSet<_> = live.iter().map(|t| t.header).collect();
        assert_eq!(popped, expected);
    }

    #[test]
    fn an_emptied_shard_starts_over() {
        let list = OwnedTasks::new(1);
        let mut live = Vec::new();
        insert(&list, &mut live, 64);
        for t in live.drain(..) {
            assert!(remove(&list, &t));
        }
        for shard in list.shards.iter() {
            let shard = shard.lock();
            assert!(shard.entries.is_empty() && shard.free == NO_ENTRY);
        }
        insert(&list, &mut live, 8);
        check(&list, &live);
        for t in &live {
            assert!(remove(&list, t));
        }
    }

    /// Releases `t` as `Shared::release` does: handed back unlisted if
    /// still deferred, else taken off the list.
    fn release(list: &OwnedTasks, t: &Task) -> bool {
        // SAFETY: `t` keeps the task alive.
        if list.release_deferred(unsafe { t.header.as_ref() }) {
            // SAFETY: the deferred reference, now ours.
            drop(unsafe { ListedTask::from_raw(RawTask::from_raw(t.header)) });
            return true;
        }
        remove(list, t)
    }

    fn deferred() -> Task {
        let (listed_ref, t) = task();
        listed_ref.defer();
        t
    }

    /// A deferred task's list reference (`ListedTask::defer`): listed before
    /// its first poll by `insert_deferred` (refused once closed), or after
    /// it by `insert_pending` (taken after `close` too, until the
    /// shutdown's last pass seals the shard), or handed back once, unlisted,
    /// by `release_deferred`.
    #[test]
    fn a_deferred_reference_is_listed_or_handed_back_once() {
        let list = OwnedTasks::new(1);
        let t = deferred();
        assert!(listed(&list).is_empty(), "listed before its first poll");
        // SAFETY: `t` keeps the task alive; it is deferred and nobody else
        // lists it; its deferred reference goes to the list.
        assert!(unsafe { list.insert_deferred(t.header.as_ref()) }.is_ok());
        assert_eq!(listed(&list), HashSet::from([t.header]));
        assert!(release(&list, &t));
        assert!(!release(&list, &t), "removed twice");

        // Completed in its first poll: never listed, handed back once.
        let t = deferred();
        assert!(
            release(&list, &t),
            "the deferred reference was not handed back"
        );
        assert!(!release(&list, &t), "handed back twice");
        assert!(listed(&list).is_empty());

        // Pending after its first poll, before and after `close`, with
        // vacant entries (a stale free list after `close` must not be
        // followed).
        let mut live = Vec::new();
        insert(&list, &mut live, 8);
        for t in live.drain(2..6) {
            assert!(remove(&list, &t));
        }
        let early = deferred();
        // SAFETY: as above.
        let outcome = unsafe { list.insert_pending(early.header.as_ref()) };
        assert!(matches!(outcome, Ok(false)));
        list.close();
        let before = deferred();
        // SAFETY: as above.
        let refused = unsafe { list.insert_deferred(before.header.as_ref()) }
            .expect_err("a closed list took an unstarted task");
        refused.stay_deferred();
        let late = deferred();
        // SAFETY: as above.
        let Ok(closed) = (unsafe { list.insert_pending(late.header.as_ref()) }) else {
            panic!("a closed list refused a task that had started");
        };
        assert!(closed, "the caller was not told to cancel it");
        live.extend([early, late]);
        check(&list, &live);

        // The shutdown's last pass finds every listed task once, and seals
        // the list: nothing listed after it would be found.
        let mut popped = HashSet::new();
        while let Some(t) = list.pop() {
            assert!(popped.insert(NonNull::from(t.header())), "popped twice");
        }
        let expected: HashSet<_> = live.iter().map(|t| t.header).collect();
        assert_eq!(popped, expected);
        let sealed = deferred();
        // SAFETY: as above.
        let refused = unsafe { list.insert_pending(sealed.header.as_ref()) }
            .expect_err("a sealed list took a task");
        refused.stay_deferred();
        assert!(listed(&list).is_empty());
        assert!(release(&list, &sealed) && release(&list, &before));
        assert!(list.wait_empty(Some(Instant::now()), || true));
    }
}
