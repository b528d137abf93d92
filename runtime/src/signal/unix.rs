//! Unix signals: [`signal`], [`Signal`], [`SignalKind`].

use super::registry::{self, Globals, SIGNALS};
use crate::io::AsyncRead;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A kind of Unix signal: a signal number, with names for the common ones.
///
/// # Examples
///
/// ```
/// use runtime::signal::unix::SignalKind;
///
/// assert_eq!(SignalKind::hangup(), SignalKind::from_raw(libc::SIGHUP));
/// assert_eq!(SignalKind::terminate().as_raw_value(), libc::SIGTERM);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignalKind(i32);

impl SignalKind {
    /// The signal numbered `signum` (for signals without a name here,
    /// such as real-time signals). Whether it can be listened for is
    /// checked by [`signal`].
    pub const fn from_raw(signum: i32) -> SignalKind {
        SignalKind(signum)
    }

    /// The signal number.
    pub const fn as_raw_value(&self) -> i32 {
        self.0
    }

    /// `SIGINT`: the terminal's interrupt key (Ctrl-C).
    pub const fn interrupt() -> SignalKind {
        SignalKind(libc::SIGINT)
    }

    /// `SIGTERM`: a polite request to terminate (what `kill`, systemd and
    /// container runtimes send first).
    pub const fn terminate() -> SignalKind {
        SignalKind(libc::SIGTERM)
    }

    /// `SIGHUP`: the terminal hung up; daemons often reload their
    /// configuration on it.
    pub const fn hangup() -> SignalKind {
        SignalKind(libc::SIGHUP)
    }

    /// `SIGQUIT`: the terminal's quit key (Ctrl-\).
    pub const fn quit() -> SignalKind {
        SignalKind(libc::SIGQUIT)
    }

    /// `SIGUSR1`: for the application's own use.
    pub const fn user_defined1() -> SignalKind {
        SignalKind(libc::SIGUSR1)
    }

    /// `SIGUSR2`: for the application's own use.
    pub const fn user_defined2() -> SignalKind {
        SignalKind(libc::SIGUSR2)
    }
}

impl From<i32> for SignalKind {
    fn from(signum: i32) -> SignalKind {
        SignalKind::from_raw(signum)
    }
}

impl fmt::Debug for SignalKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.0 {
            libc::SIGINT => "SIGINT",
            libc::SIGTERM => "SIGTERM",
            libc::SIGHUP => "SIGHUP",
            libc::SIGQUIT => "SIGQUIT",
            libc::SIGUSR1 => "SIGUSR1",
            libc::SIGUSR2 => "SIGUSR2",
            other => return write!(f, "SignalKind({other})"),
        };
        f.write_str(name)
    }
}

/// Listens for deliveries of `kind` to this process.
///
/// The process's handler for `kind` is in place when this returns (it
/// stays for the life of the process: the signal's default action, such as
/// terminating on `SIGTERM`, no longer happens). A delivery that arrives
/// after this returns and before the first [`recv`](Signal::recv) is kept.
/// Every `Signal` of a kind receives each delivery; deliveries that arrive
/// while nobody polls are coalesced into one. Deliveries come through the
/// current runtime's reactor; no thread is started.
///
/// # Errors
///
/// `InvalidInput` for a signal that cannot be handled (`SIGKILL`,
/// `SIGSTOP`, `SIGILL`, `SIGFPE`, `SIGSEGV`) or a number that is not a
/// signal; the operating system's error if it refuses the handler; an error
/// if the runtime shut down.
///
/// # Panics
///
/// Outside a runtime (not in a task, not in `block_on`, no
/// [`Handle::enter`](crate::Handle::enter) guard): deliveries are
/// reported through the current runtime's reactor.
///
/// # Examples
///
/// ```
/// use runtime::signal::unix::{signal, SignalKind};
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let mut hangups = signal(SignalKind::hangup())?;
/// // SAFETY: `raise` only sends SIGHUP to this thread, and the handler is
/// // in place.
/// unsafe { libc::raise(libc::SIGHUP) };
/// assert_eq!(hangups.recv().await, Some(()));
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
#[track_caller]
pub fn signal(kind: SignalKind) -> io::Result<Signal> {
    let signum = kind.0;
    let index = match usize::try_from(signum) {
        Ok(index) if index > 0 && index < SIGNALS => index,
        _ => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{signum} is not a signal number"),
            ))
        }
    };
    if signal_hook_registry::FORBIDDEN.contains(&signum) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "signal {kind:?} cannot be handled (SIGKILL, SIGSTOP, SIGILL, SIGFPE, SIGSEGV)"
            ),
        ));
    }
    if crate::Handle::try_current().is_err() {
        panic!(
            "runtime::signal::unix::signal was called outside a runtime; signals are reported \
             through a runtime's reactor, so call it from a task, inside `Runtime::block_on`, or \
             after `Handle::enter()`"
        );
    }
    let globals = registry::globals()?;
    // Read before the handler is installed: a delivery racing with this
    // call is reported rather than missed.
    let seen = registry::deliveries(index);
    globals.install(signum)?;
    let receiver = crate::net::UnixStream::from_std(globals.receiver()?)?;
    Ok(Signal {
        index,
        seen,
        receiver,
        id: globals.next_id(),
        globals,
    })
}

/// A stream of deliveries of one signal to this process; see [`signal`].
///
/// It is `Send`: it may be moved to another task (it stays registered with
/// the runtime it was created in).
pub struct Signal {
    /// The signal number.
    index: usize,
    /// The delivery count this `Signal` last reported.
    seen: u64,
    /// A duplicate of the self-pipe's read end, in this runtime's reactor.
    receiver: crate::net::UnixStream,
    /// This `Signal`'s key among the process's waiters.
    id: u64,
    globals: &'static Globals,
}

impl Signal {
    /// Waits for the next delivery. Returns `None` once the runtime the
    /// `Signal` was created in has shut down and the deliveries that came
    /// before are reported (a pending delivery is still `Some(())` first):
    /// nothing more can be reported.
    ///
    /// Cancel safe: dropping the future loses no delivery.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::signal::unix::{signal, SignalKind};
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let mut usr2 = signal(SignalKind::user_defined2())?;
    /// // SAFETY: `kill` only sends SIGUSR2 to this process, and the handler
    /// // is in place.
    /// unsafe { libc::kill(libc::getpid(), libc::SIGUSR2) };
    /// unsafe { libc::kill(libc::getpid(), libc::SIGUSR2) };
    /// // Deliveries nobody was waiting for are coalesced into one.
    /// assert_eq!(usr2.recv().await, Some(()));
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn recv(&mut self) -> Option<()> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Polls for the next delivery (`recv` for hand-written futures and
    /// streams): `Ready(Some(()))` for a delivery, `Ready(None)` once the
    /// runtime shut down (after any pending delivery), and `Pending` with
    /// `cx`'s waker stored otherwise.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<()>> {
        loop {
            if self.take_delivery() {
                return Poll::Ready(Some(()));
            }
            self.globals.set_waker(self.id, cx.waker());
            // Again after storing the waker: a delivery whose bytes another
            // `Signal` drained in between has woken that waker or is seen
            // here (see `registry::deliveries`).
            if self.take_delivery() {
                return Poll::Ready(Some(()));
            }
            // Drain the pipe until the reactor has our waker.
            let mut drained = false;
            let ended = loop {
                let mut buf = [0u8; 64];
                match Pin::new(&mut self.receiver).poll_read(cx, &mut buf) {
                    Poll::Ready(Ok(0)) => break true,
                    Poll::Ready(Ok(_)) => drained = true,
                    Poll::Ready(Err(err)) if err.kind() == io::ErrorKind::Interrupted => {}
                    // The runtime shut down: its reactor is gone.
                    Poll::Ready(Err(_)) => break true,
                    Poll::Pending => break false,
                }
            };
            if drained {
                // The bytes we took may have been the others' only wake-up.
                self.globals.wake_others(self.id);
            }
            if ended {
                return Poll::Ready(None);
            }
            if !drained {
                return Poll::Pending;
            }
        }
    }

    /// True (and remembered) if a delivery came since the last one
    /// reported.
    fn take_delivery(&mut self) -> bool {
        let now = registry::deliveries(self.index);
        if now == self.seen {
            return false;
        }
        self.seen = now;
        true
    }
}

impl Drop for Signal {
    fn drop(&mut self) {
        self.globals.remove_waker(self.id);
    }
}

impl fmt::Debug for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = SignalKind(i32::try_from(self.index).unwrap_or(-1));
        f.debug_struct("Signal").field("kind", &kind).finish()
    }
}
