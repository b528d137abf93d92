//! `runtime::signal`: deliveries reach every listener, through the reactor,
//! from any runtime; early deliveries are kept, unpolled ones coalesced;
//! forbidden signals are errors. The tests signal their own process (SIGUSR1,
//! SIGUSR2, SIGHUP; SIGINT only once `ctrl_c` has installed its handler)
//! and run one at a time: delivery counts are process-wide.
#![cfg(unix)]

mod support;

use futures::FutureExt;
use runtime::signal::unix::{signal, Signal, SignalKind};
use std::future::Future;
use std::pin::pin;
use std::sync::{Mutex, MutexGuard};
use support::{block_on, expect_panic, watchdog, WAIT};

/// One test at a time: they all count deliveries to this process.
fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Sends `signum` to the calling thread; its handler runs before this
/// returns.
fn raise(signum: i32) {
    // SAFETY: `raise` has no memory-safety preconditions; every caller has
    // installed a handler for `signum` first, so the process is not
    // terminated.
    assert_eq!(unsafe { libc::raise(signum) }, 0);
}

/// Sends `signum` to the process from another thread (so that a task
/// already waiting is woken through the reactor, not found ready).
fn raise_elsewhere(signum: i32) {
    std::thread::spawn(move || raise(signum)).join().unwrap();
}

async fn recv_in_time(signal: &mut Signal) -> Option<()> {
    runtime::time::timeout(WAIT, signal.recv())
        .await
        .expect("no delivery reported in time")
}

#[test]
fn every_signal_of_a_kind_receives_each_delivery() {
    let _serial = serial();
    block_on("every_signal", 2, || async {
        let mut a = signal(SignalKind::user_defined1()).unwrap();
        let mut b = signal(SignalKind::user_defined1()).unwrap();
        for _ in 0..3 {
            {
                // Both waiting (registered with the reactor) before the
                // delivery.
                let mut ra = pin!(a.recv());
                let mut rb = pin!(b.recv());
                assert!(futures::poll!(ra.as_mut()).is_pending());
                assert!(futures::poll!(rb.as_mut()).is_pending());
                raise_elsewhere(libc::SIGUSR1);
                let both = futures::future::join(ra, rb);
                let got = runtime::time::timeout(WAIT, both).await;
                assert_eq!(got.expect("not both woken in time"), (Some(()), Some(())));
            }
        }
    });
}

#[test]
fn a_delivery_before_the_first_recv_is_kept() {
    let _serial = serial();
    block_on("before_first_recv", 2, || async {
        let mut usr2 = signal(SignalKind::user_defined2()).unwrap();
        raise(libc::SIGUSR2);
        assert_eq!(recv_in_time(&mut usr2).await, Some(()));
        // Only that one.
        assert_eq!(usr2.recv().now_or_never(), None);
    });
}

#[test]
fn unpolled_deliveries_are_coalesced_not_lost() {
    let _serial = serial();
    block_on("coalesced", 2, || async {
        let mut hup = signal(SignalKind::hangup()).unwrap();
        for _ in 0..3 {
            raise(libc::SIGHUP);
        }
        assert_eq!(hup.recv().now_or_never(), Some(Some(())));
        assert_eq!(hup.recv().now_or_never(), None, "three became one");
        raise(libc::SIGHUP);
        assert_eq!(recv_in_time(&mut hup).await, Some(()));
    });
}

#[test]
fn a_signal_created_later_does_not_see_earlier_deliveries() {
    let _serial = serial();
    block_on("later", 1, || async {
        let _first = signal(SignalKind::user_defined2()).unwrap();
        raise(libc::SIGUSR2);
        let mut later = signal(SignalKind::user_defined2()).unwrap();
        assert_eq!(later.recv().now_or_never(), None);
    });
}

#[test]
fn works_from_several_runtimes_at_once() {
    let _serial = serial();
    watchdog("several_runtimes", || {
        let runtimes: Vec<_> = (0..3).map(|_| support::runtime(1)).collect();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let tasks: Vec<_> = runtimes
            .iter()
            .map(|rt| {
                let ready = ready_tx.clone();
                rt.spawn(async move {
                    let mut usr1 = signal(SignalKind::user_defined1()).unwrap();
                    let mut recv = pin!(usr1.recv());
                    assert!(futures::poll!(recv.as_mut()).is_pending());
                    ready.send(()).unwrap();
                    runtime::time::timeout(WAIT, recv)
                        .await
                        .expect("not woken in time")
                })
            })
            .collect();
        for _ in 0..runtimes.len() {
            ready_rx.recv_timeout(WAIT).expect("a task did not start");
        }
        raise(libc::SIGUSR1);
        for (rt, task) in runtimes.iter().zip(tasks) {
            assert_eq!(rt.block_on(task).unwrap(), Some(()));
        }
    });
}

#[test]
fn forbidden_and_invalid_signals_are_errors() {
    let _serial = serial();
    block_on("forbidden", 1, || async {
        for signum in [
            libc::SIGKILL,
            libc::SIGSTOP,
            libc::SIGSEGV,
            libc::SIGILL,
            libc::SIGFPE,
            0,
            -1,
            1000,
        ] {
            let err = signal(SignalKind::from_raw(signum)).unwrap_err();
            assert_eq!(
                err.kind(),
                std::io::ErrorKind::InvalidInput,
                "{signum}: {err}"
            );
        }
    });
}

#[test]
fn ctrl_c_completes_on_sigint_once_polled() {
    let _serial = serial();
    block_on("ctrl_c", 2, || async {
        let mut ctrl_c = pin!(runtime::signal::ctrl_c());
        // The first poll installs the handler; SIGINT is safe after it.
        assert!(futures::poll!(ctrl_c.as_mut()).is_pending());
        raise_elsewhere(libc::SIGINT);
        runtime::time::timeout(WAIT, ctrl_c)
            .await
            .expect("ctrl_c did not complete in time")
            .unwrap();
    });
}

#[test]
fn recv_returns_none_once_the_runtime_shut_down() {
    let _serial = serial();
    watchdog("after_shutdown", || {
        let rt = support::runtime(1);
        let mut usr1 = rt.block_on(async { signal(SignalKind::user_defined1()).unwrap() });
        drop(rt);
        assert_eq!(futures::executor::block_on(usr1.recv()), None);
    });
}

#[test]
fn signal_outside_a_runtime_panics_with_a_message() {
    let _serial = serial();
    let message = expect_panic("signal outside a runtime", || {
        signal(SignalKind::user_defined1())
    });
    assert!(message.contains("outside a runtime"), "{message}");
}

#[test]
fn signal_and_its_futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let _serial = serial();
    block_on("send", 1, || async {
        let mut usr1 = signal(SignalKind::user_defined1()).unwrap();
        assert_send(&usr1);
        assert_send(&usr1.recv());
        let ctrl_c = runtime::signal::ctrl_c();
        assert_send(&ctrl_c);
        fn is_future<F: Future>(_: &F) {}
        is_future(&ctrl_c);
    });
}

#[test]
fn signal_kind_names_its_signal() {
    assert_eq!(SignalKind::interrupt().as_raw_value(), libc::SIGINT);
    assert_eq!(SignalKind::terminate().as_raw_value(), libc::SIGTERM);
    assert_eq!(SignalKind::quit().as_raw_value(), libc::SIGQUIT);
    assert_eq!(SignalKind::user_defined2().as_raw_value(), libc::SIGUSR2);
    assert_eq!(format!("{:?}", SignalKind::terminate()), "SIGTERM");
    assert_eq!(format!("{:?}", SignalKind::from_raw(40)), "SignalKind(40)");
}
