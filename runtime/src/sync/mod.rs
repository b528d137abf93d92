//! Synchronization between tasks.
//!
//! This runtime does not write its own channels and locks: well-kept,
//! runtime-independent crates already do them right, and they work on this
//! runtime because they only use `Waker`s (the test suite checks them under
//! load: a fan-in of 1,000 producers into one consumer, and an async mutex
//! contended by many tasks across both workers; see `tests/channels.rs`).
//!
//! | need (asyncio) | use |
//! | --- | --- |
//! | a result set later, from elsewhere (`asyncio.Future`) | [`oneshot`] (re-exported `futures-channel`) |
//! | a queue (`asyncio.Queue`) | `async-channel` (bounded or unbounded, multi-producer multi-consumer), or `futures::channel::mpsc` |
//! | `asyncio.Lock`, `Semaphore`, `Barrier`, read-write lock | `async-lock` |
//! | `asyncio.Event`, low-level notification | `event-listener` (or `async-lock`'s types built on it) |
//!
//! Only [`oneshot`] is re-exported here, because it is the counterpart of
//! asyncio's most basic object; depend on the others directly.

pub mod oneshot;
