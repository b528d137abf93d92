//! Compile-fail tests for `#[runtime::main]` and `#[runtime::test]`: each
//! misuse must be a compile error pointing at the offending tokens.
//!
//! Regenerate the `.stderr` snapshots with
//! `TRYBUILD=overwrite cargo test -p runtime --test macros_ui`.

#[test]
fn compile_fail() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
