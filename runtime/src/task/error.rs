//! The errors a task's result can carry.

use super::builder::NamedPanic;
use super::Id;
use std::any::Any;
use std::fmt;
use std::sync::Arc;

/// Why a task did not produce its value: it was cancelled, or it panicked.
///
/// Returned by awaiting a [`JoinHandle`](super::JoinHandle). The error is
/// opaque; ask it with [`is_cancelled`](JoinError::is_cancelled) and
/// [`is_panic`](JoinError::is_panic).
///
/// # Examples
///
/// ```
/// let rt = runtime::Runtime::new().unwrap();
/// rt.block_on(async {
///     let task = runtime::spawn(async { panic!("boom") });
///     let err = task.await.unwrap_err();
///     assert!(err.is_panic());
///     assert_eq!(*err.into_panic().downcast::<&str>().unwrap(), "boom");
/// });
/// ```
pub struct JoinError {
    id: Id,
    repr: Repr,
}

/// What a task's result holds in place of its value, without the id (the
/// id is in the task header; `JoinError` adds it when the handle reads the
/// result). The payload is boxed twice so this enum, and with it every
/// task's output slot, stays two words.
pub(crate) enum Repr {
    Cancelled,
    Panic(Box<SyncPayload>),
}

impl Repr {
    /// A panic's result; a named task's panic arrives wrapped with its
    /// name (see `task::builder`), which is unwrapped here.
    pub(crate) fn panic(payload: Box<dyn Any + Send + 'static>) -> Repr {
        match payload.downcast::<NamedPanic>() {
            Ok(named) => {
                let NamedPanic { name, payload } = *named;
                Repr::Panic(Box::new(SyncPayload(payload, Some(name))))
            }
            Err(payload) => Repr::Panic(Box::new(SyncPayload(payload, None))),
        }
    }
}

/// A panic payload made `Sync` (so `JoinError` fits `Box<dyn Error + Send +
/// Sync>`): the payload is only reached by value, through `into_panic`, or
/// through `panic_message`. The second field is the task's name, if it was
/// spawned with one.
pub(crate) struct SyncPayload(Box<dyn Any + Send + 'static>, Option<Arc<str>>);

// SAFETY: the only access through `&SyncPayload` is `panic_message`, which
// calls `type_id` (reads no data) and then reads the payload only if it is a
// `&'static str` or a `String`, both `Sync`. No other shared access exists
// (the name, an `Arc<str>`, is `Sync` itself).
unsafe impl Sync for SyncPayload {}

impl JoinError {
    pub(crate) fn new(id: Id, repr: Repr) -> JoinError {
        JoinError { id, repr }
    }

    /// True if the task was cancelled before it produced a value (including
    /// a task that caught its cancellation and finished its cleanup).
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// True if the task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(_))
    }

    /// The id of the task this error came from.
    pub fn id(&self) -> Id {
        self.id
    }

    /// The name of the task this error came from, if it was spawned with
    /// one ([`Builder::name`](super::Builder::name)) and panicked. (A
    /// cancelled task's error carries no name: names are kept out of the
    /// task header so unnamed tasks stay small.)
    pub fn name(&self) -> Option<&str> {
        match &self.repr {
            Repr::Panic(p) => p.1.as_deref(),
            Repr::Cancelled => None,
        }
    }

    /// The panic payload, to inspect or to re-raise with
    /// [`std::panic::resume_unwind`].
    ///
    /// # Panics
    ///
    /// Panics if the task was cancelled rather than panicked; use
    /// [`try_into_panic`](JoinError::try_into_panic) to check instead.
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.try_into_panic().expect(
            "JoinError::into_panic called on a cancelled task's error; check is_panic() first",
        )
    }

    /// The panic payload, or the error itself if the task was cancelled.
    ///
    /// # Errors
    ///
    /// Returns `Err(self)` if the task did not panic.
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.repr {
            Repr::Panic(payload) => Ok(payload.0),
            Repr::Cancelled => Err(self),
        }
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => write!(f, "task {} was cancelled", self.id),
            Repr::Panic(p) => {
                write!(f, "task {}", self.id)?;
                if let Some(name) = &p.1 {
                    write!(f, " ({name:?})")?;
                }
                match panic_message(&*p.0) {
                    Some(msg) => write!(f, " panicked with message {msg:?}"),
                    None => write!(f, " panicked"),
                }
            }
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => write!(f, "JoinError::Cancelled({})", self.id),
            Repr::Panic(p) => {
                write!(f, "JoinError::Panic({}", self.id)?;
                if let Some(name) = &p.1 {
                    write!(f, " {name:?}")?;
                }
                match panic_message(&*p.0) {
                    Some(msg) => write!(f, ", {msg:?})"),
                    None => write!(f, ", ...)"),
                }
            }
        }
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for std::io::Error {
    fn from(err: JoinError) -> std::io::Error {
        std::io::Error::other(err)
    }
}

/// The cancellation a [`catch_cancel`](super::catch_cancel) received: the
/// task was asked to stop and may now clean up.
///
/// asyncio's `CancelledError`, caught with `except`. The task keeps running
/// after receiving it; its `JoinHandle` still reports the task cancelled once
/// it finishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled(());

impl Cancelled {
    pub(crate) fn new() -> Cancelled {
        Cancelled(())
    }
}

impl fmt::Display for Cancelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the task was cancelled")
    }
}

impl std::error::Error for Cancelled {}
