//! The registry of jobs: their state, attempts, results and errors, which node uses which
//! job, the "must this node run again?" token and the cleanup sweep.
//!
//! Plain data with an injected clock: every method that needs the time takes `now` in
//! milliseconds since the Unix epoch. It sends nothing and sets no timer.

use super::state::JobState;
use crate::error::JobError;
use crate::pipelines::{JobOutput, Pipeline};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::fmt;

/// Milliseconds since the Unix epoch, as `Date.now()` gives them.
pub type Millis = f64;

/// How long a finished job that no node uses is kept before a sweep removes it: one hour.
pub const DEFAULT_MAX_AGE_MS: Millis = 60.0 * 60.0 * 1000.0;

/// One job and everything the service knows about it.
#[derive(Clone, Debug)]
pub struct Job {
    /// The job's id, unique within the service.
    pub id: String,
    /// The pipeline the job runs.
    pub pipeline: Pipeline,
    /// Where the job stands.
    pub state: JobState,
    /// How many requests have been started for the job (1 for the first attempt).
    pub attempt: u32,
    /// When the job was registered.
    pub created_at: Millis,
    /// When the job last changed state.
    pub updated_at: Millis,
    /// When the next attempt starts, while the job waits between attempts.
    pub retry_at: Option<Millis>,
    /// The gateway's id of a job it runs asynchronously, to poll with.
    pub request_id: Option<String>,
    /// The result, once the job completed.
    pub output: Option<JobOutput>,
    /// The error, once the job failed, was cancelled or was interrupted.
    pub error: Option<JobError>,
    nodes: HashSet<String>,
}

impl Job {
    /// The nodes that use this job, in no particular order.
    pub fn nodes(&self) -> impl Iterator<Item = &str> {
        self.nodes.iter().map(String::as_str)
    }

    /// Milliseconds from registration to `now`, or to the end if the job has ended.
    pub fn elapsed_ms(&self, now: Millis) -> Millis {
        let end = if self.state.is_terminal() { self.updated_at } else { now };
        (end - self.created_at).max(0.0)
    }
}

/// What is saved of a job to bring it back after a page reload (its output and files
/// are saved by the browser layer beside it).
#[derive(Clone, Debug, PartialEq)]
pub struct SavedJob {
    /// The job's id.
    pub id: String,
    /// Its pipeline.
    pub pipeline: Pipeline,
    /// Its state when saved.
    pub state: JobState,
    /// Its attempt count.
    pub attempt: u32,
    /// When it was registered.
    pub created_at: Millis,
    /// When it last changed state.
    pub updated_at: Millis,
    /// The gateway's id of an async job.
    pub request_id: Option<String>,
    /// Its error, if it ended with one.
    pub error: Option<JobError>,
    /// The nodes that used it.
    pub nodes: Vec<String>,
}

impl Job {
    /// What to save of this job.
    pub fn saved(&self) -> SavedJob {
        SavedJob {
            id: self.id.clone(),
            pipeline: self.pipeline,
            state: self.state,
            attempt: self.attempt,
            created_at: self.created_at,
            updated_at: self.updated_at,
            request_id: self.request_id.clone(),
            error: self.error.clone(),
            nodes: self.nodes.iter().cloned().collect(),
        }
    }
}

/// One change of a job's state: what the event stream and the debug log report.
#[derive(Clone, Debug, PartialEq)]
pub struct Transition {
    /// The job that changed.
    pub job_id: String,
    /// The job's pipeline.
    pub pipeline: Pipeline,
    /// The state before, or `None` when the job was just registered.
    pub from: Option<JobState>,
    /// The state after.
    pub to: JobState,
    /// The job's attempt count at the change.
    pub attempt: u32,
    /// Milliseconds since the job was registered.
    pub elapsed_ms: Millis,
    /// The error, when the job moved to failed, cancelled or interrupted.
    pub error: Option<JobError>,
}

/// A misuse of the registry. Each one is a bug in the caller, never a user error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistryError {
    /// No job has this id (it never existed or was swept).
    UnknownJob(String),
    /// A job with this id is already registered.
    DuplicateJob(String),
    /// The state machine does not allow this move.
    IllegalTransition {
        /// The job that was asked to move.
        job_id: String,
        /// Its state.
        from: JobState,
        /// The state it was asked to move to.
        to: JobState,
    },
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegistryError::UnknownJob(id) => write!(f, "no job has the id \"{id}\""),
            RegistryError::DuplicateJob(id) => write!(f, "a job with the id \"{id}\" exists"),
            RegistryError::IllegalTransition { job_id, from, to } => {
                write!(f, "job {job_id} cannot move from {} to {}", from.as_str(), to.as_str())
            }
        }
    }
}

impl std::error::Error for RegistryError {}

/// All jobs of one service, indexed by id and by node.
#[derive(Debug, Default)]
pub struct Registry {
    jobs: HashMap<String, Job>,
    node_jobs: HashMap<String, String>,
    change_counter: u64,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    /// How many jobs are held.
    pub fn len(&self) -> usize {
        self.jobs.len()
    }

    /// True when no job is held.
    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    /// Registers a queued job. Fails if the id is taken.
    pub fn register(
        &mut self,
        id: &str,
        pipeline: Pipeline,
        now: Millis,
    ) -> Result<Transition, RegistryError> {
        if self.jobs.contains_key(id) {
            return Err(RegistryError::DuplicateJob(id.to_string()));
        }
        let job = Job {
            id: id.to_string(),
            pipeline,
            state: JobState::Queued,
            attempt: 0,
            created_at: now,
            updated_at: now,
            retry_at: None,
            request_id: None,
            output: None,
            error: None,
            nodes: HashSet::default(),
        };
        self.jobs.insert(id.to_string(), job);
        Ok(Transition {
            job_id: id.to_string(),
            pipeline,
            from: None,
            to: JobState::Queued,
            attempt: 0,
            elapsed_ms: 0.0,
            error: None,
        })
    }

    /// The job with this id.
    pub fn job(&self, id: &str) -> Option<&Job> {
        self.jobs.get(id)
    }

    /// The job the node uses, found in O(1).
    pub fn job_of_node(&self, node: &str) -> Option<&Job> {
        self.node_jobs.get(node).and_then(|id| self.jobs.get(id))
    }

    /// Makes `node` use `job_id`. A node holds at most one job: the job it used before,
    /// if different, is released and its id returned.
    pub fn attach(&mut self, node: &str, job_id: &str) -> Result<Option<String>, RegistryError> {
        let job = self
            .jobs
            .get_mut(job_id)
            .ok_or_else(|| RegistryError::UnknownJob(job_id.to_string()))?;
        job.nodes.insert(node.to_string());
        let previous = self.node_jobs.insert(node.to_string(), job_id.to_string());
        match previous {
            Some(old) if old != job_id => {
                if let Some(old_job) = self.jobs.get_mut(&old) {
                    old_job.nodes.remove(node);
                }
                Ok(Some(old))
            }
            _ => Ok(None),
        }
    }

    /// Forgets `node`: its job, if any, no longer counts it as a user. Returns that job's
    /// id. The job itself stays until a sweep finds it finished and unused.
    pub fn release_node(&mut self, node: &str) -> Option<String> {
        let job_id = self.node_jobs.remove(node)?;
        if let Some(job) = self.jobs.get_mut(&job_id) {
            job.nodes.remove(node);
        }
        Some(job_id)
    }

    /// Moves a job to `to`, if the state machine allows it.
    pub fn transition(
        &mut self,
        id: &str,
        to: JobState,
        now: Millis,
    ) -> Result<Transition, RegistryError> {
        let job = self.job_mut(id)?;
        let from = job.state;
        if !from.can_move_to(to) {
            return Err(RegistryError::IllegalTransition { job_id: id.to_string(), from, to });
        }
        job.state = to;
        job.updated_at = now;
        job.retry_at = None;
        if to == JobState::Queued {
            job.error = None;
            job.attempt = 0;
        }
        Ok(Transition {
            job_id: job.id.clone(),
            pipeline: job.pipeline,
            from: Some(from),
            to,
            attempt: job.attempt,
            elapsed_ms: job.elapsed_ms(now),
            error: job.error.clone(),
        })
    }

    /// Counts a new attempt and returns its number (1 for the first). The job must be
    /// submitting or running.
    pub fn start_attempt(&mut self, id: &str) -> Result<u32, RegistryError> {
        let job = self.job_mut(id)?;
        if !matches!(job.state, JobState::Submitting | JobState::Running) {
            let (from, job_id) = (job.state, id.to_string());
            return Err(RegistryError::IllegalTransition {
                job_id,
                from,
                to: JobState::Submitting,
            });
        }
        job.attempt += 1;
        job.retry_at = None;
        Ok(job.attempt)
    }

    /// Records the gateway's id of a job it accepted for asynchronous processing.
    pub fn set_request_id(&mut self, id: &str, request_id: &str) -> Result<(), RegistryError> {
        self.job_mut(id)?.request_id = Some(request_id.to_string());
        Ok(())
    }

    /// Puts back a job saved before a page reload, with the nodes that used it. A job
    /// that was queued or submitting had its request cut by the reload: it comes back
    /// `interrupted` (with `error`) and the change is returned. A `running` job keeps
    /// running only if it has a request id to poll with; otherwise it is interrupted
    /// too. Fails if the id is taken.
    pub fn restore(
        &mut self,
        saved: SavedJob,
        error: JobError,
        now: Millis,
    ) -> Result<Option<Transition>, RegistryError> {
        if self.jobs.contains_key(&saved.id) {
            return Err(RegistryError::DuplicateJob(saved.id));
        }
        let cut = match saved.state {
            JobState::Queued | JobState::Submitting => true,
            JobState::Running => saved.request_id.is_none(),
            _ => false,
        };
        let id = saved.id.clone();
        let job = Job {
            id: saved.id,
            pipeline: saved.pipeline,
            state: saved.state,
            attempt: saved.attempt,
            created_at: saved.created_at,
            updated_at: saved.updated_at,
            retry_at: None,
            request_id: saved.request_id,
            output: None,
            error: saved.error,
            nodes: HashSet::default(),
        };
        self.jobs.insert(id.clone(), job);
        for node in &saved.nodes {
            self.attach(node, &id)?;
        }
        if !cut {
            return Ok(None);
        }
        let job = self.job_mut(&id)?;
        let from = std::mem::replace(&mut job.state, JobState::Interrupted);
        job.error = Some(error);
        job.updated_at = now;
        Ok(Some(Transition {
            job_id: id.clone(),
            pipeline: job.pipeline,
            from: Some(from),
            to: JobState::Interrupted,
            attempt: job.attempt,
            elapsed_ms: job.elapsed_ms(now),
            error: job.error.clone(),
        }))
    }

    /// Records when the next attempt starts, for status displays.
    pub fn set_retry_at(&mut self, id: &str, at: Option<Millis>) -> Result<(), RegistryError> {
        self.job_mut(id)?.retry_at = at;
        Ok(())
    }

    /// Stores the result and moves the job to completed.
    pub fn complete(
        &mut self,
        id: &str,
        output: JobOutput,
        now: Millis,
    ) -> Result<Transition, RegistryError> {
        let transition = self.transition(id, JobState::Completed, now)?;
        self.job_mut(id)?.output = Some(output);
        Ok(transition)
    }

    /// Stores the error and ends the job: cancelled and interrupted errors move it to
    /// those states, every other error to failed.
    pub fn fail(
        &mut self,
        id: &str,
        error: JobError,
        now: Millis,
    ) -> Result<Transition, RegistryError> {
        use crate::error::ErrorKind;
        let to = match error.kind {
            ErrorKind::Cancelled => JobState::Cancelled,
            ErrorKind::Interrupted => JobState::Interrupted,
            _ => JobState::Failed,
        };
        let from = self.job_mut(id)?.state;
        if !from.can_move_to(to) {
            return Err(RegistryError::IllegalTransition { job_id: id.to_string(), from, to });
        }
        self.job_mut(id)?.error = Some(error);
        self.transition(id, to, now)
    }

    /// Marks a completed job's result as handed to its node.
    pub fn deliver(&mut self, id: &str, now: Millis) -> Result<Transition, RegistryError> {
        self.transition(id, JobState::Delivered, now)
    }

    /// The token that tells ComfyUI whether `node` must run again: a new value on every
    /// call while the node's job is pending, the job id once it is not, and an empty
    /// string for a node without a job.
    pub fn is_changed(&mut self, node: &str) -> String {
        match self.job_of_node(node) {
            Some(job) if job.state.is_pending() => {
                self.change_counter += 1;
                format!("pending:{}", self.change_counter)
            }
            Some(job) => job.id.clone(),
            None => String::new(),
        }
    }

    /// Removes every job that has ended, that no node uses, and that last changed at
    /// least `max_age` ms before `now`. Returns the removed ids.
    pub fn sweep(&mut self, now: Millis, max_age: Millis) -> Vec<String> {
        let expired: Vec<String> = self
            .jobs
            .values()
            .filter(|job| {
                job.state.is_terminal() && job.nodes.is_empty() && now - job.updated_at >= max_age
            })
            .map(|job| job.id.clone())
            .collect();
        for id in &expired {
            self.jobs.remove(id);
        }
        expired
    }

    fn job_mut(&mut self, id: &str) -> Result<&mut Job, RegistryError> {
        self.jobs.get_mut(id).ok_or_else(|| RegistryError::UnknownJob(id.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::pipelines::{ImageOutput, Media};
    use JobState::*;

    const T2I: Pipeline = Pipeline::TextToImage;

    fn output() -> JobOutput {
        JobOutput::Images(ImageOutput {
            images: vec![Media { url: "http://127.0.0.1/a.png".into(), seed: 1, nsfw: false }],
        })
    }

    fn registry_with(ids: &[&str]) -> Registry {
        let mut registry = Registry::new();
        for id in ids {
            registry.register(id, T2I, 0.0).unwrap();
        }
        registry
    }

    #[test]
    fn register_reports_a_queued_job_and_refuses_a_taken_id() {
        let mut registry = Registry::new();
        let transition = registry.register("a", T2I, 5.0).unwrap();
        assert_eq!((transition.from, transition.to), (None, Queued));
        assert_eq!(registry.job("a").unwrap().created_at, 5.0);
        assert_eq!(registry.register("a", T2I, 6.0), Err(RegistryError::DuplicateJob("a".into())));
    }

    #[test]
    fn transitions_are_checked_and_reported() {
        let mut registry = registry_with(&["a"]);
        let t = registry.transition("a", Submitting, 10.0).unwrap();
        assert_eq!((t.from, t.to, t.elapsed_ms), (Some(Queued), Submitting, 10.0));
        let wrong = registry.transition("a", Delivered, 11.0);
        assert_eq!(
            wrong,
            Err(RegistryError::IllegalTransition {
                job_id: "a".into(),
                from: Submitting,
                to: Delivered
            })
        );
        assert_eq!(registry.job("a").unwrap().state, Submitting, "a refused move changes nothing");
        assert!(matches!(
            registry.transition("nope", Submitting, 0.0),
            Err(RegistryError::UnknownJob(_))
        ));
    }

    #[test]
    fn complete_stores_the_output_and_deliver_ends_the_job() {
        let mut registry = registry_with(&["a"]);
        registry.transition("a", Submitting, 1.0).unwrap();
        assert_eq!(registry.start_attempt("a"), Ok(1));
        assert_eq!(registry.start_attempt("a"), Ok(2));
        let t = registry.complete("a", output(), 30.0).unwrap();
        assert_eq!((t.to, t.attempt, t.elapsed_ms), (Completed, 2, 30.0));
        assert_eq!(registry.job("a").unwrap().output, Some(output()));
        registry.deliver("a", 40.0).unwrap();
        assert_eq!(
            registry.job("a").unwrap().elapsed_ms(1000.0),
            40.0,
            "elapsed stops at the end"
        );
        assert!(registry.start_attempt("a").is_err(), "no attempt after the end");
    }

    #[test]
    fn fail_picks_the_end_state_from_the_error_kind() {
        let mut registry = registry_with(&["f", "c", "i"]);
        for id in ["f", "c", "i"] {
            registry.transition(id, Submitting, 1.0).unwrap();
        }
        let failed = registry.fail("f", JobError::new(ErrorKind::Gateway, "down"), 2.0).unwrap();
        assert_eq!(failed.to, Failed);
        assert_eq!(failed.error.map(|e| e.kind), Some(ErrorKind::Gateway));
        assert_eq!(registry.fail("c", JobError::cancelled(), 2.0).unwrap().to, Cancelled);
        let cut = JobError::new(ErrorKind::Interrupted, "reloaded");
        assert_eq!(registry.fail("i", cut, 2.0).unwrap().to, Interrupted);
        let again = registry.fail("f", JobError::cancelled(), 3.0);
        assert!(again.is_err(), "an ended job cannot end twice");
        assert_eq!(registry.job("f").unwrap().error.as_ref().unwrap().kind, ErrorKind::Gateway);
    }

    #[test]
    fn an_interrupted_job_can_be_queued_again_with_a_clean_slate() {
        let mut registry = registry_with(&["a"]);
        registry.transition("a", Submitting, 1.0).unwrap();
        registry.start_attempt("a").unwrap();
        registry.fail("a", JobError::new(ErrorKind::Interrupted, "reloaded"), 2.0).unwrap();
        registry.transition("a", Queued, 3.0).unwrap();
        let job = registry.job("a").unwrap();
        assert_eq!((job.state, job.attempt, job.error.is_none()), (Queued, 0, true));
    }

    #[test]
    fn the_node_index_works_both_ways_and_a_node_holds_one_job() {
        let mut registry = registry_with(&["a", "b"]);
        assert_eq!(registry.attach("n1", "a"), Ok(None));
        assert_eq!(registry.attach("n2", "a"), Ok(None));
        assert_eq!(registry.job_of_node("n1").unwrap().id, "a");
        let mut users: Vec<_> = registry.job("a").unwrap().nodes().collect();
        users.sort();
        assert_eq!(users, ["n1", "n2"]);

        assert_eq!(registry.attach("n1", "b"), Ok(Some("a".into())), "the old job is released");
        assert_eq!(registry.job("a").unwrap().nodes().collect::<Vec<_>>(), ["n2"]);
        assert_eq!(registry.attach("n1", "b"), Ok(None), "attaching twice is harmless");
        assert!(registry.attach("n3", "zzz").is_err());
        assert!(registry.job_of_node("n3").is_none());

        assert_eq!(registry.release_node("n1"), Some("b".into()));
        assert_eq!(registry.release_node("n1"), None);
        assert_eq!(registry.job("b").unwrap().nodes().count(), 0);
        assert!(registry.job_of_node("n1").is_none());
    }

    #[test]
    fn is_changed_moves_while_pending_and_settles_on_the_job_id() {
        let mut registry = registry_with(&["a"]);
        assert_eq!(registry.is_changed("n"), "", "no job, nothing to rerun");
        registry.attach("n", "a").unwrap();
        let first = registry.is_changed("n");
        let second = registry.is_changed("n");
        assert_ne!(first, second);
        assert_ne!(first, "a");
        registry.transition("a", Submitting, 1.0).unwrap();
        registry.complete("a", output(), 2.0).unwrap();
        assert_eq!(registry.is_changed("n"), "a");
        assert_eq!(registry.is_changed("n"), "a");
        registry.deliver("a", 3.0).unwrap();
        assert_eq!(registry.is_changed("n"), "a");
    }

    #[test]
    fn restored_jobs_come_back_and_cut_requests_are_interrupted() {
        let mut before = registry_with(&["done", "sync", "async", "lost"]);
        before.attach("n1", "done").unwrap();
        before.transition("done", Submitting, 1.0).unwrap();
        before.complete("done", output(), 2.0).unwrap();
        before.transition("sync", Submitting, 1.0).unwrap();
        for id in ["async", "lost"] {
            before.transition(id, Submitting, 1.0).unwrap();
            before.transition(id, Running, 2.0).unwrap();
        }
        before.set_request_id("async", "r-1").unwrap();

        let mut after = Registry::new();
        let cut = || JobError::new(ErrorKind::Interrupted, "reloaded");
        let mut changes = Vec::new();
        for id in ["done", "sync", "async", "lost"] {
            let saved = before.job(id).unwrap().saved();
            changes.push(after.restore(saved, cut(), 10.0).unwrap().map(|t| t.to));
        }
        assert_eq!(changes, [None, Some(Interrupted), None, Some(Interrupted)]);
        assert_eq!(after.job("done").unwrap().state, Completed);
        assert_eq!(after.job_of_node("n1").unwrap().id, "done", "the node index comes back");
        assert_eq!(after.job("async").unwrap().request_id.as_deref(), Some("r-1"));
        assert_eq!(
            after.job("sync").unwrap().error.as_ref().unwrap().kind,
            ErrorKind::Interrupted
        );
        after.transition("sync", Queued, 11.0).unwrap();
        let again = before.job("done").unwrap().saved();
        assert_eq!(
            after.restore(again, cut(), 12.0),
            Err(RegistryError::DuplicateJob("done".into()))
        );
    }

    #[test]
    fn sweep_removes_only_old_unused_ended_jobs() {
        let hour = DEFAULT_MAX_AGE_MS;
        let mut registry = registry_with(&["old", "young", "used", "pending"]);
        for (id, end) in [("old", 0.0), ("young", hour), ("used", 0.0)] {
            registry.transition(id, Submitting, end).unwrap();
            registry.fail(id, JobError::cancelled(), end).unwrap();
        }
        registry.attach("n", "used").unwrap();

        let removed = registry.sweep(hour + 1.0, hour);
        assert_eq!(removed, ["old"]);
        assert!(registry.job("old").is_none());
        assert_eq!(registry.len(), 3, "pending, young and used jobs stay");

        registry.release_node("n");
        let mut removed = registry.sweep(2.0 * hour, hour);
        removed.sort();
        assert_eq!(removed, ["used", "young"]);
        assert_eq!(registry.sweep(100.0 * hour, hour), Vec::<String>::new());
        assert!(registry.job("pending").is_some(), "a pending job is never swept");
    }
}
