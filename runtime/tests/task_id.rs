//! Task identity: `task::id()`, `try_id()`, names through `task::Builder`.

mod support;

use runtime::task::{self, yield_now, Builder};
use support::{block_on, expect_panic, Counter};

/// Inside a task, `id()` is the id its handle reports, stable across
/// yields and workers; tasks have distinct ids.
#[test]
fn id_inside_matches_the_handle() {
    block_on("id_matches", 2, || async {
        let mut handles = Vec::new();
        for _ in 0..50 {
            handles.push(runtime::spawn(async {
                let first = task::id();
                for _ in 0..5 {
                    yield_now().await;
                    assert_eq!(task::id(), first);
                }
                (first, task::try_id())
            }));
        }
        let mut seen = std::collections::HashSet::new();
        for h in handles {
            let expected = h.id();
            let (id, try_id) = h.await.unwrap();
            assert_eq!(id, expected);
            assert_eq!(try_id, Some(expected));
            assert!(seen.insert(id));
        }
        // block_on's future is not a task.
        assert_eq!(task::try_id(), None);
    });
}

/// Outside a task `id()` panics with advice; `try_id()` is `None`.
#[test]
fn id_outside_a_task_panics_with_advice() {
    assert_eq!(task::try_id(), None);
    let msg = expect_panic("task::id() outside a task", task::id);
    assert!(msg.contains("try_id"), "{msg}");
}

/// The id is available while a cancelled task's future is dropped.
#[test]
fn id_is_available_in_destructors_of_a_cancelled_task() {
    struct CheckId(Counter, std::sync::Arc<std::sync::Mutex<Option<task::Id>>>);
    impl Drop for CheckId {
        fn drop(&mut self) {
            *self.1.lock().unwrap() = task::try_id();
            self.0.incr();
        }
    }
    let drops = Counter::new();
    let drops2 = drops.clone();
    block_on("id_in_drop", 2, move || async move {
        let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
        let guard = CheckId(drops2.clone(), seen.clone());
        let (tx, rx) = futures_channel::oneshot::channel();
        let handle = runtime::spawn(async move {
            let _guard = guard;
            tx.send(()).unwrap();
            std::future::pending::<()>().await
        });
        rx.await.unwrap();
        let id = handle.id();
        handle.cancel();
        assert!(handle.await.unwrap_err().is_cancelled());
        assert_eq!(*seen.lock().unwrap(), Some(id));
    });
    assert_eq!(drops.get(), 1);
}

/// A named task sees its name; its panic's `JoinError` shows it; unnamed
/// tasks have none.
#[test]
fn names_show_inside_and_in_panic_messages() {
    block_on("names", 2, || async {
        let named = Builder::new().name("fetcher").spawn(async {
            yield_now().await;
            task::name().map(|n| n.to_string())
        });
        assert_eq!(named.await.unwrap().as_deref(), Some("fetcher"));

        let unnamed = runtime::spawn(async { task::name() });
        assert!(unnamed.await.unwrap().is_none());
        assert!(task::name().is_none());

        let panicking = Builder::new()
            .name(String::from("parser-3"))
            .spawn(async { panic!("bad token") });
        let id = panicking.id();
        let err = panicking.await.unwrap_err();
        assert!(err.is_panic());
        assert_eq!(err.name(), Some("parser-3"));
        assert_eq!(
            err.to_string(),
            format!("task {id} (\"parser-3\") panicked with message \"bad token\"")
        );
        // The original payload is intact.
        let payload = err.into_panic();
        assert_eq!(*payload.downcast::<&str>().unwrap(), "bad token");

        let blocking = Builder::new()
            .name("hasher")
            .spawn_blocking(|| -> u32 { panic!("disk error") });
        let err = blocking.await.unwrap_err();
        assert_eq!(err.name(), Some("hasher"));
        assert!(err.to_string().contains("disk error"));

        let handle = runtime::Handle::current();
        let on = Builder::new()
            .name("on-handle")
            .spawn_on(async { task::name().unwrap().len() }, &handle);
        assert_eq!(on.await.unwrap(), "on-handle".len());

        // An unnamed panicking task's message is unchanged.
        let plain = runtime::spawn(async { panic!("plain") });
        let id = plain.id();
        assert_eq!(
            plain.await.unwrap_err().to_string(),
            format!("task {id} panicked with message \"plain\"")
        );
    });
}
