//! The job service's core: the state machine ([`state`]), the registry of jobs and the
//! nodes that use them ([`registry`]), and when the graph must run again ([`requeue`]).
//! Plain Rust with an injected clock.

pub mod registry;
pub mod requeue;
pub mod state;

pub use registry::{
    Job, Millis, Registry, RegistryError, SavedJob, Transition, DEFAULT_MAX_AGE_MS,
};
pub use state::JobState;

/// A new job id: `job-` and 16 hex digits from `random`, which must be uniform over `u64`.
pub fn new_job_id(random: u64) -> String {
    format!("job-{random:016x}")
}
