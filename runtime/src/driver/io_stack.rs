//! The bottom of the driver stack as its holder sees it: the I/O driver's
//! poller, or, where there is no I/O, the plain thread parker.
//!
//! The thread holding the stack waits here (for at most what the time
//! driver above allows) and, after a wait that read I/O events, hands them
//! to their sockets ([`IoStack::dispatch`]). Both variants are interrupted
//! through their [`Unpark`] handle ([`IoStack::unpark_handle`]), so the
//! time driver and the scheduler wake the holder the same way on either.

use super::io::{Poller, Reactor};
use super::park_thread::ParkThread;
use super::Unpark;
use crate::loom::Arc;
use std::time::Duration;

/// The bottom of the driver stack (owned by whoever holds the stack).
pub(crate) enum IoStack {
    /// The I/O driver: a wait in `mio::Poll`; `reactor` is its handle.
    Enabled {
        /// The poller the holder waits in.
        poller: Poller,
        /// The handle the events are dispatched through.
        reactor: Arc<Reactor>,
    },
    /// No I/O: a wait on a condition variable (the loom models use it,
    /// since `mio` cannot run under loom).
    Disabled(Arc<ParkThread>),
}

impl IoStack {
    /// The stack over the I/O driver.
    pub(crate) fn with_io(reactor: Arc<Reactor>, poller: Poller) -> IoStack {
        IoStack::Enabled { poller, reactor }
    }

    /// The stack without I/O, over a new thread parker.
    #[cfg_attr(not(runtime_loom), allow(dead_code))]
    pub(crate) fn without_io() -> IoStack {
        IoStack::Disabled(Arc::new(ParkThread::new()))
    }

    /// The handle that interrupts a wait in this driver.
    pub(crate) fn unpark_handle(&self) -> Arc<dyn Unpark> {
        match self {
            IoStack::Enabled { reactor, .. } => reactor.waker(),
            IoStack::Disabled(park) => park.clone(),
        }
    }

    /// The I/O driver's handle, if there is one (for sockets to register
    /// with).
    pub(crate) fn reactor(&self) -> Option<Arc<Reactor>> {
        match self {
            IoStack::Enabled { reactor, .. } => Some(reactor.clone()),
            IoStack::Disabled(_) => None,
        }
    }

    /// Waits until unparked, until an I/O event comes, or at most
    /// `timeout` (`None`: no limit). Returns the number of I/O events read
    /// (always 0 without I/O); they are handed out by `dispatch`. An
    /// unpark since the last wait ends it at once (and is consumed).
    pub(crate) fn park(&mut self, timeout: Option<Duration>) -> usize {
        match self {
            IoStack::Enabled { poller, .. } => poller.poll(timeout),
            IoStack::Disabled(park) => {
                park.park(timeout);
                0
            }
        }
    }

    /// Looks for I/O events that are already waiting, or arrive within
    /// `grace` (a short real-time look, not a park: the thread parker's
    /// unpark flag is left alone). Returns the number of events read.
    pub(crate) fn peek(&mut self, grace: Duration) -> usize {
        match self {
            IoStack::Enabled { poller, .. } => poller.poll(Some(grace)),
            IoStack::Disabled(_) => 0,
        }
    }

    /// Hands the events read by the last `park` or `peek` to their
    /// resources and wakes the waiting tasks. Returns the number woken.
    pub(crate) fn dispatch(&mut self) -> usize {
        match self {
            IoStack::Enabled { poller, reactor } => reactor.dispatch(poller),
            IoStack::Disabled(_) => 0,
        }
    }
}
