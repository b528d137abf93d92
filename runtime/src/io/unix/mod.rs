//! Unix-specific I/O: [`AsyncFd`], readiness for any file descriptor.

mod async_fd;

pub use async_fd::{AsyncFd, AsyncFdReadyGuard, AsyncFdReadyMutGuard, TryIoError};
