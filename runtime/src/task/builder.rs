//! `task::Builder`: spawn a task with a name, and `task::name()`.
//!
//! A name costs nothing for unnamed tasks: it is not in the task header.
//! A named task's future is wrapped in `Named`, which puts the name in a
//! thread-local while the future is polled (for [`name`]) and, if the
//! future panics, attaches the name to the panic so the task's
//! [`JoinError`](super::JoinError) shows it.

use super::JoinHandle;
use crate::Handle;
use std::any::Any;
use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::ptr;
use std::sync::Arc;
use std::task::{Context, Poll};

/// Spawns tasks with options: for now, a name.
///
/// The name appears in the [`JoinError`](super::JoinError) of a task that
/// panics (`task 7 ("fetch-user") panicked with message "..."`), and inside
/// the task through [`task::name()`](name).
///
/// Spawning returns the [`JoinHandle`] directly, not an `io::Result`: a
/// spawn cannot fail here (on a runtime that is shutting down, the task
/// completes at once as cancelled, as with [`runtime::spawn`](crate::spawn)).
///
/// # Examples
///
/// ```
/// use runtime::task;
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let handle = task::Builder::new()
///     .name("fetch-user")
///     .spawn(async { task::name().unwrap().to_string() });
/// assert_eq!(handle.await.unwrap(), "fetch-user");
///
/// let failing = task::Builder::new()
///     .name("parser")
///     .spawn(async { panic!("bad input") });
/// let err = failing.await.unwrap_err();
/// assert_eq!(err.name(), Some("parser"));
/// assert!(err.to_string().contains("(\"parser\") panicked"));
/// # });
/// ```
#[derive(Debug, Default, Clone)]
#[must_use = "a Builder does nothing until you call spawn"]
pub struct Builder {
    name: Option<Arc<str>>,
}

impl Builder {
    /// A builder with no options set.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Names the task.
    pub fn name(mut self, name: impl Into<Arc<str>>) -> Builder {
        self.name = Some(name.into());
        self
    }

    /// Spawns `future` on the current runtime; see
    /// [`runtime::spawn`](crate::spawn).
    ///
    /// # Panics
    ///
    /// Panics outside a runtime; use [`spawn_on`](Builder::spawn_on) there.
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match self.name {
            // The name also goes to the task dump and slow-poll reports.
            Some(name) => crate::spawn_named(
                Named {
                    name: name.clone(),
                    future,
                },
                Some(&name),
            ),
            None => crate::spawn(future),
        }
    }

    /// Spawns `future` on `handle`'s runtime.
    #[track_caller]
    pub fn spawn_on<F>(self, future: F, handle: &Handle) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match self.name {
            Some(name) => handle.spawn_named(
                Named {
                    name: name.clone(),
                    future,
                },
                Some(&name),
            ),
            None => handle.spawn(future),
        }
    }

    /// Spawns a `!Send` future on this thread's local task set; see
    /// [`task::spawn_local`](crate::task::spawn_local).
    ///
    /// # Panics
    ///
    /// As [`task::spawn_local`](crate::task::spawn_local): outside a
    /// [`LocalSet`](crate::task::LocalSet) and a current-thread runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::task;
    ///
    /// let rt = runtime::Builder::new_current_thread().build().unwrap();
    /// let name = rt.block_on(async {
    ///     task::Builder::new()
    ///         .name("local")
    ///         .spawn_local(async { task::name().unwrap().to_string() })
    ///         .await
    ///         .unwrap()
    /// });
    /// assert_eq!(name, "local");
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        match self.name {
            Some(name) => super::spawn_local(Named { name, future }),
            None => super::spawn_local(future),
        }
    }

    /// Runs `f` on the current runtime's blocking pool; see
    /// [`runtime::spawn_blocking`](crate::spawn_blocking).
    ///
    /// # Panics
    ///
    /// Panics outside a runtime.
    #[track_caller]
    pub fn spawn_blocking<F, R>(self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        match self.name {
            Some(name) => crate::spawn_blocking(move || {
                let _scope = NameScope::enter(&name);
                match catch_unwind(AssertUnwindSafe(f)) {
                    Ok(value) => value,
                    Err(payload) => resume_unwind(NamedPanic::wrap(name.clone(), payload)),
                }
            }),
            None => crate::spawn_blocking(f),
        }
    }
}

/// The name of the task being polled on this thread (null: none), a field
/// of the thread's context (`crate::context`): points to the name that the
/// live `NameScope` borrows.
fn slot<R>(f: impl FnOnce(&Cell<*const Arc<str>>) -> R) -> R {
    crate::context::with(|cx| f(&cx.task_name))
}

/// The name of the task being polled on this thread, if it was spawned
/// with one (through [`Builder::name`]); `None` outside a task or for an
/// unnamed one.
///
/// Available while the task's future is polled, not while it is dropped.
///
/// # Examples
///
/// ```
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let unnamed = runtime::spawn(async { runtime::task::name() });
/// assert!(unnamed.await.unwrap().is_none());
/// # });
/// ```
pub fn name() -> Option<Arc<str>> {
    let name = slot(Cell::get);
    // SAFETY: a non-null pointer was set by the innermost live `NameScope`
    // on this thread, which borrows the name for its own lifetime and
    // restores the previous pointer when dropped (scopes are stack guards,
    // dropped in reverse order); so the name is alive here.
    unsafe { name.as_ref() }.cloned()
}

/// Sets the thread's current name while it lives (borrowing it);
/// restores the previous one.
pub(super) struct NameScope<'a> {
    prev: *const Arc<str>,
    _name: PhantomData<&'a Arc<str>>,
}

impl<'a> NameScope<'a> {
    fn enter(name: &'a Arc<str>) -> NameScope<'a> {
        NameScope::set(name)
    }

    fn set(name: *const Arc<str>) -> NameScope<'a> {
        NameScope {
            prev: slot(|n| n.replace(name)),
            _name: PhantomData,
        }
    }
}

impl NameScope<'static> {
    /// No name while it lives (`block_on` is not a task).
    pub(super) fn clear() -> NameScope<'static> {
        NameScope::set(ptr::null())
    }
}

impl Drop for NameScope<'_> {
    fn drop(&mut self) {
        slot(|n| n.set(self.prev));
    }
}

/// A named task's future.
struct Named<F> {
    name: Arc<str>,
    future: F,
}

impl<F: Future> Future for Named<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned (never moved out); `name`
        // is not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above.
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        let _scope = NameScope::enter(&this.name);
        match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(poll) => poll,
            Err(payload) => resume_unwind(NamedPanic::wrap(this.name.clone(), payload)),
        }
    }
}

/// A panic payload with the name of the task it came from; the harness
/// unwraps it into the task's `JoinError` (see `error::Repr::panic`).
pub(crate) struct NamedPanic {
    pub(crate) name: Arc<str>,
    pub(crate) payload: Box<dyn Any + Send + 'static>,
}

impl NamedPanic {
    fn wrap(name: Arc<str>, payload: Box<dyn Any + Send + 'static>) -> Box<dyn Any + Send> {
        if payload.is::<NamedPanic>() {
            // Already named (a named future awaited inside a named task):
            // the innermost name wins.
            return payload;
        }
        Box::new(NamedPanic { name, payload })
    }
}

impl fmt::Debug for NamedPanic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NamedPanic")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}
