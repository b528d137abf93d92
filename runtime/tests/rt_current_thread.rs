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
