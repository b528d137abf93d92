//! The current-thread flavor (`Builder::new_current_thread`).

mod support;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

fn rt() -> runtime::Runtime {
    runtime::Builder::new_current_thread().build().unwrap()
}

#[test]
fn block_on_runs_spawned_tasks_on_the_calling_thread() {
    let rt = rt();
    let here = std::thread::current().id();
    let ids = rt.block_on(async {
        let tasks: Vec<_> = (0..10)
            .map(|_| runtime::spawn(async { std::thread::current().id() }))
            .collect();
        let mut ids = Vec::new();
        for t in tasks {
            ids.push(t.await.unwrap());
        }
        ids
    });
    assert!(ids.iter().all(|id| *id == here));
}

#[test]
fn spawn_local_shares_rc_state() {
    let rt = rt();
    let n = rt.block_on(async {
        let state = Rc::new(RefCell::new(0));
        let mut tasks = Vec::new();
        for _ in 0..100 {
            let state = state.clone();
            tasks.push(runtime::task::spawn_local(async move {
                runtime::task::yield_now().await;
                *state.borrow_mut() += 1;
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let n = *state.borrow();
        n
    });
    assert_eq!(n, 100);
}

#[test]
fn timers_work() {
    let rt = rt();
    rt.block_on(async {
        let start = std::time::Instant::now();
        runtime::time::sleep(Duration::from_millis(20)).await;
        assert!(start.elapsed() >= Duration::from_millis(20));
        let t = runtime::spawn(async {
            runtime::time::sleep(Duration::from_millis(10)).await;
            5
        });
        assert_eq!(t.await.unwrap(), 5);
    });
}

/// `Handle::spawn` from another thread queues the task for the thread that
/// drives the runtime: it runs there, not on the spawning thread.
#[test]
fn handle_spawn_from_another_thread_runs_on_the_block_on_thread() {
    support::watchdog("ct_handle_spawn", || {
        let rt = rt();
        let handle = rt.handle().clone();
        let here = std::thread::current().id();
        let (ran_on, spawned_on) = rt.block_on(async move {
            let (task, spawned_on) = std::thread::spawn(move || {
                (
                    handle.spawn(async { std::thread::current().id() }),
                    std::thread::current().id(),
                )
            })
            .join()
            .unwrap();
            (task.await.unwrap(), spawned_on)
        });
        assert_eq!(ran_on, here);
        assert_ne!(spawned_on, here);
    });
}

/// One worker slot, driven by `block_on`: the metrics see it; blocking
/// closures still run on the pool.
#[test]
fn metrics_and_spawn_blocking() {
    let rt = rt();
    let here = std::thread::current().id();
    rt.block_on(async move {
        let (blocking_on, v) = runtime::spawn_blocking(|| (std::thread::current().id(), 41))
            .await
            .unwrap();
        assert_ne!(blocking_on, here, "blocking closures run on the pool");
        let t = runtime::spawn(async move { v + 1 });
        assert_eq!(t.await.unwrap(), 42);
    });
    let m = rt.handle().metrics();
    assert_eq!(m.num_workers(), 1);
    assert!(
        m.total_polls() >= 1,
        "the task's poll was counted on the core"
    );
}

/// The paused clock auto-advances on this flavor: an hour of timers, at
/// once, with local and `Send` tasks waiting on them.
#[test]
fn paused_clock_auto_advances() {
    support::watchdog("ct_paused", || {
        let rt = runtime::Builder::new_current_thread()
            .start_paused(true)
            .build()
            .unwrap();
        let wall = std::time::Instant::now();
        rt.block_on(async {
            let start = runtime::time::now();
            let a = runtime::spawn(async {
                runtime::time::sleep(Duration::from_secs(1800)).await;
            });
            let b = runtime::task::spawn_local(async {
                runtime::time::sleep(Duration::from_secs(3600)).await;
            });
            a.await.unwrap();
            b.await.unwrap();
            assert_eq!(runtime::time::now() - start, Duration::from_secs(3600));
            // A blocking closure keeps the clock from jumping while it runs.
            let before = runtime::time::now();
            runtime::spawn_blocking(|| std::thread::sleep(Duration::from_millis(20)))
                .await
                .unwrap();
            assert!(runtime::time::now() - before < Duration::from_secs(1));
        });
        assert!(wall.elapsed() < Duration::from_secs(10));
    });
}

/// A TCP round trip: server and client tasks on the one thread.
#[test]
fn socket_round_trip() {
    use futures::io::{AsyncReadExt, AsyncWriteExt};
    support::watchdog("ct_socket", || {
        let rt = rt();
        rt.block_on(async {
            let listener = runtime::net::TcpListener::bind("127.0.0.1:0")
                .await
                .unwrap();
            let addr = listener.local_addr().unwrap();
            let server = runtime::task::spawn_local(async move {
                let (mut s, _) = listener.accept().await.unwrap();
                let mut buf = [0u8; 5];
                s.read_exact(&mut buf).await.unwrap();
                s.write_all(&buf).await.unwrap();
            });
            let mut c = runtime::net::TcpStream::connect(addr).await.unwrap();
            c.write_all(b"hello").await.unwrap();
            let mut back = [0u8; 5];
            c.read_exact(&mut back).await.unwrap();
            assert_eq!(&back, b"hello");
            server.await.unwrap();
        });
    });
}

/// Shutdown with a deadline on this flavor: `Send` and local tasks inside
/// `catch_cancel` run their async cleanup (timers included) on the calling
/// thread, then everything is dropped exactly once.
#[test]
fn shutdown_timeout_runs_async_cleanup() {
    support::watchdog("ct_shutdown_timeout", || {
        let rt = rt();
        let cleaned = support::Counter::new();
        let drops = support::Counter::new();
        let (c1, c2, d1, d2) = (
            cleaned.clone(),
            cleaned.clone(),
            drops.clone(),
            drops.clone(),
        );
        let (started_tx, started_rx) = futures_channel::oneshot::channel();
        let (started2_tx, started2_rx) = futures_channel::oneshot::channel();
        let (send_task, local_task) = rt.block_on(async move {
            let send_task = runtime::spawn(async move {
                let _guard = d1.guard();
                started_tx.send(()).unwrap();
                let _ = runtime::task::catch_cancel(std::future::pending::<()>()).await;
                runtime::time::sleep(Duration::from_millis(5)).await;
                c1.incr();
            });
            let local_task = runtime::task::spawn_local(async move {
                let _not_send = Rc::new(());
                let _guard = d2.guard();
                started2_tx.send(()).unwrap();
                let _ = runtime::task::catch_cancel(std::future::pending::<()>()).await;
                runtime::time::sleep(Duration::from_millis(5)).await;
                c2.incr();
            });
            started_rx.await.unwrap();
            started2_rx.await.unwrap();
            (send_task, local_task)
        });
        rt.shutdown_timeout(Duration::from_secs(5));
        assert_eq!(cleaned.get(), 2, "both cleanups ran");
        assert_eq!(drops.get(), 2, "each future dropped once");
        let e1 = futures::executor::block_on(send_task).unwrap_err();
        let e2 = futures::executor::block_on(local_task).unwrap_err();
        assert!(e1.is_cancelled() && e2.is_cancelled());
    });
}

/// A deadline that passes: the grace period ends, the tasks are dropped.
#[test]
fn shutdown_timeout_deadline_passes() {
    support::watchdog("ct_shutdown_deadline", || {
        let rt = rt();
        let drops = support::Counter::new();
        let d = drops.clone();
        let (started_tx, started_rx) = futures_channel::oneshot::channel();
        rt.block_on(async move {
            runtime::task::spawn_local(async move {
                let _guard = d.guard();
                started_tx.send(()).unwrap();
                // Catches the cancellation and never finishes.
                let _ = runtime::task::catch_cancel(std::future::pending::<()>()).await;
                std::future::pending::<()>().await;
            });
            started_rx.await.unwrap();
        });
        let start = std::time::Instant::now();
        rt.shutdown_timeout(Duration::from_millis(50));
        assert!(start.elapsed() >= Duration::from_millis(50));
        assert_eq!(drops.get(), 1);
    });
}

/// Tasks that the `block_on` future spawns run in their turn, however
/// many it spawns after them: it used to put each into the LIFO slot,
/// which every turn takes first, so a future spawning two tasks a round
/// (and yielding, which lets one turn run) starved the first of each pair
/// until it stopped.
#[test]
fn tasks_spawned_by_the_block_on_future_run_in_their_turn() {
    const ROUNDS: usize = 1_000;
    support::watchdog("ct_block_on_spawns_in_turn", || {
        let rt = rt();
        let firsts = support::Counter::new();
        let seconds = support::Counter::new();
        let (firsts_by_end, seconds_by_end) = rt.block_on(async {
            for _ in 0..ROUNDS {
                let (f, s) = (firsts.clone(), seconds.clone());
                runtime::spawn(async move { f.incr() });
                runtime::spawn(async move { s.incr() });
                runtime::task::yield_now().await;
            }
            (firsts.get(), seconds.get())
        });
        // At least a turn a round, oldest first: half the tasks, a pair at
        // a time.
        assert!(
            firsts_by_end >= ROUNDS / 4,
            "{firsts_by_end} of {ROUNDS} first-of-a-pair tasks ran during the \
             loop ({seconds_by_end} second ones)"
        );
    });
}

/// The grace period ends when the last task does, even when that is a
/// blocking closure finishing on a pool thread while nothing else is left
/// to run on the calling thread (it used to sleep on until the deadline:
/// nothing woke the parked core when the task list emptied).
#[test]
fn shutdown_timeout_ends_when_a_blocking_closure_finishes() {
    support::watchdog("ct_shutdown_blocking_ends", || {
        let rt = rt();
        let (began_tx, began_rx) = std::sync::mpsc::channel();
        let (started_tx, started_rx) = futures_channel::oneshot::channel();
        rt.block_on(async move {
            // Its cancellation tells the closure that the grace period has
            // begun.
            runtime::spawn(async move {
                started_tx.send(()).unwrap();
                let _ = runtime::task::catch_cancel(std::future::pending::<()>()).await;
                began_tx.send(()).unwrap();
            });
            started_rx.await.unwrap();
        });
        let (running_tx, running_rx) = std::sync::mpsc::channel();
        let blocking = rt.spawn_blocking(move || {
            running_tx.send(()).unwrap();
            began_rx.recv_timeout(support::WAIT).unwrap();
        });
        // Running, so the shutdown cannot cancel it: it must wait for it.
        running_rx.recv_timeout(support::WAIT).unwrap();
        let start = std::time::Instant::now();
        rt.shutdown_timeout(Duration::from_secs(10));
        let took = start.elapsed();
        assert!(
            took < Duration::from_secs(5),
            "the grace period took {took:?}, although the closure finished as it began"
        );
        futures::executor::block_on(blocking).unwrap();
    });
}

/// Dropped on another thread than the one that built it, the runtime
/// cannot drop its local futures there: it leaks them (no destructor runs,
/// off their thread) and their handles resolve as cancelled. `Send` tasks
/// are dropped as usual.
#[test]
fn dropped_on_another_thread_leaks_local_futures() {
    support::watchdog("ct_drop_elsewhere", || {
        let rt = rt();
        let local_drops = support::Counter::new();
        let send_drops = support::Counter::new();
        let (ld, sd) = (local_drops.clone(), send_drops.clone());
        let (started_tx, started_rx) = futures_channel::oneshot::channel();
        let (started2_tx, started2_rx) = futures_channel::oneshot::channel();
        let (local, send) = rt.block_on(async move {
            let local = runtime::task::spawn_local(async move {
                let _not_send = Rc::new(());
                let _guard = ld.guard();
                started_tx.send(()).unwrap();
                std::future::pending::<()>().await;
            });
            let send = runtime::spawn(async move {
                let _guard = sd.guard();
                started2_tx.send(()).unwrap();
                std::future::pending::<()>().await;
            });
            started_rx.await.unwrap();
            started2_rx.await.unwrap();
            (local, send)
        });
        std::thread::spawn(move || drop(rt)).join().unwrap();
        assert_eq!(local_drops.get(), 0, "never dropped off its thread");
        assert_eq!(send_drops.get(), 1);
        assert!(futures::executor::block_on(local)
            .unwrap_err()
            .is_cancelled());
        assert!(futures::executor::block_on(send)
            .unwrap_err()
            .is_cancelled());
    });
}

/// Two threads in `block_on` at once: one drives, the other polls its own
/// future; both finish, and the tasks run.
#[test]
fn concurrent_block_on() {
    support::watchdog("ct_concurrent", || {
        let rt = std::sync::Arc::new(rt());
        let (tx, rx) = futures_channel::oneshot::channel::<u32>();
        let rt2 = rt.clone();
        let other = std::thread::spawn(move || rt2.block_on(async move { rx.await.unwrap() }));
        let task = rt.spawn(async { 5 });
        let v = rt.block_on(async move {
            let v = task.await.unwrap();
            tx.send(v).unwrap();
            v
        });
        assert_eq!(other.join().unwrap(), v);
        // The core was put back: it still runs tasks.
        assert_eq!(rt.block_on(rt.spawn(async { 6 })).unwrap(), 6);
    });
}

/// After shutdown, a spawn through a kept handle resolves as cancelled.
#[test]
fn tasks_spawned_after_shutdown_resolve_cancelled() {
    let rt = rt();
    let handle = rt.handle().clone();
    drop(rt);
    let t = handle.spawn(async { 1 });
    assert!(futures::executor::block_on(t).unwrap_err().is_cancelled());
}

/// A `block_on` future that keeps yielding does not starve the tasks: each
/// time round, the core runs at least one of them.
#[test]
fn a_yielding_block_on_future_does_not_starve_tasks() {
    support::watchdog("ct_yield_fair", || {
        let rt = rt();
        rt.block_on(async {
            let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let f = flag.clone();
            runtime::spawn(async move { f.store(true, std::sync::atomic::Ordering::SeqCst) });
            let mut spins = 0u32;
            while !flag.load(std::sync::atomic::Ordering::SeqCst) {
                runtime::task::yield_now().await;
                spins += 1;
            }
            assert!(spins <= 2, "the task waited {spins} yields");
        });
    });
}

/// Local tasks count in the metrics (spawned, completed, live) as the
/// `Send` ones do, and appear in the task dump.
#[test]
fn local_tasks_count_in_metrics_and_dump() {
    let rt = rt();
    let pending_ids = rt.block_on(async {
        let done: Vec<_> = (0..3)
            .map(|i| runtime::task::spawn_local(async move { Rc::new(i) }))
            .collect();
        for (i, t) in done.into_iter().enumerate() {
            assert_eq!(*t.await.unwrap(), i);
        }
        runtime::spawn(async {}).await.unwrap();
        // Two local tasks that never finish (`Rc` state: not `Send`).
        let pending: Vec<_> = (0..2)
            .map(|_| {
                let rc = Rc::new(());
                runtime::task::spawn_local(async move {
                    let _rc = rc;
                    std::future::pending::<()>().await
                })
            })
            .collect();
        // Let them start.
        runtime::task::yield_now().await;
        pending.iter().map(|t| t.id()).collect::<Vec<_>>()
    });
    let m = rt.handle().metrics();
    assert_eq!(m.spawned_tasks, 6, "3 + 2 local tasks and 1 `Send` task");
    assert_eq!(m.completed_tasks, 4);
    assert_eq!(m.live_tasks, 2);
    let dump = rt.handle().dump();
    assert_eq!(dump.tasks().len(), 2);
    for id in pending_ids {
        assert!(dump.get(id).is_some(), "local task {id:?} in the dump");
    }
    drop(rt);
}

fn panic_message(panic: Box<dyn std::any::Any + Send>) -> String {
    match panic.downcast::<String>() {
        Ok(s) => *s,
        Err(panic) => panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .unwrap_or_default(),
    }
}

/// Spawns a pending `Send` task and a pending local task on `handle`'s
/// runtime (inside its `block_on`), each counting its future's drops.
fn spawn_pending(drops: &support::Counter) -> runtime::task::JoinHandle<()> {
    let local_guard = drops.guard();
    drop(runtime::task::spawn_local(async move {
        let _guard = local_guard;
        let _not_send = Rc::new(());
        std::future::pending::<()>().await
    }));
    let guard = drops.guard();
    runtime::spawn(async move {
        let _guard = guard;
        std::future::pending::<()>().await
    })
}

/// What a runtime dropped inside its own `block_on` must leave: the panic
/// with advice for this flavor, every task's future dropped once, handles
/// resolved as cancelled, later spawns refused.
fn check_dropped_inside(
    panic: Box<dyn std::any::Any + Send>,
    drops: &support::Counter,
    task: runtime::task::JoinHandle<()>,
    handle: &runtime::Handle,
) {
    let msg = panic_message(panic);
    assert!(
        msg.contains("current-thread runtime") && msg.contains("block_on"),
        "advice for this flavor: {msg}"
    );
    assert!(!msg.contains("worker threads"), "{msg}");
    assert_eq!(drops.get(), 2, "both futures dropped, once each");
    let err = futures::executor::block_on(task).unwrap_err();
    assert!(err.is_cancelled());
    let late = futures::executor::block_on(handle.spawn(async {})).unwrap_err();
    assert!(late.is_cancelled());
}

/// Dropped by the `block_on` future itself: the panic leaves `block_on`
/// and the shutdown completes on the way out.
#[test]
fn dropped_inside_its_block_on_future_panics_and_shuts_down() {
    support::watchdog("dropped_inside_block_on_future", || {
        let rt = rt();
        let handle = rt.handle().clone();
        let drops = support::Counter::new();
        let d = drops.clone();
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            handle.block_on(async move {
                let _task = spawn_pending(&d);
                runtime::task::yield_now().await;
                drop(rt);
            })
        }));
        let panic = out.expect_err("dropping it inside `block_on` panics");
        // The task's handle went with the future's state: a probe spawned
        // now must resolve as cancelled too.
        let probe = handle.spawn(async {});
        check_dropped_inside(panic, &drops, probe, &handle);
    });
}

/// Dropped by one of its tasks: that task panics (its handle says so), and
/// the shutdown completes when `block_on` returns.
#[test]
fn dropped_inside_its_own_task_panics_and_shuts_down() {
    support::watchdog("dropped_inside_own_task", || {
        let rt = rt();
        let handle = rt.handle().clone();
        let drops = support::Counter::new();
        let d = drops.clone();
        let (task, dropper) = handle.block_on(async move {
            let task = spawn_pending(&d);
            runtime::task::yield_now().await;
            let dropper = runtime::spawn(async move { drop(rt) });
            (task, dropper.await)
        });
        let panic = dropper.unwrap_err().into_panic();
        check_dropped_inside(panic, &drops, task, &handle);
    });
}

/// `Send` tasks that yield run again in the order they yielded, each after
/// every task that was ready before it (round robin), on the core's queue.
#[test]
fn yielded_tasks_run_round_robin() {
    let rt = rt();
    let order = rt.block_on(async {
        let order = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let tasks: Vec<_> = (0..3)
            .map(|i| {
                let order = order.clone();
                runtime::spawn(async move {
                    for round in 0..3 {
                        order.lock().unwrap().push((i, round));
                        runtime::task::yield_now().await;
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        let order = order.lock().unwrap().clone();
        order
    });
    // First round: in spawn order (spawned by the `block_on` future, not
    // by a task, they queue in order, not through the LIFO slot); every
    // later round repeats the first round's order.
    let first = [0, 1, 2];
    let expected: Vec<(usize, usize)> = (0..3)
        .flat_map(|r| first.iter().map(move |&i| (i, r)))
        .collect();
    assert_eq!(order, expected);
}
