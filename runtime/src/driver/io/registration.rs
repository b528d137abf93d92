//! `PollEvented`: a mio source registered with the current runtime's
//! reactor, and the retry loop every socket operation goes through
//! (try the non-blocking call; on `WouldBlock`, forget the readiness and
//! wait for the next event).

use super::reactor::{Key, Reactor};
use super::scheduled_io::{Direction, ReadyEvent, ScheduledIo};
use super::{Interest, Ready};
use crate::loom::Arc;
use crate::task::coop;
use mio::event::Source;
use std::io;
use std::task::{Context, Poll};

/// A registered mio source. Dropping it deregisters the source, then
/// closes it.
pub(crate) struct PollEvented<E: Source> {
    /// `None` only during `drop`.
    io: Option<E>,
    key: Key,
    sched: Arc<ScheduledIo>,
    /// The I/O driver it is registered with (a handle: the runtime itself
    /// may be gone, the driver then fails every operation).
    driver: Arc<Reactor>,
}

impl<E: Source> PollEvented<E> {
    /// Registers `io` with `driver` for reads and writes.
    ///
    /// # Errors
    ///
    /// The operating system's, or an error if the runtime shut down.
    pub(crate) fn new(driver: Arc<Reactor>, io: E) -> io::Result<Self> {
        Self::with_interest(driver, io, Interest::READABLE | Interest::WRITABLE)
    }

    /// Registers `io` with `driver` for `interest`.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new).
    pub(crate) fn with_interest(
        driver: Arc<Reactor>,
        mut io: E,
        interest: Interest,
    ) -> io::Result<Self> {
        let (key, sched) = driver.register(&mut io, interest.to_mio())?;
        Ok(PollEvented {
            io: Some(io),
            key,
            sched,
            driver,
        })
    }

    /// The mio source.
    pub(crate) fn get_ref(&self) -> &E {
        self.io.as_ref().expect("PollEvented used after drop")
    }

    /// Deregisters the source and hands it back (`into_std`).
    ///
    /// # Errors
    ///
    /// None today (deregistration errors are ignored, as on drop); kept as
    /// `io::Result` for the callers' shape.
    pub(crate) fn into_inner(mut self) -> io::Result<E> {
        let mut io = self.io.take().expect("PollEvented used after drop");
        self.driver.deregister(self.key, &mut io);
        Ok(io)
    }

    /// Waits until the source is ready for any of `interest`; returns the
    /// event (its readiness limited to `interest`). Many tasks may wait at
    /// once.
    ///
    /// # Errors
    ///
    /// An error if the runtime shut down.
    pub(crate) async fn ready_event(&self, interest: Interest) -> io::Result<ReadyEvent> {
        let mask = interest.mask();
        let event = self.sched.readiness_mask(mask).await?;
        Ok(event.with_ready(mask))
    }

    /// [`ready_event`](Self::ready_event) as a [`Ready`].
    pub(crate) async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        let event = self.ready_event(interest).await?;
        Ok(Ready::from_bits(event.ready()))
    }

    /// Poll-style readiness of one direction (one waiter per direction,
    /// the same slot as `poll_read` / `poll_write`).
    pub(crate) fn poll_ready(&self, cx: &mut Context<'_>, dir: Direction) -> Poll<io::Result<()>> {
        if coop::poll_proceed(cx).is_none() {
            return Poll::Pending;
        }
        self.sched.poll_ready(cx, dir).map_ok(|_| ())
    }

    /// Poll-style: runs the non-blocking `op` once the source is ready in
    /// `dir`, retrying on `WouldBlock` (datagram sockets' `poll_send_to`,
    /// `poll_recv_from`, a listener's `poll_accept`).
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
        mut op: impl FnMut(&E) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        if coop::poll_proceed(cx).is_none() {
            return Poll::Pending;
        }
        loop {
            let event = match self.sched.poll_ready(cx, dir) {
                Poll::Ready(Ok(event)) => event,
                Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
                Poll::Pending => return Poll::Pending,
            };
            match op(self.get_ref()) {
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    self.sched.clear_readiness(event);
                }
                result => return Poll::Ready(result),
            }
        }
    }

    /// Runs `op` once if the source is ready now for any of `interest`
    /// (no waiting): the `try_*` calls. Returns `WouldBlock` if it is not
    /// ready; if `op` returns `WouldBlock`, the readiness is forgotten
    /// (unless a newer event came in), so the next `ready` waits for a
    /// new event.
    ///
    /// # Errors
    ///
    /// `WouldBlock`, `op`'s, or an error if the runtime shut down.
    pub(crate) fn try_io<R>(
        &self,
        interest: Interest,
        op: impl FnOnce(&E) -> io::Result<R>,
    ) -> io::Result<R> {
        let event = match self.sched.check_mask(interest.mask()) {
            None => return Err(io::ErrorKind::WouldBlock.into()),
            Some(event) => event?.with_ready(interest.mask()),
        };
        let result = op(self.get_ref());
        if matches!(&result, Err(err) if err.kind() == io::ErrorKind::WouldBlock) {
            self.sched.clear_readiness(event);
        }
        result
    }

    /// Forgets the readiness in `event` unless a newer event came in.
    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        self.sched.clear_readiness(event);
    }

    /// Runs the non-blocking `op` once the source is ready in `dir`,
    /// retrying on `WouldBlock`, as a future: any number of tasks may wait
    /// at once (each has its own waker entry, removed when the future is
    /// dropped).
    pub(crate) async fn async_io<R>(
        &self,
        dir: Direction,
        mut op: impl FnMut(&E) -> io::Result<R>,
    ) -> io::Result<R> {
        loop {
            // Each turn spends the task's budget: a source that keeps
            // reporting readiness without data cannot hold the worker.
            std::future::poll_fn(|cx| match coop::poll_proceed(cx) {
                Some(()) => Poll::Ready(()),
                None => Poll::Pending,
            })
            .await;
            let event = self.sched.readiness(dir).await?;
            match op(self.get_ref()) {
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    self.sched.clear_readiness(event);
                }
                result => return result,
            }
        }
    }

    /// A stream's read or write of up to `len` bytes, for `poll_read` /
    /// `poll_write` style callers (one waiter per direction): runs `op`
    /// once the source is ready in `dir`, retrying on `WouldBlock`. A short
    /// transfer (`0 < n < len`) also clears the readiness: the
    /// kernel's buffer was drained (or filled), so the next call would
    /// only get `WouldBlock`; this saves that syscall (Tokio does the
    /// same). An event that came in meanwhile has a newer tick and is kept.
    fn poll_stream(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
        len: usize,
        mut op: impl FnMut(&E) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        if coop::poll_proceed(cx).is_none() {
            return Poll::Pending;
        }
        loop {
            let event = match self.sched.poll_ready(cx, dir) {
                Poll::Ready(Ok(event)) => event,
                Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
                Poll::Pending => return Poll::Pending,
            };
            match op(self.get_ref()) {
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    self.sched.clear_readiness(event);
                }
                Ok(n) if n > 0 && n < len => {
                    self.sched.clear_readiness(event);
                    return Poll::Ready(Ok(n));
                }
                result => return Poll::Ready(result),
            }
        }
    }

    /// Reads into `buf` (a stream's `poll_read`).
    pub(crate) fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>>
    where
        for<'a> &'a E: io::Read,
    {
        let len = buf.len();
        self.poll_stream(cx, Direction::Read, len, |mut io| {
            io::Read::read(&mut io, buf)
        })
    }

    /// Writes from `buf` (a stream's `poll_write`).
    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>
    where
        for<'a> &'a E: io::Write,
    {
        self.poll_stream(cx, Direction::Write, buf.len(), |mut io| {
            io::Write::write(&mut io, buf)
        })
    }

    /// Writes from `bufs` (a stream's `poll_write_vectored`).
    pub(crate) fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>>
    where
        for<'a> &'a E: io::Write,
    {
        let len = bufs.iter().map(|b| b.len()).sum();
        self.poll_stream(cx, Direction::Write, len, |mut io| {
            io::Write::write_vectored(&mut io, bufs)
        })
    }

    /// Waits until the source is writable and `check` says the
    /// connection is established (a non-blocking `connect`): `check`
    /// returns `WouldBlock` while it is still in progress.
    pub(crate) async fn wait_connected(
        &self,
        check: impl FnMut(&E) -> io::Result<()>,
    ) -> io::Result<()> {
        self.async_io(Direction::Write, check).await
    }
}

impl<E: Source> Drop for PollEvented<E> {
    fn drop(&mut self) {
        if let Some(mut io) = self.io.take() {
            self.driver.deregister(self.key, &mut io);
        }
    }
}

impl<E: Source + std::fmt::Debug> std::fmt::Debug for PollEvented<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("PollEvented").field(&self.io).finish()
    }
}
