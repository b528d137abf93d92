//! Stress workloads for memory checking: spawn, cancel (plain, caught,
//! shielded, racing), panics, timers, wakes from other threads, detached
//! handles, blocking closures, and runtimes dropped or shut down with live
//! work. Each test also asserts its drop counts, so a leak or a double drop
//! fails it even without a memory checker.
//!
//! Small by default (well under a second each in a debug build), so that
//! `scripts/memcheck.sh` can run the binary under valgrind and
//! AddressSanitizer, where everything is 20 to 50 times slower.
//! `STRESS_SCALE=N` multiplies the work. Run:
//!
//!     cargo test -p runtime --test stress
//!     STRESS_SCALE=20 cargo test -p runtime --release --test stress
//!     scripts/memcheck.sh            # under valgrind and ASan

mod support;

use futures_channel::oneshot;
use runtime::task::{catch_cancel, shield, yield_now, JoinHandle};
use runtime::time::{interval, sleep, timeout, Duration};
use runtime::{Builder, Runtime};
use std::future::{pending, poll_fn, Future};
use std::sync::{mpsc, Arc, Mutex, Once};
use std::task::{Poll, Waker};
use support::{Counter, DropGuard};

fn scale() -> usize {
    std::env::var("STRESS_SCALE")
        .ok()
        .map(|s| s.parse().expect("STRESS_SCALE is not a number"))
        .unwrap_or(1)
}

/// Bounds a stress body; generous, since under valgrind it is much slower
/// (`STRESS_WATCHDOG_SECS`, default 300).
fn bounded<T: Send + 'static>(name: &str, body: impl FnOnce() -> T + Send + 'static) -> T {
    let secs = std::env::var("STRESS_WATCHDOG_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        let _ = tx.send(std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)));
    });
    match rx.recv_timeout(std::time::Duration::from_secs(secs)) {
        Ok(Ok(v)) => {
            thread.join().unwrap();
            v
        }
        Ok(Err(p)) => std::panic::resume_unwind(p),
        Err(_) => panic!("stress `{name}` hung for {secs} s (deadlock or lost wake-up)"),
    }
}

fn rt(workers: usize) -> Runtime {
    Builder::new()
        .worker_threads(workers)
        .max_blocking_threads(4)
        .build()
        .unwrap()
}

fn quiet_intended_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let p = info.payload();
            let intended = p
                .downcast_ref::<&str>()
                .is_some_and(|s| s.starts_with("stress:"))
                || p.downcast_ref::<String>()
                    .is_some_and(|s| s.starts_with("stress:"))
                || p.is::<Payload>();
            if !intended {
                default(info);
            }
        }));
    });
}

/// A panic payload that counts its drops.
struct Payload(#[allow(dead_code)] DropGuard);

#[test]
fn spawn_yield_and_children() {
    let n = 2000 * scale();
    let drops = Counter::new();
    let d = drops.clone();
    bounded("spawn", move || {
        let rt = rt(2);
        let sum: usize = rt.block_on(async move {
            let tasks: Vec<JoinHandle<usize>> = (0..n)
                .map(|i| {
                    let guard = d.guard();
                    let child_guard = d.guard();
                    runtime::spawn(async move {
                        let _g = guard;
                        for _ in 0..i % 4 {
                            yield_now().await;
                        }
                        if i % 10 == 0 {
                            let child = runtime::spawn(async move {
                                let _g = child_guard;
                                yield_now().await;
                                i
                            });
                            return child.await.unwrap();
                        }
                        drop(child_guard);
                        i
                    })
                })
                .collect();
            let mut sum = 0;
            for t in tasks {
                sum += t.await.unwrap();
            }
            sum
        });
        assert_eq!(sum, n * (n - 1) / 2);
    });
    assert_eq!(drops.get(), 2 * n);
}

#[test]
fn cancel_plain_caught_shielded_and_racing() {
    let n = 1000 * scale();
    let (drops, cleanups) = (Counter::new(), Counter::new());
    let (d, c) = (drops.clone(), cleanups.clone());
    bounded("cancel", move || {
        let rt = rt(2);
        let (tx, rx) = mpsc::channel::<JoinHandle<()>>();
        // Cancels from another thread, racing the tasks' first polls.
        let canceller = std::thread::spawn(move || {
            let mut all = Vec::new();
            for h in rx {
                h.cancel();
                all.push(h);
            }
            all
        });
        for i in 0..n {
            let (guard, cleanups) = (d.guard(), c.clone());
            let task = rt.spawn(async move {
                let _g = guard;
                match i % 3 {
                    0 => pending::<()>().await,
                    1 => {
                        if catch_cancel(pending::<()>()).await.is_err() {
                            yield_now().await;
                            sleep(Duration::from_millis(1)).await;
                            cleanups.incr();
                        }
                    }
                    _ => {
                        shield(async {
                            for _ in 0..3 {
                                yield_now().await;
                            }
                        })
                        .await;
                        pending::<()>().await
                    }
                }
            });
            tx.send(task).unwrap();
        }
        drop(tx);
        let handles = canceller.join().unwrap();
        for h in handles {
            assert!(rt.block_on(h).unwrap_err().is_cancelled());
        }
    });
    assert_eq!(drops.get(), n);
    assert!(cleanups.get() <= n / 3 + 1);
}

#[test]
fn panics_free_their_payloads() {
    quiet_intended_panics();
    let n = 500 * scale();
    let (drops, payloads) = (Counter::new(), Counter::new());
    let (d, p) = (drops.clone(), payloads.clone());
    bounded("panics", move || {
        let rt = rt(2);
        rt.block_on(async move {
            let mut awaited = Vec::new();
            for i in 0..n {
                let (guard, payload) = (d.guard(), p.guard());
                let task = runtime::spawn(async move {
                    let _g = guard;
                    if i % 2 == 0 {
                        yield_now().await;
                    }
                    if i % 3 == 0 {
                        std::panic::panic_any(Payload(payload));
                    }
                    drop(payload);
                    if i % 3 == 1 {
                        panic!("stress: intended panic {i}"); // a String payload
                    }
                    panic!("stress: intended panic"); // a &'static str payload
                });
                if i % 4 == 0 {
                    drop(task); // detached: the worker drops the payload
                } else {
                    awaited.push(task);
                }
            }
            for t in awaited {
                assert!(t.await.unwrap_err().is_panic());
            }
        });
    });
    assert_eq!(drops.get(), n);
    assert_eq!(
        payloads.get(),
        n,
        "a panic payload was leaked or dropped twice"
    );
}

#[test]
fn timers_sleep_timeout_interval_and_dropped_sleeps() {
    let n = 500 * scale();
    let drops = Counter::new();
    let d = drops.clone();
    bounded("timers", move || {
        let rt = rt(2);
        rt.block_on(async move {
            let tasks: Vec<JoinHandle<()>> = (0..n)
                .map(|i| {
                    let guard = d.guard();
                    runtime::spawn(async move {
                        let _g = guard;
                        match i % 4 {
                            0 => sleep(Duration::from_millis((i % 3) as u64)).await,
                            1 => {
                                let r = timeout(Duration::from_millis(1), pending::<()>()).await;
                                assert!(r.is_err());
                                let r = timeout(Duration::from_secs(60), async { 5 }).await;
                                assert_eq!(r, Ok(5));
                            }
                            2 => {
                                let mut ticks = interval(Duration::from_millis(1));
                                for _ in 0..3 {
                                    ticks.tick().await;
                                }
                            }
                            _ => {
                                // Registered, then dropped before the deadline.
                                let mut s = std::pin::pin!(sleep(Duration::from_secs(3600)));
                                poll_fn(|cx| {
                                    let _ = s.as_mut().poll(cx);
                                    Poll::Ready(())
                                })
                                .await;
                            }
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
        });
    });
    assert_eq!(drops.get(), n);
}

#[test]
fn wakes_from_other_threads_and_detach_races() {
    let n = 500 * scale();
    let drops = Counter::new();
    let d = drops.clone();
    bounded("wakes", move || {
        let rt = rt(2);
        let (tx, rx) = mpsc::channel::<oneshot::Sender<usize>>();
        let waker = std::thread::spawn(move || {
            for (i, s) in rx.into_iter().enumerate() {
                let _ = s.send(i);
            }
        });
        let (htx, hrx) = mpsc::channel::<JoinHandle<usize>>();
        // Drops handles on another thread, racing the tasks' completion.
        let dropper = std::thread::spawn(move || hrx.into_iter().for_each(drop));
        let mut kept = Vec::new();
        for i in 0..n {
            let (s, r) = oneshot::channel();
            tx.send(s).unwrap();
            let guard = d.guard();
            let task = rt.spawn(async move {
                let _g = guard;
                r.await.unwrap_or(0)
            });
            match i % 3 {
                0 => htx.send(task).unwrap(),
                1 => {
                    if i % 2 == 0 {
                        task.cancel();
                    }
                    kept.push(task);
                }
                _ => drop(task),
            }
        }
        drop((tx, htx));
        waker.join().unwrap();
        dropper.join().unwrap();
        for t in kept {
            let _ = rt.block_on(t);
        }
        support::wait_until("every detached task finished", || d.get() == n);
    });
    assert_eq!(drops.get(), n);
}

#[test]
fn blocking_closures_run_or_are_dropped_unrun() {
    let n = 200 * scale();
    let (drops, ran) = (Counter::new(), Counter::new());
    let (d, r) = (drops.clone(), ran.clone());
    bounded("blocking", move || {
        let rt = rt(1);
        let tasks: Vec<_> = (0..n)
            .map(|i| {
                let (guard, ran) = (d.guard(), r.clone());
                let t = rt.spawn_blocking(move || {
                    let _g = guard;
                    ran.incr();
                    i
                });
                if i % 5 == 0 {
                    t.cancel();
                }
                t
            })
            .collect();
        for (i, t) in tasks.into_iter().enumerate() {
            match rt.block_on(t) {
                Ok(v) => assert_eq!(v, i),
                Err(e) => assert!(e.is_cancelled() && i % 5 == 0),
            }
        }
    });
    assert_eq!(drops.get(), n);
    assert!(ran.get() <= n);
}

type Wakers = Arc<Mutex<Vec<Waker>>>;

/// Spawns the live mix a shutdown has to deal with.
fn live_mix(rt: &Runtime, n: usize, drops: &Counter, wakers: &Wakers) -> Vec<JoinHandle<()>> {
    let mut kept = Vec::new();
    for i in 0..n {
        let (guard, wakers) = (drops.guard(), wakers.clone());
        let task = rt.spawn(async move {
            let _g = guard;
            match i % 6 {
                0 => {
                    let mut stored = false;
                    poll_fn(|cx| {
                        if !stored {
                            wakers.lock().unwrap().push(cx.waker().clone());
                            stored = true;
                        }
                        Poll::<()>::Pending
                    })
                    .await
                }
                1 => {
                    if catch_cancel(pending::<()>()).await.is_err() {
                        yield_now().await;
                        sleep(Duration::from_millis(1)).await;
                    }
                }
                2 => shield(pending::<()>()).await,
                3 => sleep(Duration::from_secs(3600)).await,
                4 => loop {
                    yield_now().await;
                },
                _ => {
                    let child = runtime::spawn(pending::<()>());
                    let _ = child.await;
                }
            }
        });
        if i % 2 == 0 {
            kept.push(task);
        }
    }
    kept
}

#[test]
fn shutdown_with_live_work_dropped_and_graceful() {
    let n = 3000 * scale();
    for graceful in [false, true] {
        let drops = Counter::new();
        let d = drops.clone();
        bounded("shutdown", move || {
            let rt = rt(2);
            let wakers: Wakers = Arc::default();
            let kept = live_mix(&rt, n, &d, &wakers);
            let (release_tx, release_rx) = mpsc::channel::<()>();
            let running = rt.spawn_blocking(move || {
                let _ = release_rx.recv();
            });
            let queued: Vec<_> = (0..8).map(|_| rt.spawn_blocking(|| ())).collect();
            let w = wakers.clone();
            let waking = std::thread::spawn(move || {
                for _ in 0..200 {
                    let batch: Vec<Waker> = w.lock().unwrap().clone();
                    batch.iter().for_each(Waker::wake_by_ref);
                    std::thread::yield_now();
                }
            });
            if graceful {
                rt.shutdown_timeout(std::time::Duration::from_millis(200));
            } else {
                drop(rt);
            }
            waking.join().unwrap();
            // After the shutdown: wakes are harmless.
            std::mem::take(&mut *wakers.lock().unwrap())
                .into_iter()
                .for_each(Waker::wake);
            drop(release_tx);
            for t in kept {
                assert!(futures::executor::block_on(t).unwrap_err().is_cancelled());
            }
            let _ = futures::executor::block_on(running);
            for t in queued {
                let _ = futures::executor::block_on(t);
            }
        });
        assert_eq!(drops.get(), n, "graceful: {graceful}");
    }
}

#[test]
fn runtimes_created_and_dropped_with_live_tasks() {
    let rounds = 20 * scale();
    let drops = Counter::new();
    let d = drops.clone();
    bounded("churn", move || {
        for r in 0..rounds {
            let rt = rt(1 + r % 3);
            let wakers: Wakers = Arc::default();
            drop(live_mix(&rt, 60, &d, &wakers));
            if r % 2 == 0 {
                rt.block_on(async { sleep(Duration::from_millis(1)).await });
            }
            drop(rt);
            drop(wakers);
        }
    });
    assert_eq!(drops.get(), rounds * 60);
}
