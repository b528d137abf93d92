//! The one place the runtime gets its synchronization primitives from.
//!
//! Normal builds use `std` atomics and `parking_lot` locks. Under
//! `RUSTFLAGS="--cfg runtime_loom"` the same names come from [loom], which explores
//! every interleaving of the concurrency protocols (task state, run queues,
//! parking) in the models under `src/**/loom_*.rs` (run them with
//! `scripts/loom.sh`). Code never imports `std::sync` directly for anything
//! a model needs to see; every thread-local of the runtime is declared with
//! `crate::loom::thread_local!`, and worker threads are started through
//! `crate::loom::thread`, so that a whole runtime can run in a model
//! (`scheduler/loom_pool.rs`).
//! (`Arc` stays `std`'s in both builds; see below.)
//!
//! The cfg is `runtime_loom`, not the customary `loom`: under `--cfg loom`
//! dependencies that carry their own loom support (event-listener, used by
//! the tests) switch to it and fail to build without their optional loom
//! dependency.
//!
//! [loom]: https://docs.rs/loom

#[cfg(not(runtime_loom))]
mod imp {
    pub(crate) use std::sync::atomic::{
        fence, AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering,
    };
    pub(crate) use std::sync::Arc;
    pub(crate) use std::thread;
    pub(crate) use std::thread_local;

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
    pub(crate) type MutexGuard<'a, T> = parking_lot::MutexGuard<'a, T>;
    pub(crate) type Condvar = parking_lot::Condvar;
}

#[cfg(runtime_loom)]
mod imp {
    pub(crate) use loom::cell::UnsafeCell;
    pub(crate) use loom::sync::atomic::{
        fence, AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering,
    };

    /// `std`'s `Arc`, not loom's: the scheduler has `self: &Arc<Self>`
    /// methods, and only `std`'s `Arc` may be a method receiver on stable
    /// Rust. No model checks `Arc`'s own reference counting; a model that
    /// wants loom's `Arc` leak check uses `loom::sync::Arc` directly.
    pub(crate) use std::sync::Arc;

    /// loom's threads: the worker threads of a runtime built in a model
    /// are loom threads (`thread::Builder` has `std`'s API).
    pub(crate) use loom::thread;

    /// loom's `thread_local!`, so each loom thread gets its own value
    /// (loom runs all model threads on one OS thread, where `std`'s thread
    /// locals would be shared). Also takes the `const { .. }` initializer
    /// form, which loom's macro does not parse, and several statics in one
    /// invocation.
    macro_rules! loom_thread_local {
        () => {};
        ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = const $init:block; $($rest:tt)*) => {
            loom::thread_local! { $(#[$attr])* $vis static $name: $t = $init; }
            $crate::loom::thread_local! { $($rest)* }
        };
        ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr; $($rest:tt)*) => {
            loom::thread_local! { $(#[$attr])* $vis static $name: $t = $init; }
            $crate::loom::thread_local! { $($rest)* }
        };
    }
    pub(crate) use loom_thread_local as thread_local;

    /// Runs a loom model (`src/**/loom_*.rs`): explores `f` with a
    /// preemption bound of 2 unless `LOOM_MAX_PREEMPTIONS` says otherwise,
    /// and prints how many executions it took.
    #[cfg(test)]
    pub(crate) fn model(f: impl Fn() + Sync + Send + 'static) {
        use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
        let mut builder = loom::model::Builder::new();
        if builder.preemption_bound.is_none() {
            builder.preemption_bound = Some(2);
        }
        let bound = builder.preemption_bound;
        let executions = std::sync::Arc::new(AtomicUsize::new(0));
        let count = executions.clone();
        let start = std::time::Instant::now();
        builder.check(move || {
            count.fetch_add(1, Relaxed);
            f();
        });
        println!(
            "{}: {} executions (preemption bound {:?}) in {:.2?}",
            std::thread::current().name().unwrap_or("model"),
            executions.load(Relaxed),
            bound,
            start.elapsed(),
        );
    }

    /// loom's mutex behind `parking_lot`'s API (no poisoning).
    #[derive(Debug)]
    pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

    /// The guard of [`Mutex`]. The `Option` lets [`Condvar::wait`] pass
    /// loom's guard by value and put the new one back; it is `None` only
    /// while a wait is in progress (or if the wait panicked, as loom's
    /// deadlock report does: the guard was then dropped inside loom's
    /// `wait`, so there is nothing left to drop).
    pub(crate) struct MutexGuard<'a, T>(Option<loom::sync::MutexGuard<'a, T>>);

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Self {
            Mutex(loom::sync::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            MutexGuard(Some(self.0.lock().unwrap()))
        }

        pub(crate) fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
            self.0.try_lock().ok().map(|g| MutexGuard(Some(g)))
        }
    }

    impl<T> std::ops::Deref for MutexGuard<'_, T> {
        type Target = T;
        fn deref(&self) -> &T {
            self.0.as_ref().expect("MutexGuard used during a wait")
        }
    }

    impl<T> std::ops::DerefMut for MutexGuard<'_, T> {
        fn deref_mut(&mut self) -> &mut T {
            self.0.as_mut().expect("MutexGuard used during a wait")
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
            // loom's wait takes the guard by value.
            let inner = guard.0.take().expect("MutexGuard used during a wait");
            guard.0 = Some(self.0.wait(inner).unwrap());
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
}

pub(crate) use imp::*;
