//! Channels and locks are not written here: the well-kept,
//! executor-independent crates work on this runtime. These tests check it
//! under load, on two workers.

mod support;

use async_lock::{Mutex, Semaphore};
use event_listener::Event;
use futures::{SinkExt, StreamExt};
use runtime::task::yield_now;
use std::collections::HashSet;
use std::sync::Arc;
use support::{block_on, Counter, Rendezvous};

const PRODUCERS: u64 = 1_000;
const PER_PRODUCER: u64 = 50;

/// async-channel: 1,000 producers into one consumer through a small
/// bounded channel (producers wait for room); nothing lost or duplicated.
#[test]
fn async_channel_fan_in_of_1000_producers() {
    block_on("async_channel_fan_in", 2, || async {
        let (tx, rx) = async_channel::bounded::<u64>(16);
        for p in 0..PRODUCERS {
            let tx = tx.clone();
            runtime::spawn(async move {
                for i in 0..PER_PRODUCER {
                    tx.send(p * PER_PRODUCER + i).await.unwrap();
                }
            });
        }
        drop(tx);
        let mut seen = HashSet::new();
        while let Ok(v) = rx.recv().await {
            assert!(seen.insert(v), "duplicate {v}");
        }
        assert_eq!(seen.len() as u64, PRODUCERS * PER_PRODUCER);
    });
}

/// futures::channel::mpsc: the same fan-in, consumer in a task.
#[test]
fn futures_mpsc_fan_in_of_1000_producers() {
    block_on("futures_mpsc_fan_in", 2, || async {
        let (tx, mut rx) = futures::channel::mpsc::channel::<u64>(16);
        for p in 0..PRODUCERS {
            let mut tx = tx.clone();
            runtime::spawn(async move {
                for i in 0..PER_PRODUCER {
                    tx.send(p * PER_PRODUCER + i).await.unwrap();
                }
            });
        }
        drop(tx);
        let consumer = runtime::spawn(async move {
            let mut sum = 0u64;
            let mut n = 0u64;
            while let Some(v) = rx.next().await {
                sum += v;
                n += 1;
            }
            (n, sum)
        });
        let total = PRODUCERS * PER_PRODUCER;
        assert_eq!(consumer.await.unwrap(), (total, total * (total - 1) / 2));
    });
}

/// async-lock's Mutex contended by many tasks on both workers (two tasks
/// meet on a thread barrier first, so both workers certainly contend):
/// mutual exclusion holds and no increment is lost.
#[test]
fn async_lock_mutex_under_contention() {
    block_on("async_lock_mutex", 2, || async {
        struct Shared {
            value: u64,
            inside: u32,
        }
        let lock = Arc::new(Mutex::new(Shared {
            value: 0,
            inside: 0,
        }));
        let violations = Counter::new();
        let threads = Arc::new(std::sync::Mutex::new(HashSet::new()));
        let meet = Rendezvous::new(2);
        let mut handles = Vec::new();
        for t in 0..200 {
            let (lock, violations, threads, meet) = (
                lock.clone(),
                violations.clone(),
                threads.clone(),
                meet.clone(),
            );
            handles.push(runtime::spawn(async move {
                if t < 2 {
                    // Both workers are running one of these at once: the
                    // contenders certainly run on both.
                    assert!(meet.wait(), "the two workers never ran at once");
                    threads.lock().unwrap().insert(std::thread::current().id());
                }
                for _ in 0..50 {
                    let mut g = lock.lock().await;
                    g.inside += 1;
                    if g.inside != 1 {
                        violations.incr();
                    }
                    yield_now().await; // hold the lock across a suspension
                    g.value += 1;
                    g.inside -= 1;
                }
            }));
        }
        for h in handles {
            h.await.unwrap();
        }
        assert_eq!(lock.lock().await.value, 200 * 50);
        assert_eq!(violations.get(), 0);
        assert_eq!(
            threads.lock().unwrap().len(),
            2,
            "both workers took the lock"
        );
    });
}

/// async-lock's Semaphore bounds concurrency.
#[test]
fn async_lock_semaphore_bounds_concurrency() {
    block_on("async_lock_semaphore", 2, || async {
        let sem = Arc::new(Semaphore::new(3));
        let inside = Counter::new();
        let max = Counter::new();
        let mut handles = Vec::new();
        for _ in 0..100 {
            let (sem, inside, max) = (sem.clone(), inside.clone(), max.clone());
            handles.push(runtime::spawn(async move {
                let _permit = sem.acquire().await;
                max.raise_to(inside.incr());
                yield_now().await;
                inside.decr();
            }));
        }
        for h in handles {
            h.await.unwrap();
        }
        assert!(max.get() <= 3, "{} tasks held a permit at once", max.get());
        assert!(max.get() >= 1);
    });
}

/// event-listener: one notification wakes every waiting task (asyncio's
/// `Event.set()`).
#[test]
fn event_listener_wakes_all_waiters() {
    block_on("event_listener", 2, || async {
        let event = Arc::new(Event::new());
        let flag = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let registered = Arc::new(async_lock::Barrier::new(501));
        let mut handles = Vec::new();
        for _ in 0..500 {
            let (event, flag, registered) = (event.clone(), flag.clone(), registered.clone());
            handles.push(runtime::spawn(async move {
                let mut first = true;
                loop {
                    if flag.load(std::sync::atomic::Ordering::SeqCst) {
                        return;
                    }
                    let listener = event.listen();
                    if flag.load(std::sync::atomic::Ordering::SeqCst) {
                        return;
                    }
                    if first {
                        first = false;
                        registered.wait().await;
                    }
                    listener.await;
                }
            }));
        }
        registered.wait().await;
        flag.store(true, std::sync::atomic::Ordering::SeqCst);
        event.notify(usize::MAX);
        for h in handles {
            h.await.unwrap();
        }
    });
}

/// `runtime::sync::oneshot` (asyncio's `Future`): 1,000 results set from
/// other tasks and from a plain thread; a dropped sender is an error, not
/// a hang.
#[test]
fn oneshot_results_set_from_elsewhere() {
    use runtime::sync::oneshot;
    block_on("oneshot_many", 2, || async {
        let mut receivers = Vec::new();
        let mut from_thread = Vec::new();
        for i in 0..1_000u32 {
            let (tx, rx) = oneshot::channel();
            receivers.push(rx);
            if i % 2 == 0 {
                runtime::spawn(async move { tx.send(i).unwrap() });
            } else {
                from_thread.push((i, tx));
            }
        }
        std::thread::spawn(move || {
            for (i, tx) in from_thread {
                tx.send(i).unwrap();
            }
        });
        for (i, rx) in receivers.into_iter().enumerate() {
            assert_eq!(rx.await.unwrap(), i as u32);
        }
        let (tx, rx) = oneshot::channel::<u32>();
        runtime::spawn(async move { drop(tx) });
        assert!(rx.await.is_err());
    });
}
