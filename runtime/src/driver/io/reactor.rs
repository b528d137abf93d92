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
//! * **Tokens.** A resource's token is the address of its `ScheduledIo`
//!   (an `Arc` the reactor holds), so dispatch finds it without a lookup
//!   and without a lock. The reactor keeps that `Arc` alive while any
//!   event carrying the token may still be dispatched: in its table
//!   (`resources`, a slot per registered resource) until the resource is
//!   deregistered, then in a `released` list until the end of the next
//!   dispatch. Events are read and dispatched by one thread at a time (the
//!   holder of the [`Poller`]), and a deregistered source produces no new
//!   events, so by the end of the dispatch that follows a deregistration
//!   no event for it is left anywhere (see `dispatch`). An address is
//!   reused only after that, so a stale event never reaches another
//!   resource.
//! * **Dispatch.** Each event's readiness goes to its `ScheduledIo`; the
//!   wakers of the directions made ready are collected and called after
//!   the batch. No lock of the reactor is taken (the table's lock only
//!   when resources were deregistered since the last dispatch, to let
//!   them go).
//! * **Shutdown.** After the runtime's workers stopped, every resource is
//!   marked shut down and its waiters woken; registering new resources
//!   fails from then on.

use super::scheduled_io::{
    self, ScheduledIo, ERROR, READABLE, READ_CLOSED, WRITABLE, WRITE_CLOSED,
};
use super::timer_fd::{self, TimerFd};
use crate::driver::Unpark;
use crate::loom::{Arc, AtomicBool, AtomicUsize, Mutex, Ordering};
use mio::event::Source;
use mio::{Events, Interest, Poll, Registry, Token};
use std::io;
use std::task::Waker;
use std::time::Duration;

/// The token of the `mio::Waker`; resources use their `ScheduledIo`'s
/// address, which is never `usize::MAX` (it is aligned).
const WAKER_TOKEN: Token = Token(usize::MAX);

/// The token of the poller's own timer (`timer_fd`), for sub-millisecond
/// timeouts; no aligned address equals it either.
const TIMER_TOKEN: Token = Token(usize::MAX - 1);

/// Events read from the kernel per poll.
const EVENTS_CAPACITY: usize = 1024;

/// The I/O driver proper: the poller and its buffers. Whoever owns it
/// (the scheduler keeps it behind a lock that parking workers only ever
/// try) waits in it; everything else reaches the driver through the
/// [`Reactor`] handle.
pub(crate) struct Poller {
    poll: Poll,
    events: Events,
    wakers: Vec<Waker>,
    /// Ends a wait on time when its timeout is not whole milliseconds.
    timer: TimerFd,
}

/// The registered resources (for shutdown, and to keep each one alive while
/// its token may be in an event).
#[derive(Default)]
struct Resources {
    /// One per registered resource; `None` when free.
    slots: Vec<Option<Arc<ScheduledIo>>>,
    free: Vec<usize>,
    /// Deregistered since the last dispatch: freed at the end of the next
    /// one (see the module docs).
    released: Vec<Arc<ScheduledIo>>,
    shutdown: bool,
}

/// The handle of one runtime's I/O driver: registration, dispatch,
/// shutdown, and the waker that interrupts a wait in the [`Poller`].
pub(crate) struct Reactor {
    registry: Registry,
    waker: Arc<mio::Waker>,
    resources: Mutex<Resources>,
    /// `Resources::released` is not empty (a hint, written under the lock):
    /// the dispatch takes the lock only then.
    has_released: AtomicBool,
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
    /// waker's and the timer's own events are not counted). Errors of the
    /// poll itself (`EINTR`) only end the wait early. A timeout that is not
    /// a whole number of milliseconds is kept to the microsecond (the
    /// poller's timer), not rounded up to the next millisecond.
    pub(crate) fn poll(&mut self, timeout: Option<Duration>) -> usize {
        let Poller {
            poll,
            events,
            timer,
            ..
        } = self;
        if let Some(timeout) = timeout.filter(|&t| timer_fd::needs_timer(t)) {
            timer.arm(timeout);
        }
        if poll.poll(events, timeout).is_err() {
            events.clear();
            return 0;
        }
        let mut count = 0;
        for event in events.iter() {
            match event.token() {
                WAKER_TOKEN => {}
                TIMER_TOKEN => timer.fired(),
                _ => count += 1,
            }
        }
        count
    }
}

/// A registered resource's key in the reactor (its slot in the table).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Key(usize);

impl Reactor {
    /// Opens the poller (an epoll instance, an eventfd and a timerfd on
    /// Linux).
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
            has_released: AtomicBool::new(false),
            sources: AtomicUsize::new(0),
        };
        let timer = TimerFd::new(poll.registry(), TIMER_TOKEN)?;
        let poller = Poller {
            poll,
            events: Events::with_capacity(EVENTS_CAPACITY),
            wakers: Vec::new(),
            timer,
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
        for event in events.iter() {
            let token = event.token();
            if token == WAKER_TOKEN || token == TIMER_TOKEN {
                continue;
            }
            // The token is the address of a `ScheduledIo` that the reactor
            // keeps alive, in `resources` or in `released`, until the end
            // of the first dispatch after its deregistration (the module
            // docs say why no event for it is left after that). This event
            // was read by the poll this dispatch follows, with the caller
            // holding the `Poller` throughout.
            // SAFETY: so that end has not come yet: the pointee is alive.
            let io = unsafe { &*(token.0 as *const ScheduledIo) };
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
        events.clear();
        // Resources deregistered before this point produce no events any
        // more, and the events read before their deregistration were all
        // in this batch: they may go now. Relaxed: a flag set after this
        // load only leaves its resources to the next dispatch, which is
        // always safe.
        let released = if self.has_released.load(Ordering::Relaxed) {
            let mut resources = self.resources.lock();
            self.has_released.store(false, Ordering::Relaxed);
            std::mem::take(&mut resources.released)
        } else {
            Vec::new()
        };
        drop(released);
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
        let token = Token(Arc::as_ptr(&io) as usize);
        let index = {
            let mut resources = self.resources.lock();
            if resources.shutdown {
                return Err(scheduled_io::shut_down_error());
            }
            let index = match resources.free.pop() {
                Some(index) => index,
                None => {
                    resources.slots.push(None);
                    resources.slots.len() - 1
                }
            };
            resources.slots[index] = Some(io.clone());
            index
        };
        if let Err(err) = self.registry.register(source, token, interest) {
            // Never registered: no event can carry the token.
            drop(self.take_slot(index));
            return Err(err);
        }
        // Relaxed: a hint (see `has_sources`).
        self.sources.fetch_add(1, Ordering::Relaxed);
        Ok((Key(index), io))
    }

    /// True if any resource (a socket, a descriptor) is registered: a
    /// paused clock then gives events still on their way a moment before it
    /// jumps (`scheduler::worker`). A hint: read without synchronization.
    pub(crate) fn has_sources(&self) -> bool {
        // Relaxed: a stale answer only changes how long one look waits.
        self.sources.load(Ordering::Relaxed) > 0
    }

    /// Deregisters `source` and frees its slot (a dropped socket). Its
    /// `ScheduledIo` lives on until the end of the next dispatch (see the
    /// module docs).
    pub(crate) fn deregister(&self, key: Key, source: &mut impl Source) {
        let deregistered = self.registry.deregister(source);
        {
            let mut resources = self.resources.lock();
            let io = resources.slots[key.0].take();
            resources.free.push(key.0);
            match deregistered {
                Ok(()) => {
                    resources.released.extend(io);
                    // Relaxed: read by `dispatch` (see there), written
                    // under the lock.
                    self.has_released.store(true, Ordering::Relaxed);
                }
                // The descriptor was not registered any more (closed behind
                // our back, so the kernel may still hold its registration
                // through a duplicate): events may carry the token at any
                // time, so its `ScheduledIo` is never freed. A few bytes
                // per such misuse, instead of a use after free.
                Err(_) => std::mem::forget(io),
            }
        }
        // Relaxed: a hint (see `has_sources`).
        self.sources.fetch_sub(1, Ordering::Relaxed);
    }

    /// Frees slot `index` and hands back what it held.
    fn take_slot(&self, index: usize) -> Option<Arc<ScheduledIo>> {
        let mut resources = self.resources.lock();
        let io = resources.slots[index].take();
        resources.free.push(index);
        io
    }

    /// After the workers stopped: fails every registered resource's
    /// operations (waking its waiters) and refuses new registrations.
    pub(crate) fn shutdown(&self) {
        let mut wakers = Vec::new();
        {
            let mut resources = self.resources.lock();
            resources.shutdown = true;
            for io in resources.slots.iter().flatten() {
                io.shutdown(&mut wakers);
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

    /// Polls until at least one resource event was read.
    fn poll_for_events(poller: &mut Poller) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while poller.poll(Some(Duration::from_millis(100))) == 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "no event for a readable socket"
            );
        }
    }

    #[test]
    fn a_stale_event_reaches_only_its_own_released_resource() {
        let (reactor, mut poller) = Reactor::new().unwrap();
        let mut a = mio::net::UdpSocket::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let (key_a, io_a) = reactor.register(&mut a, Interest::READABLE).unwrap();
        let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        sender.send_to(b"x", a.local_addr().unwrap()).unwrap();
        // Read the event from the kernel, but do not dispatch it yet.
        poll_for_events(&mut poller);
        // `a` goes away (its slot is free); `b` registers, likely in it.
        reactor.deregister(key_a, &mut a);
        assert_eq!(Arc::strong_count(&io_a), 2, "the reactor keeps `a` alive");
        let mut b = mio::net::UdpSocket::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let (key_b, io_b) = reactor.register(&mut b, Interest::READABLE).unwrap();
        assert!(
            !std::ptr::eq(&*io_a, &*io_b),
            "an address in use was reused"
        );
        let counter = Arc::new(Counter(Count::new(0)));
        let waker = Waker::from(counter.clone());
        assert!(io_b
            .poll_ready(&mut Context::from_waker(&waker), Direction::Read)
            .is_pending());
        // `a`'s event reaches `a`'s (released) state, not `b`.
        reactor.dispatch(&mut poller);
        assert_eq!(counter.0.load(Ordering::SeqCst), 0);
        assert!(io_b
            .poll_ready(&mut Context::from_waker(&waker), Direction::Read)
            .is_pending());
        assert!(io_a
            .poll_ready(&mut Context::from_waker(&waker), Direction::Read)
            .is_ready());
        // The dispatch after the deregistration let `a` go.
        assert_eq!(Arc::strong_count(&io_a), 1, "a released resource was kept");
        reactor.deregister(key_b, &mut b);
        // Kept until the next dispatch, even one with no event.
        assert_eq!(Arc::strong_count(&io_b), 2);
        reactor.dispatch(&mut poller);
        assert_eq!(Arc::strong_count(&io_b), 1);
    }

    #[test]
    fn many_sockets_each_get_only_their_own_events() {
        let (reactor, mut poller) = Reactor::new().unwrap();
        let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        // A socket registered for reading, with a counting waker waiting.
        let register = || {
            let mut socket = mio::net::UdpSocket::bind("127.0.0.1:0".parse().unwrap()).unwrap();
            let (key, io) = reactor.register(&mut socket, Interest::READABLE).unwrap();
            let counter = Arc::new(Counter(Count::new(0)));
            let waker = Waker::from(counter.clone());
            assert!(io
                .poll_ready(&mut Context::from_waker(&waker), Direction::Read)
                .is_pending());
            (socket, key, io, counter)
        };
        let mut sockets: Vec<_> = (0..200).map(|_| register()).collect();
        // Drop a few in the middle (their slots are reused below, their
        // state is kept until the next dispatch).
        for (mut socket, key, _, _) in sockets.drain(50..60) {
            reactor.deregister(key, &mut socket);
        }
        sockets.extend((0..10).map(|_| register()));
        // Every third socket gets a datagram.
        for (socket, ..) in sockets.iter().step_by(3) {
            sender.send_to(b"x", socket.local_addr().unwrap()).unwrap();
        }
        let expected = sockets.len().div_ceil(3);
        let mut woken = 0;
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while woken < expected {
            assert!(
                std::time::Instant::now() < deadline,
                "{woken} of {expected} woken"
            );
            if poller.poll(Some(Duration::from_millis(100))) > 0 {
                woken += reactor.dispatch(&mut poller);
            }
        }
        for (i, (_, _, io, counter)) in sockets.iter().enumerate() {
            let sent = i % 3 == 0;
            assert_eq!(
                counter.0.load(Ordering::SeqCst),
                usize::from(sent),
                "socket {i}"
            );
            let ready = io
                .poll_ready(&mut Context::from_waker(Waker::noop()), Direction::Read)
                .is_ready();
            assert_eq!(ready, sent, "socket {i}");
        }
        for (mut socket, key, io, _) in sockets {
            reactor.deregister(key, &mut socket);
            drop(io);
        }
        reactor.dispatch(&mut poller);
        assert!(reactor.resources.lock().released.is_empty());
        assert!(!reactor.has_sources());
    }

    #[test]
    fn a_wait_shorter_than_a_millisecond_is_not_rounded_up() {
        // `epoll_wait` alone waits at least 1 ms for any timeout below it
        // (mio rounds up): the poller's timer must end the wait sooner. The
        // shortest of several waits is looked at, so one slow wake-up on a
        // busy machine does not fail the test.
        let (reactor, mut poller) = Reactor::new().unwrap();
        let timeout = Duration::from_micros(300);
        let mut shortest = Duration::MAX;
        for _ in 0..9 {
            let start = std::time::Instant::now();
            assert_eq!(poller.poll(Some(timeout)), 0, "the timer is not an event");
            let waited = start.elapsed();
            assert!(waited >= timeout, "woke early: {waited:?}");
            shortest = shortest.min(waited);
            assert_eq!(reactor.dispatch(&mut poller), 0);
        }
        if cfg!(target_os = "linux") {
            assert!(
                shortest < Duration::from_millis(1),
                "rounded up: {shortest:?}"
            );
        }
        // A whole-millisecond wait, and one after the timer fired, still
        // wait their full time.
        let start = std::time::Instant::now();
        poller.poll(Some(Duration::from_millis(2)));
        assert!(start.elapsed() >= Duration::from_millis(2));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_wait_for_the_deadline_already_armed_does_not_set_the_timer_again() {
        // Waits that end early (an unpark here; an I/O event in a server)
        // and come back for the same next timer keep the timer's arming:
        // one `timerfd_settime` for the deadline, not one per wait. The
        // kept arming still ends the wait, not later than the deadline
        // plus the rounded-up fallback.
        let (reactor, mut poller) = Reactor::new().unwrap();
        let waker = reactor.waker();
        let deadline = std::time::Instant::now() + Duration::from_micros(200_500);
        for _ in 0..5 {
            waker.unpark();
            poller.poll(Some(deadline - std::time::Instant::now()));
            assert!(
                std::time::Instant::now() < deadline,
                "the unpark ended the wait"
            );
        }
        poller.poll(Some(deadline - std::time::Instant::now()));
        let late = std::time::Instant::now() - deadline;
        assert!(
            late < Duration::from_millis(100),
            "the kept arming ended the wait {late:?} late"
        );
        // One arming for the six waits; a second is allowed: a preemption
        // between this test's clock read and the poller's moves the
        // deadline it rebuilds by more than `SAME_DEADLINE` (the old code
        // armed six times).
        let arms = poller.timer.arms;
        assert!((1..=2).contains(&arms), "{arms} armings for one deadline");
        // Fired: the next wait arms again, and so does one for another
        // deadline.
        poller.poll(Some(Duration::from_micros(300)));
        assert_eq!(poller.timer.arms, arms + 1);
        waker.unpark();
        poller.poll(Some(Duration::from_micros(50_300)));
        assert_eq!(poller.timer.arms, arms + 2);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_descriptor_closed_behind_the_registrations_back_keeps_its_state_alive() {
        // The registration is a duplicate of the socket's descriptor, closed
        // before the deregistration: epoll keeps the registration (it is
        // tied to the open file, which the original descriptor keeps) but
        // refuses to remove it by the closed number. Events keep carrying
        // the token, so the state must stay valid for good.
        use mio::unix::SourceFd;
        use std::os::fd::AsRawFd;
        let (reactor, mut poller) = Reactor::new().unwrap();
        let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        socket.set_nonblocking(true).unwrap();
        // SAFETY: `dup` of a descriptor this test owns; checked below.
        let dup = unsafe { libc::dup(socket.as_raw_fd()) };
        assert!(dup >= 0);
        let (key, io) = reactor
            .register(&mut SourceFd(&dup), Interest::READABLE)
            .unwrap();
        // SAFETY: `dup` is ours and nothing else uses it.
        assert_eq!(unsafe { libc::close(dup) }, 0);
        reactor.deregister(key, &mut SourceFd(&dup));
        reactor.dispatch(&mut poller);
        assert_eq!(Arc::strong_count(&io), 2, "the state was not kept");
        let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        sender.send_to(b"x", socket.local_addr().unwrap()).unwrap();
        poll_for_events(&mut poller);
        reactor.dispatch(&mut poller);
        assert!(
            io.poll_ready(&mut Context::from_waker(Waker::noop()), Direction::Read)
                .is_ready(),
            "the event reached the kept state"
        );
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
