//! hyper 1.x on this runtime (cargo feature `hyper`): hyper's runtime
//! traits, and a ready-made server.
//!
//! * [`Executor`] spawns hyper's background tasks on the runtime.
//! * [`Timer`] gives hyper the runtime's timers. Without a timer hyper
//!   silently disables its timeouts, the header-read timeout among them,
//!   which leaves a server open to slow clients (slowloris).
//! * [`Io`] turns the runtime's streams into hyper I/O and back (as
//!   hyper-util's `TokioIo` does for Tokio).
//! * [`serve`] runs hyper's HTTP/1.1 server on a
//!   [`TcpListener`](crate::net::TcpListener): a task per connection, a
//!   header-read timeout, an accept loop that backs off when out of file
//!   descriptors, and graceful shutdown when its task is cancelled.
//!
//! For other hyper setups (HTTP/2, hyper's client, hyper-util's
//! builders), pass [`Executor`], [`Timer`] and [`Io`] where hyper asks for
//! its `rt` traits.
//!
//! # Examples
//!
//! A server that stops gracefully on Ctrl-C:
//!
//! ```no_run
//! use http_body_util::Full;
//! use hyper::body::Bytes;
//!
//! #[runtime::main]
//! async fn main() -> std::io::Result<()> {
//!     let listener = runtime::net::TcpListener::bind("127.0.0.1:8080").await?;
//!     let hello = hyper::service::service_fn(|_req| async {
//!         Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(Bytes::from("hello"))))
//!     });
//!     let server = runtime::spawn(runtime::hyper::serve(listener, hello));
//!     runtime::signal::ctrl_c().await?;
//!     server.cancel(); // stops accepting; in-flight requests finish
//!     let _ = server.await;
//!     Ok(())
//! }
//! ```

mod io;
mod rt;
mod serve;

pub use io::Io;
pub use rt::{Executor, Timer};
pub use serve::{serve, HEADER_READ_TIMEOUT};
