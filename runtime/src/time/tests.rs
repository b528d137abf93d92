//! Tests that need to see the timer state itself: entries are released on
//! completion, drop, cancellation and reset, and shutdown empties the
//! wheel. (Behaviour seen from outside is tested in `tests/time_*.rs`.)

use super::{sleep, Duration};
use crate::{Builder, Runtime};
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll, Wake, Waker};

fn runtime(paused: bool) -> Runtime {
    Builder::new()
        .worker_threads(2)
        .start_paused(paused)
        .build()
        .unwrap()
}

fn entries(rt: &Runtime) -> usize {
    rt.handle().shared.time().num_entries()
}

/// Polls `sleep` once (registering it) and hands it back.
async fn registered(mut sleep: super::Sleep) -> super::Sleep {
    poll_fn(|cx| {
        assert!(Pin::new(&mut sleep).poll(cx).is_pending());
        Poll::Ready(())
    })
    .await;
    sleep
}

#[test]
fn a_dropped_sleep_releases_its_entry() {
    let rt = runtime(false);
    rt.block_on(async {
        let timer = registered(sleep(Duration::from_secs(3600))).await;
        assert_eq!(entries(&rt), 1);
        drop(timer);
        assert_eq!(entries(&rt), 0);
    });
}

#[test]
fn a_completed_sleep_releases_its_entry() {
    let rt = runtime(true);
    rt.block_on(async {
        let timer = registered(sleep(Duration::from_millis(10))).await;
        assert_eq!(entries(&rt), 1);
        timer.await;
        assert_eq!(entries(&rt), 0);
    });
}

#[test]
fn a_reset_sleep_keeps_one_entry() {
    let rt = runtime(true);
    rt.block_on(async {
        let mut timer = registered(sleep(Duration::from_secs(10))).await;
        for secs in [20, 5, 3600] {
            let deadline = super::now() + Duration::from_secs(secs);
            Pin::new(&mut timer).reset(deadline);
            assert_eq!(entries(&rt), 1);
        }
        drop(timer);
        assert_eq!(entries(&rt), 0);
    });
}

#[test]
fn cancelling_a_sleeping_task_releases_its_entry() {
    let rt = runtime(false);
    rt.block_on(async {
        let (tx, rx) = futures_channel::oneshot::channel();
        let task = crate::spawn(async move {
            let timer = registered(sleep(Duration::from_secs(3600))).await;
            tx.send(()).unwrap();
            timer.await;
        });
        rx.await.unwrap();
        assert_eq!(entries(&rt), 1);
        task.cancel();
        assert!(task.await.unwrap_err().is_cancelled());
        assert_eq!(entries(&rt), 0);
    });
}

#[test]
fn many_sleeps_leave_no_entries_behind() {
    let rt = runtime(true);
    rt.block_on(async {
        let tasks: Vec<_> = (0..1000u64)
            .map(|i| crate::spawn(sleep(Duration::from_millis(1 + i % 97))))
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(entries(&rt), 0);
    });
}

#[test]
fn shutdown_fires_what_is_left_and_refuses_new_timers() {
    let rt = runtime(false);
    let handle = rt.handle().clone();
    // (In an `Option`: a `Sleep` is a future, returned here as a value.)
    let timer = rt.block_on(async { Some(registered(sleep(Duration::from_secs(3600))).await) });
    assert_eq!(entries(&rt), 1);
    drop(rt);
    // The entry is fired (its waker was woken) but still owned by `timer`.
    assert_eq!(handle.shared.time().num_entries(), 1);
    drop(timer);
    assert_eq!(handle.shared.time().num_entries(), 0);
    assert!(!handle.shared.time().has_timers());
}

/// Runs `f` on another thread; fails the test if it does not finish within
/// 10 s (it would block for good on a lock the test holds).
fn finishes<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || tx.send(f()).unwrap());
    rx.recv_timeout(std::time::Duration::from_secs(10))
        .unwrap_or_else(|_| panic!("{what} waited for the wheel lock"))
}

#[derive(Default)]
struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn a_registered_poll_a_push_back_and_a_fired_drop_take_no_wheel_lock() {
    let rt = runtime(false);
    let _guard = rt.enter();
    let count = Arc::new(Count::default());
    let waker = Waker::from(count.clone());
    let mut timer = Box::pin(sleep(Duration::from_secs(3600)));
    assert!(timer
        .as_mut()
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    let mut soon = Box::pin(sleep(Duration::from_millis(1)));
    assert!(soon
        .as_mut()
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    // The workers fire `soon` (they check the timers as they park).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !soon.is_elapsed() {
        assert!(
            std::time::Instant::now() < deadline,
            "the timer never fired"
        );
        std::thread::yield_now();
    }
    let time = rt.handle().shared.clone();
    let wheel = time.time().lock_wheel();
    let timer = finishes("the lock-free operations", move || {
        let other = Waker::from(Arc::new(Count::default()));
        // Polled again, with the same waker and with another one.
        assert!(timer
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        assert!(timer
            .as_mut()
            .poll(&mut Context::from_waker(&other))
            .is_pending());
        // Pushed back to a later deadline, and to the same one.
        let later = timer.deadline() + Duration::from_secs(60);
        timer.as_mut().reset(later);
        timer.as_mut().reset(later);
        assert!(!timer.is_elapsed());
        // A fired timer completes and is dropped.
        assert!(soon
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_ready());
        drop(soon);
        timer
    });
    drop(wheel);
    // The timer is still registered once, at its new deadline.
    assert_eq!(rt.handle().shared.time().num_in_wheel(), 1);
    assert_eq!(entries(&rt), 1);
    drop(timer);
    assert_eq!(entries(&rt), 0);
    assert_eq!(count.0.load(SeqCst), 1, "only `soon` woke its task");
}

#[test]
fn sleeps_dropped_while_they_fire_leave_nothing_behind() {
    // Timers due now are dropped by this thread while the workers fire
    // them (the interleavings themselves are the loom model's,
    // `driver/time/loom_timer.rs`): each waker is released exactly once,
    // woken or not, and no entry is left.
    let rt = runtime(false);
    let _guard = rt.enter();
    let count = Arc::new(Count::default());
    for round in 0..20u64 {
        let waker = Waker::from(count.clone());
        let mut timers: Vec<_> = (0..200)
            .map(|_| Box::pin(sleep(Duration::from_millis(1))))
            .collect();
        for timer in &mut timers {
            // Registers it; on a loaded machine the last ones may already
            // be due (Ready, nothing registered): the checks below hold
            // either way.
            let _ = timer.as_mut().poll(&mut Context::from_waker(&waker));
        }
        drop(waker);
        // Drop them around their deadline, some before, some after.
        std::thread::sleep(std::time::Duration::from_micros(500 + 100 * round));
        drop(timers);
        // A worker firing them holds its references until it has taken
        // their wakers (a moment, unless it is preempted there): wait for
        // it, boundedly; a leaked record never goes.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while entries(&rt) != 0 && std::time::Instant::now() < deadline {
            std::thread::yield_now();
        }
        assert_eq!(entries(&rt), 0, "round {round}");
        assert_eq!(rt.handle().shared.time().num_in_wheel(), 0, "round {round}");
    }
    // Every waker clone was released: woken or dropped.
    assert_eq!(Arc::strong_count(&count), 1);
}
