//! hyper's executor and timer on this runtime: [`Executor`], [`Timer`].

use crate::Handle;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// hyper's [`Executor`](::hyper::rt::Executor): spawns hyper's background
/// tasks (HTTP/2 streams, client connection pools, upgrades) on the runtime
/// that was current when it was created. The tasks are detached.
///
/// # Examples
///
/// ```
/// use hyper::rt::Executor as _;
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let executor = runtime::hyper::Executor::new();
/// let (tx, rx) = futures_channel::oneshot::channel();
/// executor.execute(async move { tx.send(42).unwrap() });
/// assert_eq!(rx.await.unwrap(), 42);
/// # });
/// ```
#[derive(Clone, Debug)]
pub struct Executor {
    handle: Handle,
}

impl Executor {
    /// An executor for the current runtime.
    ///
    /// # Panics
    ///
    /// Outside a runtime (not in a task, not in `block_on`, no
    /// [`Handle::enter`] guard).
    #[track_caller]
    pub fn new() -> Executor {
        Executor {
            handle: Handle::current(),
        }
    }
}

impl Default for Executor {
    /// [`Executor::new`].
    ///
    /// # Panics
    ///
    /// Outside a runtime.
    #[track_caller]
    fn default() -> Executor {
        Executor::new()
    }
}

impl<F> ::hyper::rt::Executor<F> for Executor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        drop(self.handle.spawn(future));
    }
}

/// hyper's [`Timer`](::hyper::rt::Timer): the runtime's timers, so that
/// hyper's timeouts (the header-read timeout that protects a server from
/// slow clients, keep-alive, client pool expiry) work, and follow the
/// runtime's paused clock in tests.
///
/// Without a timer, hyper silently disables those timeouts: always give
/// one to hyper's builders (`serve` does).
///
/// # Examples
///
/// ```
/// use hyper::rt::Timer as _;
/// use std::time::Duration;
///
/// #[runtime::main(start_paused = true)]
/// async fn main() {
///     let timer = runtime::hyper::Timer::new();
///     let start = timer.now();
///     timer.sleep(Duration::from_secs(30)).await; // the clock is paused
///     assert_eq!(timer.now() - start, Duration::from_secs(30));
/// }
/// ```
#[derive(Clone, Debug)]
pub struct Timer {
    /// The runtime current at construction, entered to create sleeps (hyper
    /// may ask from a thread that is not in it); `None` if there was none,
    /// and then the runtime current at each call is used.
    handle: Option<Handle>,
}

impl Timer {
    /// A timer on the current runtime, or, if there is none here, on
    /// whichever runtime is current when hyper asks for a sleep.
    pub fn new() -> Timer {
        Timer {
            handle: Handle::try_current().ok(),
        }
    }

    fn enter<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.handle {
            Some(handle) => {
                let _entered = handle.enter();
                f()
            }
            None => f(),
        }
    }
}

impl Default for Timer {
    /// [`Timer::new`].
    fn default() -> Timer {
        Timer::new()
    }
}

/// A runtime `Sleep` as a hyper `Sleep`.
struct TimerSleep(crate::time::Sleep);

impl Future for TimerSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl ::hyper::rt::Sleep for TimerSleep {}

impl ::hyper::rt::Timer for Timer {
    /// # Panics
    ///
    /// If no runtime was current when the timer was made, nor is now.
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn ::hyper::rt::Sleep>> {
        Box::pin(TimerSleep(self.enter(|| crate::time::sleep(duration))))
    }

    /// # Panics
    ///
    /// As `sleep`.
    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn ::hyper::rt::Sleep>> {
        Box::pin(TimerSleep(
            self.enter(|| crate::time::sleep_until(deadline)),
        ))
    }

    fn now(&self) -> Instant {
        self.enter(crate::time::now)
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn ::hyper::rt::Sleep>>, new_deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<TimerSleep>() {
            Some(ours) => Pin::new(&mut ours.get_mut().0).reset(new_deadline),
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}
