//! The task dump: a list of the runtime's live tasks, to find the one that
//! is stuck.

use super::tracked::{TaskInfo, TaskRegistry};
use crate::scheduler::Shared;
use crate::task::state::Snapshot;
use crate::task::Id;
use std::fmt;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

/// What a task is doing, read from its state word.
///
/// # Examples
///
/// ```
/// use runtime::metrics::TaskState;
/// assert_eq!(TaskState::Idle.to_string(), "idle");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskState {
    /// Waiting to be woken: no queue holds it and nobody polls it. A task
    /// that stays idle for long awaits something that does not happen.
    Idle,
    /// Woken, waiting in a run queue for a worker.
    Scheduled,
    /// Being polled right now. A task that stays running for long is
    /// blocking its worker thread.
    Running,
    /// Finished, about to leave the task list.
    Complete,
}

impl TaskState {
    fn from_snapshot(s: Snapshot) -> TaskState {
        if s.is_complete() {
            TaskState::Complete
        } else if s.is_running() {
            TaskState::Running
        } else if s.is_scheduled() {
            TaskState::Scheduled
        } else {
            TaskState::Idle
        }
    }
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            TaskState::Idle => "idle",
            TaskState::Scheduled => "scheduled",
            TaskState::Running => "running",
            TaskState::Complete => "complete",
        })
    }
}

/// One task of a [`TaskDump`].
///
/// `location`, `since_last_poll` and `polls` are only known with
/// [`Builder::enable_task_dump`](crate::Builder::enable_task_dump) (or a
/// [`slow_poll_threshold`](crate::Builder::slow_poll_threshold)), and
/// never for [`spawn_blocking`](crate::spawn_blocking) closures.
///
/// # Examples
///
/// Finding tasks that have waited for more than a minute:
///
/// ```
/// use runtime::metrics::TaskState;
/// use std::time::Duration;
///
/// let rt = runtime::Builder::new().enable_task_dump(true).build().unwrap();
/// let dump = rt.handle().dump();
/// for task in dump.tasks() {
///     let waited = task.since_last_poll.unwrap_or_default();
///     if task.state == TaskState::Idle && waited > Duration::from_secs(60) {
///         println!("task {} ({:?}) stuck since {waited:?}, spawned at {:?}",
///             task.id, task.name, task.location);
///     }
/// }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DumpedTask {
    /// The task's id (as [`JoinHandle::id`](crate::task::JoinHandle::id)).
    pub id: Id,
    /// The task's name, if it was given one.
    pub name: Option<String>,
    /// Where the task was spawned (the caller of `spawn`).
    pub location: Option<&'static Location<'static>>,
    /// What it is doing.
    pub state: TaskState,
    /// `cancel()` was called on it.
    pub cancelled: bool,
    /// How long ago its last poll began (for a running task: how long the
    /// current poll has been running). `None` if never polled or untracked.
    pub since_last_poll: Option<Duration>,
    /// How many times it was polled.
    pub polls: Option<u64>,
}

/// The live tasks of a runtime at one moment, from
/// [`Handle::dump`](crate::Handle::dump).
///
/// `Display` prints a table, one task a line, ordered by id (oldest
/// first). The snapshot is not atomic: each task's state is read on its
/// own, under its task-list shard's lock.
///
/// Without [`Builder::enable_task_dump`](crate::Builder::enable_task_dump),
/// a task joins the task list at the end of its first poll, if that poll
/// leaves it pending (the worker that polls it lists it: most short tasks
/// complete in their first poll and never take the list's locks). Until
/// then it is counted in [`unstarted`](Self::unstarted), not listed. Every
/// live task is listed or counted, a task ending its first poll during the
/// dump possibly both. With tracking on, every task is listed from its
/// spawn.
///
/// # Examples
///
/// ```
/// let rt = runtime::Builder::new().enable_task_dump(true).build().unwrap();
/// let stuck = rt.spawn(std::future::pending::<()>());
/// let dump = rt.handle().dump();
/// let task = dump.tasks().iter().find(|t| t.id == stuck.id()).unwrap();
/// assert!(task.location.unwrap().file().ends_with(".rs"));
/// println!("{dump}");
/// ```
#[derive(Debug, Clone)]
pub struct TaskDump {
    tasks: Vec<DumpedTask>,
    tracked: bool,
    unstarted: usize,
}

impl TaskDump {
    pub(crate) fn collect(shared: &Shared) -> TaskDump {
        let registry: Option<&TaskRegistry> = shared.metrics().registry.as_ref();
        // Before the list: a task listed meanwhile is then counted twice
        // rather than not at all.
        let unstarted = shared.num_unstarted();
        let mut listed: Vec<(Id, Snapshot, Option<Arc<TaskInfo>>)> = Vec::new();
        // The registry entry is taken while the task is listed (a table
        // shard's lock inside a list shard's: nothing takes them the other
        // way round), so a task completing meanwhile cannot lose its entry
        // between the two reads. The rest is done after the locks.
        shared.for_each_task(|task| {
            let header = task.header();
            let info = registry.and_then(|r| r.get(header.id));
            listed.push((header.id, header.state.load(), info));
        });
        listed.sort_by_key(|(id, _, _)| *id);
        let tasks = listed
            .into_iter()
            .map(|(id, state, info)| DumpedTask {
                id,
                name: info
                    .as_ref()
                    .and_then(|i| i.name.as_deref().map(Into::into)),
                location: info.as_ref().map(|i| i.location),
                state: TaskState::from_snapshot(state),
                cancelled: state.is_cancelled(),
                since_last_poll: info.as_ref().and_then(|i| i.since_last_poll()),
                polls: info.as_ref().map(|i| i.polls()),
            })
            .collect();
        TaskDump {
            tasks,
            tracked: registry.is_some(),
            unstarted,
        }
    }

    /// Live tasks whose first poll had not ended yet (queued, or in it),
    /// so not in [`tasks`](Self::tasks) (see above); always 0 with
    /// [`Builder::enable_task_dump`](crate::Builder::enable_task_dump).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = runtime::Builder::new().worker_threads(1).build().unwrap();
    /// let (tx, rx) = std::sync::mpsc::channel::<()>();
    /// // The one worker blocks (as a task must not) until we are done.
    /// let blocker = rt.spawn(async move { rx.recv().ok() });
    /// let queued = rt.spawn(async {});
    /// let dump = rt.handle().dump();
    /// // `queued` waits behind the blocker, which is in its first poll:
    /// // neither is listed.
    /// assert!(dump.get(queued.id()).is_none());
    /// assert!(dump.get(blocker.id()).is_none());
    /// assert!(dump.unstarted() >= 1);
    /// drop(tx);
    /// rt.block_on(queued).unwrap();
    /// rt.block_on(blocker).unwrap();
    /// ```
    pub fn unstarted(&self) -> usize {
        self.unstarted
    }

    /// The tasks, ordered by id.
    pub fn tasks(&self) -> &[DumpedTask] {
        &self.tasks
    }

    /// The entry of the task with this id, if it was live.
    pub fn get(&self, id: Id) -> Option<&DumpedTask> {
        self.tasks
            .binary_search_by_key(&id, |t| t.id)
            .ok()
            .map(|i| &self.tasks[i])
    }
}

impl fmt::Display for TaskDump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} live task(s){}{}",
            self.tasks.len(),
            if self.unstarted > 0 {
                format!(", and {} not through their first poll yet", self.unstarted)
            } else {
                String::new()
            },
            if self.tracked {
                ""
            } else {
                " (spawn locations and poll times need Builder::enable_task_dump)"
            }
        )?;
        let name_width = self
            .tasks
            .iter()
            .filter_map(|t| t.name.as_ref().map(|n| n.chars().count()))
            .max()
            .unwrap_or(0)
            .max(4);
        writeln!(
            f,
            "{:>8}  {:<name_width$}  {:<10} {:>12} {:>8}  spawned at",
            "id", "name", "state", "last poll", "polls"
        )?;
        for t in &self.tasks {
            let state = if t.cancelled {
                format!("{}*", t.state)
            } else {
                t.state.to_string()
            };
            let since = match t.since_last_poll {
                Some(d) => format!("{d:.1?} ago"),
                None => "-".to_owned(),
            };
            let polls = t.polls.map_or_else(|| "-".to_owned(), |p| p.to_string());
            let location = t.location.map_or_else(|| "-".to_owned(), |l| l.to_string());
            writeln!(
                f,
                "{:>8}  {:<name_width$}  {:<10} {:>12} {:>8}  {}",
                t.id,
                t.name.as_deref().unwrap_or("-"),
                state,
                since,
                polls,
                location
            )?;
        }
        if self.tasks.iter().any(|t| t.cancelled) {
            writeln!(f, "(* cancel requested)")?;
        }
        Ok(())
    }
}
