//! The run queues: crossbeam-deque's `Worker` (a worker's own FIFO queue),
//! `Stealer` (the handle other workers steal through) and `Injector` (the
//! shared queue for work from outside the workers).
//!
//! crossbeam-deque is not instrumented for loom, so under `cfg(runtime_loom)` the
//! same API is provided by small mutex-protected queues. The models then
//! check the scheduler's own protocol (searching, parking, notification)
//! against a linearizable queue, which is what crossbeam-deque provides.

#[cfg(not(runtime_loom))]
pub(crate) use crossbeam_deque::{Injector, Steal, Stealer, Worker};

#[cfg(runtime_loom)]
pub(crate) use self::loom_queue::{Injector, Stealer, Worker};
#[cfg(runtime_loom)]
pub(crate) use crossbeam_deque::Steal;

#[cfg(runtime_loom)]
mod loom_queue {
    use super::Steal;
    use crate::loom::{Arc, Mutex};
    use std::collections::VecDeque;

    pub(crate) struct Worker<T>(Arc<Mutex<VecDeque<T>>>);
    pub(crate) struct Stealer<T>(Arc<Mutex<VecDeque<T>>>);
    pub(crate) struct Injector<T>(Mutex<VecDeque<T>>);

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
        pub(crate) fn steal(&self) -> Steal<T> {
            match self.0.lock().pop_front() {
                Some(t) => Steal::Success(t),
                None => Steal::Empty,
            }
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

    impl<T> Injector<T> {
        pub(crate) fn new() -> Self {
            Injector(Mutex::new(VecDeque::new()))
        }
        pub(crate) fn push(&self, t: T) {
            self.0.lock().push_back(t);
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.0.lock().is_empty()
        }
        pub(crate) fn len(&self) -> usize {
            self.0.lock().len()
        }
        pub(crate) fn steal(&self) -> Steal<T> {
            match self.0.lock().pop_front() {
                Some(t) => Steal::Success(t),
                None => Steal::Empty,
            }
        }
        pub(crate) fn steal_batch_with_limit(&self, dest: &Worker<T>, limit: usize) -> Steal<()> {
            let mut q = self.0.lock();
            if q.is_empty() {
                return Steal::Empty;
            }
            let n = q.len().min(limit);
            let batch: Vec<T> = q.drain(..n).collect();
            drop(q);
            dest.0.lock().extend(batch);
            Steal::Success(())
        }
        pub(crate) fn steal_batch_with_limit_and_pop(
            &self,
            dest: &Worker<T>,
            limit: usize,
        ) -> Steal<T> {
            let mut q = self.0.lock();
            let Some(first) = q.pop_front() else {
                return Steal::Empty;
            };
            let n = q.len().min(limit - 1);
            let batch: Vec<T> = q.drain(..n).collect();
            drop(q);
            dest.0.lock().extend(batch);
            Steal::Success(first)
        }
        #[allow(dead_code)]
        pub(crate) fn steal_batch_and_pop(&self, dest: &Worker<T>) -> Steal<T> {
            let mut q = self.0.lock();
            let Some(first) = q.pop_front() else {
                return Steal::Empty;
            };
            let n = q.len().min(1);
            let batch: Vec<T> = q.drain(..n).collect();
            drop(q);
            dest.0.lock().extend(batch);
            Steal::Success(first)
        }
    }
}
