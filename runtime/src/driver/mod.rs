//! The drivers: what a parked thread waits in, and what wakes the tasks
//! waiting for time or I/O.
//!
//! The stack, from the bottom:
//!
//! * [`io`]: the I/O driver (the reactor): waits for socket events in
//!   `mio::Poll`, interrupted through its waker. Where there is no I/O,
//!   [`park_thread`] takes its place: a plain thread parker. [`io_stack`]
//!   is the one type the holder of the stack sees for either.
//! * [`time`]: the time driver: the timing wheel and the clock; it bounds
//!   a wait in the I/O driver by the next timer and interrupts it (through
//!   the I/O driver's handle, an [`Unpark`]) when an earlier timer comes.
//!
//! The dependency direction is `task ← driver ← scheduler ← runtime`:
//! nothing here knows the scheduler or its workers. The scheduler owns the
//! stack: one parking worker at a time holds it and waits in it
//! (`scheduler::worker`), and the scheduler tells the time driver when a
//! paused clock may jump (every participant idle). See
//! `docs/ARCHITECTURE.md` and `docs/reactor.md`.

pub(crate) mod io;
pub(crate) mod io_stack;
#[cfg(all(test, runtime_loom))]
mod loom_stack;
// The bottom of the stack for configurations without I/O; the runtime
// always has I/O today, so only the loom models (which run the real
// scheduler on it) build a stack without.
pub(crate) mod park_thread;
pub(crate) mod time;

/// Interrupts a thread waiting in a driver (the I/O driver's
/// `mio::Waker`): the driver's handle, through which a driver above it
/// and the scheduler wake the holder. An unpark with nobody waiting is
/// remembered: the next wait returns at once.
pub(crate) trait Unpark: Send + Sync {
    /// Wakes the thread waiting in the driver.
    fn unpark(&self);
}
