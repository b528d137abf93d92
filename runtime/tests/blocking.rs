//! The blocking pool: `spawn_blocking` results, growth, the thread cap,
//! panics, cancellation before start, and re-entering the runtime.

mod support;

use runtime::task::JoinHandle;
use runtime::{Builder, Handle};
use std::sync::mpsc;
use std::time::Duration;
use support::{block_on, watchdog, Counter, Flag, Rendezvous};

#[test]
fn spawn_blocking_returns_the_value() {
    block_on("blocking_value", 2, || async {
        let v = runtime::spawn_blocking(|| (1..=10u64).product::<u64>())
            .await
            .unwrap();
        assert_eq!(v, 3_628_800);
        // From inside a task too.
        let task = runtime::spawn(async {
            runtime::spawn_blocking(|| String::from("from a task"))
                .await
                .unwrap()
        });
        assert_eq!(task.await.unwrap(), "from a task");
    });
}

#[test]
fn blocking_closures_do_not_run_on_worker_threads() {
    watchdog("blocking_thread_names", || {
        let rt = Builder::new()
            .worker_threads(1)
            .thread_name("blk-pool-test")
            .build()
            .unwrap();
        let worker = rt
            .block_on(rt.spawn(async { std::thread::current().id() }))
            .unwrap();
        let (id, name) = rt
            .block_on(rt.spawn_blocking(|| {
                let t = std::thread::current();
                (t.id(), t.name().map(str::to_owned))
            }))
            .unwrap();
        assert_ne!(id, worker, "a blocking closure ran on a worker");
        assert_eq!(name.as_deref(), Some("blk-pool-test"));
    });
}

/// 16 closures that can only finish together: the pool must grow to run
/// them all at once.
#[test]
fn many_blocking_closures_run_concurrently() {
    const N: usize = 16;
    let all_met = block_on("blocking_concurrent", 2, || async {
        let meet = Rendezvous::new(N);
        let tasks: Vec<JoinHandle<bool>> = (0..N)
            .map(|_| {
                let meet = meet.clone();
                runtime::spawn_blocking(move || meet.wait())
            })
            .collect();
        let mut all = true;
        for t in tasks {
            all &= t.await.unwrap();
        }
        all
    });
    assert!(
        all_met,
        "{N} blocking closures did not all run at the same time: the pool did not grow"
    );
}

/// With `max_blocking_threads(2)` at most two closures run at once, two do
/// run at once, and all of them complete.
#[test]
fn max_blocking_threads_caps_concurrency() {
    const N: usize = 20;
    let current = Counter::new();
    let max = Counter::new();
    let done = Counter::new();
    let (c2, m2, d2) = (current.clone(), max.clone(), done.clone());
    let first_two_met = watchdog("blocking_cap", move || {
        let rt = Builder::new()
            .worker_threads(1)
            .max_blocking_threads(2)
            .build()
            .unwrap();
        let meet = Rendezvous::new(2);
        let tasks: Vec<JoinHandle<bool>> = (0..N)
            .map(|i| {
                let (current, max, done, meet) = (c2.clone(), m2.clone(), d2.clone(), meet.clone());
                rt.spawn_blocking(move || {
                    let now = current.incr();
                    max.raise_to(now);
                    // The first two (queue order) must be able to meet.
                    let met = if i < 2 {
                        meet.wait()
                    } else {
                        support::spin_for(Duration::from_millis(1));
                        true
                    };
                    current.decr();
                    done.incr();
                    met
                })
            })
            .collect();
        let met = rt.block_on(async {
            let mut met = true;
            for t in tasks {
                met &= t.await.unwrap();
            }
            met
        });
        drop(rt);
        met
    });
    assert_eq!(done.get(), N, "not every closure completed");
    assert!(
        max.get() <= 2,
        "{} closures ran at once with a cap of 2",
        max.get()
    );
    assert!(first_two_met, "two closures never ran at the same time");
    assert_eq!(max.get(), 2);
}

#[test]
fn panicking_blocking_closure_gives_a_panic_error() {
    block_on("blocking_panic", 2, || async {
        let err = runtime::spawn_blocking(|| -> u8 { panic!("blocking boom") })
            .await
            .unwrap_err();
        assert!(err.is_panic());
        assert_eq!(support::panic_message(&*err.into_panic()), "blocking boom");
        // The pool still works.
        assert_eq!(runtime::spawn_blocking(|| 1).await.unwrap(), 1);
    });
}

/// Cancelling a queued blocking closure keeps it from ever running.
#[test]
fn cancel_before_start_prevents_the_closure_from_running() {
    let ran = Flag::new();
    let drops = Counter::new();
    let (ran2, drops2) = (ran.clone(), drops.clone());
    watchdog("blocking_cancel_queued", move || {
        let rt = Builder::new()
            .worker_threads(1)
            .max_blocking_threads(1)
            .build()
            .unwrap();
        let (started_tx, started_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let first = rt.spawn_blocking(move || {
            started_tx.send(()).unwrap();
            release_rx.recv().unwrap();
            "first"
        });
        started_rx
            .recv_timeout(support::WAIT)
            .expect("first closure never started");
        let guard = drops2.guard();
        let second = rt.spawn_blocking(move || {
            let _guard = guard;
            ran2.set();
            "second"
        });
        second.cancel();
        release_tx.send(()).unwrap();
        rt.block_on(async {
            assert_eq!(first.await.unwrap(), "first");
            let err = second.await.unwrap_err();
            assert!(err.is_cancelled(), "expected cancelled, got {err:?}");
        });
        drop(rt);
    });
    assert!(!ran.get(), "a cancelled, queued blocking closure ran");
    assert_eq!(drops.get(), 1, "the cancelled closure was not dropped once");
}

/// A closure already running is not interrupted by `cancel()`.
#[test]
fn cancel_does_not_interrupt_a_running_closure() {
    let finished = Flag::new();
    let finished2 = finished.clone();
    block_on("blocking_cancel_running", 2, move || async move {
        let (started_tx, started_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let task = runtime::spawn_blocking(move || {
            started_tx.send(()).unwrap();
            release_rx.recv().unwrap();
            finished2.set();
            5
        });
        started_rx
            .recv_timeout(support::WAIT)
            .expect("closure never started");
        task.cancel();
        release_tx.send(()).unwrap();
        // The closure completed its poll: its value is the result.
        assert_eq!(task.await.unwrap(), 5);
    });
    assert!(finished.get());
}

/// Inside a blocking closure the runtime is current: `Handle::block_on`,
/// `runtime::spawn` and nested `spawn_blocking` work.
#[test]
fn handle_block_on_inside_spawn_blocking() {
    block_on("block_on_in_blocking", 2, || async {
        let out = runtime::spawn_blocking(|| {
            let handle = Handle::current();
            handle.block_on(async {
                let a = runtime::spawn(async { 20 });
                let b = runtime::spawn_blocking(|| 22);
                a.await.unwrap() + b.await.unwrap()
            })
        })
        .await
        .unwrap();
        assert_eq!(out, 42);
    });
}

/// Many short blocking closures from several tasks: each runs exactly once.
#[test]
fn thousands_of_blocking_closures_each_run_once() {
    const N: usize = 2000;
    let ran = Counter::new();
    let ran2 = ran.clone();
    watchdog("many_blocking", move || {
        let rt = Builder::new()
            .worker_threads(2)
            .max_blocking_threads(4)
            .build()
            .unwrap();
        rt.block_on(async move {
            let tasks: Vec<_> = (0..4)
                .map(|_| {
                    let ran = ran2.clone();
                    runtime::spawn(async move {
                        let handles: Vec<_> = (0..N / 4)
                            .map(|i| {
                                let ran = ran.clone();
                                runtime::spawn_blocking(move || {
                                    ran.incr();
                                    i
                                })
                            })
                            .collect();
                        let mut sum = 0;
                        for h in handles {
                            sum += h.await.unwrap();
                        }
                        sum
                    })
                })
                .collect();
            for t in tasks {
                assert_eq!(t.await.unwrap(), (N / 4) * (N / 4 - 1) / 2);
            }
        });
    });
    assert_eq!(ran.get(), N);
}
