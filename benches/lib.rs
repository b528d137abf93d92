//! Criterion benchmarks comparing this runtime with Tokio and async-executor.
