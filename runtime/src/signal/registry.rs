//! The process-wide half of `runtime::signal`: one handler per signal
//! number (installed through `signal-hook-registry`), a delivery counter
//! per signal number, the self-pipe the handler writes to, and the wakers
//! of every [`Signal`](super::unix::Signal) in the process.
//!
//! # How a delivery reaches a task
//!
//! 1. The handler (signal context) bumps `DELIVERIES[signum]`, then writes
//!    one byte to the pipe's non-blocking write end. Both are
//!    async-signal-safe; a full pipe drops the byte, which loses nothing:
//!    the counter carries the news and any unread byte still wakes readers.
//! 2. Each `Signal` owns a duplicate of the pipe's read end, registered with
//!    the reactor of the runtime it was created in. Every registration sees
//!    the pipe become readable.
//! 3. A `Signal` that finds bytes drains them and wakes every other
//!    `Signal`'s waker (the one that drained may have taken the bytes that
//!    would have woken the others; they may live in other runtimes).
//! 4. Each `Signal` compares the counter of its signal number with the value
//!    it saw last: any difference is one `recv` (deliveries in between are
//!    coalesced, never lost).

use parking_lot::Mutex;
use std::collections::HashMap;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::OnceLock;
use std::task::Waker;

/// Signal numbers this module handles: `1..SIGNALS` (Linux's real-time
/// signals end at 64, other Unixes lower).
pub(super) const SIGNALS: usize = 128;

/// Deliveries seen by the handler, per signal number. Only ever
/// incremented (wrapping after 2^64 deliveries, which never happens).
static DELIVERIES: [AtomicU64; SIGNALS] = [const { AtomicU64::new(0) }; SIGNALS];

/// The pipe's write end, for the handler; -1 until the globals exist.
static SENDER_FD: AtomicI32 = AtomicI32::new(-1);

/// The state shared by every `Signal` in the process.
pub(super) struct Globals {
    /// The pipe's read end: each `Signal` registers a duplicate of it.
    receiver: UnixStream,
    /// The pipe's write end. Kept open for the life of the process; the
    /// handler writes to its descriptor through `SENDER_FD`.
    _sender: UnixStream,
    /// Which signal numbers have our handler installed.
    installed: Mutex<[bool; SIGNALS]>,
    /// The wakers of the `Signal`s waiting in `recv`, by `Signal` id.
    waiters: Mutex<HashMap<u64, Waker>>,
    /// The next `Signal` id.
    next_id: AtomicU64,
}

/// The globals, created (with the pipe) on first use.
pub(super) fn globals() -> io::Result<&'static Globals> {
    static GLOBALS: OnceLock<Globals> = OnceLock::new();
    if let Some(globals) = GLOBALS.get() {
        return Ok(globals);
    }
    let (receiver, sender) = UnixStream::pair()?;
    receiver.set_nonblocking(true)?;
    sender.set_nonblocking(true)?;
    // Two threads may both get here; the loser's pipe is dropped unused
    // (no handler is installed before `get_or_init` returns).
    let globals = GLOBALS.get_or_init(|| {
        // Release: pairs with the handler's Acquire load, so a handler that
        // sees the descriptor sees an open socket behind it. (Handlers are
        // only installed after this returns, so this is belt and braces.)
        SENDER_FD.store(sender.as_raw_fd(), Ordering::Release);
        Globals {
            receiver,
            _sender: sender,
            installed: Mutex::new([false; SIGNALS]),
            waiters: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(0),
        }
    });
    Ok(globals)
}

impl Globals {
    /// Installs the process's handler for `signum` unless it already is.
    /// `signum` must be in `1..SIGNALS` and not forbidden (checked by the
    /// caller).
    pub(super) fn install(&self, signum: i32) -> io::Result<()> {
        let index = usize::try_from(signum).expect("checked by the caller");
        let mut installed = self.installed.lock();
        if installed[index] {
            return Ok(());
        }
        // `signal_hook_registry::register` requires an async-signal-safe
        // action. `on_signal` only does an atomic `fetch_add`, an atomic load
        // and a `write(2)` to a non-blocking descriptor: no allocation, no
        // lock, nothing that blocks. The registry saves and restores `errno`.
        // SAFETY: the action is async-signal-safe, as just said.
        unsafe { signal_hook_registry::register(signum, move || on_signal(index)) }?;
        installed[index] = true;
        Ok(())
    }

    /// A duplicate of the pipe's read end, for one `Signal` to register.
    pub(super) fn receiver(&self) -> io::Result<UnixStream> {
        self.receiver.try_clone()
    }

    /// A fresh `Signal` id.
    pub(super) fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Stores `waker` as `id`'s waiter (replacing any older one).
    pub(super) fn set_waker(&self, id: u64, waker: &std::task::Waker) {
        let mut waiters = self.waiters.lock();
        match waiters.get_mut(&id) {
            Some(old) if old.will_wake(waker) => {}
            Some(old) => old.clone_from(waker),
            None => {
                waiters.insert(id, waker.clone());
            }
        }
    }

    /// Forgets `id`'s waiter (its `Signal` is dropped).
    pub(super) fn remove_waker(&self, id: u64) {
        self.waiters.lock().remove(&id);
    }

    /// Wakes every waiter but `id`: `id` drained the pipe, and the others
    /// may have missed the bytes that would have woken them. Waking happens
    /// outside the lock.
    pub(super) fn wake_others(&self, id: u64) {
        let wakers: Vec<Waker> = self
            .waiters
            .lock()
            .iter()
            .filter(|(other, _)| **other != id)
            .map(|(_, waker)| waker.clone())
            .collect();
        for waker in wakers {
            waker.wake();
        }
    }
}

/// The number of deliveries of `signum` so far (by any handler of ours).
///
/// SeqCst: pairs with the handler's `fetch_add`. A `Signal` reads it after
/// storing its waker under the waiters' lock, and the one that drains the
/// pipe wakes under that lock after reading the bytes the handler wrote
/// after its increment; in that single order a `Signal` either sees the new
/// count or is woken.
pub(super) fn deliveries(signum: usize) -> u64 {
    DELIVERIES[signum].load(Ordering::SeqCst)
}

/// The signal handler: runs in signal context, so only async-signal-safe
/// operations (see `Globals::install`).
fn on_signal(index: usize) {
    // SeqCst: see `deliveries`.
    DELIVERIES[index].fetch_add(1, Ordering::SeqCst);
    // Acquire: pairs with the Release store in `globals`.
    let fd = SENDER_FD.load(Ordering::Acquire);
    if fd >= 0 {
        let byte = 1u8;
        // `write` is async-signal-safe; the descriptor is non-blocking, so a
        // full pipe returns EAGAIN, fine to ignore (unread bytes already wake
        // the readers, and the counter above carries the delivery).
        // SAFETY: `fd` is the pipe's write end, open for the life of the
        // process (the globals are never dropped); `byte` is a valid buffer.
        let _ = unsafe { libc::write(fd, std::ptr::from_ref(&byte).cast(), 1) };
    }
}
