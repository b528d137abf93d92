//! Slow-poll reports: a poll that runs longer than
//! [`Builder::slow_poll_threshold`](crate::Builder::slow_poll_threshold)
//! is logged and counted.
//!
//! A poll is supposed to return quickly; one that takes long has almost
//! always blocked the worker thread (a synchronous lock, file or network
//! call, `std::thread::sleep`, a long computation), and every other task
//! queued on that worker waited meanwhile. The report names the task (id,
//! name if it has one) and where it was spawned, so the culprit can be
//! found without a debugger.
//!
//! # Where reports go
//!
//! Through the [`log`](https://docs.rs/log) crate's facade, at level
//! `warn`, with target `runtime::slow_poll`. `log` is the lowest common
//! denominator: any logger (`env_logger`, `simple_logger`, ...) prints it,
//! and `tracing` subscribers receive it through `tracing-log`; with no
//! logger installed the report costs one relaxed load. Each slow poll is
//! also counted in the worker's
//! [`WorkerMetrics::slow_polls`](crate::metrics::WorkerMetrics::slow_polls).
//!
//! # Cost
//!
//! Off by default. When off, polls are not timed at all: tasks are not
//! wrapped and the worker's poll path is unchanged. When on, each task is
//! wrapped (see `tracked.rs`) and each poll reads the clock twice.

use super::tracked::TaskInfo;
use std::fmt;
use std::time::Duration;

/// The `log` target of slow-poll reports, for filtering.
pub(crate) const TARGET: &str = "runtime::slow_poll";

/// Logs and counts one slow poll of the task described by `info`.
pub(crate) fn report(info: &TaskInfo, took: Duration, threshold: Duration) {
    super::worker::with_any(|counters| counters.slow_polls.incr());
    log::warn!(
        target: TARGET,
        "slow poll: task {} took {:?} in one poll (threshold {:?}); spawned at {}. \
         A poll this long usually means blocking code in async code: move it to \
         `spawn_blocking`, or `.await` an async equivalent",
        TaskLabel(info),
        took,
        threshold,
        info.location,
    );
}

/// `id` or `id "name"`.
struct TaskLabel<'a>(&'a TaskInfo);

impl fmt::Display for TaskLabel<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.id())?;
        if let Some(name) = &self.0.name {
            write!(f, " {name:?}")?;
        }
        Ok(())
    }
}
