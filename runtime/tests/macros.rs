//! Tests of the expansion of `#[runtime::main]` and `#[runtime::test]`: what
//! the attributes accept, and how the body behaves once expanded.
//!
//! The misuses that must not compile are in `macros_ui.rs`.

use std::error::Error;
use std::num::ParseIntError;

/// A re-export of the runtime crate, for the `crate` argument.
mod reexport {
    pub use runtime as rt;
}

#[runtime::test]
async fn test_without_output() {
    assert_eq!(async { 1 + 1 }.await, 2);
}

#[runtime::test(worker_threads = 2)]
async fn test_with_worker_threads() {
    assert_eq!(async { 2 * 2 }.await, 4);
}

#[runtime::test(flavor = "current_thread")]
async fn test_on_the_current_thread_flavor() {
    // Every task runs on the test's own thread; `spawn_local` works here.
    let here = std::thread::current().id();
    let there = runtime::spawn(async { std::thread::current().id() })
        .await
        .unwrap();
    assert_eq!(here, there);
    let rc = std::rc::Rc::new(5);
    assert_eq!(
        runtime::task::spawn_local(async move { *rc })
            .await
            .unwrap(),
        5
    );
    assert_eq!(runtime::Handle::current().metrics().num_workers(), 1);
}

#[runtime::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_on_the_multi_thread_flavor() {
    assert_eq!(runtime::Handle::current().metrics().num_workers(), 2);
}

#[runtime::main(flavor = "current_thread", start_paused = true)]
async fn current_thread_paused_main() -> std::time::Duration {
    let start = runtime::time::now();
    runtime::time::sleep(std::time::Duration::from_secs(3600)).await;
    runtime::time::now() - start
}

#[test]
fn main_attribute_with_the_current_thread_flavor() {
    let waited = current_thread_paused_main();
    // The paused clock jumped: an hour in the runtime's time, at once.
    assert_eq!(waited, std::time::Duration::from_secs(3600));
}

#[runtime::test]
async fn test_returning_result() -> Result<(), ParseIntError> {
    let n: u8 = "7".parse()?;
    assert_eq!(n, 7);
    Ok(())
}

#[runtime::test]
#[should_panic(expected = "boom")]
async fn test_keeps_other_attributes() {
    panic!("boom");
}

#[runtime::test(crate = "crate::reexport::rt")]
async fn test_with_crate_path() {}

#[runtime::test]
async fn test_body_is_an_async_move_block() {
    // The body owns what it captures, as an `async fn`'s body would.
    let text = String::from("moved");
    let future = async move { text };
    assert_eq!(future.await, "moved");
}

/// `return` and `?` leave the body, as in the original `async fn`.
#[runtime::main]
async fn early_return(input: &str) -> Result<u32, Box<dyn Error>> {
    if input.is_empty() {
        return Ok(0);
    }
    let n: u32 = input.parse()?;
    Ok(n + 1)
}

/// Parameters named like the expansion's locals do not clash with them.
#[runtime::main(worker_threads = 1, crate = "::runtime")]
pub async fn hygiene(body: u32, runtime: u32) -> u32 {
    #![allow(clippy::needless_return)]
    return body + runtime;
}

/// Generic parameters are allowed on functions other than `main`.
#[runtime::main]
async fn generic<T: Into<u64>>(value: T) -> u64 {
    value.into() * 2
}

#[test]
fn main_attribute_on_other_functions() {
    assert_eq!(early_return("").unwrap(), 0);
    assert_eq!(early_return("41").unwrap(), 42);
    assert!(early_return("x").is_err());
    assert_eq!(hygiene(1, 2), 3);
    assert_eq!(generic(21u8), 42);
}
