//! Asynchronous signal handling: [`ctrl_c`] and, on Unix, any signal
//! through [`unix::signal`] (Tokio's names).
//!
//! A server stops gracefully on `SIGTERM` (what `kill`, systemd and
//! container runtimes send) or Ctrl-C by awaiting one of these and then
//! cancelling its accept loop or shutting the runtime down with
//! [`Runtime::shutdown_timeout`](crate::Runtime::shutdown_timeout).
//!
//! Deliveries are reported through the runtime's reactor: the process's
//! handler (installed once per signal through `signal-hook-registry`, which
//! coexists with handlers other libraries register through it) only bumps a
//! counter and writes a byte to a non-blocking self-pipe that every
//! runtime's reactor watches. No thread is started. Once a handler is
//! installed it stays for the life of the process, and the signal's default
//! action (terminating the process, for `SIGINT` and `SIGTERM`) no longer
//! happens: the program decides what a delivery means.
//!
//! # Examples
//!
//! Stop on `SIGTERM` or Ctrl-C, whichever comes first:
//!
//! ```
//! use futures::future::{select, Either};
//! use runtime::signal::{self, unix::{signal, SignalKind}};
//! use std::pin::pin;
//!
//! # let rt = runtime::Runtime::new().unwrap();
//! # rt.block_on(async {
//! let mut terminate = signal(SignalKind::terminate())?;
//! let ctrl_c = pin!(signal::ctrl_c());
//! # // SAFETY: the handler for SIGTERM is in place.
//! # unsafe { libc::raise(libc::SIGTERM) };
//! match select(pin!(terminate.recv()), ctrl_c).await {
//!     Either::Left(_) => println!("SIGTERM: shutting down"),
//!     Either::Right((result, _)) => result?,
//! }
//! # std::io::Result::Ok(())
//! # }).unwrap();
//! ```

mod registry;
pub mod unix;

use std::io;

/// Completes at the next Ctrl-C (`SIGINT`) delivered to the process.
///
/// The handler is installed when the future is first polled (so a Ctrl-C
/// before that terminates the process as usual); after that, Ctrl-C no
/// longer terminates the process, for the life of the process. Each call
/// listens afresh: a Ctrl-C reported to an earlier `ctrl_c` future is not
/// reported again.
///
/// # Errors
///
/// If the handler cannot be installed, or the runtime shut down before a
/// Ctrl-C came.
///
/// # Panics
///
/// If first polled outside a runtime (see [`unix::signal`]).
///
/// # Examples
///
/// ```no_run
/// #[runtime::main]
/// async fn main() -> std::io::Result<()> {
///     println!("running; press Ctrl-C to stop");
///     runtime::signal::ctrl_c().await?;
///     println!("stopping");
///     Ok(())
/// }
/// ```
pub async fn ctrl_c() -> io::Result<()> {
    let mut interrupt = unix::signal(unix::SignalKind::interrupt())?;
    match interrupt.recv().await {
        Some(()) => Ok(()),
        None => Err(io::Error::other(
            "the runtime shut down before a Ctrl-C was delivered",
        )),
    }
}
