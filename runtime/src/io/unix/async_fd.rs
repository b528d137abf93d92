//! `AsyncFd`: registers an arbitrary file descriptor with the reactor.

use crate::driver::io::registration::PollEvented;
use crate::driver::io::scheduled_io::ReadyEvent;
use crate::io::{Interest, Ready};
use mio::event::Source;
use mio::unix::SourceFd;
use mio::{Registry, Token};
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

/// The descriptor as a mio source. It does not own the descriptor: the
/// `AsyncFd`'s inner value does, and is dropped after the deregistration.
struct FdSource(RawFd);

impl Source for FdSource {
    fn register(
        &mut self,
        registry: &Registry,
        token: Token,
        interest: mio::Interest,
    ) -> io::Result<()> {
        SourceFd(&self.0).register(registry, token, interest)
    }

    fn reregister(
        &mut self,
        registry: &Registry,
        token: Token,
        interest: mio::Interest,
    ) -> io::Result<()> {
        SourceFd(&self.0).reregister(registry, token, interest)
    }

    fn deregister(&mut self, registry: &Registry) -> io::Result<()> {
        SourceFd(&self.0).deregister(registry)
    }
}

/// Readiness for any object with a file descriptor (a pipe, a
/// `timerfd`, a socket made elsewhere), in Tokio's shape: wait with
/// [`readable`](Self::readable) / [`writable`](Self::writable) /
/// [`ready`](Self::ready), then do the non-blocking operation inside the
/// returned guard's [`try_io`](AsyncFdReadyGuard::try_io), which forgets
/// the readiness when the operation says `WouldBlock`.
///
/// The descriptor must be in non-blocking mode (an operation that blocks
/// blocks a worker), and is registered edge-triggered: after `WouldBlock`
/// the readiness must be cleared (`try_io` does it) or `readable` returns
/// at once forever. The `AsyncFd` owns `inner`: dropping it deregisters
/// the descriptor, then drops `inner` (closing the descriptor if `inner`
/// owns it); [`into_inner`](Self::into_inner) deregisters and hands
/// `inner` back.
///
/// # Examples
///
/// ```
/// use runtime::io::unix::AsyncFd;
/// use std::io::{Read, Write};
/// use std::os::unix::net::UnixStream;
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let (a, mut b) = UnixStream::pair()?;
/// a.set_nonblocking(true)?;
/// let fd = AsyncFd::new(a)?;
/// b.write_all(b"ping")?;
/// let mut buf = [0; 4];
/// let n = loop {
///     let mut guard = fd.readable().await?;
///     match guard.try_io(|fd| fd.get_ref().read(&mut buf)) {
///         Ok(result) => break result?,
///         Err(_would_block) => continue,
///     }
/// };
/// assert_eq!(&buf[..n], b"ping");
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub struct AsyncFd<T: AsRawFd> {
    // Declared first: dropped (deregistered) before `inner` closes the
    // descriptor.
    io: PollEvented<FdSource>,
    inner: T,
}

/// The readiness an `AsyncFd` was found in, from
/// [`AsyncFd::readable`], [`writable`](AsyncFd::writable) or
/// [`ready`](AsyncFd::ready). Dropping it keeps the readiness (as
/// [`retain_ready`](Self::retain_ready)).
pub struct AsyncFdReadyGuard<'a, T: AsRawFd> {
    async_fd: &'a AsyncFd<T>,
    event: Option<ReadyEvent>,
}

/// As [`AsyncFdReadyGuard`], with mutable access to the `AsyncFd`, from
/// [`AsyncFd::readable_mut`], [`writable_mut`](AsyncFd::writable_mut) or
/// [`ready_mut`](AsyncFd::ready_mut).
pub struct AsyncFdReadyMutGuard<'a, T: AsRawFd> {
    async_fd: &'a mut AsyncFd<T>,
    event: Option<ReadyEvent>,
}

/// The error of a guard's `try_io` when the operation returned
/// `WouldBlock`: the readiness was cleared; wait again.
#[derive(Debug)]
pub struct TryIoError(());

impl fmt::Display for TryIoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the operation would block; the readiness was cleared")
    }
}

impl std::error::Error for TryIoError {}

impl<T: AsRawFd> AsyncFd<T> {
    /// Registers `inner`'s descriptor with the current runtime for reads
    /// and writes.
    ///
    /// # Errors
    ///
    /// The operating system's (for example a regular file, which epoll
    /// refuses with `EPERM`), or an error if the runtime shut down.
    ///
    /// # Panics
    ///
    /// Outside a runtime.
    #[track_caller]
    pub fn new(inner: T) -> io::Result<AsyncFd<T>> {
        Self::with_interest(inner, Interest::READABLE | Interest::WRITABLE)
    }

    /// Registers `inner`'s descriptor for `interest` only.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new).
    ///
    /// # Panics
    ///
    /// Outside a runtime.
    #[track_caller]
    pub fn with_interest(inner: T, interest: Interest) -> io::Result<AsyncFd<T>> {
        let fd = inner.as_raw_fd();
        Ok(AsyncFd {
            io: crate::io::register_with_interest(FdSource(fd), interest)?,
            inner,
        })
    }

    /// The inner object.
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// The inner object, mutably.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Deregisters the descriptor and returns the inner object (the
    /// descriptor stays open).
    pub fn into_inner(self) -> T {
        let AsyncFd { io, inner } = self;
        // Deregistration errors are ignored, as on drop.
        let _ = io.into_inner();
        inner
    }

    /// Waits until the descriptor is readable (or its read side closed,
    /// or an error is pending).
    ///
    /// # Errors
    ///
    /// An error if the runtime shut down.
    pub async fn readable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        self.ready(Interest::READABLE).await
    }

    /// Waits until the descriptor is writable (or its write side closed,
    /// or an error is pending).
    ///
    /// # Errors
    ///
    /// An error if the runtime shut down.
    pub async fn writable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        self.ready(Interest::WRITABLE).await
    }

    /// Waits until the descriptor is ready for any of `interest`.
    ///
    /// # Errors
    ///
    /// An error if the runtime shut down.
    pub async fn ready(&self, interest: Interest) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        let event = self.io.ready_event(interest).await?;
        Ok(AsyncFdReadyGuard {
            async_fd: self,
            event: Some(event),
        })
    }

    /// As [`readable`](Self::readable), with mutable access.
    ///
    /// # Errors
    ///
    /// An error if the runtime shut down.
    pub async fn readable_mut(&mut self) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        self.ready_mut(Interest::READABLE).await
    }

    /// As [`writable`](Self::writable), with mutable access.
    ///
    /// # Errors
    ///
    /// An error if the runtime shut down.
    pub async fn writable_mut(&mut self) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        self.ready_mut(Interest::WRITABLE).await
    }

    /// As [`ready`](Self::ready), with mutable access.
    ///
    /// # Errors
    ///
    /// An error if the runtime shut down.
    pub async fn ready_mut(
        &mut self,
        interest: Interest,
    ) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        let event = self.io.ready_event(interest).await?;
        Ok(AsyncFdReadyMutGuard {
            async_fd: self,
            event: Some(event),
        })
    }

    /// Runs `f` on the inner object once if the descriptor is ready for
    /// `interest` now (no waiting); a `WouldBlock` from `f` clears the
    /// readiness.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if not ready, `f`'s error, or an error if the runtime
    /// shut down.
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        self.io.try_io(interest, |_| f(&self.inner))
    }

    /// Waits for `interest` and runs `f`, again after each `WouldBlock`
    /// (clearing the readiness each time), until it returns something
    /// else.
    ///
    /// # Errors
    ///
    /// `f`'s, or an error if the runtime shut down.
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        loop {
            let event = self.io.ready_event(interest).await?;
            match f(&self.inner) {
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    self.io.clear_readiness(event);
                }
                result => return result,
            }
        }
    }
}

impl<T: AsRawFd> AsRawFd for AsyncFd<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

impl<T: AsRawFd> AsFd for AsyncFd<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        // SAFETY: the descriptor is open as long as `inner` lives, and
        // `inner` lives as long as `self`, which the result borrows.
        unsafe { BorrowedFd::borrow_raw(self.inner.as_raw_fd()) }
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFd<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFd")
            .field("inner", &self.inner)
            .finish()
    }
}

macro_rules! guard_common {
    () => {
        /// The readiness this guard was handed (limited to the interest
        /// waited for); empty once cleared.
        pub fn ready(&self) -> Ready {
            self.event
                .map_or(Ready::EMPTY, |e| Ready::from_bits(e.ready()))
        }

        /// Forgets the readiness (the descriptor returned `WouldBlock`):
        /// the next wait waits for a new event. An event that came in
        /// since this guard was made is kept.
        pub fn clear_ready(&mut self) {
            if let Some(event) = self.event.take() {
                self.async_fd.io.clear_readiness(event);
            }
        }

        /// Forgets only the readiness in `ready` (for example
        /// `Ready::READABLE` out of a readable-and-writable guard).
        pub fn clear_ready_matching(&mut self, ready: Ready) {
            if let Some(event) = self.event {
                self.async_fd
                    .io
                    .clear_readiness(event.with_ready(ready.bits()));
                let left = event.with_ready(!ready.bits());
                self.event = (left.ready() != 0).then_some(left);
            }
        }

        /// Keeps the readiness: the next wait returns at once. The same as
        /// dropping the guard.
        pub fn retain_ready(&mut self) {
            self.event = None;
        }

        /// The inner object.
        pub fn get_inner(&self) -> &T {
            self.async_fd.get_ref()
        }
    };
}

impl<'a, T: AsRawFd> AsyncFdReadyGuard<'a, T> {
    guard_common!();

    /// Runs `f` (the non-blocking operation); if it returns `WouldBlock`,
    /// clears the readiness and returns `Err(TryIoError)`: wait again.
    ///
    /// # Errors
    ///
    /// [`TryIoError`] on `WouldBlock`; `f`'s other results are `Ok(..)`.
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&'a AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        match f(self.async_fd) {
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                self.clear_ready();
                Err(TryIoError(()))
            }
            result => Ok(result),
        }
    }

    /// The `AsyncFd` this guard belongs to.
    pub fn get_ref(&self) -> &'a AsyncFd<T> {
        self.async_fd
    }
}

impl<T: AsRawFd> AsyncFdReadyMutGuard<'_, T> {
    guard_common!();

    /// Runs `f` (the non-blocking operation) with mutable access; if it
    /// returns `WouldBlock`, clears the readiness and returns
    /// `Err(TryIoError)`.
    ///
    /// # Errors
    ///
    /// [`TryIoError`] on `WouldBlock`; `f`'s other results are `Ok(..)`.
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&mut AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        match f(self.async_fd) {
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                self.clear_ready();
                Err(TryIoError(()))
            }
            result => Ok(result),
        }
    }

    /// The `AsyncFd` this guard belongs to.
    pub fn get_ref(&self) -> &AsyncFd<T> {
        self.async_fd
    }

    /// The `AsyncFd` this guard belongs to, mutably.
    pub fn get_mut(&mut self) -> &mut AsyncFd<T> {
        self.async_fd
    }

    /// The inner object, mutably.
    pub fn get_inner_mut(&mut self) -> &mut T {
        self.async_fd.get_mut()
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFdReadyGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFdReadyGuard")
            .field("ready", &self.ready())
            .finish()
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFdReadyMutGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFdReadyMutGuard")
            .field("ready", &self.ready())
            .finish()
    }
}
