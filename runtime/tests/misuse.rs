//! Misuse and configuration: invalid builder settings, `block_on` where it
//! would stall a runtime, `spawn` outside a runtime; the builder options.

mod support;

use runtime::{Builder, Handle};
use std::io::ErrorKind;
use support::{expect_panic, watchdog};

#[test]
fn zero_worker_threads_is_invalid_input() {
    let err = Builder::new().worker_threads(0).build().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let text = err.to_string();
    assert!(
        text.contains("worker thread") || text.contains("worker_threads"),
        "the message does not mention worker threads: {text:?}"
    );
}

#[test]
fn zero_max_blocking_threads_is_invalid_input() {
    let err = Builder::new()
        .worker_threads(1)
        .max_blocking_threads(0)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let text = err.to_string();
    assert!(
        text.contains("max_blocking_threads"),
        "the message does not name the setting: {text:?}"
    );
}

/// `block_on` inside a task panics (it would block a worker) with a
/// message that says what to do instead; the worker keeps working.
#[test]
fn block_on_inside_a_task_panics_with_advice() {
    watchdog("block_on_in_task", || {
        let rt = support::runtime(1);
        let task = rt.spawn(async {
            Handle::current().block_on(async { 1 });
        });
        let err = rt.block_on(task).unwrap_err();
        assert!(err.is_panic(), "expected a panic, got {err:?}");
        let message = support::panic_message(&*err.into_panic());
        assert!(message.contains("block_on"), "{message:?}");
        assert!(
            message.contains(".await"),
            "no advice to use .await: {message:?}"
        );
        // The worker is still fine: spawn, and `block_on` is still refused
        // there (the panic did not clear the worker's state).
        assert_eq!(rt.block_on(rt.spawn(async { 5 })).unwrap(), 5);
        let again = rt.spawn(async {
            Handle::current().block_on(async {});
        });
        assert!(rt.block_on(again).unwrap_err().is_panic());
    });
}

/// `block_on` inside `block_on` panics; afterwards the thread can run
/// `block_on` again.
#[test]
fn block_on_inside_block_on_panics() {
    watchdog("nested_block_on", || {
        let rt = support::runtime(1);
        let message = expect_panic("nested block_on", || {
            rt.block_on(async { rt.block_on(async { 1 }) })
        });
        assert!(message.contains("block_on"), "{message:?}");
        assert!(message.contains(".await"), "{message:?}");
        // The thread left both: no runtime is current, and block_on works.
        assert!(Handle::try_current().is_err());
        assert_eq!(rt.block_on(async { 2 }), 2);
    });
}

/// `runtime::spawn` and `spawn_blocking` outside a runtime panic with a
/// message that names the ways in.
#[test]
fn spawn_outside_a_runtime_panics_with_advice() {
    for (what, message) in [
        (
            "spawn",
            expect_panic("runtime::spawn", || runtime::spawn(async {})),
        ),
        (
            "spawn_blocking",
            expect_panic("runtime::spawn_blocking", || runtime::spawn_blocking(|| {})),
        ),
    ] {
        for needle in ["Handle::enter", "block_on", "#[runtime::main]"] {
            assert!(
                message.contains(needle),
                "{what}'s message does not mention {needle}: {message:?}"
            );
        }
    }
}

/// `Builder::thread_name` and `thread_stack_size` apply to the workers.
#[test]
fn builder_thread_name_and_stack_size() {
    watchdog("builder_options", || {
        let rt = Builder::new()
            .worker_threads(2)
            .thread_name("misuse-custom")
            .thread_stack_size(32 * 1024 * 1024)
            .build()
            .unwrap();
        let name = rt
            .block_on(rt.spawn(async {
                // More than a default (2 MiB) thread stack holds.
                let big = std::hint::black_box([7u8; 3 * 1024 * 1024]);
                (std::thread::current().name().map(str::to_owned), big[1000])
            }))
            .unwrap();
        assert_eq!(name, (Some("misuse-custom".to_owned()), 7));
    });
}

/// Defaults: `Runtime::new` and `Builder::default` build working runtimes.
#[test]
fn default_runtimes_work() {
    watchdog("defaults", || {
        let rt = runtime::Runtime::new().unwrap();
        assert_eq!(rt.block_on(rt.spawn(async { 1 })).unwrap(), 1);
        let name = rt
            .block_on(rt.spawn(async { std::thread::current().name().map(str::to_owned) }))
            .unwrap();
        assert_eq!(name.as_deref(), Some("runtime-worker"));
        let rt2 = Builder::default().build().unwrap();
        assert_eq!(rt2.block_on(async { 2 }), 2);
    });
}
