//! Drives one job from `queued` to its end: attempts, waits between them, cancellation.
//! Each decision is the core's; this module only performs it and reports the changes.

use super::attempt::{wait, Attempt, AttemptEnd, Gateway};
use super::events::Events;
use super::input::Input;
use super::js::now;
use crate::error::JobError;
use crate::jobs::{JobState, Registry, RegistryError, Transition};
use crate::pipelines::{JobOutput, Pipeline};
use crate::requester::{RetryBudget, RetryPolicy};
use futures_channel::oneshot;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use web_sys::Blob;

/// What every job of a service shares: the registry, the gateway, the retry policy, the
/// random source, the listeners and the cancel switches of running jobs.
pub struct Shared {
    /// Every job and the nodes that use them.
    pub registry: RefCell<Registry>,
    /// Where requests go.
    pub gateway: Gateway,
    /// How requests are retried.
    pub policy: RetryPolicy,
    /// Jitter and job ids.
    pub rng: RefCell<fastrand::Rng>,
    /// State-change listeners.
    pub events: Events,
    /// One switch per job that is being driven; dropping or firing it cancels the job.
    pub cancels: RefCell<HashMap<String, oneshot::Sender<()>>>,
    /// The fetched media of each job that has some, kept as long as the job.
    pub media: RefCell<HashMap<String, Vec<Blob>>>,
}

impl Shared {
    /// Applies a registry change and tells the listeners. The registry borrow ends before
    /// any listener runs, so listeners may call back into the service.
    pub fn apply(
        &self,
        change: impl FnOnce(&mut Registry) -> Result<Transition, RegistryError>,
    ) -> Result<Transition, RegistryError> {
        let result = change(&mut self.registry.borrow_mut());
        match &result {
            Ok(transition) => self.events.state(transition),
            Err(error) => report_bug(error),
        }
        result
    }

    /// The state of a job, if it is still held.
    pub fn state(&self, job_id: &str) -> Option<JobState> {
        self.registry.borrow().job(job_id).map(|job| job.state)
    }

    /// Ends a pending job with `error` (cancelled, interrupted or failed) and fires its
    /// cancel switch, so its request is aborted and no other request follows.
    /// Returns false when the job was not pending.
    pub fn end(&self, job_id: &str, error: JobError) -> bool {
        if !self.state(job_id).is_some_and(JobState::is_pending) {
            return false;
        }
        let ended = self.apply(|registry| registry.fail(job_id, error, now())).is_ok();
        if let Some(switch) = self.cancels.borrow_mut().remove(job_id) {
            let _ = switch.send(());
        }
        ended
    }

    /// Removes finished, unused jobs older than `max_age_ms`, with their media.
    pub fn sweep(&self, max_age_ms: f64) -> usize {
        let removed = self.registry.borrow_mut().sweep(now(), max_age_ms);
        let mut media = self.media.borrow_mut();
        for id in &removed {
            media.remove(id);
        }
        removed.len()
    }
}

/// Removes a job's cancel switch when its driver returns, however it returns.
struct SwitchGuard<'a> {
    shared: &'a Shared,
    job_id: &'a str,
}

impl Drop for SwitchGuard<'_> {
    fn drop(&mut self) {
        self.shared.cancels.borrow_mut().remove(self.job_id);
    }
}

/// Runs a registered, queued job to its end and returns its output or its error.
/// The job's state changes are applied and emitted on the way; its media are kept.
pub async fn drive(
    shared: &Shared,
    job_id: &str,
    pipeline: Pipeline,
    input: &Input,
    mut cancel: oneshot::Receiver<()>,
) -> Result<JobOutput, JobError> {
    let _guard = SwitchGuard { shared, job_id };
    shared
        .apply(|registry| registry.transition(job_id, JobState::Submitting, now()))
        .map_err(|_| ended_error(shared, job_id))?;
    let mut budget = RetryBudget::new(now());
    let attempt_number = Cell::new(0);
    let tokens = Cell::new(0);
    let on_token = |text: &str| {
        shared.events.token(job_id, pipeline, attempt_number.get(), tokens.get(), text);
        tokens.set(tokens.get() + 1);
    };
    let attempt = Attempt {
        gateway: &shared.gateway,
        pipeline,
        body: &input.body,
        streams: input.params.streams(),
        on_token: &on_token,
    };

    loop {
        let timeout = match shared.policy.attempt_timeout(&budget, now()) {
            Ok(timeout) => timeout,
            Err(error) => return fail(shared, job_id, error),
        };
        let deadline_error =
            (timeout < shared.policy.attempt_timeout_ms).then(|| shared.policy.deadline_error());
        match shared.registry.borrow_mut().start_attempt(job_id) {
            Ok(number) => attempt_number.set(number),
            Err(error) => {
                report_bug(&error);
                return Err(ended_error(shared, job_id));
            }
        }
        tokens.set(0);

        let answer = match attempt.run(timeout, deadline_error, &mut cancel).await {
            AttemptEnd::Done(answer) if still_pending(shared, job_id) => answer,
            _ => return Err(ended_error(shared, job_id)),
        };
        let failure = match answer {
            Ok(success) => {
                let stored = success.output.clone();
                shared
                    .apply(|registry| registry.complete(job_id, stored, now()))
                    .map_err(|_| ended_error(shared, job_id))?;
                if !success.blobs.is_empty() {
                    shared.media.borrow_mut().insert(job_id.to_string(), success.blobs);
                }
                return Ok(success.output);
            }
            Err(failure) => failure,
        };

        let random = shared.rng.borrow_mut().f64();
        let error = failure.error.clone();
        let delay = match shared.policy.decide(&mut budget, failure, now(), random) {
            Ok(delay) => delay,
            Err(error) => return fail(shared, job_id, error),
        };
        let retry_at = now() + delay;
        let _ = shared.registry.borrow_mut().set_retry_at(job_id, Some(retry_at));
        shared.events.retry(job_id, pipeline, attempt_number.get(), retry_at, &error);
        if !wait(delay, &mut cancel).await || !still_pending(shared, job_id) {
            return Err(ended_error(shared, job_id));
        }
    }
}

fn still_pending(shared: &Shared, job_id: &str) -> bool {
    shared.state(job_id).is_some_and(JobState::is_pending)
}

fn fail(shared: &Shared, job_id: &str, error: JobError) -> Result<JobOutput, JobError> {
    let _ = shared.apply(|registry| registry.fail(job_id, error.clone(), now()));
    Err(error)
}

/// The error of a job that something else ended (a cancel, or the service going away).
fn ended_error(shared: &Shared, job_id: &str) -> JobError {
    let registry = shared.registry.borrow();
    let stored = registry.job(job_id).and_then(|job| job.error.clone());
    stored.unwrap_or_else(JobError::cancelled)
}

fn report_bug(error: &RegistryError) {
    let line = format!("livepeer: this is a bug in the job service: {error}");
    web_sys::console::error_1(&line.into());
}
