//! Tokio's I/O traits for the runtime's streams (cargo feature
//! `tokio-io`): [`TcpStream`], its halves and [`UnixStream`] implement
//! `tokio::io::AsyncRead` and `tokio::io::AsyncWrite` as well as the
//! `futures-io` traits, so crates written against Tokio's traits
//! (tokio-util codecs, tokio-rustls, h2, tokio-postgres) run directly on
//! them. Only the traits are used: Tokio is a dependency with its default
//! features off, and its runtime is never started.
//!
//! Each impl forwards to the stream's `futures-io` impl, so both behave
//! the same (one waiter per direction, the same readiness rules).

#[cfg(unix)]
use super::UnixStream;
use super::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, TcpStream, WriteHalf};
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// `tokio::io::AsyncRead` through the type's `futures_io::AsyncRead`.
macro_rules! tokio_read {
    ($($t:ty),* $(,)?) => {$(
        impl tokio::io::AsyncRead for $t {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut tokio::io::ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                let n = ready!(futures_io::AsyncRead::poll_read(
                    self,
                    cx,
                    buf.initialize_unfilled()
                ))?;
                buf.advance(n);
                Poll::Ready(Ok(()))
            }
        }
    )*};
}

/// `tokio::io::AsyncWrite` through the type's `futures_io::AsyncWrite`
/// (`poll_shutdown` is `poll_close`: it sends FIN). `$vectored`: whether
/// the type's `poll_write_vectored` writes all slices in one call.
macro_rules! tokio_write {
    ($vectored:literal: $($t:ty),* $(,)?) => {$(
        impl tokio::io::AsyncWrite for $t {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                futures_io::AsyncWrite::poll_write(self, cx, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[io::IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                futures_io::AsyncWrite::poll_write_vectored(self, cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                $vectored
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                futures_io::AsyncWrite::poll_flush(self, cx)
            }

            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                futures_io::AsyncWrite::poll_close(self, cx)
            }
        }
    )*};
}

tokio_read!(TcpStream, OwnedReadHalf, ReadHalf<'_>);
tokio_write!(true: TcpStream, OwnedWriteHalf, WriteHalf<'_>);
#[cfg(unix)]
tokio_read!(UnixStream);
#[cfg(unix)]
tokio_write!(false: UnixStream);
