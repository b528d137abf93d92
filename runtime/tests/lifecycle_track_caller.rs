//! Issue 11, item 10: panicking accessors report the caller's location
//! (`#[track_caller]`), not the runtime's. A panic hook records where each
//! panic was raised, so this file holds nothing else.

use std::sync::{Arc, Mutex};

#[test]
fn panicking_accessors_report_the_callers_location() {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let hook_seen = seen.clone();
    std::panic::set_hook(Box::new(move |info| {
        if let Some(location) = info.location() {
            hook_seen.lock().unwrap().push(location.file().to_owned());
        }
    }));

    let rt = runtime::Runtime::new().unwrap();
    let task = rt.spawn(std::future::pending::<()>());
    task.cancel();
    let err = rt.block_on(task).unwrap_err();
    assert!(err.is_cancelled());
    let into_panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| err.into_panic()));
    assert!(into_panic.is_err());

    let id = std::panic::catch_unwind(|| runtime::task::id());
    assert!(id.is_err());
    let current = std::panic::catch_unwind(|| runtime::Handle::current());
    assert!(current.is_err());

    let _ = std::panic::take_hook();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3, "{seen:?}");
    for file in seen.iter() {
        assert!(
            file.ends_with("lifecycle_track_caller.rs"),
            "a panic was reported at {file}, not at the caller"
        );
    }
}
