//! `task::scope` / `TaskGroup`: asyncio.TaskGroup semantics. Children all
//! finish before the scope returns; the first failure cancels the rest and
//! is the result; a cancelled parent waits for its children.

mod support;

use futures_channel::oneshot;
use runtime::task::{self, catch_cancel, yield_now, TaskGroup};
use support::{block_on, expect_panic, Counter, Flag, NotifyOnDrop};

/// The scope returns the body's value, and only after every child finished.
#[test]
fn scope_waits_for_every_child() {
    block_on("group_waits", 2, || async {
        let done = Counter::new();
        let done2 = done.clone();
        let out = task::scope(|group: TaskGroup<()>| async move {
            for _ in 0..100 {
                let done = done2.clone();
                group.spawn(async move {
                    for _ in 0..5 {
                        yield_now().await;
                    }
                    done.incr();
                    Ok(())
                });
            }
            Ok(7)
        })
        .await;
        assert_eq!(out.unwrap(), 7);
        assert_eq!(done.get(), 100, "the scope returned before its children");
    });
}

/// The first child error cancels the siblings; those in `catch_cancel` run
/// their asynchronous cleanup, and the scope returns only after it, with
/// that error.
#[test]
fn first_error_cancels_siblings_and_waits_for_their_cleanup() {
    block_on("group_first_error", 2, || async {
        let cleaned = Counter::new();
        let cleaned2 = cleaned.clone();
        let err = task::scope(|group: TaskGroup<&'static str>| async move {
            let mut started = Vec::new();
            for _ in 0..10 {
                let (tx, rx) = oneshot::channel();
                started.push(rx);
                let cleaned = cleaned2.clone();
                group.spawn(async move {
                    tx.send(()).unwrap();
                    if catch_cancel(std::future::pending::<()>()).await.is_err() {
                        for _ in 0..3 {
                            yield_now().await;
                        }
                        cleaned.incr();
                    }
                    Ok(())
                });
            }
            for rx in started {
                rx.await.unwrap();
            }
            group.spawn(async { Err("first") });
            Ok(())
        })
        .await
        .unwrap_err();
        assert!(err.is_error());
        assert!(!err.is_panic() && !err.is_cancelled());
        assert_eq!(err.into_error(), Some("first"));
        assert_eq!(cleaned.get(), 10, "siblings' cleanup must finish first");
    });
}

/// A child's panic is a failure: siblings are cancelled and the panic's
/// `JoinError` comes back.
#[test]
fn child_panic_fails_the_group() {
    block_on("group_panic", 2, || async {
        let dropped = Counter::new();
        let dropped2 = dropped.clone();
        let err = task::scope(|group: TaskGroup<String>| async move {
            let guard = dropped2.guard();
            group.spawn(async move {
                let _guard = guard;
                std::future::pending().await
            });
            group.spawn(async { panic!("child exploded") });
            Ok(())
        })
        .await
        .unwrap_err();
        assert!(err.is_panic());
        assert!(err.to_string().contains("child exploded"), "{err}");
        assert!(err.into_join_error().unwrap().is_panic());
        assert_eq!(dropped.get(), 1, "the sibling was cancelled and dropped");
    });
}

/// The body's error cancels the children; a body that fails is dropped
/// when a child fails first.
#[test]
fn body_error_cancels_children_and_child_error_drops_body() {
    block_on("group_body", 2, || async {
        let dropped = Counter::new();
        let dropped2 = dropped.clone();
        let err = task::scope(|group: TaskGroup<String>| async move {
            let guard = dropped2.guard();
            group.spawn(async move {
                let _guard = guard;
                std::future::pending().await
            });
            yield_now().await;
            Err::<(), _>("body failed".to_string())
        })
        .await
        .unwrap_err();
        assert_eq!(err.into_error().as_deref(), Some("body failed"));
        assert_eq!(dropped.get(), 1);

        // A child fails while the body waits: the body is dropped.
        let body_dropped = Counter::new();
        let body_guard = body_dropped.guard();
        let err = task::scope(|group: TaskGroup<u8>| async move {
            let _guard = body_guard;
            group.spawn(async { Err(3) });
            std::future::pending::<Result<(), u8>>().await
        })
        .await
        .unwrap_err();
        assert_eq!(err.into_error(), Some(3));
        assert_eq!(body_dropped.get(), 1);
    });
}

/// Cancelling the task that awaits the scope cancels the children and
/// waits for their cleanup: when the parent's handle resolves (cancelled),
/// every child has finished. The parent sees `is_cancelled`, and the
/// cancellation is re-delivered at its next await.
#[test]
fn cancelling_the_parent_cancels_and_awaits_children() {
    let cleaned = Counter::new();
    let cleaned2 = cleaned.clone();
    let saw_cancelled = Flag::new();
    let saw_cancelled2 = saw_cancelled.clone();
    let after_pending = Flag::new();
    let after_pending2 = after_pending.clone();
    block_on("group_parent_cancel", 2, move || async move {
        let (ready_tx, ready_rx) = oneshot::channel();
        let cleaned3 = cleaned2.clone();
        let parent = runtime::spawn(async move {
            let result = task::scope(|group: TaskGroup<()>| async move {
                let mut started = Vec::new();
                for _ in 0..10 {
                    let (tx, rx) = oneshot::channel();
                    started.push(rx);
                    let cleaned = cleaned3.clone();
                    group.spawn(async move {
                        tx.send(()).unwrap();
                        if catch_cancel(std::future::pending::<()>()).await.is_err() {
                            for _ in 0..5 {
                                yield_now().await;
                            }
                            cleaned.incr();
                        }
                        Ok(())
                    });
                }
                for rx in started {
                    rx.await.unwrap();
                }
                ready_tx.send(()).unwrap();
                std::future::pending::<Result<(), ()>>().await
            })
            .await;
            if result.unwrap_err().is_cancelled() {
                saw_cancelled2.set();
            }
            // The cancellation is re-armed: this await ends the task.
            yield_now().await;
            after_pending2.set();
        });
        ready_rx.await.unwrap();
        parent.cancel();
        let err = parent.await.unwrap_err();
        assert!(err.is_cancelled());
        assert_eq!(cleaned2.get(), 10, "the parent ended before its children");
    });
    assert!(saw_cancelled.get());
    assert!(
        !after_pending.get(),
        "the re-armed cancellation was not delivered"
    );
}

/// The re-delivered cancellation reaches an enclosing `catch_cancel` in the
/// parent, which can then clean up.
#[test]
fn parent_cancellation_is_redelivered_to_an_outer_catch_cancel() {
    block_on("group_parent_redeliver", 2, || async {
        let (ready_tx, ready_rx) = oneshot::channel();
        let parent = runtime::spawn(async move {
            let outer = catch_cancel(async move {
                let r = task::scope(|group: TaskGroup<()>| async move {
                    group.spawn(std::future::pending());
                    ready_tx.send(()).unwrap();
                    std::future::pending::<Result<(), ()>>().await
                })
                .await;
                assert!(r.unwrap_err().is_cancelled());
                std::future::pending::<()>().await; // delivery lands here
            })
            .await;
            outer.is_err()
        });
        ready_rx.await.unwrap();
        parent.cancel();
        // The outer frame caught it, so the task ran on; it is still
        // reported cancelled (rule 6).
        assert!(parent.await.unwrap_err().is_cancelled());
    });
}

/// Dropping the scope future early cancels the children (it cannot wait
/// for them).
#[test]
fn dropping_the_scope_cancels_children() {
    block_on("group_drop", 2, || async {
        let (notify, dropped) = NotifyOnDrop::new();
        let (started_tx, started_rx) = oneshot::channel();
        let scope = task::scope(|group: TaskGroup<()>| async move {
            group.spawn(async move {
                let _notify = notify;
                started_tx.send(()).unwrap();
                std::future::pending().await
            });
            std::future::pending::<Result<(), ()>>().await
        });
        match futures::future::select(Box::pin(scope), started_rx).await {
            futures::future::Either::Right((_, scope)) => drop(scope),
            futures::future::Either::Left(_) => unreachable!("the scope cannot complete"),
        }
        // Resolves once the child's future was dropped (a hang would fail
        // the watchdog).
        dropped.await.unwrap();
    });
}

/// Children may spawn siblings; the scope waits for them too. A handle
/// used after its scope completed panics with a message.
#[test]
fn grandchildren_and_spawn_after_completion() {
    block_on("group_grandchildren", 2, || async {
        let done = Counter::new();
        let done2 = done.clone();
        let (keep_tx, keep_rx) = oneshot::channel();
        task::scope(|group: TaskGroup<()>| async move {
            let inner = group.clone();
            keep_tx.send(group.clone()).unwrap();
            group.spawn(async move {
                for _ in 0..10 {
                    let done = done2.clone();
                    inner.spawn(async move {
                        yield_now().await;
                        done.incr();
                        Ok(())
                    });
                }
                Ok(())
            });
            Ok(())
        })
        .await
        .unwrap();
        assert_eq!(done.get(), 10);
        let kept = keep_rx.await.unwrap();
        let msg = expect_panic("spawn after the scope", || {
            kept.spawn(async { Ok(()) });
        });
        assert!(msg.contains("already completed"), "{msg}");
    });
}

/// While the group aborts, new children are not started.
#[test]
fn spawn_while_aborting_is_refused() {
    block_on("group_aborting", 2, || async {
        let refused = Flag::new();
        let refused2 = refused.clone();
        let err = task::scope(|group: TaskGroup<()>| async move {
            let g = group.clone();
            group.spawn(async move {
                // Wait to be cancelled by the failure, then try to spawn.
                let _ = catch_cancel(std::future::pending::<()>()).await;
                if g.spawn(async { Ok(()) }).is_none() {
                    refused2.set();
                }
                Ok(())
            });
            yield_now().await;
            group.spawn(async { Err(()) });
            Ok(())
        })
        .await
        .unwrap_err();
        assert!(err.is_error());
        assert!(refused.get());
    });
}

/// The body runs inside the calling task, so it may borrow the caller's
/// locals (children, being tasks, may not).
#[test]
fn the_body_may_borrow_locals() {
    block_on("group_borrow", 1, || async {
        let mut log = Vec::new();
        let log_ref = &mut log;
        task::scope(|group: TaskGroup<()>| async move {
            group.spawn(async { Ok(()) });
            log_ref.push("body ran");
            Ok(())
        })
        .await
        .unwrap();
        assert_eq!(log, ["body ran"]);
    });
}

/// Nested groups under a cancelled parent: the inner group takes the
/// cancellation first, waits for its children, re-arms it; the outer group
/// then takes it and waits for its own. The parent ends after all of them.
#[test]
fn nested_groups_under_a_cancelled_parent_wait_for_everything() {
    async fn cleaning_child(cleaned: Counter, started: oneshot::Sender<()>) -> Result<(), ()> {
        started.send(()).unwrap();
        if catch_cancel(std::future::pending::<()>()).await.is_err() {
            for _ in 0..3 {
                yield_now().await;
            }
            cleaned.incr();
        }
        Ok(())
    }
    let cleaned = Counter::new();
    let cleaned2 = cleaned.clone();
    block_on("group_nested_cancel", 2, move || async move {
        let (outer_tx, outer_rx) = oneshot::channel();
        let (inner_tx, inner_rx) = oneshot::channel();
        let c = cleaned2.clone();
        let parent = runtime::spawn(async move {
            let outer = task::scope(|outer: TaskGroup<()>| async move {
                outer.spawn(cleaning_child(c.clone(), outer_tx));
                let inner = task::scope(|inner: TaskGroup<()>| async move {
                    inner.spawn(cleaning_child(c, inner_tx));
                    std::future::pending::<Result<(), ()>>().await
                })
                .await;
                // Propagate the inner group's cancellation.
                inner.map_err(|_| ())
            })
            .await;
            // The body propagated the inner group's error: that is the
            // outer group's first failure.
            assert!(outer.unwrap_err().is_error());
            yield_now().await; // the re-armed cancellation lands here
            unreachable!("the cancellation was not re-delivered");
        });
        outer_rx.await.unwrap();
        inner_rx.await.unwrap();
        parent.cancel();
        assert!(parent.await.unwrap_err().is_cancelled());
        assert_eq!(
            cleaned2.get(),
            2,
            "the parent ended before a child's cleanup"
        );
    });
}
