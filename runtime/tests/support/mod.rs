//! Helpers shared by the integration tests: a watchdog that turns a hang
//! into a failure, counters for drops and polls, bounded waits.
//!
//! Nothing here sleeps to "let something happen": every wait is on a
//! condition, and every wait that could hang has a deadline.

// Each test file uses a different subset of these helpers.
#![allow(dead_code)]

use runtime::{Builder, Runtime};
use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Condvar, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// The longest any one test body may take before it counts as hung.
pub const WATCHDOG: Duration = Duration::from_secs(30);

/// The longest a bounded wait for a condition may take.
pub const WAIT: Duration = Duration::from_secs(20);

/// Runs `body` on its own thread and returns its result; re-raises its
/// panic; panics with a clear message if it has not finished within
/// [`WATCHDOG`] (a hang in the runtime fails the test instead of CI).
#[track_caller]
pub fn watchdog<T, F>(name: &str, body: F) -> T
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::Builder::new()
        .name(format!("test-{name}"))
        .spawn(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body));
            let _ = tx.send(result);
        })
        .expect("failed to start the watchdog's test thread");
    match rx.recv_timeout(WATCHDOG) {
        Ok(Ok(value)) => {
            thread
                .join()
                .expect("the test thread panicked after finishing");
            value
        }
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(_) => panic!(
            "watchdog: `{name}` did not finish within {WATCHDOG:?}; the runtime hung \
             (deadlock, lost wake-up, or a wait that never ends)"
        ),
    }
}

/// A runtime with `workers` worker threads.
pub fn runtime(workers: usize) -> Runtime {
    Builder::new()
        .worker_threads(workers)
        .build()
        .expect("failed to build a runtime")
}

/// Under the watchdog: builds a runtime with `workers` workers, runs the
/// future made by `make` with `block_on`, drops the runtime, returns the
/// future's output.
#[track_caller]
pub fn block_on<F, Fut>(name: &str, workers: usize, make: F) -> Fut::Output
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future,
    Fut::Output: Send + 'static,
{
    watchdog(name, move || {
        let rt = runtime(workers);
        let out = rt.block_on(make());
        drop(rt);
        out
    })
}

/// Spins (on a thread that is not a worker) until `cond` holds; panics after
/// [`WAIT`].
#[track_caller]
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !cond() {
        assert!(
            Instant::now() < deadline,
            "timed out after {WAIT:?} waiting until {what}"
        );
        std::thread::yield_now();
    }
}

/// On a one-worker runtime, from outside the worker: returns once every
/// poll that was in progress or queued when it was called has returned
/// (a probe task queued behind them has run). Used to know that a task
/// which signalled "started" from inside its poll is now idle.
pub async fn settle() {
    runtime::spawn(async {})
        .await
        .expect("the probe task failed");
}

/// Busy work (no sleeping) for about `d`: keeps the thread on the CPU.
pub fn spin_for(d: Duration) {
    let start = Instant::now();
    let mut x = 0u64;
    while start.elapsed() < d {
        x = std::hint::black_box(x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1));
        std::hint::spin_loop();
    }
    std::hint::black_box(x);
}

/// A shareable counter.
#[derive(Clone, Default, Debug)]
pub struct Counter(Arc<AtomicUsize>);

impl Counter {
    pub fn new() -> Counter {
        Counter::default()
    }

    pub fn get(&self) -> usize {
        self.0.load(SeqCst)
    }

    pub fn incr(&self) -> usize {
        self.0.fetch_add(1, SeqCst) + 1
    }

    pub fn decr(&self) -> usize {
        self.0.fetch_sub(1, SeqCst) - 1
    }

    /// Raises the counter to `v` if it is lower.
    pub fn raise_to(&self, v: usize) {
        self.0.fetch_max(v, SeqCst);
    }

    /// A guard that increments this counter when dropped.
    pub fn guard(&self) -> DropGuard {
        DropGuard(self.clone())
    }
}

/// Increments its counter when dropped: move one into a future to count
/// how many times the future is dropped.
#[derive(Debug)]
pub struct DropGuard(Counter);

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.incr();
    }
}

/// A shareable flag.
#[derive(Clone, Default, Debug)]
pub struct Flag(Arc<AtomicBool>);

impl Flag {
    pub fn new() -> Flag {
        Flag::default()
    }

    pub fn set(&self) {
        self.0.store(true, SeqCst);
    }

    pub fn get(&self) -> bool {
        self.0.load(SeqCst)
    }
}

/// Wraps a future, counting its polls and its drops.
pub struct Tracked<F> {
    inner: Pin<Box<F>>,
    polls: Counter,
    _drop: DropGuard,
}

impl<F: Future> Tracked<F> {
    pub fn new(inner: F, polls: &Counter, drops: &Counter) -> Tracked<F> {
        Tracked {
            inner: Box::pin(inner),
            polls: polls.clone(),
            _drop: drops.guard(),
        }
    }
}

impl<F: Future> Future for Tracked<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls.incr();
        self.inner.as_mut().poll(cx)
    }
}

/// Sends `()` on a oneshot when dropped: tells a test that a future has
/// been dropped (which is the only trace a cancelled task leaves).
pub struct NotifyOnDrop(Option<futures_channel::oneshot::Sender<()>>);

impl NotifyOnDrop {
    pub fn new() -> (NotifyOnDrop, futures_channel::oneshot::Receiver<()>) {
        let (tx, rx) = futures_channel::oneshot::channel();
        (NotifyOnDrop(Some(tx)), rx)
    }
}

impl Drop for NotifyOnDrop {
    fn drop(&mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(());
        }
    }
}

/// The text of a panic payload (`&str` or `String`), or a placeholder.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_owned()
    }
}

/// Runs `f`, expecting it to panic; returns the panic message.
#[track_caller]
pub fn expect_panic<R>(what: &str, f: impl FnOnce() -> R) -> String {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(_) => panic!("expected {what} to panic, but it returned"),
        Err(payload) => panic_message(&*payload),
    }
}

/// N threads meet: `wait` returns true once all N have arrived, or false
/// after [`WAIT`] (so a runtime that never runs them all at once fails a
/// test instead of deadlocking it, and no thread is left stuck).
pub struct Rendezvous {
    arrived: Mutex<usize>,
    cvar: Condvar,
    n: usize,
}

impl Rendezvous {
    pub fn new(n: usize) -> Arc<Rendezvous> {
        Arc::new(Rendezvous {
            arrived: Mutex::new(0),
            cvar: Condvar::new(),
            n,
        })
    }

    pub fn wait(&self) -> bool {
        let deadline = Instant::now() + WAIT;
        let mut arrived = self.arrived.lock().unwrap();
        *arrived += 1;
        self.cvar.notify_all();
        while *arrived < self.n {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            arrived = self.cvar.wait_timeout(arrived, deadline - now).unwrap().0;
        }
        true
    }
}

/// Awaits `future`, panicking if it takes longer than `limit`: bounds a wait
/// inside an async test body (e.g. under `#[runtime::test]`).
pub async fn timeout<F: Future>(limit: Duration, what: &str, future: F) -> F::Output {
    let deadline = Deadline::new(limit);
    let future = std::pin::pin!(future);
    match futures::future::select(future, deadline).await {
        futures::future::Either::Left((out, _)) => out,
        futures::future::Either::Right(((), _)) => {
            panic!("timed out after {limit:?} waiting for {what}")
        }
    }
}

/// Resolves after a duration, measured by a helper thread that exits early
/// if the deadline is dropped.
struct Deadline {
    shared: Arc<(AtomicBool, Mutex<Option<Waker>>)>,
    _cancel: mpsc::Sender<()>,
}

impl Deadline {
    fn new(limit: Duration) -> Deadline {
        let shared = Arc::new((AtomicBool::new(false), Mutex::new(None::<Waker>)));
        let (cancel, cancelled) = mpsc::channel::<()>();
        let thread_shared = shared.clone();
        std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = cancelled.recv_timeout(limit) {
                thread_shared.0.store(true, SeqCst);
                if let Some(w) = thread_shared.1.lock().unwrap().take() {
                    w.wake();
                }
            }
        });
        Deadline {
            shared,
            _cancel: cancel,
        }
    }
}

impl Future for Deadline {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        *self.shared.1.lock().unwrap() = Some(cx.waker().clone());
        if self.shared.0.load(SeqCst) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}
