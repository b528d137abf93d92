//! Procedural macros for the `runtime` crate: [`#[runtime::main]`](macro@main)
//! and [`#[runtime::test]`](macro@test).
//!
//! Both turn an `async fn` into a regular function that builds a runtime and
//! blocks on the function's body. They are re-exported by `runtime`, and are
//! meant to be used through it:
//!
//! ```ignore
//! #[runtime::main]
//! async fn main() {
//!     println!("hello from the runtime");
//! }
//! ```
//!
//! # Arguments
//!
//! Both attributes accept the same optional arguments, separated by commas:
//!
//! * `flavor = "multi_thread"` (the default) or `flavor = "current_thread"`:
//!   the runtime is built with `Builder::new_multi_thread()` or
//!   `Builder::new_current_thread()` (every task on the calling thread;
//!   `runtime::task::spawn_local` works directly in the body).
//! * `worker_threads = N`: the number of worker threads of the runtime, an
//!   integer literal of at least 1 (passed to `Builder::worker_threads`).
//!   Without it, the runtime's default is used. With `flavor =
//!   "current_thread"` it is a compile error.
//! * `start_paused = true`: the runtime's clock starts paused (passed to
//!   `Builder::start_paused`), so timers complete as soon as the runtime is
//!   idle instead of in real time: for tests of timeouts and intervals.
//!   Defaults to `false`.
//! * `crate = "path"`: the path to the `runtime` crate, for when it is
//!   renamed or re-exported, as in `crate = "my_crate::runtime"`. Defaults to
//!   `::runtime`.
//!
//! # Errors
//!
//! Misuse (a function that is not `async`, an unknown, duplicate or invalid
//! argument, a `main` function or test with parameters or generic
//! parameters) is a compile error pointing at the offending tokens. The
//! function is still expanded alongside the errors, so that IDEs keep
//! analysing its body.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

use proc_macro::TokenStream;

mod config;
mod entry;
mod item;

use entry::Kind;

/// Runs an `async fn main` on a new runtime.
///
/// The function is turned into a regular function that builds a runtime with
/// `runtime::Builder` and blocks on the body with `Runtime::block_on`. The
/// body runs as an `async move` block, so `return` and `?` behave as in the
/// `async fn`, and the return type is kept: `main` may return a `Result`.
/// The function's attributes, doc comments and visibility are kept as well.
///
/// If the runtime cannot be built, the function panics with the error.
///
/// The attribute may also be used on a function other than `main`, which
/// may then take parameters.
///
/// # Arguments
///
/// * `flavor = "current_thread"`: a current-thread runtime
///   (`Builder::new_current_thread`); the default is `"multi_thread"`.
/// * `worker_threads = N`: the number of worker threads (at least 1);
///   defaults to the runtime's default; not with `current_thread`.
/// * `start_paused = true`: start the runtime's clock paused
///   (`Builder::start_paused`); defaults to `false`.
/// * `crate = "path"`: the path to the `runtime` crate; defaults to
///   `::runtime`.
///
/// # Examples
///
/// ```ignore
/// #[runtime::main]
/// async fn main() {
///     println!("hello from the runtime");
/// }
/// ```
///
/// Choosing the number of worker threads, and returning a `Result`:
///
/// ```ignore
/// use std::error::Error;
///
/// #[runtime::main(worker_threads = 4)]
/// async fn main() -> Result<(), Box<dyn Error>> {
///     let n: u32 = "42".parse()?;
///     println!("{n}");
///     Ok(())
/// }
/// ```
///
/// Through a re-export of the runtime crate:
///
/// ```ignore
/// #[my_crate::runtime::main(crate = "my_crate::runtime")]
/// async fn main() {}
/// ```
///
/// # Expansion
///
/// ```ignore
/// #[runtime::main(worker_threads = 4)]
/// async fn main() -> Result<(), Box<dyn Error>> {
///     body
/// }
/// ```
///
/// expands to (up to the hygiene of the local variables):
///
/// ```ignore
/// fn main() -> Result<(), Box<dyn Error>> {
///     let body = async move { body };
///     #[allow(clippy::needless_return, clippy::panic)]
///     {
///         let runtime = match ::runtime::Builder::new_multi_thread().worker_threads(4).build() {
///             Ok(runtime) => runtime,
///             Err(error) => panic!("failed to build the runtime: {}", error),
///         };
///         return runtime.block_on(body);
///     }
/// }
/// ```
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::expand(Kind::Main, args.into(), item.into()).into()
}

/// Runs an `async fn` test on a runtime of its own.
///
/// The function is turned into a regular `#[test]` function that builds a
/// new runtime with `runtime::Builder` and blocks on the body with
/// `Runtime::block_on`; each test gets its own runtime. The body runs as an
/// `async move` block, so `return` and `?` behave as in the `async fn`, and
/// the return type is kept: a test may return a `Result`. The function's
/// other attributes (`#[should_panic]`, `#[ignore]`, ...) are kept, and must
/// not include another `#[test]`.
///
/// If the runtime cannot be built, the test panics with the error.
///
/// # Arguments
///
/// * `flavor = "current_thread"`: a current-thread runtime
///   (`Builder::new_current_thread`); the default is `"multi_thread"`.
/// * `worker_threads = N`: the number of worker threads (at least 1);
///   defaults to the runtime's default; not with `current_thread`.
/// * `start_paused = true`: start the runtime's clock paused
///   (`Builder::start_paused`); defaults to `false`.
/// * `crate = "path"`: the path to the `runtime` crate; defaults to
///   `::runtime`.
///
/// # Examples
///
/// ```ignore
/// #[runtime::test]
/// async fn adds() {
///     assert_eq!(async { 1 + 1 }.await, 2);
/// }
///
/// #[runtime::test(worker_threads = 2)]
/// async fn parses() -> Result<(), std::num::ParseIntError> {
///     assert_eq!("7".parse::<u8>()?, 7);
///     Ok(())
/// }
///
/// // A timeout of an hour, tested in microseconds on a paused clock.
/// #[runtime::test(start_paused = true)]
/// async fn times_out() {
///     let never = std::future::pending::<()>();
///     let out = runtime::time::timeout(std::time::Duration::from_secs(3600), never).await;
///     assert!(out.is_err());
/// }
/// ```
///
/// # Expansion
///
/// ```ignore
/// #[runtime::test(worker_threads = 2)]
/// async fn parses() -> Result<(), ParseIntError> {
///     body
/// }
/// ```
///
/// expands to (up to the hygiene of the local variables):
///
/// ```ignore
/// #[::core::prelude::v1::test]
/// fn parses() -> Result<(), ParseIntError> {
///     let body = async move { body };
///     // Every test blocks on the same future type, so that `block_on` is
///     // compiled once for all tests with the same return type.
///     let body = ::core::pin::pin!(body);
///     let body: Pin<&mut dyn Future<Output = Result<(), ParseIntError>>> = body;
///     #[allow(clippy::needless_return, clippy::panic)]
///     {
///         let runtime = match ::runtime::Builder::new_multi_thread().worker_threads(2).build() {
///             Ok(runtime) => runtime,
///             Err(error) => panic!("failed to build the runtime: {}", error),
///         };
///         return runtime.block_on(body);
///     }
/// }
/// ```
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::expand(Kind::Test, args.into(), item.into()).into()
}
