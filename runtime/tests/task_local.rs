//! Task-local values: `task_local!`, `scope`, `with`, `try_with`,
//! `inherit`, `sync_scope`.

mod support;

use runtime::task::{self, yield_now};
use support::{block_on, expect_panic, Counter};

runtime::task_local! {
    static REQUEST: u64;
    static USER: String;
}

/// The value follows its future across yields and workers, and many
/// concurrent tasks each see only their own.
#[test]
fn each_task_sees_its_own_value_across_yields() {
    block_on("local_own_value", 2, || async {
        let mismatches = Counter::new();
        let mut handles = Vec::new();
        for i in 0..200u64 {
            let mismatches = mismatches.clone();
            handles.push(runtime::spawn(REQUEST.scope(i, async move {
                for _ in 0..20 {
                    if REQUEST.get() != i {
                        mismatches.incr();
                    }
                    yield_now().await;
                }
                REQUEST.get()
            })));
        }
        for (i, h) in handles.into_iter().enumerate() {
            assert_eq!(h.await.unwrap(), i as u64);
        }
        assert_eq!(mismatches.get(), 0);
        // Not set outside any scope, even on the thread that polled them.
        assert!(REQUEST.try_with(|_| ()).is_err());
    });
}

/// An inner scope shadows the outer one and restores it afterwards; keys
/// are independent.
#[test]
fn nested_scopes_shadow_and_restore() {
    block_on("local_nested", 1, || async {
        REQUEST
            .scope(1, async {
                USER.scope("ada".to_string(), async {
                    assert_eq!(REQUEST.get(), 1);
                    let inner = REQUEST
                        .scope(2, async {
                            yield_now().await;
                            REQUEST.get()
                        })
                        .await;
                    assert_eq!(inner, 2);
                    assert_eq!(REQUEST.get(), 1);
                    assert_eq!(USER.with(|u| u.clone()), "ada");
                })
                .await;
                assert!(USER.try_with(|_| ()).is_err());
            })
            .await;
        let v = REQUEST.sync_scope(9, || REQUEST.get());
        assert_eq!(v, 9);
        assert!(REQUEST.try_with(|_| ()).is_err());
    });
}

/// A spawned task does not inherit values implicitly; `inherit` carries a
/// clone of the current value (or its absence).
#[test]
fn spawned_tasks_inherit_only_explicitly() {
    block_on("local_inherit", 2, || async {
        USER.scope("grace".to_string(), async {
            let implicit = runtime::spawn(async { USER.try_with(|u| u.clone()).ok() });
            assert_eq!(implicit.await.unwrap(), None);
            let explicit = runtime::spawn(USER.inherit(async {
                yield_now().await;
                USER.get()
            }));
            assert_eq!(explicit.await.unwrap(), "grace");
        })
        .await;
        // Inheriting an unset value: the child sees it unset.
        let none = runtime::spawn(USER.inherit(async { USER.try_with(|_| ()).is_err() }));
        assert!(none.await.unwrap());
    });
}

/// The value is in scope while a cancelled task's future is dropped, so
/// destructors can use it.
#[test]
fn value_is_set_while_the_future_is_dropped() {
    struct ReadOnDrop(Counter);
    impl Drop for ReadOnDrop {
        fn drop(&mut self) {
            if REQUEST.try_with(|v| *v) == Ok(77) {
                self.0.incr();
            }
        }
    }
    let seen = Counter::new();
    let seen2 = seen.clone();
    block_on("local_drop", 2, move || async move {
        let (tx, rx) = futures_channel::oneshot::channel();
        let guard = ReadOnDrop(seen2.clone());
        let handle = runtime::spawn(REQUEST.scope(77, async move {
            let _guard = guard;
            tx.send(()).unwrap();
            std::future::pending::<()>().await
        }));
        rx.await.unwrap();
        handle.cancel();
        assert!(handle.await.unwrap_err().is_cancelled());
    });
    assert_eq!(seen.get(), 1);
}

/// `with` outside a scope panics with a message that says what to do.
#[test]
fn with_outside_a_scope_panics_with_advice() {
    let msg = expect_panic("REQUEST.with outside a scope", || REQUEST.with(|v| *v));
    assert!(msg.contains("scope(value, future)"), "{msg}");
    assert!(task::try_id().is_none());
}
