//! Spawning tasks and awaiting them: scale, work stealing, detaching,
//! `is_finished`, fairness (`yield_now`, self-waking tasks, the coop budget).

mod support;

use futures_channel::oneshot;
use runtime::task::{yield_now, JoinHandle};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::Duration;
use support::{block_on, spin_for, wait_until, Counter, Flag};

#[test]
fn hundred_thousand_tasks_all_complete() {
    const N: u64 = 100_000;
    let ran = Counter::new();
    let drops = Counter::new();
    let (ran2, drops2) = (ran.clone(), drops.clone());
    let sum = block_on("hundred_thousand_tasks", 2, move || async move {
        let handles: Vec<JoinHandle<u64>> = (0..N)
            .map(|i| {
                let ran = ran2.clone();
                let guard = drops2.guard();
                runtime::spawn(async move {
                    let _guard = guard;
                    ran.incr();
                    i
                })
            })
            .collect();
        let mut sum = 0;
        for handle in handles {
            sum += handle.await.expect("a task failed");
        }
        sum
    });
    assert_eq!(ran.get(), N as usize, "not every task ran exactly once");
    assert_eq!(sum, N * (N - 1) / 2, "wrong outputs");
    assert_eq!(drops.get(), N as usize, "not every future was dropped once");
}

#[test]
fn hundred_thousand_detached_tasks_spawned_from_a_task_all_complete() {
    const N: usize = 100_000;
    let drops = Counter::new();
    let drops2 = drops.clone();
    let received = block_on("hundred_thousand_detached", 2, move || async move {
        let (tx, mut rx) = futures_channel::mpsc::unbounded::<usize>();
        let spawner = runtime::spawn(async move {
            for i in 0..N {
                let tx = tx.clone();
                let guard = drops2.guard();
                // Detached: the handle is dropped at once.
                drop(runtime::spawn(async move {
                    let _guard = guard;
                    tx.unbounded_send(i).unwrap();
                }));
            }
        });
        spawner.await.unwrap();
        let mut seen = vec![false; N];
        let mut count = 0;
        while let Some(i) = futures::StreamExt::next(&mut rx).await {
            assert!(!seen[i], "task {i} ran twice");
            seen[i] = true;
            count += 1;
        }
        count
    });
    assert_eq!(received, N, "not every detached task ran");
    assert_eq!(drops.get(), N, "not every future was dropped exactly once");
}

/// With two workers, CPU-bound tasks spawned from one task are stolen by
/// the other worker.
#[test]
fn cpu_bound_tasks_from_one_task_run_on_both_workers() {
    let ids = block_on("work_stealing", 2, || async {
        let parent = runtime::spawn(async {
            let children: Vec<JoinHandle<ThreadId>> = (0..100)
                .map(|_| {
                    runtime::spawn(async {
                        spin_for(Duration::from_millis(2));
                        std::thread::current().id()
                    })
                })
                .collect();
            let mut ids = HashSet::new();
            for child in children {
                ids.insert(child.await.unwrap());
            }
            ids
        });
        parent.await.unwrap()
    });
    assert_eq!(
        ids.len(),
        2,
        "100 CPU-bound tasks ran on {} worker thread(s), expected both workers to take part",
        ids.len()
    );
}

#[test]
fn spawned_task_runs_without_its_handle_being_awaited() {
    block_on("runs_unawaited", 2, || async {
        let (tx, rx) = oneshot::channel();
        let handle = runtime::spawn(async move { tx.send(5).unwrap() });
        // Wait for the task's effect, not for the handle.
        assert_eq!(rx.await.unwrap(), 5);
        handle.await.unwrap();
    });
}

#[test]
fn dropping_the_join_handle_detaches_the_task() {
    let drops = Counter::new();
    let drops2 = drops.clone();
    block_on("detach", 2, move || async move {
        let (go_tx, go_rx) = oneshot::channel::<()>();
        let (done_tx, done_rx) = oneshot::channel();
        let guard = drops2.guard();
        let handle = runtime::spawn(async move {
            let _guard = guard;
            go_rx.await.unwrap();
            done_tx.send("finished").unwrap();
        });
        drop(handle);
        go_tx.send(()).unwrap();
        assert_eq!(done_rx.await.unwrap(), "finished");
    });
    assert_eq!(drops.get(), 1);
}

#[test]
fn join_handle_is_finished() {
    block_on("is_finished", 2, || async {
        let (go_tx, go_rx) = oneshot::channel::<u32>();
        let mut handle = runtime::spawn(async move { go_rx.await.unwrap() + 1 });
        assert!(!handle.is_finished(), "finished before its input arrived");
        go_tx.send(41).unwrap();
        assert_eq!((&mut handle).await.unwrap(), 42);
        assert!(handle.is_finished());

        let pending = runtime::spawn(std::future::pending::<()>());
        assert!(!pending.is_finished());
        pending.cancel();
        wait_until("the cancelled task is finished", || pending.is_finished());
        assert!(pending.await.unwrap_err().is_cancelled());
    });
}

#[test]
fn task_ids_are_unique() {
    let ids = block_on("ids", 2, || async {
        let handles: Vec<_> = (0..1000).map(|_| runtime::spawn(async {})).collect();
        let ids: HashSet<u64> = handles.iter().map(|h| h.id().as_u64()).collect();
        for h in handles {
            h.await.unwrap();
        }
        ids
    });
    assert_eq!(ids.len(), 1000, "task ids collide");
}

/// Ids stay unique when many threads spawn at once (each hands out ids
/// from its own block): outside threads, the workers, and threads that
/// come and go, across more ids than one block holds.
#[test]
fn task_ids_are_unique_across_spawning_threads() {
    let rt = runtime::Builder::new().worker_threads(2).build().unwrap();
    let ids = Arc::new(Mutex::new(Vec::new()));
    std::thread::scope(|s| {
        for _ in 0..4 {
            let (handle, ids) = (rt.handle().clone(), ids.clone());
            s.spawn(move || {
                for _ in 0..300 {
                    // From this thread, and from a task on a worker.
                    let outer = handle.spawn(async { runtime::spawn(async {}).id().as_u64() });
                    let outer_id = outer.id().as_u64();
                    let inner = handle.block_on(async { outer.await.unwrap() });
                    ids.lock().unwrap().extend([outer_id, inner]);
                }
            });
        }
    });
    let ids = ids.lock().unwrap();
    let unique: HashSet<u64> = ids.iter().copied().collect();
    assert_eq!(ids.len(), 2400);
    assert_eq!(unique.len(), ids.len(), "task ids collide");
}

/// Two tasks that log and yield, on one worker: between two entries of one
/// task there is an entry of the other (until the other has finished).
#[test]
fn yield_now_lets_another_task_run_in_between() {
    const N: usize = 20;
    let log = block_on("yield_interleaving", 1, || async {
        let log = Arc::new(Mutex::new(Vec::new()));
        let parent_log = log.clone();
        runtime::spawn(async move {
            let logger = |name: char, log: Arc<Mutex<Vec<char>>>| async move {
                for _ in 0..N {
                    log.lock().unwrap().push(name);
                    yield_now().await;
                }
            };
            let a = runtime::spawn(logger('a', parent_log.clone()));
            let b = runtime::spawn(logger('b', parent_log));
            a.await.unwrap();
            b.await.unwrap();
        })
        .await
        .unwrap();
        Arc::try_unwrap(log).unwrap().into_inner().unwrap()
    });
    assert_eq!(log.len(), 2 * N);
    for k in 1..log.len() {
        if log[k] == log[k - 1] {
            let other = if log[k] == 'a' { 'b' } else { 'a' };
            let other_done = log[..k].iter().filter(|&&c| c == other).count();
            assert_eq!(
                other_done,
                N,
                "task {:?} ran twice in a row (entries {} and {}) while {other:?} still had work: \
                 yield_now did not let it run; log: {}",
                log[k],
                k - 1,
                k,
                log.iter().collect::<String>()
            );
        }
    }
}

/// A task that wakes itself forever does not starve a task spawned later
/// on a one-worker runtime.
#[test]
fn self_waking_task_does_not_starve_another_on_one_worker() {
    let spins = block_on("self_waking", 1, || async {
        let stop = Flag::new();
        let (started_tx, started_rx) = oneshot::channel();
        let spinner_stop = stop.clone();
        let spinner = runtime::spawn(async move {
            started_tx.send(()).unwrap();
            let mut spins = 0u64;
            while !spinner_stop.get() {
                yield_now().await;
                spins += 1;
            }
            spins
        });
        started_rx.await.unwrap();
        // Spawned from outside the worker, while the spinner keeps it busy.
        let setter = runtime::spawn(async move { stop.set() });
        setter.await.unwrap();
        spinner.await.unwrap()
    });
    assert!(spins > 0);
}

/// Two tasks ping-ponging messages (each wakes the other, which runs next
/// from the LIFO slot) do not starve a third task on one worker.
#[test]
fn ping_pong_tasks_do_not_starve_a_third_on_one_worker() {
    block_on("ping_pong", 1, || async {
        let stop = Flag::new();
        let (started_tx, started_rx) = oneshot::channel();
        let (stop_a, stop_b) = (stop.clone(), stop.clone());
        let pair = runtime::spawn(async move {
            let (a_tx, mut a_rx) = futures_channel::mpsc::channel::<u64>(1);
            let (mut b_tx, mut b_rx) = futures_channel::mpsc::channel::<u64>(1);
            let mut a_tx_for_b = a_tx.clone();
            let b = runtime::spawn(async move {
                use futures::{SinkExt, StreamExt};
                while let Some(n) = b_rx.next().await {
                    if stop_b.get() {
                        return n;
                    }
                    if a_tx_for_b.send(n + 1).await.is_err() {
                        return n;
                    }
                }
                0
            });
            drop(a_tx);
            started_tx.send(()).unwrap();
            use futures::{SinkExt, StreamExt};
            b_tx.send(0).await.unwrap();
            while let Some(n) = a_rx.next().await {
                if stop_a.get() {
                    break;
                }
                b_tx.send(n + 1).await.unwrap();
            }
            drop(b_tx);
            drop(a_rx);
            b.await.unwrap();
        });
        started_rx.await.unwrap();
        // Spawned from outside, while the pair keeps the only worker busy.
        let setter = runtime::spawn(async move { stop.set() });
        setter.await.unwrap();
        pair.await.unwrap();
    });
}

/// A task awaiting many JoinHandles that are all ready at once still
/// yields (coop budget), so a task it woke runs before the loop ends.
#[test]
fn awaiting_many_ready_join_handles_does_not_starve_others() {
    const N: usize = 1000;
    let seen_at = block_on("coop_budget", 1, || async {
        let handles: Vec<JoinHandle<usize>> =
            (0..N).map(|i| runtime::spawn(async move { i })).collect();
        wait_until("all tasks are finished", || {
            handles.iter().all(JoinHandle::is_finished)
        });
        let other_ran = Flag::new();
        let (go_tx, go_rx) = oneshot::channel::<()>();
        let looper = runtime::spawn(async move {
            let flag = other_ran.clone();
            let other = runtime::spawn(async move {
                go_rx.await.unwrap();
                flag.set();
            });
            // Let `other` start and wait for `go`.
            yield_now().await;
            go_tx.send(()).unwrap(); // `other` is runnable from here on
            let mut seen_at = None;
            for (i, handle) in handles.into_iter().enumerate() {
                assert_eq!(handle.await.unwrap(), i);
                if seen_at.is_none() && other_ran.get() {
                    seen_at = Some(i);
                }
            }
            other.await.unwrap();
            seen_at
        });
        looper.await.unwrap()
    });
    assert!(
        seen_at.is_some(),
        "a task awaited {N} ready JoinHandles in one go without ever yielding to a runnable task"
    );
}

/// `#[runtime::test]`: the body runs inside a runtime.
#[runtime::test]
async fn runtime_test_attribute_provides_a_runtime() {
    assert!(runtime::Handle::try_current().is_ok());
    let task = runtime::spawn(async { 6 * 7 });
    let out = support::timeout(support::WATCHDOG, "a spawned task", task).await;
    assert_eq!(out.unwrap(), 42);
}

/// `#[runtime::test(worker_threads = 1)]`: all tasks run on one thread.
#[runtime::test(worker_threads = 1)]
async fn runtime_test_attribute_with_one_worker() {
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            runtime::spawn(async {
                spin_for(Duration::from_millis(1));
                std::thread::current().id()
            })
        })
        .collect();
    let mut ids = HashSet::new();
    for task in tasks {
        ids.insert(
            support::timeout(support::WATCHDOG, "a task", task)
                .await
                .unwrap(),
        );
    }
    assert_eq!(
        ids.len(),
        1,
        "a one-worker runtime ran tasks on {} threads",
        ids.len()
    );
    assert!(!ids.contains(&std::thread::current().id()));
}

/// A task spinning on `yield_now` does not delay I/O: before a yielded
/// task runs again the worker polls the reactor without waiting, so a
/// connection that is already pending is accepted after one yield (it took
/// up to 31 before; Tokio defers yielded tasks past its driver poll too).
#[test]
fn yielded_tasks_run_after_the_io_driver_was_polled() {
    use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
    support::block_on("yield_then_io", 1, || async {
        let listener = runtime::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicBool::new(false));
        let flag = accepted.clone();
        let acceptor = runtime::spawn(async move {
            let conn = listener.accept().await.unwrap();
            flag.store(true, SeqCst);
            conn
        });
        // The acceptor is now registered and waiting.
        support::settle().await;
        let yields = runtime::spawn(async move {
            let _client = std::net::TcpStream::connect(addr).unwrap();
            let mut yields = 0u32;
            while !accepted.load(SeqCst) {
                runtime::task::yield_now().await;
                yields += 1;
                assert!(yields < 1000, "the pending accept was never seen");
            }
            yields
        })
        .await
        .unwrap();
        assert!(
            yields <= 2,
            "{yields} yields ran before the ready socket's task"
        );
        drop(acceptor.await.unwrap());
    });
}

/// A task spawned from outside while the only worker runs a chain of tasks
/// that each spawn the next (the LIFO slot) runs within a few links of the
/// chain: the injector gets a turn when the chain hits the LIFO cap, not
/// only every 61st tick. Measured in links, over 20 rounds: with only the
/// maintenance tick, a round waits 0 to 61 links, so the largest of 20 is
/// above 10 all but never.
#[test]
fn remote_spawn_is_not_held_back_by_a_spawn_chain() {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};

    fn link(links: Arc<AtomicU64>, run: Arc<AtomicBool>) {
        runtime::spawn(async move {
            if run.load(SeqCst) {
                links.fetch_add(1, SeqCst);
                link(links, run);
            }
        });
    }

    let rt = runtime::Builder::new().worker_threads(1).build().unwrap();
    let mut worst = 0;
    for _ in 0..20 {
        let links = Arc::new(AtomicU64::new(0));
        let run = Arc::new(AtomicBool::new(true));
        {
            let (links, run) = (links.clone(), run.clone());
            rt.spawn(async move { link(links, run) });
        }
        wait_until("the chain runs", || links.load(SeqCst) > 100);
        let (l, r) = (links.clone(), run.clone());
        let remote = rt.spawn(async move {
            r.store(false, SeqCst);
            l.load(SeqCst)
        });
        // Read once the push is done: the links counted since then ran
        // while the remote task waited in the injector (this thread being
        // descheduled before the read only makes the count smaller).
        let before = links.load(SeqCst);
        let at_run = rt.block_on(remote).unwrap();
        worst = worst.max(at_run.saturating_sub(before));
    }
    assert!(
        worst <= 10,
        "a remote spawn waited {worst} links of a spawn chain (the LIFO cap is 3)"
    );
}

/// Several tasks spawned from outside while the only worker runs a chain of
/// spawning tasks all run before the chain goes on: at the LIFO cap the
/// worker moves its share of the injector into its queue ahead of the
/// chain's next task, so the whole batch runs between two links (before,
/// only the batch's first task did, and the rest waited for the next cap).
/// Each link spins 200 µs, so the ten pushes normally land within one
/// link; a round where this thread was preempted between pushes may see
/// a link between them, so most rounds, not all, must see none.
#[test]
fn remote_batch_runs_ahead_of_a_spawn_chain() {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};

    fn link(links: Arc<AtomicU64>, run: Arc<AtomicBool>) {
        runtime::spawn(async move {
            if run.load(SeqCst) {
                spin_for(Duration::from_micros(200));
                links.fetch_add(1, SeqCst);
                link(links, run);
            }
        });
    }

    let rt = runtime::Builder::new().worker_threads(1).build().unwrap();
    let rounds = 20;
    let mut without_a_link = 0;
    for _ in 0..rounds {
        let links = Arc::new(AtomicU64::new(0));
        let run = Arc::new(AtomicBool::new(true));
        {
            let (links, run) = (links.clone(), run.clone());
            rt.spawn(async move { link(links, run) });
        }
        wait_until("the chain runs", || links.load(SeqCst) > 3);
        let remote: Vec<_> = (0..10)
            .map(|_| {
                let links = links.clone();
                rt.spawn(async move { links.load(SeqCst) })
            })
            .collect();
        let seen: Vec<u64> = rt.block_on(async {
            let mut seen = Vec::new();
            for handle in remote {
                seen.push(handle.await.unwrap());
            }
            seen
        });
        run.store(false, SeqCst);
        if seen.iter().min() == seen.iter().max() {
            without_a_link += 1;
        }
    }
    assert!(
        without_a_link * 2 > rounds,
        "a chain link ran between the tasks of one remote batch in \
         {} of {rounds} rounds",
        rounds - without_a_link
    );
}

/// A task spawned from outside while the only worker runs a chain of
/// spawning tasks runs after the link that was running when it arrived,
/// not after the LIFO cap: before each link taken from the LIFO slot, the
/// worker looks at the injector, and waiting outside work goes into its
/// queue ahead of the chain's next link. With a cap of 3 it waited up to 3
/// links; when each link stalls (`spawn_many_remote_busy2`: 10 µs), that is
/// up to 3 stalls per batch of remote tasks.
///
/// Deterministic on one worker: the first link waits until the remote task
/// is in the injector, then counts itself and spawns the second.
#[test]
fn remote_spawn_runs_before_the_next_link_of_a_spawn_chain() {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};

    struct Chain {
        links: AtomicU64,
        started: AtomicBool,
        pushed: AtomicBool,
        run: AtomicBool,
    }

    fn link(chain: Arc<Chain>) {
        runtime::spawn(async move {
            if !chain.run.load(SeqCst) {
                return;
            }
            if chain.links.load(SeqCst) == 0 {
                chain.started.store(true, SeqCst);
                let deadline = std::time::Instant::now() + Duration::from_secs(10);
                while !chain.pushed.load(SeqCst) {
                    assert!(
                        std::time::Instant::now() < deadline,
                        "the remote task was never pushed"
                    );
                    std::hint::spin_loop();
                }
            }
            chain.links.fetch_add(1, SeqCst);
            link(chain);
        });
    }

    let rt = runtime::Builder::new().worker_threads(1).build().unwrap();
    for round in 0..10 {
        let chain = Arc::new(Chain {
            links: AtomicU64::new(0),
            started: AtomicBool::new(false),
            pushed: AtomicBool::new(false),
            run: AtomicBool::new(true),
        });
        {
            let chain = chain.clone();
            rt.spawn(async move { link(chain) });
        }
        wait_until("the chain's first link runs", || chain.started.load(SeqCst));
        let remote = {
            let chain = chain.clone();
            rt.spawn(async move { chain.links.load(SeqCst) })
        };
        chain.pushed.store(true, SeqCst);
        let seen = rt.block_on(remote).unwrap();
        chain.run.store(false, SeqCst);
        assert_eq!(
            seen, 1,
            "round {round}: a remote task waited {seen} links of a spawn chain \
             (it should run right after the link that was running when it came)"
        );
    }
}

/// A chain of tasks that each spawn the next stays on its worker and does
/// not keep waking the other one: hitting the LIFO cap wakes nobody (the
/// worker runs its queue's front next). When it did, each cap woke the
/// parked worker, which found the chain's next task, took it or not, and
/// parked again: 10 to several hundred parks for a chain of 40,000.
#[test]
fn a_spawn_chain_does_not_keep_waking_the_other_worker() {
    fn link(left: u32, done: oneshot::Sender<()>) {
        runtime::spawn(async move {
            if left == 0 {
                let _ = done.send(());
            } else {
                link(left - 1, done);
            }
        });
    }

    let rt = runtime::Builder::new().worker_threads(2).build().unwrap();
    // Let both workers go idle first.
    rt.block_on(async { runtime::spawn(async {}).await.unwrap() });
    let parks = |rt: &runtime::Runtime| -> u64 {
        rt.handle().metrics().workers.iter().map(|w| w.parks).sum()
    };
    let mut most = 0;
    for _ in 0..5 {
        let before = parks(&rt);
        let (tx, rx) = oneshot::channel();
        rt.spawn(async move { link(40_000, tx) });
        // Waits on a thread that is not a worker (`block_on`'s park).
        rt.block_on(rx).unwrap();
        most = most.max(parks(&rt) - before);
    }
    // A round parks each worker once or twice (the first spawn wakes
    // one, which wakes the other as it stops searching; the chain's end
    // lets both sleep again): 1 or 2 seen here, against 10 to 764 when
    // the cap woke the other worker.
    assert!(
        most <= 6,
        "the workers parked {most} times during a chain of 40,000 spawns"
    );
}
