//! Runnable examples of the runtime: see the `[[example]]` targets.
