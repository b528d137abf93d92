//! Many timers at once, on the real clock: every one fires, none early,
//! and none is left registered.

use runtime::time::{self, sleep, Duration, Instant};
use runtime::Builder;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

/// `n` tasks sleeping 1 to 50 ms each, spread over `workers` workers.
fn many_sleeps(n: usize, workers: usize) {
    let rt = Builder::new().worker_threads(workers).build().unwrap();
    let fired = Arc::new(AtomicUsize::new(0));
    let early = Arc::new(AtomicUsize::new(0));
    let wall = Instant::now();
    rt.block_on(async {
        let tasks: Vec<_> = (0..n)
            .map(|i| {
                let fired = fired.clone();
                let early = early.clone();
                runtime::spawn(async move {
                    let d = Duration::from_millis(1 + (i % 50) as u64);
                    let start = Instant::now();
                    sleep(d).await;
                    if start.elapsed() < d {
                        early.fetch_add(1, SeqCst);
                    }
                    fired.fetch_add(1, SeqCst);
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
    });
    assert_eq!(fired.load(SeqCst), n, "not every sleep fired");
    assert_eq!(early.load(SeqCst), 0, "some sleeps ended early");
    // Generous: only a timer that waits for something else (or a scan per
    // tick) takes this long.
    assert!(
        wall.elapsed() < Duration::from_secs(60),
        "took {:?}",
        wall.elapsed()
    );
}

#[test]
fn a_hundred_thousand_concurrent_sleeps_all_fire() {
    many_sleeps(100_000, 2);
}

#[test]
fn many_sleeps_on_one_worker_all_fire() {
    many_sleeps(20_000, 1);
}

/// The scale: a million concurrent sleeps. Slow in a debug build;
/// run with `cargo test --release -p runtime --test time_many -- --ignored`.
#[test]
#[ignore = "a million tasks: run in release mode"]
fn a_million_concurrent_sleeps_all_fire() {
    many_sleeps(1_000_000, 2);
}

#[test]
fn sleeps_dropped_before_their_deadline_do_not_hold_up_the_others() {
    // Half the sleeps are abandoned by a timeout (their entries removed),
    // half complete.
    let rt = Builder::new().worker_threads(2).build().unwrap();
    rt.block_on(async {
        let tasks: Vec<_> = (0..10_000u64)
            .map(|i| {
                runtime::spawn(async move {
                    let long = Duration::from_secs(3600 + i);
                    let cut = time::timeout(Duration::from_millis(1 + i % 20), sleep(long)).await;
                    assert!(cut.is_err());
                    sleep(Duration::from_millis(i % 7)).await;
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
    });
}

#[test]
fn cancelling_many_sleeping_tasks_completes_them_all() {
    let rt = Builder::new().worker_threads(2).build().unwrap();
    rt.block_on(async {
        let started = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..10_000u64)
            .map(|i| {
                let started = started.clone();
                runtime::spawn(async move {
                    let timer = sleep(Duration::from_secs(3600 + i));
                    started.fetch_add(1, SeqCst);
                    timer.await;
                })
            })
            .collect();
        while started.load(SeqCst) < tasks.len() {
            runtime::task::yield_now().await;
        }
        let wall = Instant::now();
        for task in &tasks {
            task.cancel();
        }
        for task in tasks {
            assert!(task.await.unwrap_err().is_cancelled());
        }
        assert!(
            wall.elapsed() < Duration::from_secs(20),
            "took {:?}",
            wall.elapsed()
        );
    });
}
