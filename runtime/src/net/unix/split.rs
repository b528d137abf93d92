//! The halves of a `UnixStream`: borrowed ([`ReadHalf`], [`WriteHalf`],
//! from `split`) and owned ([`OwnedReadHalf`], [`OwnedWriteHalf`], from
//! `into_split`, for two tasks). Reads wait in the socket's read slot and
//! writes in its write slot, so the two directions never disturb each
//! other.
//!
//! As in Tokio, dropping an [`OwnedWriteHalf`] shuts down the write
//! direction (the peer reads end of stream), even
//! while the read half lives on; [`OwnedReadHalf::reunite`] puts the two
//! back together.

use super::SocketAddr;
use super::UnixStream;
use crate::io::{AsyncRead, AsyncWrite, Interest, Ready};
use std::error::Error;
use std::fmt;
use std::io;
use std::net::Shutdown;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// The read side of [`UnixStream::split`].
#[derive(Debug)]
pub struct ReadHalf<'a>(&'a UnixStream);

/// The write side of [`UnixStream::split`]. Closing it sends FIN.
#[derive(Debug)]
pub struct WriteHalf<'a>(&'a UnixStream);

/// The read side of [`UnixStream::into_split`].
#[derive(Debug)]
pub struct OwnedReadHalf(Arc<UnixStream>);

/// The write side of [`UnixStream::into_split`]. Closing it, or dropping
/// it, sends FIN (shuts down the write direction); the read half keeps
/// working.
#[derive(Debug)]
pub struct OwnedWriteHalf {
    inner: Arc<UnixStream>,
    shutdown_on_drop: bool,
}

/// The error of [`OwnedReadHalf::reunite`]: the two halves came from
/// different streams. Both are handed back.
#[derive(Debug)]
pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

impl fmt::Display for ReuniteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tried to reunite halves that are not from the same socket")
    }
}

impl Error for ReuniteError {}

pub(super) fn split(stream: &mut UnixStream) -> (ReadHalf<'_>, WriteHalf<'_>) {
    (ReadHalf(stream), WriteHalf(stream))
}

pub(super) fn into_split(stream: UnixStream) -> (OwnedReadHalf, OwnedWriteHalf) {
    let stream = Arc::new(stream);
    (
        OwnedReadHalf(stream.clone()),
        OwnedWriteHalf {
            inner: stream,
            shutdown_on_drop: true,
        },
    )
}

impl OwnedReadHalf {
    /// Puts the halves back together into the stream they came from
    /// (the write direction is not shut down).
    ///
    /// # Errors
    ///
    /// [`ReuniteError`], holding both halves, if they came from different
    /// streams.
    ///
    /// # Examples
    ///
    /// ```
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let (stream, _other) = runtime::net::UnixStream::pair()?;
    /// let (rd, wr) = stream.into_split();
    /// let stream = rd.reunite(wr).expect("halves of one stream");
    /// # drop(stream);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn reunite(self, other: OwnedWriteHalf) -> Result<UnixStream, ReuniteError> {
        if !Arc::ptr_eq(&self.0, &other.inner) {
            return Err(ReuniteError(self, other));
        }
        other.forget();
        // The write half's reference is gone: this one is the last.
        Ok(Arc::try_unwrap(self.0).expect("UnixStream: the halves were reunited twice"))
    }
}

impl OwnedWriteHalf {
    /// Drops the half without shutting down the write direction.
    pub fn forget(mut self) {
        self.shutdown_on_drop = false;
    }

    /// Puts the halves back together; see [`OwnedReadHalf::reunite`].
    ///
    /// # Errors
    ///
    /// [`ReuniteError`] if they came from different streams.
    pub fn reunite(self, other: OwnedReadHalf) -> Result<UnixStream, ReuniteError> {
        other.reunite(self)
    }
}

impl Drop for OwnedWriteHalf {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            // Already shut down, or reset by the peer: nothing to do.
            let _ = self.inner.shutdown(Shutdown::Write);
        }
    }
}

impl AsRef<UnixStream> for OwnedReadHalf {
    fn as_ref(&self) -> &UnixStream {
        &self.0
    }
}

impl AsRef<UnixStream> for OwnedWriteHalf {
    fn as_ref(&self) -> &UnixStream {
        &self.inner
    }
}

impl AsRef<UnixStream> for ReadHalf<'_> {
    fn as_ref(&self) -> &UnixStream {
        self.0
    }
}

impl AsRef<UnixStream> for WriteHalf<'_> {
    fn as_ref(&self) -> &UnixStream {
        self.0
    }
}

macro_rules! addrs {
    ($t:ty) => {
        impl $t {
            /// The remote address.
            ///
            /// # Errors
            ///
            /// The operating system's.
            pub fn peer_addr(&self) -> io::Result<SocketAddr> {
                self.as_ref().peer_addr()
            }

            /// The local address.
            ///
            /// # Errors
            ///
            /// The operating system's.
            pub fn local_addr(&self) -> io::Result<SocketAddr> {
                self.as_ref().local_addr()
            }

            /// Waits until the stream is ready for any of `interest`; see
            /// [`UnixStream::ready`].
            ///
            /// # Errors
            ///
            /// An error if the runtime shut down.
            pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
                self.as_ref().ready(interest).await
            }
        }
    };
}

macro_rules! read_half {
    ($t:ty) => {
        addrs!($t);

        impl $t {
            /// Waits until the stream is readable; see
            /// [`UnixStream::readable`].
            ///
            /// # Errors
            ///
            /// An error if the runtime shut down.
            pub async fn readable(&self) -> io::Result<()> {
                self.as_ref().readable().await
            }

            /// Reads without waiting; see [`UnixStream::try_read`].
            ///
            /// # Errors
            ///
            /// `WouldBlock` if nothing is available; the operating
            /// system's.
            pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
                self.as_ref().try_read(buf)
            }

            /// Vectored [`try_read`](Self::try_read).
            ///
            /// # Errors
            ///
            /// As [`try_read`](Self::try_read).
            pub fn try_read_vectored(&self, bufs: &mut [io::IoSliceMut<'_>]) -> io::Result<usize> {
                self.as_ref().try_read_vectored(bufs)
            }
        }

        impl AsyncRead for $t {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                AsRef::<UnixStream>::as_ref(&*self).poll_read_priv(cx, buf)
            }
        }
    };
}

macro_rules! write_half {
    ($t:ty) => {
        addrs!($t);

        impl $t {
            /// Waits until the stream is writable; see
            /// [`UnixStream::writable`].
            ///
            /// # Errors
            ///
            /// An error if the runtime shut down.
            pub async fn writable(&self) -> io::Result<()> {
                self.as_ref().writable().await
            }

            /// Writes without waiting; see [`UnixStream::try_write`].
            ///
            /// # Errors
            ///
            /// `WouldBlock` if the send buffer is full; the operating
            /// system's.
            pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
                self.as_ref().try_write(buf)
            }

            /// Vectored [`try_write`](Self::try_write).
            ///
            /// # Errors
            ///
            /// As [`try_write`](Self::try_write).
            pub fn try_write_vectored(&self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
                self.as_ref().try_write_vectored(bufs)
            }
        }

        impl AsyncWrite for $t {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                AsRef::<UnixStream>::as_ref(&*self).poll_write_priv(cx, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[io::IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                AsRef::<UnixStream>::as_ref(&*self).poll_write_vectored_priv(cx, bufs)
            }

            fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }

            fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                AsRef::<UnixStream>::as_ref(&*self).poll_shutdown_write()
            }
        }
    };
}

read_half!(ReadHalf<'_>);
read_half!(OwnedReadHalf);
write_half!(WriteHalf<'_>);
write_half!(OwnedWriteHalf);
