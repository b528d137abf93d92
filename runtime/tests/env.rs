//! `RUNTIME_WORKER_THREADS`. Environment variables are process-wide, so
//! this file (its own test process) holds a single test.

mod support;

use runtime::task::JoinHandle;
use runtime::{Builder, Runtime, WORKER_THREADS_ENV};
use std::collections::HashSet;
use std::io::ErrorKind;
use std::thread::ThreadId;
use std::time::Duration;
use support::{watchdog, Rendezvous};

#[test]
fn worker_threads_env_var() {
    assert_eq!(WORKER_THREADS_ENV, "RUNTIME_WORKER_THREADS");

    std::env::set_var(WORKER_THREADS_ENV, "3");
    watchdog("env_three_workers", || {
        let rt = Runtime::new().expect("RUNTIME_WORKER_THREADS=3 was rejected");
        let debug = format!("{:?}", rt.handle());
        assert!(debug.contains("workers: 3"), "Handle debug: {debug}");

        // Three tasks that can only finish together: three workers exist.
        let meet = Rendezvous::new(3);
        let met: Vec<(bool, ThreadId)> = rt.block_on(async {
            let tasks: Vec<JoinHandle<(bool, ThreadId)>> = (0..3)
                .map(|_| {
                    let meet = meet.clone();
                    runtime::spawn(async move { (meet.wait(), std::thread::current().id()) })
                })
                .collect();
            let mut out = Vec::new();
            for t in tasks {
                out.push(t.await.unwrap());
            }
            out
        });
        assert!(
            met.iter().all(|(m, _)| *m),
            "three tasks never ran at once: fewer than 3 workers"
        );
        let ids: HashSet<ThreadId> = met.iter().map(|(_, id)| *id).collect();
        assert_eq!(ids.len(), 3);

        // And no more than three take part in CPU-bound work.
        let ids: HashSet<ThreadId> = rt.block_on(async {
            let tasks: Vec<_> = (0..60)
                .map(|_| {
                    runtime::spawn(async {
                        support::spin_for(Duration::from_millis(1));
                        std::thread::current().id()
                    })
                })
                .collect();
            let mut ids = HashSet::new();
            for t in tasks {
                ids.insert(t.await.unwrap());
            }
            ids
        });
        assert!(ids.len() <= 3, "tasks ran on {} workers", ids.len());

        // An explicit setting wins over the variable.
        let rt1 = Builder::new().worker_threads(1).build().unwrap();
        let debug = format!("{:?}", rt1.handle());
        assert!(debug.contains("workers: 1"), "Handle debug: {debug}");
    });

    for bad in ["abc", "0", "-1"] {
        std::env::set_var(WORKER_THREADS_ENV, bad);
        let err = Runtime::new().expect_err(&format!("RUNTIME_WORKER_THREADS={bad:?} accepted"));
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "for {bad:?}: {err}");
        let text = err.to_string();
        assert!(
            text.contains("RUNTIME_WORKER_THREADS") || text.contains("worker"),
            "for {bad:?} the message says neither what nor where: {text:?}"
        );
    }
    std::env::remove_var(WORKER_THREADS_ENV);
    let rt = Runtime::new().expect("default runtime without the variable");
    assert_eq!(rt.block_on(async { 1 }), 1);
}
