//! Task-local values: [`task_local!`](crate::task_local), [`LocalKey`]
//! (asyncio's `contextvars`).
//!
//! A value is bound to a *future*, not to a task header: [`LocalKey::scope`]
//! wraps a future, and each poll of the wrapper moves the value into a
//! thread-local for the duration of the poll and back out afterwards. So
//! the value follows the future across worker threads, costs nothing to
//! tasks that do not use it, and nested scopes shadow outer ones.
//!
//! Unlike asyncio's `contextvars`, a spawned task does **not** inherit its
//! parent's values implicitly (a task starts from a bare future); carry them
//! explicitly with [`LocalKey::inherit`], which captures a clone of the
//! current value.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Declares task-local keys ([`LocalKey`]s): `static NAME: Type;`.
///
/// The value is set for the extent of a future with
/// [`LocalKey::scope`] (or a closure with [`LocalKey::sync_scope`]) and read
/// with [`LocalKey::with`], [`LocalKey::try_with`] or [`LocalKey::get`].
///
/// # Examples
///
/// ```
/// runtime::task_local! {
///     /// The id of the request being served.
///     static REQUEST_ID: u64;
/// }
///
/// async fn log(msg: &str) -> String {
///     REQUEST_ID.with(|id| format!("[req {id}] {msg}"))
/// }
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let line = REQUEST_ID.scope(42, async { log("hello").await }).await;
/// assert_eq!(line, "[req 42] hello");
/// assert!(REQUEST_ID.try_with(|_| ()).is_err()); // not set out here
/// # });
/// ```
#[macro_export]
macro_rules! task_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty; $($rest:tt)*) => {
        $crate::__task_local_inner!($(#[$attr])* $vis $name, $t);
        $crate::task_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty) => {
        $crate::__task_local_inner!($(#[$attr])* $vis $name, $t);
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __task_local_inner {
    ($(#[$attr:meta])* $vis:vis $name:ident, $t:ty) => {
        $(#[$attr])*
        $vis static $name: $crate::task::LocalKey<$t> = {
            ::std::thread_local! {
                static __KEY: ::std::cell::RefCell<::std::option::Option<$t>> =
                    const { ::std::cell::RefCell::new(::std::option::Option::None) };
            }
            $crate::task::LocalKey { inner: __KEY }
        };
    };
}

/// A task-local key, declared with [`task_local!`](crate::task_local)
/// (asyncio's `ContextVar`).
///
/// A value is bound to a *future*, not to a task: [`scope`](LocalKey::scope)
/// wraps a future, and each poll of the wrapper moves the value into a
/// thread-local for the duration of the poll and back out afterwards. So
/// the value follows the future across worker threads, costs nothing to
/// tasks that do not use it, and nested scopes shadow outer ones.
///
/// Unlike asyncio's `contextvars`, a spawned task does **not** inherit its
/// parent's values implicitly (a task starts from a bare future); carry them
/// explicitly with [`inherit`](LocalKey::inherit), which captures a clone of
/// the current value.
pub struct LocalKey<T: 'static> {
    #[doc(hidden)]
    pub inner: std::thread::LocalKey<RefCell<Option<T>>>,
}

/// Returned by [`LocalKey::try_with`] when the value is not available: not
/// set in the current scope, or being replaced right now (a `sync_scope`
/// called from inside `with`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AccessError(());

impl AccessError {
    /// True: the value is not set here (the only cause callers can act on).
    pub fn is_not_set(&self) -> bool {
        true
    }
}

impl fmt::Debug for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessError")
    }
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task-local value not set: wrap the future in `KEY.scope(value, future)`")
    }
}

impl std::error::Error for AccessError {}

impl<T: 'static> LocalKey<T> {
    /// Returns a future that runs `future` with this key set to `value`
    /// during each of its polls (and while it is dropped).
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::task_local! { static USER: String; }
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let greeting = USER
    ///     .scope("ada".to_string(), async {
    ///         runtime::task::yield_now().await; // may move to another worker
    ///         USER.with(|u| format!("hi {u}"))
    ///     })
    ///     .await;
    /// assert_eq!(greeting, "hi ada");
    /// # });
    /// ```
    pub fn scope<F: Future>(&'static self, value: T, future: F) -> TaskLocalFuture<T, F> {
        TaskLocalFuture {
            key: self,
            slot: Some(value),
            future: Some(future),
        }
    }

    /// Wraps `future` so that it sees this key's *current* value (a clone),
    /// or no value if none is set here: the explicit way to carry a value
    /// into a spawned task.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::task_local! { static TRACE: &'static str; }
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// TRACE
    ///     .scope("trace-7", async {
    ///         let child = runtime::spawn(TRACE.inherit(async { TRACE.get() }));
    ///         assert_eq!(child.await.unwrap(), "trace-7");
    ///     })
    ///     .await;
    /// # });
    /// ```
    pub fn inherit<F: Future>(&'static self, future: F) -> TaskLocalFuture<T, F>
    where
        T: Clone,
    {
        TaskLocalFuture {
            key: self,
            slot: self.try_with(T::clone).ok(),
            future: Some(future),
        }
    }

    /// Runs `f` with this key set to `value`.
    ///
    /// # Panics
    ///
    /// Panics if called from inside [`with`](LocalKey::with) on the same
    /// key (the value is borrowed); read the value, then set the new one.
    #[track_caller]
    pub fn sync_scope<F, R>(&'static self, value: T, f: F) -> R
    where
        F: FnOnce() -> R,
    {
        let mut slot = Some(value);
        let _guard = Swap::new(self, &mut slot);
        f()
    }

    /// Calls `f` with a reference to the current value.
    ///
    /// # Panics
    ///
    /// Panics if the value is not set (not inside [`scope`](LocalKey::scope)
    /// or [`sync_scope`](LocalKey::sync_scope)); use
    /// [`try_with`](LocalKey::try_with) where it may not be.
    #[track_caller]
    pub fn with<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&T) -> R,
    {
        match self.try_with(f) {
            Ok(r) => r,
            Err(_) => panic!(
                "task-local value of type `{}` accessed outside its scope: set it with \
                 `KEY.scope(value, future)` (or carry it into a spawned task with \
                 `KEY.inherit(future)`), or use `try_with`",
                std::any::type_name::<T>()
            ),
        }
    }

    /// Calls `f` with a reference to the current value, if it is set.
    ///
    /// # Errors
    ///
    /// [`AccessError`] if the value is not set here.
    pub fn try_with<F, R>(&'static self, f: F) -> Result<R, AccessError>
    where
        F: FnOnce(&T) -> R,
    {
        let borrowed = self.inner.try_with(|cell| {
            let value = cell.try_borrow().ok()?;
            // `f` runs with the value borrowed; a nested `scope` swap on this
            // key would fail its `borrow_mut` (documented on `sync_scope`).
            value.as_ref().map(f)
        });
        match borrowed {
            Ok(Some(r)) => Ok(r),
            _ => Err(AccessError(())),
        }
    }

    /// A clone of the current value.
    ///
    /// # Panics
    ///
    /// Panics if the value is not set; see [`with`](LocalKey::with).
    #[track_caller]
    pub fn get(&'static self) -> T
    where
        T: Clone,
    {
        self.with(T::clone)
    }
}

impl<T: 'static> fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalKey").finish_non_exhaustive()
    }
}

/// Swaps a slot's value into the key, and back when dropped (also on a
/// panic).
struct Swap<'a, T: 'static> {
    key: &'static LocalKey<T>,
    slot: &'a mut Option<T>,
}

impl<'a, T: 'static> Swap<'a, T> {
    #[track_caller]
    fn new(key: &'static LocalKey<T>, slot: &'a mut Option<T>) -> Swap<'a, T> {
        key.inner.with(|cell| {
            let mut current = cell.try_borrow_mut().expect(
                "a task-local scope was entered while its value was borrowed by `with`; \
                 finish the `with` call first",
            );
            std::mem::swap(&mut *current, slot);
        });
        Swap { key, slot }
    }
}

impl<T: 'static> Drop for Swap<'_, T> {
    fn drop(&mut self) {
        // The borrow cannot be held here: `with` borrows only within a call
        // that has returned by the time this scope ends.
        let _ = self.key.inner.try_with(|cell| {
            if let Ok(mut current) = cell.try_borrow_mut() {
                std::mem::swap(&mut *current, self.slot);
            }
        });
    }
}

/// Future returned by [`LocalKey::scope`] and [`LocalKey::inherit`].
#[must_use = "futures do nothing unless awaited"]
pub struct TaskLocalFuture<T: 'static, F> {
    key: &'static LocalKey<T>,
    /// The value while the future is not being polled.
    slot: Option<T>,
    /// Structurally pinned; `None` once dropped early in `Drop`.
    future: Option<F>,
}

impl<T: 'static, F: Future> Future for TaskLocalFuture<T, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned (only dropped in place);
        // `slot` and `key` are not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        let _swap = Swap::new(this.key, &mut this.slot);
        // SAFETY: as above.
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        future
            .as_pin_mut()
            .expect("TaskLocalFuture polled after it was dropped")
            .poll(cx)
    }
}

impl<T: 'static, F> Drop for TaskLocalFuture<T, F> {
    fn drop(&mut self) {
        // Drop the future with its value in scope, so its destructors (a
        // cancelled task's cleanup) can read it.
        if self.future.is_some() {
            if let Ok(Some(())) = self
                .key
                .inner
                .try_with(|cell| cell.try_borrow_mut().ok().map(drop))
            {
                let _swap = Swap::new(self.key, &mut self.slot);
                self.future = None;
            }
        }
    }
}

impl<T: 'static, F> fmt::Debug for TaskLocalFuture<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskLocalFuture").finish_non_exhaustive()
    }
}
