//! The one place the runtime gets its synchronization primitives from.
//!
//! Normal builds use `std` atomics and `parking_lot` locks. Under
//! `RUSTFLAGS="--cfg loom"` the same names come from [loom], which explores
//! every interleaving of the concurrency protocols (task state, run queues,
//! parking) in the models under `src/**/loom_*.rs`. Code never imports
//! `std::sync` directly for anything a model needs to see.
//!
//! [loom]: https://docs.rs/loom

#[cfg(not(loom))]
mod imp {
    pub(crate) use std::sync::atomic::{fence, AtomicBool, AtomicU64, AtomicUsize, Ordering};
    pub(crate) use std::sync::Arc;

    /// `std::cell::UnsafeCell` behind loom's closure-based API, so the
    /// same code compiles in both builds.
    #[derive(Debug)]
    pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        pub(crate) const fn new(value: T) -> Self {
            UnsafeCell(std::cell::UnsafeCell::new(value))
        }

        /// Runs `f` with a shared raw pointer to the value.
        pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        /// Runs `f` with a unique raw pointer to the value.
        pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }

    /// A mutex whose `lock` returns the guard directly (`parking_lot`).
    pub(crate) type Mutex<T> = parking_lot::Mutex<T>;
    pub(crate) type Condvar = parking_lot::Condvar;
}

#[cfg(loom)]
mod imp {
    pub(crate) use loom::cell::UnsafeCell;
    pub(crate) use loom::sync::atomic::{fence, AtomicBool, AtomicU64, AtomicUsize, Ordering};
    pub(crate) use loom::sync::Arc;

    /// loom's mutex behind `parking_lot`'s API (no poisoning).
    #[derive(Debug)]
    pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);
    pub(crate) type MutexGuard<'a, T> = loom::sync::MutexGuard<'a, T>;

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Self {
            Mutex(loom::sync::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            self.0.lock().unwrap()
        }
    }

    /// loom's condition variable behind `parking_lot`'s API.
    #[derive(Debug, Default)]
    pub(crate) struct Condvar(loom::sync::Condvar);

    impl Condvar {
        pub(crate) fn new() -> Self {
            Condvar(loom::sync::Condvar::new())
        }

        pub(crate) fn wait<T>(&self, guard: &mut MutexGuard<'_, T>) {
            // loom's wait takes the guard by value; swap it through a
            // temporary the way parking_lot does internally.
            replace_with(guard, |g| self.0.wait(g).unwrap());
        }

        /// loom does not model time: a timed wait is a wait that may end
        /// early, which every caller tolerates.
        pub(crate) fn wait_for<T>(
            &self,
            guard: &mut MutexGuard<'_, T>,
            _timeout: std::time::Duration,
        ) -> WaitTimeoutResult {
            self.wait(guard);
            WaitTimeoutResult(false)
        }

        pub(crate) fn wait_until<T>(
            &self,
            guard: &mut MutexGuard<'_, T>,
            _deadline: std::time::Instant,
        ) -> WaitTimeoutResult {
            self.wait(guard);
            WaitTimeoutResult(false)
        }

        pub(crate) fn notify_one(&self) -> bool {
            self.0.notify_one();
            true
        }

        pub(crate) fn notify_all(&self) -> usize {
            self.0.notify_all();
            0
        }
    }

    /// Whether a timed wait ran out (never, under loom).
    pub(crate) struct WaitTimeoutResult(bool);

    impl WaitTimeoutResult {
        pub(crate) fn timed_out(&self) -> bool {
            self.0
        }
    }

    fn replace_with<T>(slot: &mut T, f: impl FnOnce(T) -> T) {
        struct AbortOnUnwind;
        impl Drop for AbortOnUnwind {
            fn drop(&mut self) {
                std::process::abort();
            }
        }
        let bomb = AbortOnUnwind;
        // SAFETY: the value is read out and written back before anyone can
        // observe `slot`; if `f` unwinds in between, `bomb` aborts the
        // process, so the moved-out value is never dropped twice.
        unsafe {
            let old = std::ptr::read(slot);
            std::ptr::write(slot, f(old));
        }
        std::mem::forget(bomb);
    }
}

pub(crate) use imp::*;
