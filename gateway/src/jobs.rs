//! The async image-to-video jobs of one scope and the script that shapes the next ones.
//!
//! go-livepeer answers a `Prefer: respond-async` request with a request id, runs the job
//! in the background and stores its result, errors included, for `POST
//! /image-to-video/result` to read. This book keeps the last [`JOB_CAPACITY`] jobs and
//! forgets the oldest first; a job forgotten while it runs never gets a result. It
//! also holds what a test scripted for the next jobs: a list of durations, taken one per
//! job, and one failure message. Running a job is up to
//! [`crate::pipelines::image_to_video`].

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use serde_json::Value;

use crate::random;

/// How many jobs a scope keeps; the oldest is forgotten first.
pub const JOB_CAPACITY: usize = 1000;

/// What a poll learns about a job.
#[derive(Debug, Clone, PartialEq)]
pub enum JobState {
    /// The job is still running.
    Processing,
    /// The job ended; the value is the `result` object, holding `images` or `error`.
    Complete(Value),
}

/// A job that was just opened: its id and how it is to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobTicket {
    /// The `request_id` answered to the client.
    pub id: String,
    /// How long the job runs at least.
    pub duration: Duration,
    /// The message the job fails with, when the script asked for a failure.
    pub failure: Option<String>,
}

/// The jobs of one scope and the script for the next ones.
#[derive(Debug, Default)]
pub struct JobBook {
    by_id: HashMap<String, JobState>,
    order: VecDeque<String>,
    durations: VecDeque<u64>,
    failure: Option<String>,
}

impl JobBook {
    /// Opens a job that is processing; it runs for the next scripted duration, else for
    /// `default_ms`, and takes the scripted failure if one is waiting.
    pub fn open(&mut self, default_ms: u64) -> JobTicket {
        let id = random::request_id();
        let ms = self.durations.pop_front().unwrap_or(default_ms);
        let failure = self.failure.take();

        if self.order.len() >= JOB_CAPACITY {
            if let Some(oldest) = self.order.pop_front() {
                self.by_id.remove(&oldest);
            }
        }
        self.by_id.insert(id.clone(), JobState::Processing);
        self.order.push_back(id.clone());
        JobTicket { id, duration: Duration::from_millis(ms), failure }
    }

    /// Stores a job's result; does nothing if the job was forgotten meanwhile.
    pub fn complete(&mut self, id: &str, result: Value) {
        if let Some(state) = self.by_id.get_mut(id) {
            *state = JobState::Complete(result);
        }
    }

    /// The state of a job, or `None` for an id this scope does not know.
    pub fn get(&self, id: &str) -> Option<JobState> {
        self.by_id.get(id).cloned()
    }

    /// Replaces the durations that the next jobs take, in order.
    pub fn set_durations(&mut self, durations: Vec<u64>) {
        self.durations = durations.into();
    }

    /// The durations still waiting, next first.
    pub fn durations(&self) -> Vec<u64> {
        self.durations.iter().copied().collect()
    }

    /// Sets or clears the message that the next job fails with.
    pub fn set_failure(&mut self, failure: Option<String>) {
        self.failure = failure;
    }

    /// The failure still waiting, if any.
    pub fn failure(&self) -> Option<&str> {
        self.failure.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn scripted_durations_and_failures_are_taken_once() {
        let mut book = JobBook::default();
        book.set_durations(vec![10, 20]);
        book.set_failure(Some("boom".into()));
        let first = book.open(3000);
        assert_eq!(first.duration, Duration::from_millis(10));
        assert_eq!(first.failure.as_deref(), Some("boom"));
        let second = book.open(3000);
        assert_eq!(second.duration, Duration::from_millis(20));
        assert_eq!(second.failure, None);
        assert_eq!(book.open(3000).duration, Duration::from_millis(3000));
        assert!(book.durations().is_empty());
    }

    #[test]
    fn jobs_complete_and_the_oldest_are_forgotten() {
        let mut book = JobBook::default();
        let first = book.open(0);
        assert_eq!(book.get(&first.id), Some(JobState::Processing));
        book.complete(&first.id, json!({"images": []}));
        assert_eq!(book.get(&first.id), Some(JobState::Complete(json!({"images": []}))));
        for _ in 0..JOB_CAPACITY {
            book.open(0);
        }
        assert_eq!(book.get(&first.id), None);
        book.complete(&first.id, json!({}));
        assert_eq!(book.get(&first.id), None);
        assert_eq!(book.get("unknown"), None);
    }
}
