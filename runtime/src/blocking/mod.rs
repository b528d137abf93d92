//! The blocking pool: threads for closures that block (file I/O, CPU-heavy
//! work, synchronous libraries), so they never stall a worker.
//!
//! A blocking closure is a task like any other (same allocation, state,
//! `JoinHandle`, cancellation), whose future runs the closure on its first
//! poll. Its scheduler is this pool: a queue under a mutex, served by
//! threads started on demand up to a cap and let go after an idle timeout.

use crate::driver::time::clock::Activity;
use crate::loom::{Arc, Condvar, Mutex};
use crate::runtime::context;
use crate::scheduler::Shared;
use crate::task::raw::{Header, Notified, Schedule};
use crate::task::{self, coop, JoinHandle};
use crate::Handle;
use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

pub(crate) struct BlockingPool {
    state: Mutex<State>,
    condvar: Condvar,
    max_threads: usize,
    keep_alive: Duration,
    thread_name: String,
    stack_size: Option<usize>,
    /// The clock's activity count, with a pausable clock: a closure counts
    /// as busy from its push until its run ends, so the paused clock does
    /// not jump meanwhile (`scheduler::auto_advance`).
    activity: Option<Arc<Activity>>,
}

struct State {
    queue: VecDeque<Notified>,
    /// Threads alive.
    threads: usize,
    /// Threads waiting for work.
    idle: usize,
    /// Wake-ups sent to idle threads and not yet taken.
    notified: usize,
    shutdown: bool,
}

/// Settings from the `Builder`.
pub(crate) struct PoolConfig {
    pub(crate) max_threads: usize,
    pub(crate) keep_alive: Duration,
    pub(crate) thread_name: String,
    pub(crate) stack_size: Option<usize>,
    /// The clock's activity count, if the clock is pausable.
    pub(crate) activity: Option<Arc<Activity>>,
}

/// The `Schedule` of blocking tasks: they run once, on the pool.
struct BlockingSchedule(Arc<Shared>);

impl Schedule for BlockingSchedule {
    fn schedule(&self, task: Notified) {
        self.0.blocking().push(task, &self.0);
    }

    fn yield_now(&self, task: Notified) {
        self.0.blocking().push(task, &self.0);
    }

    fn release(&self, task: &Header) -> bool {
        let listed = self.0.unlist(task);
        if listed {
            self.0.metrics().count_blocking_completion();
        }
        listed
    }
}

/// A future that runs a blocking closure on its first poll.
struct BlockingTask<F>(Option<F>);

impl<F> Unpin for BlockingTask<F> {}

impl<F: FnOnce() -> R, R> Future for BlockingTask<F> {
    type Output = R;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<R> {
        let f = self
            .0
            .take()
            .expect("blocking task polled after completion");
        // The closure may block on runtime futures with any executor: they
        // must not run out of a budget that only a task's poll refills.
        Poll::Ready(coop::unconstrained(f))
    }
}

impl BlockingPool {
    pub(crate) fn new(config: PoolConfig) -> BlockingPool {
        BlockingPool {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                threads: 0,
                idle: 0,
                notified: 0,
                shutdown: false,
            }),
            condvar: Condvar::new(),
            max_threads: config.max_threads,
            keep_alive: config.keep_alive,
            thread_name: config.thread_name,
            stack_size: config.stack_size,
            activity: config.activity,
        }
    }

    /// Spawns `f` on the pool of the runtime `shared`.
    pub(crate) fn spawn<F, R>(shared: &Arc<Shared>, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let (listed, notified, handle) =
            task::new_task(BlockingTask(Some(f)), BlockingSchedule(shared.clone()));
        shared.bind(listed, notified, |n| {
            shared.metrics().count_blocking_spawn();
            shared.blocking().push(n, shared);
        });
        handle
    }

    fn push(&self, task: Notified, shared: &Arc<Shared>) {
        let mut state = self.state.lock();
        if state.shutdown {
            drop(state);
            task.shutdown();
            return;
        }
        if let Some(activity) = &self.activity {
            // Busy before it can be seen queued (see `Activity`).
            activity.busy();
        }
        state.queue.push_back(task);
        if state.idle > state.notified {
            state.notified += 1;
            self.condvar.notify_one();
        } else if state.threads < self.max_threads {
            state.threads += 1;
            drop(state);
            if let Err(err) = self.start_thread(shared.clone()) {
                // Leave the task queued: a running thread will take it. If
                // there is none, nothing ever would, so say so loudly.
                let mut state = self.state.lock();
                state.threads -= 1;
                assert!(
                    state.threads > 0,
                    "the blocking pool could not start a thread and has none: {err}"
                );
            }
        }
        // Otherwise every thread is busy: the task waits its turn.
    }

    fn start_thread(&self, shared: Arc<Shared>) -> io::Result<()> {
        let mut builder = std::thread::Builder::new().name(self.thread_name.clone());
        if let Some(size) = self.stack_size {
            builder = builder.stack_size(size);
        }
        builder.spawn(move || {
            // `runtime::spawn` works from a blocking closure; `block_on`
            // does too (this is not a worker thread).
            let _guard = context::set_current(&Handle::from_shared(shared.clone()));
            shared.blocking().run_thread(&shared);
        })?;
        Ok(())
    }

    fn run_thread(&self, shared: &Shared) {
        let mut state = self.state.lock();
        loop {
            if let Some(task) = state.queue.pop_front() {
                drop(state);
                // Listed at spawn (`bind`): only the runtime's scheduler
                // defers a listing to the end of a first poll.
                debug_assert!(!task.is_deferred());
                task.run();
                if self.activity.as_ref().is_some_and(|a| a.idle()) {
                    // The last busy participant outside the workers went
                    // idle: a paused clock may advance now.
                    shared.on_idle();
                }
                state = self.state.lock();
                continue;
            }
            if state.shutdown {
                break;
            }
            state.idle += 1;
            let timed_out = self
                .condvar
                .wait_for(&mut state, self.keep_alive)
                .timed_out();
            state.idle -= 1;
            if state.notified > 0 {
                state.notified -= 1;
            } else if timed_out && state.queue.is_empty() {
                break;
            }
        }
        state.threads -= 1;
    }

    /// Refuses new work, completes queued tasks as cancelled, and lets the
    /// threads go. Closures already running are not waited for.
    pub(crate) fn shutdown(&self) {
        let queued: Vec<Notified> = {
            let mut state = self.state.lock();
            state.shutdown = true;
            self.condvar.notify_all();
            state.queue.drain(..).collect()
        };
        for task in queued {
            task.shutdown();
        }
    }

    /// Threads alive, for tests and metrics.
    #[allow(dead_code)]
    pub(crate) fn num_threads(&self) -> usize {
        self.state.lock().threads
    }

    /// Threads alive and idle, and closures queued (`crate::metrics`).
    pub(crate) fn stats(&self) -> PoolStats {
        let state = self.state.lock();
        PoolStats {
            threads: state.threads,
            idle: state.idle.saturating_sub(state.notified),
            queued: state.queue.len(),
        }
    }
}

/// A snapshot of the pool's occupancy.
pub(crate) struct PoolStats {
    pub(crate) threads: usize,
    pub(crate) idle: usize,
    pub(crate) queued: usize,
}
