//! `sleep`, `sleep_until` and `Sleep`: never early, reset, cancellation by
//! drop, use from outside the runtime's threads, misuse, shutdown.
//!
//! Real-clock tests assert lower bounds (a sleep never ends early) and only
//! generous upper bounds; exact timings are checked on the paused clock.

use runtime::time::{self, sleep, sleep_until, Duration, Instant};
use runtime::{Builder, Runtime};
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll, Wake, Waker};

fn runtime(workers: usize) -> Runtime {
    Builder::new().worker_threads(workers).build().unwrap()
}

fn paused(workers: usize) -> Runtime {
    Builder::new()
        .worker_threads(workers)
        .start_paused(true)
        .build()
        .unwrap()
}

/// Runs `f` on a thread and fails the test if it does not finish in time
/// (a hang would otherwise stall the test run).
fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        let _ = tx.send(result);
    });
    match rx.recv_timeout(limit) {
        Ok(Ok(value)) => value,
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(_) => panic!("did not finish within {limit:?}: a timer was never fired"),
    }
}

/// A waker that counts its wake-ups.
#[derive(Default)]
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// Polls `timer` once, registering it with the timer wheel, and checks it
/// is not due yet.
async fn register(mut timer: std::pin::Pin<&mut runtime::time::Sleep>) {
    assert!(poll_fn(|cx| Poll::Ready(timer.as_mut().poll(cx)))
        .await
        .is_pending());
}

#[test]
fn timer_types_are_send_sync_and_sleep_is_unpin() {
    fn send_sync<T: Send + Sync>() {}
    fn unpin<T: Unpin>() {}
    send_sync::<runtime::time::Sleep>();
    send_sync::<runtime::time::Timeout<std::future::Ready<()>>>();
    send_sync::<runtime::time::Interval>();
    send_sync::<runtime::time::Elapsed>();
    unpin::<runtime::time::Sleep>();
    unpin::<runtime::time::Interval>();
}

#[test]
fn a_sleep_never_ends_early() {
    let rt = runtime(2);
    rt.block_on(async {
        for ms in [1, 2, 5, 10, 25] {
            let d = Duration::from_millis(ms);
            let start = Instant::now();
            sleep(d).await;
            let took = start.elapsed();
            assert!(took >= d, "sleep({d:?}) took only {took:?}");
            // Generous: only catches a timer that waits for something else.
            assert!(
                took < d + Duration::from_secs(2),
                "sleep({d:?}) took {took:?}"
            );
        }
    });
}

#[test]
fn sleeps_in_tasks_never_end_early() {
    let rt = runtime(2);
    rt.block_on(async {
        let tasks: Vec<_> = (1..=20u64)
            .map(|ms| {
                runtime::spawn(async move {
                    let d = Duration::from_millis(ms);
                    let start = Instant::now();
                    sleep(d).await;
                    (d, start.elapsed())
                })
            })
            .collect();
        for task in tasks {
            let (d, took) = task.await.unwrap();
            assert!(took >= d, "sleep({d:?}) took only {took:?}");
        }
    });
}

#[test]
fn a_zero_or_past_deadline_completes_at_once() {
    let rt = paused(1);
    rt.block_on(async {
        sleep(Duration::ZERO).await;
        sleep_until(time::now()).await;
        sleep_until(time::now() - Duration::from_secs(1)).await;
        // Elapsed once it has fired (polled), not before (as in Tokio).
        let mut timer = sleep(Duration::ZERO);
        assert!(!timer.is_elapsed());
        (&mut timer).await;
        assert!(timer.is_elapsed());
    });
}

#[test]
fn deadline_is_measured_on_the_runtime_clock() {
    let rt = paused(1);
    rt.block_on(async {
        let now = time::now();
        let timer = sleep(Duration::from_secs(7));
        assert_eq!(timer.deadline(), now + Duration::from_secs(7));
        assert!(!timer.is_elapsed());
        let until = sleep_until(now + Duration::from_millis(3));
        assert_eq!(until.deadline(), now + Duration::from_millis(3));
    });
}

#[test]
fn an_unrepresentable_duration_sleeps_practically_forever() {
    let rt = paused(1);
    rt.block_on(async {
        let timer = sleep(Duration::MAX);
        assert!(timer.deadline() > time::now() + Duration::from_secs(365 * 24 * 3600));
        let out = time::timeout(Duration::from_secs(3600), timer).await;
        assert!(out.is_err());
    });
}

#[test]
fn reset_moves_the_deadline_both_ways() {
    let rt = paused(2);
    rt.block_on(async {
        let start = time::now();
        let mut timer = pin!(sleep(Duration::from_secs(100)));
        // Register it, then bring it forward.
        register(timer.as_mut()).await;
        timer.as_mut().reset(start + Duration::from_secs(2));
        timer.as_mut().await;
        assert_eq!(time::now() - start, Duration::from_secs(2));

        // A completed sleep can be reset and awaited again: push it back.
        timer.as_mut().reset(start + Duration::from_secs(50));
        assert!(!timer.is_elapsed());
        timer.as_mut().await;
        assert_eq!(time::now() - start, Duration::from_secs(50));
    });
}

#[test]
fn reset_on_the_real_clock_keeps_the_lower_bound() {
    let rt = runtime(2);
    rt.block_on(async {
        let mut timer = pin!(sleep(Duration::from_secs(3600)));
        register(timer.as_mut()).await;
        let deadline = Instant::now() + Duration::from_millis(20);
        timer.as_mut().reset(deadline);
        timer.await;
        assert!(Instant::now() >= deadline);
    });
}

#[test]
fn reset_keeps_the_registered_waker() {
    // A task waits on a timer an hour away; another thread brings the
    // deadline forward. Nothing else wakes the task: the timer must wake it
    // through the waker its last poll registered.
    let rt = runtime(2);
    rt.block_on(async {
        let timer = Arc::new(std::sync::Mutex::new(Box::pin(sleep(Duration::from_secs(
            3600,
        )))));
        let (polled_tx, polled_rx) = futures_channel::oneshot::channel();
        let mut polled_tx = Some(polled_tx);
        let shared = timer.clone();
        let waiter = runtime::spawn(poll_fn(move |cx| {
            let poll = shared.lock().unwrap().as_mut().poll(cx);
            if let Some(tx) = polled_tx.take() {
                tx.send(()).unwrap();
            }
            poll
        }));
        polled_rx.await.unwrap();
        let deadline = Instant::now() + Duration::from_millis(10);
        timer.lock().unwrap().as_mut().reset(deadline);
        time::timeout(Duration::from_secs(20), waiter)
            .await
            .expect("the reset timer woke its task")
            .unwrap();
        assert!(Instant::now() >= deadline);
    });
}

#[test]
fn a_sleep_dropped_before_its_deadline_never_wakes() {
    let rt = runtime(2);
    let waker_state = Arc::new(CountingWaker::default());
    let waker = Waker::from(waker_state.clone());
    rt.block_on(async {
        let mut timer = Box::pin(sleep(Duration::from_millis(10)));
        let mut cx = Context::from_waker(&waker);
        assert!(timer.as_mut().poll(&mut cx).is_pending());
        drop(timer);
        // Outlive the deadline by far, with a second timer that does fire.
        sleep(Duration::from_millis(60)).await;
    });
    assert_eq!(
        waker_state.0.load(SeqCst),
        0,
        "a dropped sleep woke its waker"
    );
}

#[test]
fn the_last_waker_is_the_one_woken() {
    let rt = runtime(2);
    let first = Arc::new(CountingWaker::default());
    let second = Arc::new(CountingWaker::default());
    rt.block_on(async {
        let mut timer = Box::pin(sleep(Duration::from_millis(5)));
        let w1 = Waker::from(first.clone());
        let w2 = Waker::from(second.clone());
        assert!(timer
            .as_mut()
            .poll(&mut Context::from_waker(&w1))
            .is_pending());
        assert!(timer
            .as_mut()
            .poll(&mut Context::from_waker(&w2))
            .is_pending());
        // Await something else until the second waker has been woken.
        let start = Instant::now();
        while second.0.load(SeqCst) == 0 {
            assert!(start.elapsed() < Duration::from_secs(20), "never woken");
            sleep(Duration::from_millis(1)).await;
        }
        assert!(timer
            .as_mut()
            .poll(&mut Context::from_waker(&w2))
            .is_ready());
    });
    assert_eq!(first.0.load(SeqCst), 0);
    assert_eq!(second.0.load(SeqCst), 1);
}

#[test]
fn cancelling_a_task_sleeping_for_an_hour_completes_it_promptly() {
    let rt = runtime(2);
    let took = within(Duration::from_secs(30), move || {
        rt.block_on(async {
            let (tx, rx) = futures_channel::oneshot::channel();
            let task = runtime::spawn(async move {
                let timer = sleep(Duration::from_secs(3600));
                tx.send(()).unwrap();
                timer.await;
            });
            rx.await.unwrap();
            let start = Instant::now();
            task.cancel();
            assert!(task.await.unwrap_err().is_cancelled());
            start.elapsed()
        })
    });
    assert!(took < Duration::from_secs(5), "cancellation took {took:?}");
}

#[test]
fn a_sleep_polled_on_a_plain_thread_wakes_a_parked_worker() {
    // The timer is registered from a thread that is not the runtime's (no
    // task involved): only the timer driver can wake it.
    let rt = runtime(2);
    let handle = rt.handle().clone();
    let took = within(Duration::from_secs(30), move || {
        let timer = {
            let _enter = handle.enter();
            sleep(Duration::from_millis(20))
        };
        let start = Instant::now();
        futures::executor::block_on(timer);
        start.elapsed()
    });
    assert!(took >= Duration::from_millis(20));
    drop(rt);
}

#[test]
fn an_earlier_timer_from_outside_wakes_the_driver_waiting_for_a_later_one() {
    // A worker is parked as the timer driver, waiting an hour for the
    // first timer; a 20 ms timer registered from a plain thread must not
    // wait behind it.
    let rt = runtime(2);
    let (tx, rx) = mpsc::channel();
    let long = rt.spawn(async move {
        let timer = sleep(Duration::from_secs(3600));
        tx.send(()).unwrap();
        timer.await;
    });
    rx.recv().unwrap();
    let handle = rt.handle().clone();
    let took = within(Duration::from_secs(30), move || {
        let start = Instant::now();
        let timer = {
            let _enter = handle.enter();
            sleep(Duration::from_millis(20))
        };
        futures::executor::block_on(timer);
        start.elapsed()
    });
    assert!(took >= Duration::from_millis(20));
    assert!(took < Duration::from_secs(10), "took {took:?}");
    long.cancel();
}

#[test]
fn timers_fire_while_every_worker_is_busy() {
    // Every worker runs tasks that never let it park (they yield in a
    // loop); timers must still fire.
    let rt = runtime(2);
    within(Duration::from_secs(30), move || {
        rt.block_on(async {
            let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let spinners: Vec<_> = (0..4)
                .map(|_| {
                    let done = done.clone();
                    runtime::spawn(async move {
                        while !done.load(SeqCst) {
                            runtime::task::yield_now().await;
                        }
                    })
                })
                .collect();
            let sleeper = runtime::spawn(async {
                for _ in 0..5 {
                    sleep(Duration::from_millis(5)).await;
                }
            });
            sleeper.await.unwrap();
            done.store(true, SeqCst);
            for spinner in spinners {
                spinner.await.unwrap();
            }
        })
    });
}

#[test]
fn sleep_outside_a_runtime_panics_with_a_hint() {
    let err = std::panic::catch_unwind(|| sleep(Duration::from_millis(1))).unwrap_err();
    let msg = err.downcast_ref::<String>().unwrap();
    assert!(
        msg.contains("`runtime::time::sleep` was called outside a runtime"),
        "{msg}"
    );
    assert!(msg.contains("Handle::enter()"), "{msg}");

    let err = std::panic::catch_unwind(|| sleep_until(Instant::now())).unwrap_err();
    let msg = err.downcast_ref::<String>().unwrap();
    assert!(msg.contains("`runtime::time::sleep_until`"), "{msg}");
}

#[test]
fn now_outside_a_runtime_is_the_system_clock() {
    let before = Instant::now();
    let now = time::now();
    assert!(now >= before && now <= Instant::now());
}

#[test]
fn a_sleep_polled_after_shutdown_panics_instead_of_hanging() {
    let rt = runtime(1);
    let handle = rt.handle().clone();
    let timer = {
        let _enter = handle.enter();
        sleep(Duration::from_secs(3600))
    };
    let (registered_tx, registered_rx) = mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let mut timer = pin!(timer);
        let mut registered = Some(registered_tx);
        futures::executor::block_on(poll_fn(|cx| {
            let poll = timer.as_mut().poll(cx);
            if let Some(tx) = registered.take() {
                tx.send(()).unwrap();
            }
            poll
        }))
    });
    registered_rx.recv().unwrap();
    drop(rt);
    let err = within(Duration::from_secs(30), move || waiter.join()).unwrap_err();
    let msg = err.downcast_ref::<String>().unwrap();
    assert!(msg.contains("after its runtime shut down"), "{msg}");
}

#[test]
fn cleanup_can_sleep_during_the_shutdown_grace_period() {
    let rt = runtime(2);
    let (started_tx, started_rx) = mpsc::channel();
    let (cleaned_tx, cleaned_rx) = mpsc::channel();
    rt.spawn(async move {
        started_tx.send(()).unwrap();
        let caught = runtime::task::catch_cancel(std::future::pending::<()>()).await;
        assert!(caught.is_err());
        let start = Instant::now();
        sleep(Duration::from_millis(10)).await;
        cleaned_tx.send(start.elapsed()).unwrap();
    });
    started_rx.recv().unwrap();
    rt.shutdown_timeout(Duration::from_secs(20));
    let slept = cleaned_rx.recv().expect("the cleanup finished");
    assert!(slept >= Duration::from_millis(10));
}

/// Awaits `timer` in a task that counts its polls; returns the clock's
/// reading when it completed, and the number of polls.
async fn await_counting_polls(timer: time::Sleep) -> (Instant, usize) {
    let polls = Arc::new(AtomicUsize::new(0));
    let counted = polls.clone();
    let mut timer = Box::pin(timer);
    runtime::spawn(poll_fn(move |cx| {
        counted.fetch_add(1, SeqCst);
        timer.as_mut().poll(cx)
    }))
    .await
    .unwrap();
    (time::now(), polls.load(SeqCst))
}

#[test]
fn a_pushed_back_sleep_fires_at_its_new_deadline_without_an_early_wake_up() {
    // Pushing the deadline back leaves the timer filed at its old tick (no
    // lock); when that tick comes it is filed again, without waking the
    // task: the task is polled twice (registration, completion).
    let rt = paused(2);
    rt.block_on(async {
        let start = time::now();
        let mut timer = Box::pin(sleep(Duration::from_secs(10)));
        register(timer.as_mut()).await;
        for secs in [20, 30, 30] {
            timer.as_mut().reset(start + Duration::from_secs(secs));
        }
        let (done, polls) = await_counting_polls(*std::pin::Pin::into_inner(timer)).await;
        assert_eq!(done - start, Duration::from_secs(30));
        assert_eq!(polls, 2, "woken at the old deadline");
    });
}

#[test]
fn a_sleep_reset_earlier_after_a_push_back_fires_at_the_earlier_deadline() {
    let rt = paused(2);
    rt.block_on(async {
        let start = time::now();
        let mut timer = Box::pin(sleep(Duration::from_secs(100)));
        register(timer.as_mut()).await;
        // Earlier (through the wheel lock), later (without it), earlier
        // again: the last deadline counts.
        timer.as_mut().reset(start + Duration::from_secs(2));
        timer.as_mut().reset(start + Duration::from_secs(5));
        timer.as_mut().reset(start + Duration::from_secs(4));
        let (done, polls) = await_counting_polls(*std::pin::Pin::into_inner(timer)).await;
        assert_eq!(done - start, Duration::from_secs(4));
        assert_eq!(polls, 2);
    });
}

#[test]
fn a_sleep_reset_to_a_passed_deadline_completes_at_once() {
    let rt = paused(2);
    rt.block_on(async {
        let start = time::now();
        let mut timer = Box::pin(sleep(Duration::from_secs(100)));
        register(timer.as_mut()).await;
        timer.as_mut().reset(start);
        assert!(timer.is_elapsed(), "a passed deadline is elapsed at once");
        timer.as_mut().await;
        assert_eq!(time::now(), start, "the clock moved");
    });
}
