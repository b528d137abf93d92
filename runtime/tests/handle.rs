//! `Handle`: spawning from plain threads, `enter`, `current`/`try_current`,
//! and the `futures` `Spawn` implementation.

mod support;

use futures::task::{Spawn, SpawnExt};
use futures_channel::oneshot;
use runtime::task::JoinHandle;
use runtime::{Builder, Handle, Runtime};
use support::{block_on, expect_panic, watchdog, Counter, Flag};

const _: () = {
    const fn assert_handle<T: Clone + Send + Sync + std::fmt::Debug + 'static>() {}
    assert_handle::<Handle>();
    const fn assert_send_sync<T: Send + Sync + Unpin>() {}
    assert_send_sync::<JoinHandle<String>>();
    const fn assert_send<T: Send>() {}
    assert_send::<Runtime>();
};

fn named_runtime(name: &str) -> Runtime {
    Builder::new()
        .worker_threads(2)
        .thread_name(name)
        .build()
        .unwrap()
}

fn thread_name() -> String {
    std::thread::current()
        .name()
        .unwrap_or("<unnamed>")
        .to_owned()
}

/// Several plain threads spawning many tasks each through clones of a
/// `Handle`; every task runs exactly once.
#[test]
fn spawn_through_a_handle_from_plain_threads() {
    const THREADS: usize = 8;
    const PER_THREAD: usize = 2000;
    let ran = Counter::new();
    let ran2 = ran.clone();
    watchdog("handle_from_threads", move || {
        let rt = support::runtime(2);
        std::thread::scope(|s| {
            for t in 0..THREADS {
                let handle = rt.handle().clone();
                let ran = ran2.clone();
                s.spawn(move || {
                    let tasks: Vec<JoinHandle<usize>> = (0..PER_THREAD)
                        .map(|i| {
                            let ran = ran.clone();
                            handle.spawn(async move {
                                ran.incr();
                                t * PER_THREAD + i
                            })
                        })
                        .collect();
                    // A plain thread may block on the runtime.
                    handle.block_on(async {
                        for (i, task) in tasks.into_iter().enumerate() {
                            assert_eq!(task.await.unwrap(), t * PER_THREAD + i);
                        }
                    });
                });
            }
        });
    });
    assert_eq!(ran.get(), THREADS * PER_THREAD);
}

/// `Handle::enter` makes `runtime::spawn` work on a plain thread, until
/// the guard is dropped; nested guards restore the previous runtime.
#[test]
fn enter_makes_spawn_work_on_a_plain_thread() {
    watchdog("enter", || {
        let rt_a = named_runtime("enter-test-a");
        let rt_b = named_runtime("enter-test-b");
        let (a, b) = (rt_a.handle().clone(), rt_b.handle().clone());
        std::thread::spawn(move || {
            assert!(Handle::try_current().is_err());
            {
                let _a = a.enter();
                assert!(Handle::try_current().is_ok());
                let task = runtime::spawn(async { thread_name() });
                assert_eq!(a.block_on(task).unwrap(), "enter-test-a");
                {
                    let _b = b.enter();
                    let task = runtime::spawn(async { thread_name() });
                    assert_eq!(b.block_on(task).unwrap(), "enter-test-b");
                }
                // Back to `a` once the inner guard is gone.
                let task = runtime::spawn(async { thread_name() });
                assert_eq!(a.block_on(task).unwrap(), "enter-test-a");
                let task = Handle::current().spawn(async { thread_name() });
                assert_eq!(a.block_on(task).unwrap(), "enter-test-a");
            }
            assert!(
                Handle::try_current().is_err(),
                "still entered after the guard"
            );
            let message = expect_panic("spawn after the guard", || runtime::spawn(async {}));
            assert!(message.contains("Handle::enter"), "{message:?}");
        })
        .join()
        .unwrap();
        drop((rt_a, rt_b));
    });
}

/// `Handle::current` inside a task, inside `block_on` and inside a blocking
/// closure is the runtime running it; outside it is an error.
#[test]
fn current_and_try_current_inside_and_outside() {
    let err = Handle::try_current().expect_err("a plain test thread has no runtime");
    assert!(err.is_missing_context());
    let text = err.to_string();
    assert!(
        text.contains("Handle::enter"),
        "unhelpful message: {text:?}"
    );
    let message = expect_panic("Handle::current() outside a runtime", Handle::current);
    assert!(message.contains("Handle::current"), "{message:?}");
    assert!(message.contains("Handle::enter"), "{message:?}");

    watchdog("current", || {
        let rt = named_runtime("current-test");
        let names = rt.block_on(async {
            let from_block_on = Handle::current().spawn(async { thread_name() });
            let from_task = runtime::spawn(async {
                let h = Handle::try_current().expect("no runtime inside a task");
                h.spawn(async { thread_name() }).await.unwrap()
            });
            let from_blocking = runtime::spawn_blocking(|| {
                let h = Handle::current();
                h.block_on(h.spawn(async { thread_name() })).unwrap()
            });
            [
                from_block_on.await.unwrap(),
                from_task.await.unwrap(),
                from_blocking.await.unwrap(),
            ]
        });
        for name in names {
            assert_eq!(name, "current-test");
        }
        // Leaving block_on leaves the runtime.
        assert!(Handle::try_current().is_err());
    });
}

#[test]
fn handle_is_clone_send_sync() {
    fn assert_all<T: Clone + Send + Sync + 'static>(_: &T) {}
    let rt = support::runtime(1);
    let handle = rt.handle().clone();
    assert_all(&handle);
    let out = watchdog("handle_clone", move || {
        let clone = handle.clone();
        let shared = std::sync::Arc::new(handle);
        let t = std::thread::spawn(move || {
            clone.block_on(Handle::spawn(&shared, async { 4 })).unwrap()
        });
        t.join().unwrap()
    });
    assert_eq!(out, 4);
    assert!(format!("{:?}", rt.handle()).contains("Handle"));
}

/// Runtime's own `spawn` and `spawn_blocking`, from the thread that owns it.
#[test]
fn runtime_spawn_methods() {
    watchdog("runtime_methods", || {
        let rt = support::runtime(2);
        let a = rt.spawn(async { 1 });
        let b = rt.spawn_blocking(|| 2);
        assert_eq!(
            rt.block_on(async { a.await.unwrap() + b.await.unwrap() }),
            3
        );
    });
}

/// `futures::task::SpawnExt` on a `Handle`: the future runs, detached;
/// after shutdown the spawn is refused and the future dropped.
#[test]
fn futures_spawn_trait() {
    watchdog("futures_spawn", || {
        let rt = support::runtime(2);
        let handle = rt.handle().clone();
        assert!(handle.status().is_ok());
        let (tx, rx) = oneshot::channel();
        SpawnExt::spawn(&handle, async move {
            tx.send(std::thread::current().id()).unwrap();
        })
        .expect("spawn refused on a running runtime");
        let ran_on = handle.block_on(rx).unwrap();
        assert_ne!(ran_on, std::thread::current().id());

        let remote = handle
            .spawn_with_handle(async { 6 * 7 })
            .expect("spawn refused on a running runtime");
        assert_eq!(handle.block_on(remote), 42);

        drop(rt);
        assert!(handle.status().is_err(), "status() Ok after shutdown");
        let drops = Counter::new();
        let ran = Flag::new();
        let (guard, ran2) = (drops.guard(), ran.clone());
        let err = SpawnExt::spawn(&handle, async move {
            let _guard = guard;
            ran2.set();
        })
        .expect_err("spawn accepted after shutdown");
        assert!(err.is_shutdown());
        assert_eq!(drops.get(), 1, "the refused future was not dropped once");
        assert!(!ran.get());
    });
}

/// Several plain threads in `Handle::block_on` at once, each awaiting tasks.
#[test]
fn concurrent_block_on_from_plain_threads() {
    let total = block_on("concurrent_block_on", 2, || async {
        let handle = Handle::current();
        let threads: Vec<_> = (0..4u64)
            .map(|t| {
                let handle = handle.clone();
                std::thread::spawn(move || {
                    handle.block_on(async move {
                        let mut sum = 0;
                        for i in 0..100 {
                            sum += runtime::spawn(async move { t * 100 + i }).await.unwrap();
                        }
                        sum
                    })
                })
            })
            .collect();
        // Joining blocks this block_on thread only, not a worker.
        threads.into_iter().map(|t| t.join().unwrap()).sum::<u64>()
    });
    assert_eq!(total, (0..400).sum::<u64>());
}
