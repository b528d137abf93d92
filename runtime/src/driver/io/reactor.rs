//! The I/O reactor of one runtime: a `mio::Poll` (epoll on Linux), the
//! table of registered resources, and the `mio::Waker` that interrupts a
//! wait in the poller.
//!
//! * **One poller at a time.** The `Poll` and its event buffer sit behind
//!   a mutex that threads only ever *try* to take (`try_lock`): whoever
//!   gets it holds the driver stack and may wait in `mio::Poll::poll` (the
//!   time driver above bounds the timeout); the others do not wait here.
//!   (The scheduler's parking workers take it this way, and its busy ones
//!   for a poll with a zero timeout, `poll_now`.) A thread that finds it
//!   taken records it (`missed`), so the holder knows, when it lets go
//!   without waiting in it again, that someone must take it over.
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
use crate::loom::{fence, Arc, AtomicBool, Mutex, MutexGuard, Ordering};
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

/// The poller and its buffers; whoever holds the lock is *the* poller.
pub(crate) struct PollState {
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

/// One runtime's I/O driver.
pub(crate) struct Reactor {
    registry: Registry,
    waker: Arc<mio::Waker>,
    poll: Mutex<PollState>,
    resources: Mutex<Resources>,
    /// A parking worker found the poller taken: whoever releases it
    /// without parking in it again (`release_poller`) nudges a sleeper to take it.
    missed: AtomicBool,
}

impl Unpark for mio::Waker {
    fn unpark(&self) {
        // An error (the eventfd is full) means a wake-up is pending anyway.
        let _ = self.wake();
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
    pub(crate) fn new() -> io::Result<Reactor> {
        let poll = Poll::new()?;
        let registry = poll.registry().try_clone()?;
        let waker = Arc::new(mio::Waker::new(poll.registry(), WAKER_TOKEN)?);
        Ok(Reactor {
            registry,
            waker,
            poll: Mutex::new(PollState {
                poll,
                events: Events::with_capacity(EVENTS_CAPACITY),
                wakers: Vec::new(),
            }),
            resources: Mutex::new(Resources::default()),
            missed: AtomicBool::new(false),
        })
    }

    /// The waker that interrupts a wait in the poller (the poller's
    /// unparker uses it).
    pub(crate) fn waker(&self) -> Arc<mio::Waker> {
        self.waker.clone()
    }

    /// Becomes the poller, unless another thread is.
    fn try_acquire(&self) -> Option<MutexGuard<'_, PollState>> {
        self.poll.try_lock()
    }

    /// A worker about to park tries to become the poller. If another
    /// thread holds it, the attempt is recorded (`missed`) and retried
    /// once, so that a thread releasing it without parking in it either
    /// sees the record (and nudges a sleeper) or has already released it.
    pub(crate) fn acquire_for_park(&self) -> Option<MutexGuard<'_, PollState>> {
        if let Some(state) = self.try_acquire() {
            return Some(state);
        }
        // SeqCst store and fence: pairs with the fence and swap in
        // `poll_now` (a store-load pattern on two locations: the flag and
        // the lock word).
        self.missed.store(true, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        self.try_acquire()
    }

    /// Waits for events (at most `timeout`; `None`: until one comes or the
    /// waker is woken). Returns the number of resource events read (the
    /// waker's own event is not counted). Errors of the poll itself
    /// (`EINTR`) only end the wait early.
    pub(crate) fn poll(&self, state: &mut PollState, timeout: Option<Duration>) -> usize {
        let PollState { poll, events, .. } = state;
        if poll.poll(events, timeout).is_err() {
            events.clear();
            return 0;
        }
        events.iter().filter(|e| e.token() != WAKER_TOKEN).count()
    }

    /// Hands the events of the last `poll` to their resources and wakes the
    /// waiting tasks. Returns the number of wakers called.
    pub(crate) fn dispatch(&self, state: &mut PollState) -> usize {
        let PollState { events, wakers, .. } = state;
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

    /// A poll that does not wait, for busy workers: reads what is ready
    /// and wakes its tasks, unless another thread is the poller. Returns
    /// true if a parking worker found the poller taken meanwhile: the
    /// caller must then nudge a sleeper to take it.
    pub(crate) fn poll_now(&self) -> bool {
        let Some(mut state) = self.try_acquire() else {
            return false;
        };
        if self.poll(&mut state, Some(Duration::ZERO)) > 0 {
            self.dispatch(&mut state);
        }
        self.release_poller(state)
    }

    /// Releases the poller without parking in it. Returns true if a
    /// parking worker found it taken meanwhile (and so sleeps on its
    /// condition variable): the caller must nudge a sleeper to take it.
    pub(crate) fn release_poller(&self, state: MutexGuard<'_, PollState>) -> bool {
        drop(state);
        // SeqCst fence and swap: pairs with `acquire_for_park`.
        fence(Ordering::SeqCst);
        self.missed.swap(false, Ordering::SeqCst)
    }

    /// Clears the `missed` record: the caller hands the poller on anyway.
    pub(crate) fn clear_missed(&self) {
        // Relaxed: a stale `true` only costs one extra nudge later.
        self.missed.store(false, Ordering::Relaxed);
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
        Ok((Key(token), io))
    }

    /// Deregisters `source` and frees its slot (a dropped socket).
    pub(crate) fn deregister(&self, key: Key, source: &mut impl Source) {
        // An error here (the descriptor is already gone) changes nothing:
        // closing the descriptor removes it from the poller anyway.
        let _ = self.registry.deregister(source);
        self.release(key);
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
    use std::sync::atomic::AtomicUsize as Count;
    use std::task::{Context, Wake};

    struct Counter(Count);
    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_stale_event_does_not_reach_the_slots_next_owner() {
        let reactor = Reactor::new().unwrap();
        let mut a = mio::net::UdpSocket::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let (key_a, _io_a) = reactor.register(&mut a, Interest::READABLE).unwrap();
        let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        sender.send_to(b"x", a.local_addr().unwrap()).unwrap();
        // Read the event from the kernel, but do not dispatch it yet.
        let mut state = reactor.try_acquire().unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while reactor.poll(&mut state, Some(Duration::from_millis(100))) == 0 {
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
        reactor.dispatch(&mut state);
        assert_eq!(counter.0.load(Ordering::SeqCst), 0);
        assert!(io_b
            .poll_ready(&mut Context::from_waker(&waker), Direction::Read)
            .is_pending());
        reactor.deregister(key_b, &mut b);
    }

    #[test]
    fn shutdown_fails_registered_and_new_sockets() {
        let reactor = Reactor::new().unwrap();
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
