//! Asynchronous I/O: the reactor that tells tasks when their sockets are
//! ready, and the runtime-agnostic [`AsyncRead`] / [`AsyncWrite`] traits
//! (from `futures-io`) that this crate's streams implement, so that the
//! `futures::io` utilities (`AsyncReadExt`, `copy`, `BufReader`, ...) work
//! on them.
//!
//! Readiness ([`Interest`], [`Ready`]) is what the sockets' `ready`,
//! `readable`, `writable` and `try_*` calls speak, and
//! [`unix::AsyncFd`] brings the same to any descriptor. [`ReadBuf`] is the
//! buffer of the poll-style receive calls.
//!
//! The sockets themselves are in [`net`](crate::net). How the reactor
//! works, and how it shares the workers' park with the timers, is described
//! in `docs/reactor.md`.

mod interest;
pub(crate) mod reactor;
mod read_buf;
mod ready;
pub(crate) mod registration;
pub(crate) mod scheduled_io;
#[cfg(unix)]
pub mod unix;

pub use futures_io::{AsyncRead, AsyncWrite};
pub use interest::Interest;
pub use read_buf::ReadBuf;
pub use ready::Ready;
