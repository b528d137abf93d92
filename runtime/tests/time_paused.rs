//! The paused clock: `start_paused`, `pause`, `resume`, `advance`, and
//! the auto-advance, which must only jump when the whole runtime is idle.

use runtime::time::{self, sleep, sleep_until, timeout, Duration, Instant};
use runtime::{Builder, Runtime};
use std::sync::{Arc, Mutex};

/// The message of a caught panic.
fn message(err: Box<dyn std::any::Any + Send>) -> String {
    match err.downcast::<String>() {
        Ok(s) => *s,
        Err(err) => err
            .downcast_ref::<&str>()
            .expect("a text panic")
            .to_string(),
    }
}

fn paused(workers: usize) -> Runtime {
    Builder::new()
        .worker_threads(workers)
        .start_paused(true)
        .build()
        .unwrap()
}

/// xorshift64*: deterministic pseudo-random numbers.
fn rng(seed: u64) -> impl FnMut() -> u64 {
    let mut x = seed | 1;
    move || {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[test]
fn a_thousand_timers_complete_in_deadline_order_at_their_deadlines() {
    for workers in [1, 2, 4] {
        let rt = paused(workers);
        rt.block_on(async {
            let start = time::now();
            let order = Arc::new(Mutex::new(Vec::new()));
            let mut next = rng(42 + workers as u64);
            let tasks: Vec<_> = (0..1000)
                .map(|_| {
                    let deadline = start + Duration::from_millis(1 + next() % 60_000);
                    let order = order.clone();
                    runtime::spawn(async move {
                        sleep_until(deadline).await;
                        // The clock stands exactly at the deadline: every
                        // deadline is a whole number of milliseconds.
                        assert_eq!(time::now(), deadline);
                        order.lock().unwrap().push(deadline);
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
            let order = order.lock().unwrap();
            assert_eq!(order.len(), 1000);
            assert!(
                order.windows(2).all(|w| w[0] <= w[1]),
                "timers completed out of deadline order ({workers} workers)"
            );
        });
    }
}

#[test]
fn an_hour_passes_in_no_time() {
    let rt = paused(2);
    let wall = Instant::now();
    rt.block_on(async {
        let start = time::now();
        sleep(Duration::from_secs(3600)).await;
        assert_eq!(time::now() - start, Duration::from_secs(3600));
        let out = timeout(Duration::from_secs(3600), sleep(Duration::from_secs(7200))).await;
        assert!(out.is_err());
        assert_eq!(time::now() - start, Duration::from_secs(7200));
    });
    assert!(
        wall.elapsed() < Duration::from_secs(5),
        "took {:?}",
        wall.elapsed()
    );
}

#[test]
fn a_year_of_daily_timers_passes_in_no_time() {
    let rt = paused(2);
    let wall = Instant::now();
    rt.block_on(async {
        let start = time::now();
        let day = Duration::from_secs(24 * 3600);
        let mut ticks = time::interval(day);
        for _ in 0..=365 {
            ticks.tick().await;
        }
        assert_eq!(time::now() - start, day * 365);
        // Further than the wheel spans (about 2.2 years): still exact.
        sleep(day * 3 * 365).await;
        assert_eq!(time::now() - start, day * 4 * 365);
    });
    assert!(
        wall.elapsed() < Duration::from_secs(5),
        "took {:?}",
        wall.elapsed()
    );
}

#[test]
fn advance_moves_the_clock_and_fires_what_is_due() {
    let rt = paused(2);
    rt.block_on(async {
        let start = time::now();
        let fired = runtime::spawn(sleep_until(start + Duration::from_secs(10)));
        time::advance(Duration::from_secs(4)).await;
        assert_eq!(time::now() - start, Duration::from_secs(4));
        assert!(!fired.is_finished());
        time::advance(Duration::from_secs(6)).await;
        assert_eq!(time::now() - start, Duration::from_secs(10));
        fired.await.unwrap();
        assert_eq!(time::now() - start, Duration::from_secs(10));
    });
}

#[test]
fn time_stands_still_while_paused() {
    let rt = paused(1);
    rt.block_on(async {
        let start = time::now();
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(time::now(), start);
    });
}

#[test]
fn resume_lets_time_run_and_pause_stops_it_again() {
    let rt = paused(2);
    rt.block_on(async {
        let start = time::now();
        time::resume();
        let real = Instant::now();
        sleep(Duration::from_millis(20)).await; // a real sleep
        assert!(real.elapsed() >= Duration::from_millis(20));
        assert!(time::now() - start >= Duration::from_millis(20));
        time::pause();
        let frozen = time::now();
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(time::now(), frozen);
        // Paused again: the auto-advance is back.
        let wall = Instant::now();
        sleep(Duration::from_secs(3600)).await;
        assert_eq!(time::now() - frozen, Duration::from_secs(3600));
        assert!(wall.elapsed() < Duration::from_secs(5));
    });
}

#[test]
fn a_timer_waiting_when_the_clock_resumes_fires_in_real_time() {
    let rt = paused(2);
    rt.block_on(async {
        let (registered_tx, registered_rx) = futures_channel::oneshot::channel();
        let sleeper = runtime::spawn(async move {
            let timer = sleep(Duration::from_millis(30));
            let mut timer = std::pin::pin!(timer);
            std::future::poll_fn(|cx| {
                let _ = std::future::Future::poll(timer.as_mut(), cx);
                std::task::Poll::Ready(())
            })
            .await;
            registered_tx.send(()).unwrap();
            timer.await;
        });
        registered_rx.await.unwrap();
        let real = Instant::now();
        time::resume();
        sleeper.await.unwrap();
        assert!(real.elapsed() >= Duration::from_millis(30));
    });
}

#[test]
fn the_clock_does_not_jump_while_a_blocking_closure_runs() {
    let rt = paused(2);
    rt.block_on(async {
        // The closure takes real time while the runtime is otherwise
        // idle: a 1 ms timeout must not expire meanwhile.
        let work = runtime::spawn_blocking(|| {
            std::thread::sleep(Duration::from_millis(50));
            7
        });
        let out = timeout(Duration::from_millis(1), work).await;
        assert_eq!(
            out.expect("the clock jumped during blocking work").unwrap(),
            7
        );
    });
}

#[test]
fn the_clock_does_not_jump_while_block_on_is_busy() {
    let rt = paused(2);
    rt.block_on(async {
        let (tx, rx) = futures_channel::oneshot::channel();
        let waiter = runtime::spawn(async move { timeout(Duration::from_millis(1), rx).await });
        // Busy in `block_on` (not awaiting) while the task waits: the
        // task's 1 ms timeout must not expire.
        runtime::task::yield_now().await;
        std::thread::sleep(Duration::from_millis(50));
        tx.send(3).unwrap();
        let out = waiter.await.unwrap();
        assert_eq!(
            out.expect("the clock jumped while block_on was busy")
                .unwrap(),
            3
        );
    });
}

#[test]
fn the_clock_does_not_jump_while_a_task_runs() {
    let rt = paused(2);
    rt.block_on(async {
        let start = time::now();
        let busy = runtime::spawn(async move {
            std::thread::sleep(Duration::from_millis(50));
            time::now()
        });
        sleep(Duration::from_millis(1)).await;
        let seen = busy.await.unwrap();
        assert_eq!(seen, start, "the clock moved while a task was running");
    });
}

#[test]
fn pause_on_a_runtime_not_built_for_it_panics_with_a_hint() {
    let rt = Builder::new().worker_threads(1).build().unwrap();
    for (name, f) in [
        ("pause", time::pause as fn()),
        ("resume", time::resume as fn()),
    ] {
        let err =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rt.block_on(async { f() })))
                .unwrap_err();
        let msg = message(err);
        assert!(msg.contains(&format!("`runtime::time::{name}`")), "{msg}");
        assert!(msg.contains("Builder::start_paused(true)"), "{msg}");
        assert!(
            msg.contains("#[runtime::test(start_paused = true)]"),
            "{msg}"
        );
    }
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(time::advance(Duration::from_secs(1)))
    }))
    .unwrap_err();
    let msg = message(err);
    assert!(msg.contains("Builder::start_paused(true)"), "{msg}");
}

#[test]
fn pausing_twice_resuming_twice_and_advancing_a_running_clock_panic() {
    let rt = paused(1);
    let panics = |f: &dyn Fn()| {
        let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_err();
        message(err)
    };
    let msg = panics(&|| rt.block_on(async { time::pause() }));
    assert!(msg.contains("already paused"), "{msg}");
    rt.block_on(async { time::resume() });
    let msg = panics(&|| rt.block_on(async { time::resume() }));
    assert!(msg.contains("only a paused clock can be resumed"), "{msg}");
    let msg = panics(&|| rt.block_on(time::advance(Duration::from_secs(1))));
    assert!(msg.contains("call `runtime::time::pause()` first"), "{msg}");
}

#[test]
fn pause_outside_a_runtime_panics_with_a_hint() {
    let err = std::panic::catch_unwind(time::pause).unwrap_err();
    let msg = message(err);
    assert!(
        msg.contains("`runtime::time::pause` was called outside a runtime"),
        "{msg}"
    );
}

#[runtime::test(start_paused = true, worker_threads = 2)]
async fn the_test_attribute_starts_the_clock_paused() {
    let start = time::now();
    std::thread::sleep(Duration::from_millis(5));
    assert_eq!(time::now(), start);
    let out = timeout(Duration::from_secs(3600), std::future::pending::<()>()).await;
    assert!(out.is_err());
    assert_eq!(time::now() - start, Duration::from_secs(3600));
}

#[runtime::test(start_paused = false)]
async fn the_test_attribute_accepts_start_paused_false() {
    let before = Instant::now();
    sleep(Duration::from_millis(5)).await;
    assert!(before.elapsed() >= Duration::from_millis(5));
}

#[test]
fn a_sleep_ends_at_the_quarter_millisecond_its_deadline_rounds_up_to() {
    // Ticks are 250 µs: a paused clock jumps to the tick a deadline was
    // rounded up to, not to the next whole millisecond.
    let rt = paused(2);
    rt.block_on(async {
        for (micros, expected) in [(1_300, 1_500), (250, 250), (1_001, 1_250), (2_000, 2_000)] {
            let start = time::now();
            sleep(Duration::from_micros(micros)).await;
            assert_eq!(
                time::now() - start,
                Duration::from_micros(expected),
                "a sleep of {micros} µs"
            );
        }
    });
}
