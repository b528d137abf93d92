//! The I/O reactor of one runtime: a `mio::Poll` (epoll on Linux), the
//! table of registered resources, and the `mio::Waker` that interrupts a
//! wait in the poller.
//!
//! * **Handle and poller.** [`Reactor::new`] returns the handle
//!   ([`Reactor`]: registration, dispatch, shutdown, the waker), which
//!   sockets and the time driver share, and the [`Poller`] (the
//!   `mio::Poll` and its event buffer), which one owner waits in: the
//!   scheduler keeps it behind a lock that its workers only ever try
//!   (`scheduler::drivers`), so one thread at a time holds the stack.
//! * **Tokens.** A resource's token is its slot in `resources` plus the
//!   slot's generation, so an event that was read from the kernel just
//!   before its resource was deregistered finds a newer generation and is
//!   dropped instead of reaching a reused slot.
//! * **Dispatch.** Events are matched to their `ScheduledIo` under the
//!   table's lock; the wakers of the directions made ready are collected
//!   and called after the lock is released.
//! * **Shutdown.** After the runtime's workers stopped, every resource is
//!   marked shut down and its waiters woken; registering new resources
//!   fails from then on.

use super::scheduled_io::{
    self, ScheduledIo, ERROR, READABLE, READ_CLOSED, WRITABLE, WRITE_CLOSED,
};
use crate::driver::Unpark;
use crate::loom::{Arc, AtomicUsize, Mutex, Ordering};
use mio::event::Source;
use mio::{Events, Interest, Poll, Registry, Token};
use std::io;
use std::task::Waker;
use std::time::Duration;

/// The token of the `mio::Waker`; resources use their slot and generation.
const WAKER_TOKEN: Token = Token(usize::MAX);

/// Events read from the kernel per poll.
const EVENTS_CAPACITY: usize = 1024;

/// A token is `index | generation << GENERATION_SHIFT`: 32 bits each on
/// 64-bit targets, 24 + 8 on 32-bit ones. The all-ones index is never
/// used, so no token equals `WAKER_TOKEN`.
const GENERATION_SHIFT: u32 = if usize::BITS >= 64 { 32 } else { 24 };
const INDEX_MASK: usize = (1 << GENERATION_SHIFT) - 1;

/// The bits of a slot's generation that fit in a token.
fn generation_bits(generation: u32) -> usize {
    (generation as usize) & (usize::MAX >> GENERATION_SHIFT)
}

/// The I/O driver proper: the poller and its buffers. Whoever owns it
/// (the scheduler keeps it behind a lock that parking workers only ever
/// try) waits in it; everything else reaches the driver through the
/// [`Reactor`] handle.
pub(crate) struct Poller {
    poll: Poll,
    events: Events,
    wakers: Vec<Waker>,
}

struct Slot {
    generation: u32,
    io: Option<Arc<ScheduledIo>>,
}

#[derive(Default)]
struct Resources {
    slots: Vec<Slot>,
    free: Vec<usize>,
    shutdown: bool,
}

/// The handle of one runtime's I/O driver: registration, dispatch,
/// shutdown, and the waker that interrupts a wait in the [`Poller`].
pub(crate) struct Reactor {
    registry: Registry,
    waker: Arc<mio::Waker>,
    resources: Mutex<Resources>,
    /// Resources registered now (a hint for the paused clock, see
    /// `has_sources`).
    sources: AtomicUsize,
}

impl Unpark for mio::Waker {
    fn unpark(&self) {
        // An error (the eventfd is full) means a wake-up is pending anyway.
        let _ = self.wake();
    }
}

impl Poller {
    /// Waits for events (at most `timeout`; `None`: until one comes or the
    /// waker is woken). Returns the number of resource events read (the
    /// waker's own event is not counted). Errors of the poll itself
    /// (`EINTR`) only end the wait early.
    pub(crate) fn poll(&mut self, timeout: Option<Duration>) -> usize {
        let Poller { poll, events, .. } = self;
        if poll.poll(events, timeout).is_err() {
            events.clear();
            return 0;
        }
        events.iter().filter(|e| e.token() != WAKER_TOKEN).count()
    }
}

/// A registered resource's key in the reactor.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Key(Token);

impl Reactor {
    /// Opens the poller (an epoll instance and an eventfd on Linux).
    ///
    /// # Errors
    ///
    /// The operating system's, if it refuses either (out of descriptors).
    pub(crate) fn new() -> io::Result<(Reactor, Poller)> {
        let poll = Poll::new()?;
        let registry = poll.registry().try_clone()?;
        let waker = Arc::new(mio::Waker::new(poll.registry(), WAKER_TOKEN)?);
        let reactor = Reactor {
            registry,
            waker,
            resources: Mutex::new(Resources::default()),
            sources: AtomicUsize::new(0),
        };
        let poller = Poller {
            poll,
            events: Events::with_capacity(EVENTS_CAPACITY),
            wakers: Vec::new(),
        };
        Ok((reactor, poller))
    }

    /// The waker that interrupts a wait in the poller: the driver handle
    /// (`driver::Unpark`) of the time driver above and of the holder's
    /// parker.
    pub(crate) fn waker(&self) -> Arc<mio::Waker> {
        self.waker.clone()
    }

    /// Hands the events of the last `poll` to their resources and wakes the
    /// waiting tasks. Returns the number of wakers called.
    pub(crate) fn dispatch(&self, poller: &mut Poller) -> usize {
        let Poller { events, wakers, .. } = poller;
        {
            let resources = self.resources.lock();
            for event in events.iter() {
                let token = event.token();
                if token == WAKER_TOKEN {
                    continue;
                }
                let index = token.0 & INDEX_MASK;
                let generation = token.0 >> GENERATION_SHIFT;
                let Some(Slot {
                    generation: current,
                    io: Some(io),
                }) = resources.slots.get(index)
                else {
                    continue;
                };
                if generation_bits(*current) != generation {
                    continue; // deregistered since the kernel reported it
                }
                let mut bits = 0;
                if event.is_readable() {
                    bits |= READABLE;
                }
                if event.is_writable() {
                    bits |= WRITABLE;
                }
                if event.is_read_closed() {
                    bits |= READ_CLOSED;
                }
                if event.is_write_closed() {
                    bits |= WRITE_CLOSED;
                }
                if event.is_error() {
                    bits |= ERROR;
                }
                io.set_readiness(bits, wakers);
            }
        }
        events.clear();
        let n = wakers.len();
        // Called outside every lock: a waker may do anything, including
        // dropping a socket of this reactor.
        for waker in wakers.drain(..) {
            waker.wake();
        }
        n
    }

    /// Registers `source` for `interest`.
    ///
    /// # Errors
    ///
    /// The operating system's, or an error saying the runtime shut down.
    pub(crate) fn register(
        &self,
        source: &mut impl Source,
        interest: Interest,
    ) -> io::Result<(Key, Arc<ScheduledIo>)> {
        let io = Arc::new(ScheduledIo::default());
        let token = {
            let mut resources = self.resources.lock();
            if resources.shutdown {
                return Err(scheduled_io::shut_down_error());
            }
            let index = match resources.free.pop() {
                Some(index) => index,
                None => {
                    resources.slots.push(Slot {
                        generation: 0,
                        io: None,
                    });
                    resources.slots.len() - 1
                }
            };
            assert!(index < INDEX_MASK, "too many sockets registered");
            let slot = &mut resources.slots[index];
            slot.io = Some(io.clone());
            Token(index | (generation_bits(slot.generation) << GENERATION_SHIFT))
        };
        if let Err(err) = self.registry.register(source, token, interest) {
            self.release(Key(token));
            return Err(err);
        }
        // Relaxed: a hint (see `has_sources`).
        self.sources.fetch_add(1, Ordering::Relaxed);
        Ok((Key(token), io))
    }

    /// True if any resource (a socket, a descriptor) is registered: a
    /// paused clock then gives events still on their way a moment before it
    /// jumps (`scheduler::worker`). A hint: read without synchronization.
    pub(crate) fn has_sources(&self) -> bool {
        // Relaxed: a stale answer only changes how long one look waits.
        self.sources.load(Ordering::Relaxed) > 0
    }

    /// Deregisters `source` and frees its slot (a dropped socket).
    pub(crate) fn deregister(&self, key: Key, source: &mut impl Source) {
        // An error here (the descriptor is already gone) changes nothing:
        // closing the descriptor removes it from the poller anyway.
        let _ = self.registry.deregister(source);
        self.release(key);
        // Relaxed: a hint (see `has_sources`).
        self.sources.fetch_sub(1, Ordering::Relaxed);
    }

    fn release(&self, key: Key) {
        let index = key.0 .0 & INDEX_MASK;
        let io = {
            let mut resources = self.resources.lock();
            let Resources { slots, free, .. } = &mut *resources;
            let slot = &mut slots[index];
            let io = slot.io.take();
            // The next owner of the slot gets a new generation, so late
            // events for this one are recognized and dropped.
            slot.generation = slot.generation.wrapping_add(1);
            free.push(index);
            io
        };
        drop(io);
    }

    /// After the workers stopped: fails every registered resource's
    /// operations (waking its waiters) and refuses new registrations.
    pub(crate) fn shutdown(&self) {
        let mut wakers = Vec::new();
        {
            let mut resources = self.resources.lock();
            resources.shutdown = true;
            for slot in &resources.slots {
                if let Some(io) = &slot.io {
                    io.shutdown(&mut wakers);
                }
            }
        }
        for waker in wakers {
            waker.wake();
        }
    }
}

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;
    use crate::driver::io::scheduled_io::Direction;
    use std::sync::atomic::{AtomicUsize as Count, Ordering};
    use std::task::{Context, Wake};

    struct Counter(Count);
    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_stale_event_does_not_reach_the_slots_next_owner() {
        let (reactor, mut poller) = Reactor::new().unwrap();
        let mut a = mio::net::UdpSocket::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let (key_a, _io_a) = reactor.register(&mut a, Interest::READABLE).unwrap();
        let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        sender.send_to(b"x", a.local_addr().unwrap()).unwrap();
        // Read the event from the kernel, but do not dispatch it yet.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while poller.poll(Some(Duration::from_millis(100))) == 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "no event for a readable socket"
            );
        }
        // `a` goes away; `b` gets its slot.
        reactor.deregister(key_a, &mut a);
        let mut b = mio::net::UdpSocket::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let (key_b, io_b) = reactor.register(&mut b, Interest::READABLE).unwrap();
        assert_eq!(
            key_b.0 .0 & INDEX_MASK,
            key_a.0 .0 & INDEX_MASK,
            "slot not reused"
        );
        let counter = Arc::new(Counter(Count::new(0)));
        let waker = Waker::from(counter.clone());
        assert!(io_b
            .poll_ready(&mut Context::from_waker(&waker), Direction::Read)
            .is_pending());
        // `a`'s event is dropped, not delivered to `b`.
        reactor.dispatch(&mut poller);
        assert_eq!(counter.0.load(Ordering::SeqCst), 0);
        assert!(io_b
            .poll_ready(&mut Context::from_waker(&waker), Direction::Read)
            .is_pending());
        reactor.deregister(key_b, &mut b);
    }

    #[test]
    fn shutdown_fails_registered_and_new_sockets() {
        let (reactor, _poller) = Reactor::new().unwrap();
        let mut a = mio::net::UdpSocket::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let (_key, io) = reactor.register(&mut a, Interest::READABLE).unwrap();
        reactor.shutdown();
        let waker = Waker::noop();
        assert!(matches!(
            io.poll_ready(&mut Context::from_waker(waker), Direction::Read),
            std::task::Poll::Ready(Err(_))
        ));
        let mut b = mio::net::UdpSocket::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        assert!(reactor.register(&mut b, Interest::READABLE).is_err());
    }
}
