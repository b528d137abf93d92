//! Loom models of the real multi-thread scheduler: a whole runtime
//! (`Builder::build_without_io`), its worker threads running the real
//! worker loop (`worker::Context::run`) as loom threads, the real run
//! queues' protocol (mutex stand-ins for crossbeam-deque under loom, see
//! `queue`), the real idle / searching / parking protocol, the real parker,
//! and the real driver stack: the time driver over the plain thread parker
//! (`driver::park_thread`), taken by a parking worker through the real
//! try-lock (`drivers::DriverLock`). Only the bottom of the stack differs
//! from a normal build (`mio` cannot run under loom). Nothing here mirrors
//! the worker loop; a change to it is checked as it is.
//!
//! Every model ends by dropping the runtime, so the shutdown (stop, join
//! the workers, complete what is left) is part of each. In every
//! interleaving up to the preemption bound, loom reports a thread that
//! sleeps for good (a lost wake-up: a task queued and no worker woken, a
//! timer due and nobody in the driver) as a deadlock, so each model checks
//! that no wake-up is lost on its path, besides its own assertions:
//!
//! * `spawn_from_outside_runs_on_either_worker`: a task spawned from
//!   outside (the injector) on two parked workers: one of them is woken
//!   (the idle rules), takes it, runs it once; its output reaches
//!   `block_on`.
//! * `spawn_from_outside_runs_each_task_once`: two tasks from outside on
//!   one worker; each runs once.
//! * `spawn_inside_task_runs_each_once`: a task spawns two more: the first
//!   takes the LIFO slot, the second displaces it to the local queue,
//!   where the other worker (woken by the push) may steal it. The
//!   displaced child runs once, on either worker; the other runs at most
//!   once (or is cancelled by the shutdown); each future is dropped
//!   exactly once.
//! * `wake_from_outside`: a task waits for a flag that a thread outside
//!   the pool sets, racing the task's first poll and the worker's park in
//!   the driver stack: the remote wake goes through the injector and
//!   interrupts the wait in the thread parker.
//! * `yield_then_complete`: a task that yields (`yield_now`: the yielded
//!   list, flushed to the local queue after a driver poll) completes.
//! * `shutdown_drops_pending_tasks_once`: tasks that never complete are
//!   completed as cancelled by the shutdown, and each future is dropped
//!   exactly once, while the workers may still be starting. Each is
//!   listed at the end of its first poll (`Shared::spawn_at`,
//!   `list_pending`): the shutdown finds it listed (before or after the
//!   close: a first poll that straddles it lists and cancels the task),
//!   completed instead of polled once the shutdown began, or still queued
//!   for the final drain.
//! * `cancel_from_outside`: `JoinHandle::cancel` from outside, racing the
//!   task's first poll: it resolves as cancelled, or with its output if
//!   it completed first.
//! * `paused_timer_fires`: with the clock paused, a task sleeps: the clock
//!   may only jump when every worker and the `block_on` thread are idle
//!   (the scheduler's `all_idle`), and the worker holding the driver stack
//!   (or a worker nudged by the timer registration, `Wake::NoDriver`)
//!   jumps it and fires the timer. This is the park hand-off between the
//!   scheduler and the time driver.
//!
//! Run (the bound defaults to 2 when `LOOM_MAX_PREEMPTIONS` is unset):
//!
//! ```text
//! CARGO_TARGET_DIR=target/loom RUSTFLAGS="--cfg runtime_loom" LOOM_MAX_PREEMPTIONS=2 \
//!     cargo test -p runtime --release --lib loom_pool
//! ```

use crate::loom::model;
use crate::runtime::Builder;
use crate::Runtime;
use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use loom::sync::{Arc, Mutex};
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// A runtime of `workers` workers on the real scheduler, over the thread
/// parker.
fn pool(workers: usize, paused: bool) -> Runtime {
    Builder::new()
        .start_paused(paused)
        .build_without_io(workers)
        .expect("a runtime without I/O starts")
}

/// Counts how often it is dropped (each future exactly once).
struct DropCount(Arc<AtomicUsize>);

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// A one-shot flag with a waker, on loom's primitives.
#[derive(Default)]
struct Flag {
    set: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl Flag {
    fn set(&self) {
        self.set.store(true, SeqCst);
        if let Some(waker) = self.waker.lock().unwrap().take() {
            waker.wake();
        }
    }

    async fn wait(&self) {
        poll_fn(|cx| {
            if self.set.load(SeqCst) {
                return Poll::Ready(());
            }
            *self.waker.lock().unwrap() = Some(cx.waker().clone());
            // Checked again after the waker is stored: a `set` in between
            // found no waker, or finds ours.
            if self.set.load(SeqCst) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await
    }
}

#[test]
fn spawn_from_outside_runs_on_either_worker() {
    model(|| {
        let rt = pool(2, false);
        let runs = Arc::new(AtomicUsize::new(0));
        let r = runs.clone();
        let task = rt.spawn(async move {
            r.fetch_add(1, SeqCst);
            3
        });
        assert_eq!(rt.block_on(task).expect("the task completes"), 3);
        assert_eq!(runs.load(SeqCst), 1);
        drop(rt);
    });
}

#[test]
fn spawn_from_outside_runs_each_task_once() {
    model(|| {
        let rt = pool(1, false);
        let runs = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..2)
            .map(|i| {
                let runs = runs.clone();
                rt.spawn(async move {
                    runs.fetch_add(1, SeqCst);
                    i
                })
            })
            .collect();
        let sum = rt.block_on(async {
            let mut sum = 0;
            for handle in handles {
                sum += handle.await.expect("the task completes");
            }
            sum
        });
        assert_eq!(sum, 1);
        assert_eq!(runs.load(SeqCst), 2);
        drop(rt);
    });
}

#[test]
fn spawn_inside_task_runs_each_once() {
    model(|| {
        let rt = pool(2, false);
        let runs = Arc::new(AtomicUsize::new(0));
        let drops = Arc::new(AtomicUsize::new(0));
        let (r, d) = (runs.clone(), drops.clone());
        let parent = rt.spawn(async move {
            let child = |r: &Arc<AtomicUsize>, d: &Arc<AtomicUsize>| {
                let (runs, guard) = (r.clone(), DropCount(d.clone()));
                async move {
                    let _guard = guard;
                    runs.fetch_add(1, SeqCst);
                }
            };
            // The first child takes the LIFO slot; the second displaces it
            // to the local queue, where the other worker may steal it.
            let first = crate::spawn(child(&r, &d));
            drop(crate::spawn(child(&r, &d)));
            first.await.expect("the displaced child completes");
        });
        rt.block_on(parent).expect("the parent completes");
        assert!(runs.load(SeqCst) >= 1);
        drop(rt);
        // The second child ran or was cancelled by the shutdown: either
        // way each future was dropped exactly once, and none ran twice.
        assert_eq!(drops.load(SeqCst), 2);
        assert!(runs.load(SeqCst) <= 2);
    });
}

#[test]
fn wake_from_outside() {
    model(|| {
        let rt = pool(1, false);
        let flag = Arc::new(Flag::default());
        let f = flag.clone();
        let waiter = rt.spawn(async move { f.wait().await });
        // A wake from a thread outside the pool, racing the first poll and
        // the worker's park in the driver stack.
        flag.set();
        rt.block_on(waiter)
            .expect("the waiter is woken and completes");
        drop(rt);
    });
}

#[test]
fn yield_then_complete() {
    model(|| {
        let rt = pool(1, false);
        let task = rt.spawn(async {
            crate::task::yield_now().await;
            5
        });
        assert_eq!(rt.block_on(task).expect("completes"), 5);
        drop(rt);
    });
}

#[test]
fn shutdown_drops_pending_tasks_once() {
    model(|| {
        let rt = pool(2, false);
        let drops = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let guard = DropCount(drops.clone());
                rt.spawn(async move {
                    let _guard = guard;
                    std::future::pending::<()>().await
                })
            })
            .collect();
        drop(rt);
        assert_eq!(drops.load(SeqCst), 2);
        for handle in handles {
            let mut handle = pin!(handle);
            let mut cx = Context::from_waker(Waker::noop());
            match handle.as_mut().poll(&mut cx) {
                Poll::Ready(Err(err)) => assert!(err.is_cancelled()),
                other => panic!(
                    "a task left by the shutdown: {:?}",
                    other.map(|r| r.is_ok())
                ),
            }
        }
    });
}

#[test]
fn cancel_from_outside() {
    model(|| {
        let rt = pool(1, false);
        let runs = Arc::new(AtomicUsize::new(0));
        let r = runs.clone();
        let task = rt.spawn(async move {
            r.fetch_add(1, SeqCst);
            crate::task::yield_now().await;
            7
        });
        task.cancel();
        match rt.block_on(task) {
            Ok(out) => assert_eq!(out, 7),
            Err(err) => assert!(err.is_cancelled()),
        }
        assert!(runs.load(SeqCst) <= 1);
        drop(rt);
    });
}

#[test]
fn paused_timer_fires() {
    model(|| {
        let rt = pool(1, true);
        let task = rt.spawn(async {
            crate::time::sleep(Duration::from_secs(1)).await;
            9
        });
        assert_eq!(rt.block_on(task).expect("the timer fires"), 9);
        drop(rt);
    });
}
