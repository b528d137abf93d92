//! A multi-threaded, work-stealing async runtime, with cancellation a task
//! can clean up after.
//!
//! * [`spawn`] a future as a task and await its [`JoinHandle`]
//!   (asyncio's `create_task` and awaiting the task).
//! * [`JoinHandle::cancel`](task::JoinHandle::cancel) stops a task; the task
//!   may [`catch_cancel`](task::catch_cancel), clean up (even with `.await`)
//!   and finish, like catching asyncio's `CancelledError`.
//! * [`spawn_blocking`] runs blocking code on its own thread pool.
//! * Structured concurrency: [`task::JoinSet`] and [`task::scope`] (asyncio's
//!   `TaskGroup`); task-local values with [`task_local!`]; task ids and
//!   names ([`task::id`], [`task::Builder`]); [`sync::oneshot`] (asyncio's
//!   `Future`). Every asyncio concept and its counterpart here is in
//!   `docs/asyncio.md`.
//! * [`time`] has the timers: [`sleep`](time::sleep) (asyncio's `sleep`),
//!   [`timeout`](time::timeout) (asyncio's `wait_for`),
//!   [`interval`](time::interval), and a clock that tests can pause.
//! * `#[runtime::main]` and `#[runtime::test]` start a runtime for `main`
//!   and for each test; [`Runtime`], [`Builder`] and [`Handle`] do it by hand
//!   (for example to embed the runtime in a server).
//!
//! # Flavors and local tasks
//!
//! The default runtime is multi-threaded ([`Builder::new`], or
//! [`Builder::new_multi_thread`]): worker threads steal tasks from each
//! other, so tasks must be `Send`. [`Builder::new_current_thread`] (or
//! `#[runtime::main(flavor = "current_thread")]`) starts no worker thread:
//! every task runs on the thread that calls [`Runtime::block_on`], as on
//! asyncio's event loop, with the same timers, sockets, blocking pool,
//! paused clock and metrics. On it, [`task::spawn_local`] spawns futures
//! that are not `Send` (`Rc`, `RefCell`, `!Send` client libraries). On
//! either flavor, a [`task::LocalSet`] runs such tasks on the thread that
//! owns it. Cancellation, names, ids and task-locals work the same on
//! local tasks as on any other.
//!
//! # Examples
//!
//! ```
//! use runtime::task;
//!
//! #[runtime::main]
//! async fn main() {
//!     let answer = runtime::spawn(async { 6 * 7 });
//!     assert_eq!(answer.await.unwrap(), 42);
//!
//!     // A task that cleans up when cancelled.
//!     let (started_tx, started_rx) = futures_channel::oneshot::channel();
//!     let worker = runtime::spawn(async move {
//!         started_tx.send(()).unwrap();
//!         match task::catch_cancel(std::future::pending::<()>()).await {
//!             Ok(()) => "finished",
//!             Err(_cancelled) => {
//!                 task::yield_now().await; // async cleanup
//!                 "cleaned up"
//!             }
//!         }
//!     });
//!     started_rx.await.unwrap();
//!     worker.cancel();
//!     assert!(worker.await.unwrap_err().is_cancelled());
//! }
//! ```
//!
//! # Writing a server
//!
//! What a network service needs ships here:
//!
//! * [`net`]: TCP, UDP and Unix sockets on the runtime's reactor, read and
//!   written through the `futures-io` traits; the cargo feature `tokio-io`
//!   adds Tokio's `AsyncRead` / `AsyncWrite` for crates written against
//!   them (tokio-util codecs, tokio-postgres, tokio-rustls).
//! * `runtime::hyper` (cargo feature `hyper`): `serve` runs hyper's
//!   HTTP/1.1 server on a listener, with a header-read timeout, a task per
//!   connection, an accept loop that backs off when out of file
//!   descriptors, and graceful shutdown when its task is cancelled;
//!   `Executor`, `Timer` and `Io` plug the runtime into hyper's own
//!   builders and client (and axum, through hyper-util's
//!   `TowerToHyperService`).
//! * [`signal`]: [`ctrl_c`](signal::ctrl_c) and
//!   [`unix::signal`](signal::unix::signal) (SIGTERM from `kill`, systemd or
//!   a container runtime), delivered through the reactor.
//! * [`Runtime::shutdown_timeout`] cancels every task and gives those that
//!   [`catch_cancel`](task::catch_cancel) a bounded time to finish: with
//!   `serve`, in-flight requests complete and nothing new is accepted.
#![cfg_attr(
    feature = "hyper",
    doc = "\nWith the `hyper` feature on (as here): [`hyper::serve`], \
           [`hyper::Executor`], [`hyper::Timer`], [`hyper::Io`].\n"
)]
//!
//! In the repository, `examples/graceful.rs` (SIGTERM, drain, exit 0),
//! `examples/axum.rs`, `examples/tls.rs` and `examples/websocket.rs` are
//! complete servers with tests that drive them, and `docs/ecosystem.md`
//! lists which crates run on this runtime as they are, which need Tokio's
//! runtime, and what to do about each.
//!
//! The design (scheduler, task state machine, cancellation rules) is
//! described in `docs/ARCHITECTURE.md` in the repository.

#![deny(missing_docs)]
#![warn(rust_2018_idioms, unreachable_pub)]

mod blocking;
mod context;
mod driver;
#[cfg(feature = "hyper")]
pub mod hyper;
pub mod io;
mod loom;
pub mod metrics;
pub mod net;
mod runtime;
mod scheduler;
#[cfg(unix)]
pub mod signal;
pub mod sync;
pub mod task;
pub mod time;

/// The asyncio map (`docs/asyncio.md`), included here so that
/// `cargo test --doc` compiles and runs every snippet in it.
#[cfg(doctest)]
#[doc = include_str!("../../docs/asyncio.md")]
pub struct AsyncioDocTests;

pub use crate::runtime::{
    Builder, EnterGuard, Handle, Runtime, TryCurrentError, WORKER_THREADS_ENV,
};
pub use runtime_macros::{main, test};

use std::future::Future;
use task::JoinHandle;

/// Spawns a future as a new task on the current runtime and returns its
/// [`JoinHandle`] (asyncio's `create_task`).
///
/// The task starts running at once, on any worker, concurrently with the
/// caller. Awaiting the handle yields its output; dropping the handle
/// detaches the task, which keeps running.
///
/// # Panics
///
/// Panics if called outside a runtime: not in a task, not inside
/// [`Runtime::block_on`], and not after [`Handle::enter`]. Use
/// [`Handle::spawn`] to spawn from anywhere.
///
/// # Examples
///
/// ```
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let tasks: Vec<_> = (0..10).map(|i| runtime::spawn(async move { i * i })).collect();
/// let mut sum = 0;
/// for task in tasks {
///     sum += task.await.unwrap();
/// }
/// assert_eq!(sum, 285);
/// # });
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    spawn_named(future, None)
}

/// [`spawn`] with a task name (for `task::Builder`): the task dump and
/// slow-poll reports show it. The spawn location is the caller's.
#[track_caller]
// Inlined so a spawning task's poll does not pay a call and lose the
// caller's constant folding (about 25 instructions per spawn under callgrind).
#[inline]
pub(crate) fn spawn_named<F>(future: F, name: Option<&std::sync::Arc<str>>) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    // Taken here: a closure does not pass `#[track_caller]` on.
    let location = std::panic::Location::caller();
    match runtime::context::with_current(|h| h.map(|h| h.shared.spawn_at(future, location, name))) {
        Some(handle) => handle,
        None => panic!("runtime::spawn: {}", runtime::NO_RUNTIME),
    }
}

/// Runs a blocking closure on the current runtime's blocking pool and
/// returns a [`JoinHandle`] for its result (asyncio's `run_in_executor`).
///
/// The pool starts threads on demand, up to
/// [`Builder::max_blocking_threads`] (512 by default); further closures
/// wait their turn. Cancelling the handle before the closure starts keeps it
/// from running; a closure already running is not interrupted.
///
/// # Panics
///
/// Panics if called outside a runtime (see [`spawn`]).
///
/// # Examples
///
/// ```
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let digest = runtime::spawn_blocking(|| {
///     // e.g. hashing a file: blocking work off the workers
///     (1..=10u64).product::<u64>()
/// });
/// assert_eq!(digest.await.unwrap(), 3_628_800);
/// # });
/// ```
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    match runtime::context::with_current(|h| h.map(|h| h.spawn_blocking(f))) {
        Some(handle) => handle,
        None => panic!("runtime::spawn_blocking: {}", runtime::NO_RUNTIME),
    }
}

/// Internals exposed for the project's own benchmark tools; not a stable
/// API.
#[doc(hidden)]
pub mod __private {
    /// `size_of` of the untyped task header every task starts with (the
    /// memory benchmark reports it).
    pub const TASK_HEADER_SIZE: usize = std::mem::size_of::<crate::task::raw::Header>();
}
