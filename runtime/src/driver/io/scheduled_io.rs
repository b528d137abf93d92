//! The readiness of one registered I/O resource (a socket), and the tasks
//! waiting for it, one set per direction.
//!
//! * `readiness` packs the readiness bits the reactor has seen
//!   (`READABLE`, `WRITABLE`, the closed and error bits, `SHUTDOWN`) with a
//!   *tick*, a counter bumped by every event. An operation that fails with
//!   `WouldBlock` clears the bits it was handed, but only if the tick is
//!   still the one it read: an event that came in meanwhile is not lost.
//! * Waiters: each direction has one *slot* for `poll_read` / `poll_write`
//!   style callers (a stream's reader and writer, each `&mut`), and a list
//!   for future-style callers (`accept`, `recv_from`), which may be many at
//!   once on a shared socket. A list entry belongs to a [`Readiness`]
//!   future: dropping the future (a cancelled task) removes it.
//! * An event wakes exactly the waiters of the directions it makes ready.
//!
//! No wake-up is lost: the reactor sets the bits and then takes the
//! waiters' lock to wake; a waiter stores its waker under that lock and
//! then looks at the bits again. Whichever takes the lock second sees what
//! the other did.

use crate::loom::{AtomicUsize, Mutex, Ordering};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

pub(crate) const READABLE: usize = 1;
pub(crate) const WRITABLE: usize = 1 << 1;
pub(crate) const READ_CLOSED: usize = 1 << 2;
pub(crate) const WRITE_CLOSED: usize = 1 << 3;
pub(crate) const ERROR: usize = 1 << 4;
/// The runtime shut down: every operation fails from now on.
const SHUTDOWN: usize = 1 << 5;
const READY_MASK: usize = (1 << 6) - 1;
const TICK_SHIFT: usize = 8;

/// The bits that make a direction ready.
const READ_INTEREST: usize = READABLE | READ_CLOSED | ERROR;
const WRITE_INTEREST: usize = WRITABLE | WRITE_CLOSED | ERROR;

/// Message of the error every operation returns once the runtime is gone.
pub(crate) const SHUT_DOWN: &str = "the runtime this socket is registered with has shut down, so \
nothing will ever report it ready; keep the `Runtime` alive while its sockets are in use";

pub(crate) fn shut_down_error() -> io::Error {
    io::Error::other(SHUT_DOWN)
}

/// Which way an operation goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
}

impl Direction {
    pub(crate) fn mask(self) -> usize {
        match self {
            Direction::Read => READ_INTEREST,
            Direction::Write => WRITE_INTEREST,
        }
    }
}

/// What a waiter was handed: the bits that were set, and the tick they
/// were set at (for `clear_readiness`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReadyEvent {
    ready: usize,
    tick: usize,
}

impl ReadyEvent {
    /// The readiness bits that were set.
    pub(crate) fn ready(self) -> usize {
        self.ready
    }

    /// The same event, narrowed to the bits in `mask` (for clearing only
    /// some of them).
    pub(crate) fn with_ready(self, mask: usize) -> ReadyEvent {
        ReadyEvent {
            ready: self.ready & mask,
            tick: self.tick,
        }
    }
}

#[derive(Default)]
struct Waiters {
    reader: Option<Waker>,
    writer: Option<Waker>,
    /// Future-style waiters: (id, the readiness bits that wake it, waker).
    list: Vec<(u64, usize, Waker)>,
    next_id: u64,
}

/// One registered resource's readiness and waiters.
pub(crate) struct ScheduledIo {
    readiness: AtomicUsize,
    waiters: Mutex<Waiters>,
}

impl Default for ScheduledIo {
    fn default() -> ScheduledIo {
        ScheduledIo {
            readiness: AtomicUsize::new(0),
            waiters: Mutex::new(Waiters::default()),
        }
    }
}

impl ScheduledIo {
    /// Records an event's readiness `bits` (called by the reactor) and
    /// moves the wakers of the directions it makes ready into `wake`.
    pub(crate) fn set_readiness(&self, bits: usize, wake: &mut Vec<Waker>) {
        let mut cur = self.readiness.load(Ordering::Relaxed);
        loop {
            let tick = (cur >> TICK_SHIFT).wrapping_add(1);
            let new = (cur & READY_MASK) | bits | (tick << TICK_SHIFT);
            // AcqRel: Release pairs with the Acquire loads of `poll_ready`
            // (what the event announces is published with it); Acquire
            // keeps our read of the other bits current.
            match self.readiness.compare_exchange_weak(
                cur,
                new,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(actual) => cur = actual,
            }
        }
        self.take_wakers(bits, wake);
    }

    fn take_wakers(&self, bits: usize, wake: &mut Vec<Waker>) {
        let read = bits & READ_INTEREST != 0;
        let write = bits & WRITE_INTEREST != 0;
        let mut waiters = self.waiters.lock();
        if read {
            wake.extend(waiters.reader.take());
        }
        if write {
            wake.extend(waiters.writer.take());
        }
        waiters.list.retain_mut(|(_, mask, waker)| {
            let ready = bits & *mask != 0;
            if ready {
                wake.push(std::mem::replace(waker, Waker::noop().clone()));
            }
            !ready
        });
    }

    /// Runtime shutdown: every operation fails from now on, and every
    /// waiter is woken to see it.
    pub(crate) fn shutdown(&self, wake: &mut Vec<Waker>) {
        // Release: pairs with the Acquire loads of `poll_ready`.
        self.readiness.fetch_or(SHUTDOWN, Ordering::Release);
        self.take_wakers(READ_INTEREST | WRITE_INTEREST, wake);
    }

    fn check(&self, dir: Direction) -> Option<io::Result<ReadyEvent>> {
        self.check_mask(dir.mask())
    }

    /// The readiness in `mask`, if any is set now (no waiting), or the
    /// shutdown error.
    pub(crate) fn check_mask(&self, mask: usize) -> Option<io::Result<ReadyEvent>> {
        // Acquire: pairs with the Release of `set_readiness` / `shutdown`.
        let cur = self.readiness.load(Ordering::Acquire);
        if cur & SHUTDOWN != 0 {
            return Some(Err(shut_down_error()));
        }
        let ready = cur & mask;
        (ready != 0).then_some(Ok(ReadyEvent {
            ready,
            tick: cur >> TICK_SHIFT,
        }))
    }

    /// Ready in `dir`, or stores `cx`'s waker in the direction's slot
    /// (replacing the previous one: one poll-style waiter per direction).
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
    ) -> Poll<io::Result<ReadyEvent>> {
        if let Some(ready) = self.check(dir) {
            return Poll::Ready(ready);
        }
        let mut waiters = self.waiters.lock();
        let slot = match dir {
            Direction::Read => &mut waiters.reader,
            Direction::Write => &mut waiters.writer,
        };
        match slot {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => *slot = Some(cx.waker().clone()),
        }
        // Looked at again under the lock: see the module docs.
        match self.check(dir) {
            Some(ready) => Poll::Ready(ready),
            None => Poll::Pending,
        }
    }

    /// A future that resolves once the resource is ready in `dir`.
    pub(crate) fn readiness(&self, dir: Direction) -> Readiness<'_> {
        self.readiness_mask(dir.mask())
    }

    /// A future that resolves once any readiness bit in `mask` is set.
    pub(crate) fn readiness_mask(&self, mask: usize) -> Readiness<'_> {
        Readiness {
            io: self,
            mask,
            id: None,
        }
    }

    /// Forgets the readiness in `event` (an operation returned
    /// `WouldBlock`), unless a newer event has arrived since. The closed
    /// bits stay: they are final. The error bit goes too (as in Tokio): an
    /// operation that found nothing to report after an error must wait for
    /// a new event, or every later wait would return at once and a retry
    /// loop would spin.
    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        let clear = event.ready & (READABLE | WRITABLE | ERROR);
        let mut cur = self.readiness.load(Ordering::Relaxed);
        loop {
            if cur >> TICK_SHIFT != event.tick {
                return;
            }
            // Relaxed: only forgets bits; the tick guards against erasing
            // a newer event, and the waiters' lock orders any wake-up.
            match self.readiness.compare_exchange_weak(
                cur,
                cur & !clear,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
    }
}

/// Future of [`ScheduledIo::readiness`]. Dropping it removes its waker.
pub(crate) struct Readiness<'a> {
    io: &'a ScheduledIo,
    mask: usize,
    /// Our entry in the waiter list, once registered.
    id: Option<u64>,
}

impl Future for Readiness<'_> {
    type Output = io::Result<ReadyEvent>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if let Some(ready) = this.io.check_mask(this.mask) {
            return Poll::Ready(ready);
        }
        let mut waiters = this.io.waiters.lock();
        let existing = this
            .id
            .and_then(|id| waiters.list.iter_mut().find(|(i, _, _)| *i == id));
        match existing {
            Some((_, _, waker)) => {
                if !waker.will_wake(cx.waker()) {
                    *waker = cx.waker().clone();
                }
            }
            None => {
                // First poll, or woken and taken off the list.
                let id = waiters.next_id;
                waiters.next_id += 1;
                waiters.list.push((id, this.mask, cx.waker().clone()));
                this.id = Some(id);
            }
        }
        match this.io.check_mask(this.mask) {
            Some(ready) => Poll::Ready(ready),
            None => Poll::Pending,
        }
    }
}

impl Drop for Readiness<'_> {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            let removed = {
                let mut waiters = self.io.waiters.lock();
                let pos = waiters.list.iter().position(|(i, _, _)| *i == id);
                pos.map(|pos| waiters.list.swap_remove(pos))
            };
            // The waker (a task reference) is dropped outside the lock.
            drop(removed);
        }
    }
}

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize as Count;
    use std::sync::Arc;
    use std::task::Wake;

    struct Counter(Count);
    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counter() -> (Arc<Counter>, Waker) {
        let c = Arc::new(Counter(Count::new(0)));
        (c.clone(), Waker::from(c))
    }

    #[test]
    fn wakes_only_the_ready_direction() {
        let io = ScheduledIo::default();
        let (reads, rw) = counter();
        let (writes, ww) = counter();
        assert!(io
            .poll_ready(&mut Context::from_waker(&rw), Direction::Read)
            .is_pending());
        assert!(io
            .poll_ready(&mut Context::from_waker(&ww), Direction::Write)
            .is_pending());
        let mut wake = Vec::new();
        io.set_readiness(READABLE, &mut wake);
        wake.drain(..).for_each(Waker::wake);
        assert_eq!(reads.0.load(Ordering::SeqCst), 1);
        assert_eq!(writes.0.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn clear_keeps_a_newer_event() {
        let io = ScheduledIo::default();
        let mut wake = Vec::new();
        io.set_readiness(READABLE, &mut wake);
        let Some(Ok(old)) = io.check(Direction::Read) else {
            panic!("not ready")
        };
        io.set_readiness(READABLE, &mut wake);
        io.clear_readiness(old);
        assert!(
            io.check(Direction::Read).is_some(),
            "newer event was erased"
        );
        let Some(Ok(cur)) = io.check(Direction::Read) else {
            panic!("not ready")
        };
        io.clear_readiness(cur);
        assert!(io.check(Direction::Read).is_none());
    }

    #[test]
    fn dropped_future_leaves_no_waiter() {
        let io = ScheduledIo::default();
        let (_c, w) = counter();
        let mut fut = Box::pin(io.readiness(Direction::Read));
        assert!(fut.as_mut().poll(&mut Context::from_waker(&w)).is_pending());
        assert_eq!(io.waiters.lock().list.len(), 1);
        drop(fut);
        assert!(io.waiters.lock().list.is_empty());
    }

    #[test]
    fn a_mask_waiter_wakes_for_either_direction_only() {
        let io = ScheduledIo::default();
        let (both, bw) = counter();
        let (reads, rw) = counter();
        let mut either = Box::pin(io.readiness_mask(READ_INTEREST | WRITE_INTEREST));
        let mut read = Box::pin(io.readiness(Direction::Read));
        assert!(either
            .as_mut()
            .poll(&mut Context::from_waker(&bw))
            .is_pending());
        assert!(read
            .as_mut()
            .poll(&mut Context::from_waker(&rw))
            .is_pending());
        let mut wake = Vec::new();
        io.set_readiness(WRITABLE, &mut wake);
        wake.drain(..).for_each(Waker::wake);
        assert_eq!(both.0.load(Ordering::SeqCst), 1);
        assert_eq!(reads.0.load(Ordering::SeqCst), 0);
        let Poll::Ready(Ok(event)) = either.as_mut().poll(&mut Context::from_waker(&bw)) else {
            panic!("not ready after a writable event")
        };
        assert_eq!(event.ready(), WRITABLE);
        assert_eq!(event.with_ready(READABLE).ready(), 0);
        assert!(read
            .as_mut()
            .poll(&mut Context::from_waker(&rw))
            .is_pending());
    }

    #[test]
    fn shutdown_fails_every_operation() {
        let io = ScheduledIo::default();
        let (c, w) = counter();
        let mut fut = Box::pin(io.readiness(Direction::Write));
        assert!(fut.as_mut().poll(&mut Context::from_waker(&w)).is_pending());
        let mut wake = Vec::new();
        io.shutdown(&mut wake);
        wake.drain(..).for_each(Waker::wake);
        assert_eq!(c.0.load(Ordering::SeqCst), 1);
        assert!(matches!(
            fut.as_mut().poll(&mut Context::from_waker(&w)),
            Poll::Ready(Err(_))
        ));
    }
}
