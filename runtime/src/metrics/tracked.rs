//! Per-task observability data, kept only while task tracking is on
//! ([`Builder::enable_task_dump`](crate::Builder::enable_task_dump) or
//! [`Builder::slow_poll_threshold`](crate::Builder::slow_poll_threshold)).
//!
//! With tracking off nothing here exists: tasks are spawned unwrapped, the
//! task allocation is exactly as large as without this module, and no clock
//! is read on the poll path.
//!
//! With tracking on, every task spawned on the workers is wrapped in a
//! [`Tracked`] future that shares a [`TaskInfo`] (spawn location, name,
//! time the last poll began) with a side table, the [`TaskRegistry`],
//! keyed by task id. The task dump reads the table; the wrapper reads the
//! clock once per poll (twice with a slow-poll threshold) and reports slow
//! polls. An entry is added before the task is first scheduled and removed
//! when the task completes (`Schedule::release`).
//!
//! Cost when on: one extra allocation (`TaskInfo`) and a lock of one table
//! shard per spawn and per completion; one or two clock readings and one
//! relaxed store per poll.

use super::slow_poll;
use super::worker::{nanos, Counter};
use crate::loom::Mutex;
use crate::task::Id;
use crossbeam_utils::CachePadded;
use std::collections::HashMap;
use std::future::Future;
use std::hash::{BuildHasherDefault, Hasher};
use std::panic::Location;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// What the runtime knows about one tracked task.
#[derive(Debug)]
pub(crate) struct TaskInfo {
    /// The task's id; set once, before the task is first scheduled (the
    /// run queue's hand-over orders it before any poll).
    id: AtomicU64,
    pub(crate) location: &'static Location<'static>,
    pub(crate) name: Option<Arc<str>>,
    /// When the last poll began, in nanoseconds since `epoch`, plus one;
    /// zero if never polled.
    last_poll: AtomicU64,
    /// Polls so far. Written only by the thread holding the task's RUNNING
    /// bit, so load + store loses nothing.
    polls: Counter,
    epoch: Instant,
    slow_poll: Option<Duration>,
}

impl TaskInfo {
    /// The task's id (zero only before registration).
    pub(crate) fn id(&self) -> u64 {
        // Relaxed: written before the task was scheduled; the queue's
        // hand-over (or the registry lock, for the dump) orders it.
        self.id.load(Relaxed)
    }

    /// How long ago the last poll began, if the task was polled.
    pub(crate) fn since_last_poll(&self) -> Option<Duration> {
        // Relaxed: a snapshot for display.
        let stamp = self.last_poll.load(Relaxed);
        let at = stamp.checked_sub(1)?;
        Some(Duration::from_nanos(
            nanos(self.epoch.elapsed()).saturating_sub(at),
        ))
    }

    /// Number of polls so far.
    pub(crate) fn polls(&self) -> u64 {
        self.polls.get()
    }
}

/// A spawned future, wrapped to record its polls.
///
/// `future` is structurally pinned: it is only ever reached through
/// `Pin<&mut Tracked<F>>` and never moved out; `Tracked` has no `Drop`.
pub(crate) struct Tracked<F> {
    future: F,
    info: Arc<TaskInfo>,
}

impl<F: Future> Future for Tracked<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned (see the type's docs): we
        // never move it, and `info` is not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        let info = &*this.info;
        let start = Instant::now();
        // Relaxed: a timestamp for display; nothing is read through it.
        info.last_poll
            .store(nanos(start.duration_since(info.epoch)) + 1, Relaxed);
        info.polls.incr();
        // SAFETY: structural pinning, as above.
        let out = unsafe { Pin::new_unchecked(&mut this.future) }.poll(cx);
        if let Some(threshold) = info.slow_poll {
            let took = start.elapsed();
            if took > threshold {
                slow_poll::report(info, took, threshold);
            }
        }
        out
    }
}

/// One shard of the registry: task id to its info.
type Shard = Mutex<HashMap<u64, Arc<TaskInfo>, BuildHasherDefault<IdHasher>>>;

/// Hashes a task id with one multiplication. Ids are sequential numbers
/// the runtime hands out, not attacker-chosen keys, so the table needs no
/// SipHash; the rotation brings the product's well-mixed high bits down
/// to the low bits the table indexes with (ids in one shard share their
/// low bits).
#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(32);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The side table of tracked tasks, sharded by id (each shard behind its
/// own lock, on its own cache line).
pub(crate) struct TaskRegistry {
    shards: Box<[CachePadded<Shard>]>,
    mask: u64,
    epoch: Instant,
    slow_poll: Option<Duration>,
}

impl TaskRegistry {
    pub(crate) fn new(workers: usize, slow_poll: Option<Duration>) -> TaskRegistry {
        let n = (workers * 4).next_power_of_two().clamp(4, 256);
        TaskRegistry {
            shards: (0..n)
                .map(|_| CachePadded::new(Mutex::new(HashMap::default())))
                .collect(),
            mask: n as u64 - 1,
            epoch: Instant::now(),
            slow_poll,
        }
    }

    fn shard(&self, id: u64) -> &Shard {
        &self.shards[(id & self.mask) as usize]
    }

    /// Wraps a future about to be spawned. Register the returned info under
    /// the task's id before scheduling the task.
    pub(crate) fn wrap<F>(
        &self,
        future: F,
        location: &'static Location<'static>,
        name: Option<&Arc<str>>,
    ) -> (Tracked<F>, Arc<TaskInfo>) {
        let info = Arc::new(TaskInfo {
            id: AtomicU64::new(0),
            location,
            name: name.cloned(),
            last_poll: AtomicU64::new(0),
            polls: Counter::default(),
            epoch: self.epoch,
            slow_poll: self.slow_poll,
        });
        (
            Tracked {
                future,
                info: info.clone(),
            },
            info,
        )
    }

    /// Adds a task; call before it is first scheduled.
    pub(crate) fn register(&self, id: Id, info: Arc<TaskInfo>) {
        // Relaxed: see `TaskInfo::id`.
        info.id.store(id.as_u64(), Relaxed);
        self.shard(id.as_u64()).lock().insert(id.as_u64(), info);
    }

    /// Drops a completed task's entry (if it has one).
    pub(crate) fn remove(&self, id: Id) {
        let removed = self.shard(id.as_u64()).lock().remove(&id.as_u64());
        drop(removed);
    }

    /// The entry of a live tracked task.
    pub(crate) fn get(&self, id: Id) -> Option<Arc<TaskInfo>> {
        self.shard(id.as_u64()).lock().get(&id.as_u64()).cloned()
    }

    /// Number of entries (the tests below, which loom builds leave out).
    #[cfg(all(test, not(runtime_loom)))]
    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().len()).sum()
    }
}

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;
    use std::task::Waker;

    #[test]
    fn tracked_future_records_polls_and_forwards_output() {
        let registry = TaskRegistry::new(1, None);
        let (mut fut, info) =
            registry.wrap(std::future::ready(7), Location::caller(), Some(&"t".into()));
        assert!(info.since_last_poll().is_none());
        let mut cx = Context::from_waker(Waker::noop());
        assert_eq!(Pin::new(&mut fut).poll(&mut cx), Poll::Ready(7));
        assert_eq!(info.polls(), 1);
        assert!(info.since_last_poll().is_some());
        assert_eq!(info.name.as_deref(), Some("t"));
        assert_eq!(info.location.file(), file!());
    }

    #[test]
    fn completed_tasks_leave_the_registry() {
        let rt = crate::Builder::new()
            .worker_threads(2)
            .enable_task_dump(true)
            .build()
            .unwrap();
        let registry = || rt.handle().shared.metrics().registry.as_ref().unwrap();
        let stuck = rt.spawn(std::future::pending::<()>());
        let done: Vec<_> = (0..20).map(|i| rt.spawn(async move { i })).collect();
        rt.block_on(async {
            for task in done {
                task.await.unwrap();
            }
        });
        // Completion leaves the table just after the handle is woken.
        let deadline = Instant::now() + Duration::from_secs(20);
        while registry().len() != 1 {
            assert!(Instant::now() < deadline, "{} entries", registry().len());
            std::thread::yield_now();
        }
        assert!(registry().get(stuck.id()).is_some());
        stuck.cancel();
        assert!(rt.block_on(stuck).unwrap_err().is_cancelled());
        let deadline = Instant::now() + Duration::from_secs(20);
        while registry().len() != 0 {
            assert!(Instant::now() < deadline, "{} entries", registry().len());
            std::thread::yield_now();
        }
    }

    #[test]
    fn registry_adds_finds_and_removes() {
        let registry = TaskRegistry::new(2, None);
        let id = Id::next();
        let (_fut, info) = registry.wrap(async {}, Location::caller(), None);
        registry.register(id, info);
        assert_eq!(registry.len(), 1);
        assert_eq!(registry.get(id).unwrap().id(), id.as_u64());
        registry.remove(id);
        assert_eq!(registry.len(), 0);
        assert!(registry.get(id).is_none());
    }
}
