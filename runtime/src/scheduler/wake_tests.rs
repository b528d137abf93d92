//! When a task woken or spawned on a worker wakes another worker
//! (`worker.rs`: `schedule_wake`, `schedule_local` and the LIFO cap in
//! `run_task`): checked on a
//! two-worker runtime through the idle state's list of sleepers, which a
//! notification changes at once, on the notifying thread.

use super::worker;
use crate::{Handle, Runtime};
use std::future::{poll_fn, Future};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

/// Generous: only a failing test waits this long.
const WAIT: Duration = Duration::from_secs(10);

/// A task body that parks on its first poll (handing its waker to `tx`)
/// and, on its second, runs `then` and finishes.
fn waiter(
    tx: mpsc::Sender<(usize, Waker)>,
    id: usize,
    then: impl FnOnce() + Send + 'static,
) -> impl Future<Output = ()> + Send + 'static {
    let mut then = Some(then);
    let mut first = true;
    poll_fn(move |cx| {
        if std::mem::take(&mut first) {
            tx.send((id, cx.waker().clone())).unwrap();
            return Poll::Pending;
        }
        (then.take().expect("polled after it finished"))();
        Poll::Ready(())
    })
}

/// Spawns `n` waiters (`then(id)` on their second poll) and returns their
/// wakers in id order, once every one has parked.
fn park_waiters(
    rt: &Runtime,
    n: usize,
    then: impl Fn(usize) + Clone + Send + 'static,
) -> (Vec<Waker>, Vec<crate::task::JoinHandle<()>>) {
    let (tx, rx) = mpsc::channel();
    let handles = (0..n)
        .map(|id| {
            let then = then.clone();
            rt.spawn(waiter(tx.clone(), id, move || then(id)))
        })
        .collect();
    let mut wakers: Vec<Option<Waker>> = vec![None; n];
    for _ in 0..n {
        let (id, waker) = rx.recv_timeout(WAIT).expect("a waiter never ran");
        wakers[id] = Some(waker);
    }
    (wakers.into_iter().map(Option::unwrap).collect(), handles)
}

/// On a worker: this worker's index and the other one's.
fn workers() -> (usize, usize) {
    let me = worker::with_current(|cx| cx.expect("on a worker").index);
    (me, 1 - me)
}

/// Waits until the other worker is parked (this one runs a task, so it
/// has nothing to do) and returns its park count.
fn other_parked(handle: &Handle, other: usize) -> u64 {
    let deadline = Instant::now() + WAIT;
    // The sleepers' lock orders the other worker's count (written before
    // it joined them) before our read.
    while handle.shared.idle.num_parked() != 1 {
        assert!(Instant::now() < deadline, "the other worker never parked");
        std::thread::yield_now();
    }
    handle.metrics().workers[other].parks
}

/// Keeps this worker busy (Y's body) until X, queued behind it, has run on
/// the other worker; fails if nobody runs X within `WAIT`.
fn busy_until_x_ran(x_ran: &AtomicBool) {
    let deadline = Instant::now() + WAIT;
    while !x_ran.load(Ordering::SeqCst) {
        assert!(
            Instant::now() < deadline,
            "no worker was woken for the queued task after the poll"
        );
        std::thread::yield_now();
    }
}

/// Tasks woken during a poll, pushed to the worker's queue, wake the other
/// worker only when that poll returns, and then they do.
#[test]
fn wakes_during_a_poll_notify_once_it_returns() {
    let rt = crate::Builder::new().worker_threads(2).build().unwrap();
    let x_ran = Arc::new(AtomicBool::new(false));
    let runs_on = Arc::new(Mutex::new(Vec::new()));
    let (wakers, handles) = park_waiters(&rt, 2, {
        let x_ran = x_ran.clone();
        let runs_on = runs_on.clone();
        move |id| {
            runs_on.lock().unwrap().push((id, workers().0));
            if id == 0 {
                x_ran.store(true, Ordering::SeqCst);
                return;
            }
            // Y (id 1) ran from the LIFO slot of the worker whose poll
            // woke it, which it now keeps busy: X, in that worker's queue,
            // can only run on the other worker, woken after that poll.
            busy_until_x_ran(&x_ran);
        }
    });
    let waker_worker = rt
        .block_on(rt.spawn(async move {
            let handle = Handle::current();
            let (me, other) = workers();
            let parks = other_parked(&handle, other);
            let mut wakers = wakers.into_iter();
            // X into the LIFO slot, then Y, which pushes X to the queue.
            wakers.next().unwrap().wake();
            wakers.next().unwrap().wake();
            // Woken, the other worker would leave the sleepers, and count
            // a park on its way back.
            let woken = "a wake during a poll woke the other worker before the poll returned";
            assert_eq!(handle.shared.idle.num_parked(), 1, "{woken}");
            assert_eq!(handle.metrics().workers[other].parks, parks, "{woken}");
            me
        }))
        .unwrap();
    for h in handles {
        rt.block_on(h).unwrap();
    }
    let runs_on = runs_on.lock().unwrap().clone();
    assert!(
        runs_on.contains(&(1, waker_worker)),
        "Y runs next on the worker that woke it: {runs_on:?}"
    );
    assert!(
        runs_on.contains(&(0, 1 - waker_worker)),
        "X runs on the other worker: {runs_on:?}"
    );
}

/// Tasks spawned during a poll, pushed to the worker's queue, wake the
/// other worker only when that poll returns, and then they do (the same
/// rule as for wakes).
#[test]
fn spawns_during_a_poll_notify_once_it_returns() {
    let rt = crate::Builder::new().worker_threads(2).build().unwrap();
    let x_ran = Arc::new(AtomicBool::new(false));
    let runs_on = Arc::new(Mutex::new(Vec::new()));
    let (spawner, x, y) = rt
        .block_on(rt.spawn({
            let x_ran = x_ran.clone();
            let runs_on = runs_on.clone();
            async move {
                let handle = Handle::current();
                let (me, other) = workers();
                let parks = other_parked(&handle, other);
                // X into the LIFO slot, then Y, which pushes X to the queue.
                let x = crate::spawn({
                    let runs_on = runs_on.clone();
                    let x_ran = x_ran.clone();
                    async move {
                        runs_on.lock().unwrap().push(("x", workers().0));
                        x_ran.store(true, Ordering::SeqCst);
                    }
                });
                let y = crate::spawn({
                    async move {
                        runs_on.lock().unwrap().push(("y", workers().0));
                        // Y keeps its worker busy: X can only run on the
                        // other worker, woken after the spawning poll.
                        busy_until_x_ran(&x_ran);
                    }
                });
                let woken = "a spawn during a poll woke the other worker before the poll returned";
                assert_eq!(handle.shared.idle.num_parked(), 1, "{woken}");
                assert_eq!(handle.metrics().workers[other].parks, parks, "{woken}");
                (me, x, y)
            }
        }))
        .unwrap();
    rt.block_on(x).unwrap();
    rt.block_on(y).unwrap();
    let runs_on = runs_on.lock().unwrap().clone();
    assert!(
        runs_on.contains(&("y", spawner)),
        "Y runs next on the worker that spawned it: {runs_on:?}"
    );
    assert!(
        runs_on.contains(&("x", 1 - spawner)),
        "X runs on the other worker: {runs_on:?}"
    );
}

/// A chain of tasks that wake each other runs on one worker: when it hits
/// the LIFO cap, the slot's task goes to the queue without waking the
/// other worker (as in Tokio).
#[test]
fn lifo_cap_push_wakes_nobody() {
    let rt = crate::Builder::new().worker_threads(2).build().unwrap();
    // Each link wakes the next one; the last one checks.
    let chain: Arc<Mutex<Vec<Waker>>> = Arc::new(Mutex::new(Vec::new()));
    let parks_before = Arc::new(Mutex::new(None));
    let links = super::worker::MAX_LIFO_POLLS_PER_TICK + 1;
    let (wakers, handles) = park_waiters(&rt, links, {
        let chain = chain.clone();
        let parks_before = parks_before.clone();
        move |id| {
            if id + 1 < links {
                let next = chain.lock().unwrap()[id + 1].clone();
                next.wake();
                return;
            }
            // The link after the cap: the worker took it from its queue.
            let (waker_worker, parks): (usize, u64) = parks_before.lock().unwrap().unwrap();
            let (me, other) = workers();
            assert_eq!(me, waker_worker, "the chain left its worker");
            let handle = Handle::current();
            assert_eq!(
                handle.shared.idle.num_parked(),
                1,
                "the LIFO cap's push woke the other worker"
            );
            assert_eq!(
                handle.metrics().workers[other].parks,
                parks,
                "the other worker was woken and parked again"
            );
        }
    });
    *chain.lock().unwrap() = wakers;
    let first = chain.lock().unwrap()[0].clone();
    rt.block_on(rt.spawn({
        let parks_before = parks_before.clone();
        async move {
            let (me, other) = workers();
            let parks = other_parked(&Handle::current(), other);
            *parks_before.lock().unwrap() = Some((me, parks));
            // The first link takes the LIFO slot; the chain runs after us.
            first.wake();
        }
    }))
    .unwrap();
    for h in handles {
        rt.block_on(h).unwrap();
    }
}
