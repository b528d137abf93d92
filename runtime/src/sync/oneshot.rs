//! A one-shot channel: asyncio's `Future` (`loop.create_future()`).
//!
//! This is `futures-channel`'s oneshot, re-exported: it is small, lock-free
//! on the fast path, widely used, and works with any executor; nothing
//! about this runtime calls for a different one.
//!
//! | asyncio | here |
//! | --- | --- |
//! | `fut = loop.create_future()` | `let (tx, rx) = oneshot::channel();` |
//! | `fut.set_result(v)` (from elsewhere) | `tx.send(v)` (consumes the sender; `Err(v)` if the receiver is gone) |
//! | `await fut` | `rx.await` → `Ok(v)` |
//! | the result never set, the setter gone | `rx.await` → `Err(Canceled)` when the [`Sender`] is dropped |
//! | `fut.cancel()` / `fut.cancelled()` (setter side) | drop the [`Receiver`] / [`Sender::is_canceled`], [`Sender::cancellation`] |
//! | `fut.done()` / `fut.result()` without waiting | [`Receiver::try_recv`] |
//!
//! Unlike an asyncio `Future`, the value is moved to one receiver: to share
//! a result among many awaiters, wrap the receiver in
//! `futures::future::Shared` (from the `futures` crate).
//!
//! # Examples
//!
//! ```
//! use runtime::sync::oneshot;
//!
//! # let rt = runtime::Runtime::new().unwrap();
//! # rt.block_on(async {
//! let (tx, rx) = oneshot::channel::<u32>();
//! std::thread::spawn(move || tx.send(42).unwrap()); // set_result, from anywhere
//! assert_eq!(rx.await.unwrap(), 42);
//!
//! let (tx, rx) = oneshot::channel::<u32>();
//! drop(tx); // nobody will ever set it
//! assert!(rx.await.is_err());
//! # });
//! ```

pub use futures_channel::oneshot::{channel, Canceled, Cancellation, Receiver, Sender};
