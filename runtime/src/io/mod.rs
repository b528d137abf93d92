//! Asynchronous I/O: the reactor that tells tasks when their sockets are
//! ready, and the runtime-agnostic [`AsyncRead`] / [`AsyncWrite`] traits
//! (from `futures-io`) that this crate's streams implement, so that the
//! `futures::io` utilities (`AsyncReadExt`, `copy`, `BufReader`, ...) work
//! on them.
//!
//! The sockets themselves are in [`net`](crate::net). How the reactor
//! works, and how it shares the workers' park with the timers, is described
//! in `docs/reactor.md`.

pub(crate) mod reactor;
pub(crate) mod registration;
pub(crate) mod scheduled_io;

pub use futures_io::{AsyncRead, AsyncWrite};
