//! The run queues: crossbeam-deque's `Worker` (a worker's own FIFO queue)
//! and `Stealer` (the handle other workers steal through), and this
//! module's `Injector` (the shared queue for work from outside the
//! workers).
//!
//! crossbeam-deque is not instrumented for loom, so under `cfg(runtime_loom)` the
//! same API is provided by small mutex-protected queues. The models then
//! check the scheduler's own protocol (searching, parking, notification)
//! against a linearizable queue, which is what crossbeam-deque provides.
//! The injector is the same code in both builds.
//!
//! Why the injector is not crossbeam-deque's: crossbeam's `Injector` is a
//! list of 63-slot blocks, a 1,016-byte allocation per 63 pushes, freed by
//! the worker that drains the block. With tasks spawned from outside the
//! runtime, the spawning thread's `malloc` then carves its 80-byte task
//! allocations out of the freed 1,024-byte chunks, twelve at a time, and
//! each block leaves a 64-byte sliver that nothing reuses: about 1 byte of
//! resident memory per spawned task (issue 15; see docs/benchmarks.md).
//! This injector is one ring buffer behind a mutex (Tokio's injector is a
//! mutex-protected list too): a push allocates only when the buffer grows,
//! and the buffer is kept for the next burst, up to `RETAINED_CAPACITY`.

#[cfg(not(runtime_loom))]
pub(crate) use crossbeam_deque::{Steal, Stealer, Worker};

#[cfg(runtime_loom)]
pub(crate) use self::loom_queue::{Stealer, Worker};
#[cfg(runtime_loom)]
pub(crate) use crossbeam_deque::Steal;

use crate::loom::{AtomicUsize, Mutex, Ordering};
use std::collections::VecDeque;

/// The capacity (in entries) the injector keeps once it has drained: a
/// larger buffer, grown by a burst of remote spawns, is shrunk back to
/// this when the injector is found empty.
const RETAINED_CAPACITY: usize = 1024;

/// The most entries `steal_batch_with_limit_and_pop` moves besides the one
/// it returns (a worker asks for at most its local buffer's 64).
const MAX_BATCH: usize = 64;

/// The shared FIFO queue for tasks spawned or woken outside the workers.
pub(crate) struct Injector<T> {
    queue: Mutex<VecDeque<T>>,
    /// The queue's length, for readers outside the lock (`is_empty`,
    /// `len`). Written only under the lock.
    len: AtomicUsize,
}

impl<T> Injector<T> {
    pub(crate) fn new() -> Self {
        Injector {
            queue: Mutex::new(VecDeque::new()),
            len: AtomicUsize::new(0),
        }
    }

    /// Appends `t` at the back.
    pub(crate) fn push(&self, t: T) {
        let mut queue = self.queue.lock();
        queue.push_back(t);
        self.set_len(&queue);
    }

    /// True if the queue holds nothing (without taking the lock).
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of queued entries (without taking the lock; a snapshot).
    pub(crate) fn len(&self) -> usize {
        // SeqCst: pairs with the SeqCst store in `set_len`, as crossbeam's
        // injector's `is_empty` did with its push: a pusher stores the
        // length and then reads the idle state (`notify_parked`), the last
        // searcher writes the idle state and then reads the length
        // (`notify_if_work_pending`), so one of the two sees the other.
        self.len.load(Ordering::SeqCst)
    }

    /// Takes the entry at the front.
    pub(crate) fn steal(&self) -> Steal<T> {
        let mut queue = self.queue.lock();
        match queue.pop_front() {
            Some(t) => {
                self.after_take(&mut queue);
                Steal::Success(t)
            }
            None => Steal::Empty,
        }
    }

    /// Takes the entry at the front and moves up to `limit - 1` more (at
    /// most `MAX_BATCH`) into `dest`. The batch is copied out under the
    /// lock and pushed into `dest` after it, so pushers wait for a few
    /// moves, not for `dest`'s pushes.
    pub(crate) fn steal_batch_with_limit_and_pop(
        &self,
        dest: &Worker<T>,
        limit: usize,
    ) -> Steal<T> {
        let Some((first, batch)) = self.take_batch(limit) else {
            return Steal::Empty;
        };
        for t in batch.into_iter().map_while(|t| t) {
            dest.push(t);
        }
        Steal::Success(first)
    }

    /// Moves up to `limit` entries (at most `MAX_BATCH + 1`) from the front
    /// into `dest`, in queue order, as `steal_batch_with_limit_and_pop`
    /// does but keeping the first too. False if the queue was empty.
    pub(crate) fn steal_batch_with_limit(&self, dest: &Worker<T>, limit: usize) -> bool {
        let Some((first, batch)) = self.take_batch(limit) else {
            return false;
        };
        dest.push(first);
        for t in batch.into_iter().map_while(|t| t) {
            dest.push(t);
        }
        true
    }

    /// Under the lock: the front entry and up to `limit - 1` (at most
    /// `MAX_BATCH`) more, in order.
    #[allow(clippy::type_complexity)]
    fn take_batch(&self, limit: usize) -> Option<(T, [Option<T>; MAX_BATCH])> {
        let mut batch: [Option<T>; MAX_BATCH] = [const { None }; MAX_BATCH];
        let mut queue = self.queue.lock();
        let first = queue.pop_front()?;
        let n = queue.len().min(limit.saturating_sub(1)).min(MAX_BATCH);
        for (slot, t) in batch.iter_mut().zip(queue.drain(..n)) {
            *slot = Some(t);
        }
        self.after_take(&mut queue);
        Some((first, batch))
    }

    /// Publishes the length after a take, and gives back a buffer a burst
    /// grew once the queue is empty.
    fn after_take(&self, queue: &mut VecDeque<T>) {
        if queue.is_empty() && queue.capacity() > RETAINED_CAPACITY {
            queue.shrink_to(RETAINED_CAPACITY);
        }
        self.set_len(queue);
    }

    /// The buffer's capacity, in entries.
    #[cfg(all(test, not(runtime_loom)))]
    fn capacity(&self) -> usize {
        self.queue.lock().capacity()
    }

    fn set_len(&self, queue: &VecDeque<T>) {
        // SeqCst: pairs with the SeqCst load in `len` (see there).
        self.len.store(queue.len(), Ordering::SeqCst);
    }
}

#[cfg(runtime_loom)]
mod loom_queue {
    use super::Steal;
    use crate::loom::{Arc, Mutex};
    use std::collections::VecDeque;

    pub(crate) struct Worker<T>(Arc<Mutex<VecDeque<T>>>);
    pub(crate) struct Stealer<T>(Arc<Mutex<VecDeque<T>>>);

    impl<T> Worker<T> {
        pub(crate) fn new_fifo() -> Self {
            Worker(Arc::new(Mutex::new(VecDeque::new())))
        }
        pub(crate) fn push(&self, t: T) {
            self.0.lock().push_back(t);
        }
        pub(crate) fn pop(&self) -> Option<T> {
            self.0.lock().pop_front()
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.0.lock().is_empty()
        }
        pub(crate) fn len(&self) -> usize {
            self.0.lock().len()
        }
        pub(crate) fn stealer(&self) -> Stealer<T> {
            Stealer(self.0.clone())
        }
    }

    impl<T> Stealer<T> {
        pub(crate) fn is_empty(&self) -> bool {
            self.0.lock().is_empty()
        }
        pub(crate) fn len(&self) -> usize {
            self.0.lock().len()
        }
        pub(crate) fn steal_batch_and_pop(&self, dest: &Worker<T>) -> Steal<T> {
            let mut q = self.0.lock();
            let Some(first) = q.pop_front() else {
                return Steal::Empty;
            };
            let n = q.len() / 2;
            let batch: Vec<T> = q.drain(..n).collect();
            drop(q);
            dest.0.lock().extend(batch);
            Steal::Success(first)
        }
    }
}

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;
    use std::rc::Rc;

    /// Counts its drops in the shared cell.
    struct Counted(u32, Rc<std::cell::Cell<u32>>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.1.set(self.1.get() + 1);
        }
    }

    #[test]
    fn injector_is_fifo_and_tracks_len() {
        let injector = Injector::new();
        assert!(injector.is_empty());
        for i in 0..200 {
            injector.push(i);
        }
        assert_eq!(injector.len(), 200);
        for i in 0..200 {
            assert!(matches!(injector.steal(), Steal::Success(v) if v == i));
        }
        assert!(injector.is_empty());
        assert!(matches!(injector.steal(), Steal::Empty));
    }

    #[test]
    fn batch_returns_the_front_and_moves_at_most_limit_minus_one() {
        let injector = Injector::new();
        for i in 0..40 {
            injector.push(i);
        }
        let dest = Worker::new_fifo();
        assert!(matches!(
            injector.steal_batch_with_limit_and_pop(&dest, 10),
            Steal::Success(0)
        ));
        assert_eq!(dest.len(), 9);
        assert_eq!(injector.len(), 30);
        for i in 1..10 {
            assert_eq!(dest.pop(), Some(i));
        }
        // A limit larger than what is queued takes everything, in order.
        assert!(matches!(
            injector.steal_batch_with_limit_and_pop(&dest, 1000),
            Steal::Success(10)
        ));
        assert_eq!(dest.len(), 29);
        assert!(injector.is_empty());
        assert_eq!(dest.pop(), Some(11));
        let empty: Injector<i32> = Injector::new();
        assert!(matches!(
            empty.steal_batch_with_limit_and_pop(&dest, 5),
            Steal::Empty
        ));
        // At most `MAX_BATCH` move besides the one returned.
        for i in 0..200 {
            injector.push(i);
        }
        let dest = Worker::new_fifo();
        assert!(matches!(
            injector.steal_batch_with_limit_and_pop(&dest, 1000),
            Steal::Success(0)
        ));
        assert_eq!(dest.len(), MAX_BATCH);
        assert_eq!(injector.len(), 199 - MAX_BATCH);
        assert_eq!(dest.pop(), Some(1));
    }

    #[test]
    fn batch_without_pop_keeps_the_queue_order() {
        let injector = Injector::new();
        for i in 0..10 {
            injector.push(i);
        }
        let dest = Worker::new_fifo();
        dest.push(-1);
        assert!(injector.steal_batch_with_limit(&dest, 4));
        assert_eq!(injector.len(), 6);
        // Behind what `dest` held, the front of the injector, in order.
        for i in -1..4 {
            assert_eq!(dest.pop(), Some(i));
        }
        assert_eq!(dest.pop(), None);
        assert!(injector.steal_batch_with_limit(&dest, 1000));
        assert!(injector.is_empty());
        assert_eq!(dest.len(), 6);
        assert!(!injector.steal_batch_with_limit(&dest, 5));
    }

    #[test]
    fn a_drained_burst_gives_its_buffer_back() {
        let injector = Injector::new();
        for i in 0..RETAINED_CAPACITY * 8 {
            injector.push(i);
        }
        assert!(injector.capacity() >= RETAINED_CAPACITY * 8);
        while let Steal::Success(_) = injector.steal() {}
        assert!(injector.capacity() <= RETAINED_CAPACITY);
        // A small queue keeps its buffer for the next burst.
        injector.push(1);
        let kept = injector.capacity();
        assert!(matches!(injector.steal(), Steal::Success(1)));
        assert_eq!(injector.capacity(), kept);
    }

    #[test]
    fn every_entry_is_dropped_exactly_once() {
        let drops = Rc::new(std::cell::Cell::new(0));
        let injector = Injector::new();
        for i in 0..300 {
            injector.push(Counted(i, drops.clone()));
        }
        let dest = Worker::new_fifo();
        match injector.steal_batch_with_limit_and_pop(&dest, 50) {
            Steal::Success(first) => assert_eq!(first.0, 0),
            _ => panic!("the injector was not empty"),
        }
        assert_eq!(
            drops.get(),
            1,
            "the returned entry is dropped by the caller"
        );
        match injector.steal() {
            Steal::Success(next) => assert_eq!(next.0, 50),
            _ => panic!("the injector was not empty"),
        }
        assert_eq!(drops.get(), 2);
        drop(dest);
        assert_eq!(drops.get(), 51);
        drop(injector);
        assert_eq!(drops.get(), 300);
    }
}
