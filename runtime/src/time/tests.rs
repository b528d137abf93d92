//! Tests that need to see the timer state itself: entries are released on
//! completion, drop, cancellation and reset, and shutdown empties the
//! wheel. (Behaviour seen from outside is tested in `tests/time_*.rs`.)

use super::{sleep, Duration};
use crate::{Builder, Runtime};
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::Poll;

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
