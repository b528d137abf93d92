//! The I/O driver: the reactor ([`Reactor`]: a `mio::Poll`, the table of
//! registered resources, the waker that interrupts a wait), each
//! resource's readiness and waiters (`scheduled_io`), and the registration
//! the sockets hold (`registration::PollEvented`).
//!
//! It is the bottom of the driver stack: the time driver above it decides
//! how long a wait in it may last, and whoever holds the stack (a parked
//! worker, chosen by the scheduler) waits in it. It knows nothing of the
//! scheduler or its workers. The readiness types [`Interest`] and
//! [`Ready`] are defined here and re-exported by `crate::io`; the sockets
//! (`crate::net`, `crate::io::unix`) are the user-facing side.

mod interest;
mod reactor;
mod ready;
pub(crate) mod registration;
pub(crate) mod scheduled_io;
mod timer_fd;

pub use interest::Interest;
pub(crate) use reactor::{Poller, Reactor};
pub use ready::Ready;
