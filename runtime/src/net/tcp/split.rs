//! The halves of a `TcpStream`: borrowed ([`ReadHalf`], [`WriteHalf`],
//! from `split`) and owned ([`OwnedReadHalf`], [`OwnedWriteHalf`], from
//! `into_split`, for two tasks). Reads wait in the socket's read slot and
//! writes in its write slot, so the two directions never disturb each
//! other.

use super::TcpStream;
use crate::io::{AsyncRead, AsyncWrite};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// The read side of [`TcpStream::split`].
#[derive(Debug)]
pub struct ReadHalf<'a>(&'a TcpStream);

/// The write side of [`TcpStream::split`]. Closing it sends FIN.
#[derive(Debug)]
pub struct WriteHalf<'a>(&'a TcpStream);

/// The read side of [`TcpStream::into_split`].
#[derive(Debug)]
pub struct OwnedReadHalf(Arc<TcpStream>);

/// The write side of [`TcpStream::into_split`]. Closing it sends FIN.
#[derive(Debug)]
pub struct OwnedWriteHalf(Arc<TcpStream>);

pub(super) fn split(stream: &mut TcpStream) -> (ReadHalf<'_>, WriteHalf<'_>) {
    (ReadHalf(stream), WriteHalf(stream))
}

pub(super) fn into_split(stream: TcpStream) -> (OwnedReadHalf, OwnedWriteHalf) {
    let stream = Arc::new(stream);
    (OwnedReadHalf(stream.clone()), OwnedWriteHalf(stream))
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
                self.0.peer_addr()
            }

            /// The local address.
            ///
            /// # Errors
            ///
            /// The operating system's.
            pub fn local_addr(&self) -> io::Result<SocketAddr> {
                self.0.local_addr()
            }
        }
    };
}

macro_rules! read_half {
    ($t:ty) => {
        addrs!($t);

        impl AsyncRead for $t {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                self.0.poll_read_priv(cx, buf)
            }
        }
    };
}

macro_rules! write_half {
    ($t:ty) => {
        addrs!($t);

        impl AsyncWrite for $t {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.0.poll_write_priv(cx, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[io::IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                self.0.poll_write_vectored_priv(cx, bufs)
            }

            fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }

            fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.0.poll_shutdown_write()
            }
        }
    };
}

read_half!(ReadHalf<'_>);
read_half!(OwnedReadHalf);
write_half!(WriteHalf<'_>);
write_half!(OwnedWriteHalf);
