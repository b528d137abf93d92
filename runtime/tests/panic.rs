//! Panic isolation: a panicking task becomes a `JoinError`, the worker
//! carries on, and `JoinError` is a well-behaved error type.

mod support;

use futures_channel::oneshot;
use runtime::task::JoinError;
use std::error::Error;
use support::{block_on, Counter};

const _: () = {
    const fn assert_error<E: Error + Send + Sync + 'static>() {}
    assert_error::<JoinError>();
    assert_error::<runtime::task::Cancelled>();
};

#[test]
fn panicking_task_yields_a_panic_join_error_with_its_payload() {
    block_on("panic_payload", 2, || async {
        let task = runtime::spawn(async {
            panic!("boom");
        });
        let id = task.id();
        let err: JoinError = task.await.unwrap_err();
        assert!(err.is_panic());
        assert!(!err.is_cancelled());
        assert_eq!(err.id(), id, "the error names another task");

        let display = err.to_string();
        assert!(
            display.contains(&format!("task {id}")),
            "Display does not name the task: {display:?}"
        );
        assert!(
            display.contains("boom"),
            "Display lacks the message: {display:?}"
        );
        assert!(format!("{err:?}").contains("boom"));

        let payload = err.into_panic();
        assert_eq!(*payload.downcast::<&str>().unwrap(), "boom");

        // A formatted message arrives as a String.
        let task = runtime::spawn(async {
            let n = 7;
            panic!("boom {n}");
        });
        let payload = task.await.unwrap_err().into_panic();
        assert_eq!(*payload.downcast::<String>().unwrap(), "boom 7");

        // Any payload type survives.
        let task = runtime::spawn(async { std::panic::panic_any(42u32) });
        let err = task.await.unwrap_err();
        assert!(err.to_string().contains("panicked"), "{err}");
        let payload = err.try_into_panic().expect("a panic error");
        assert_eq!(*payload.downcast::<u32>().unwrap(), 42);
    });
}

#[test]
fn cancelled_join_error_is_not_a_panic() {
    block_on("cancelled_error", 2, || async {
        let task = runtime::spawn(std::future::pending::<()>());
        let id = task.id();
        task.cancel();
        let err = task.await.unwrap_err();
        assert!(err.is_cancelled());
        assert!(!err.is_panic());
        let display = err.to_string();
        assert!(display.contains(&format!("task {id}")), "{display:?}");
        assert!(display.contains("cancelled"), "{display:?}");
        let err = err
            .try_into_panic()
            .expect_err("a cancelled task has no panic payload");
        assert!(err.is_cancelled());
        let message = support::expect_panic("into_panic on a cancelled error", || err.into_panic());
        assert!(
            message.contains("is_panic"),
            "unhelpful message: {message:?}"
        );
    });
}

#[test]
fn join_error_converts_into_boxed_and_io_errors() {
    block_on("join_error_conversions", 1, || async {
        let err = runtime::spawn(async { panic!("disk on fire") })
            .await
            .unwrap_err();
        let text = err.to_string();
        let boxed: Box<dyn Error + Send + Sync + 'static> = Box::new(err);
        assert_eq!(boxed.to_string(), text);
        assert!(boxed.downcast_ref::<JoinError>().unwrap().is_panic());

        let err = runtime::spawn(async { panic!("disk on fire") })
            .await
            .unwrap_err();
        let io: std::io::Error = err.into();
        assert_eq!(io.kind(), std::io::ErrorKind::Other);
        assert!(io.to_string().contains("disk on fire"), "{io}");
    });
}

/// 100 panics on a one-worker runtime leave the worker running tasks.
#[test]
fn worker_survives_many_panics() {
    let drops = Counter::new();
    let drops2 = drops.clone();
    block_on("survives_panics", 1, move || async move {
        let panicking: Vec<_> = (0..100)
            .map(|i| {
                let guard = drops2.guard();
                runtime::spawn(async move {
                    let _guard = guard;
                    panic!("task {i} fails");
                })
            })
            .collect();
        for (i, task) in panicking.into_iter().enumerate() {
            let err = task.await.unwrap_err();
            assert!(err.is_panic());
            assert_eq!(
                support::panic_message(&*err.into_panic()),
                format!("task {i} fails")
            );
        }
        let healthy: Vec<_> = (0..100u32)
            .map(|i| runtime::spawn(async move { i * 2 }))
            .collect();
        for (i, task) in healthy.into_iter().enumerate() {
            assert_eq!(
                task.await.expect("the worker broke after panics"),
                i as u32 * 2
            );
        }
    });
    assert_eq!(
        drops.get(),
        100,
        "each panicked future must be dropped once"
    );
}

/// A panic in one task does not disturb a task waiting concurrently.
#[test]
fn panic_does_not_affect_other_tasks() {
    block_on("panic_isolation", 1, || async {
        let (tx, rx) = oneshot::channel::<u32>();
        let waiting = runtime::spawn(async move { rx.await.unwrap() + 1 });
        let panicking = runtime::spawn(async {
            runtime::task::yield_now().await;
            panic!("only me");
        });
        assert!(panicking.await.unwrap_err().is_panic());
        tx.send(1).unwrap();
        assert_eq!(waiting.await.unwrap(), 2);
    });
}

/// A panic after awaits, in a task spawned from a task, is caught the same.
#[test]
fn panic_after_awaits_in_nested_task() {
    block_on("nested_panic", 2, || async {
        let outer = runtime::spawn(async {
            let inner = runtime::spawn(async {
                for _ in 0..3 {
                    runtime::task::yield_now().await;
                }
                let v: Vec<u8> = Vec::new();
                v[3]
            });
            inner.await
        });
        let inner_result = outer.await.expect("the outer task must not fail");
        let err = inner_result.unwrap_err();
        assert!(err.is_panic());
        let message = support::panic_message(&*err.into_panic());
        assert!(message.contains("index out of bounds"), "{message:?}");
    });
}
