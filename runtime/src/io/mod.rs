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
//! The sockets themselves are in [`net`](crate::net). The reactor is the
//! I/O driver (`driver::io`); how it works, and how it sits under the
//! time driver in the driver stack the workers park in, is described in
//! `docs/reactor.md`.

mod read_buf;
#[cfg(unix)]
pub mod unix;

pub use crate::driver::io::{Interest, Ready};
pub use futures_io::{AsyncRead, AsyncWrite};
pub use read_buf::ReadBuf;

use crate::driver::io::registration::PollEvented;
use std::io;

pub(crate) const NO_RUNTIME_IO: &str = "a socket was created outside a runtime: sockets register \
with the current runtime's reactor, so create them inside a task, inside `Runtime::block_on`, or \
after `Handle::enter()`";

/// Registers `io` with the current runtime's I/O driver for reads and
/// writes.
///
/// # Errors
///
/// The operating system's, or an error if the runtime shut down.
///
/// # Panics
///
/// Outside a runtime, with [`NO_RUNTIME_IO`].
#[track_caller]
pub(crate) fn register<E: mio::event::Source>(io: E) -> io::Result<PollEvented<E>> {
    PollEvented::new(current_driver(), io)
}

/// [`register`] for `interest` only.
///
/// # Errors
///
/// As [`register`].
///
/// # Panics
///
/// As [`register`].
#[track_caller]
pub(crate) fn register_with_interest<E: mio::event::Source>(
    io: E,
    interest: Interest,
) -> io::Result<PollEvented<E>> {
    PollEvented::with_interest(current_driver(), io, interest)
}

/// The current runtime's I/O driver.
#[track_caller]
fn current_driver() -> crate::loom::Arc<crate::driver::io::Reactor> {
    match crate::runtime::context::with_current(|h| h.map(|h| h.shared.io_handle())) {
        Some(Some(driver)) => driver,
        // Only the loom models build a runtime without I/O.
        Some(None) => panic!("this runtime was built without an I/O driver"),
        None => panic!("{NO_RUNTIME_IO}"),
    }
}
