//! Drives one job from `queued` to its end: it waits for a connection slot, submits,
//! waits between attempts, and hands an accepted async job to the [poller]. Each decision
//! is the core's; this module only performs it and reports the changes.
//!
//! [poller]: super::poller

use super::attempt::{wait, Attempt, AttemptEnd, Submitted, Success};
use super::input::Input;
use super::js::now;
use super::poller::poll_until_done;
use super::shared::{report_bug, Shared, SwitchGuard};
use crate::error::JobError;
use crate::jobs::JobState;
use crate::pipelines::{JobOutput, Pipeline};
use crate::requester::budget::Lane;
use crate::requester::RetryBudget;
use futures_channel::oneshot;
use std::cell::Cell;

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
        streams: input.streams,
        prefer_async: shared.async_video && pipeline == Pipeline::ImageToVideo,
        on_token: &on_token,
    };
    let mut budget = RetryBudget::new(now());

    let submitted = loop {
        let timeout = match shared.policy.attempt_timeout(&budget, now()) {
            Ok(timeout) => timeout,
            Err(error) => return fail(shared, job_id, error),
        };
        let deadline_error =
            (timeout < shared.policy.attempt_timeout_ms).then(|| shared.policy.deadline_error());
        let Some(slot) = shared.slots.acquire(Lane::Submit, &mut cancel).await else {
            return Err(ended_error(shared, job_id));
        };
        if !begin_attempt(shared, job_id, &attempt_number) {
            return Err(ended_error(shared, job_id));
        }
        tokens.set(0);

        let after_answer = (shared.policy.deadline_at(&budget) - now()).max(0.0);
        let sent = attempt.submit(timeout, after_answer, deadline_error, &mut cancel);
        let answer = match sent.await {
            AttemptEnd::Done(answer) if still_pending(shared, job_id) => answer,
            _ => return Err(ended_error(shared, job_id)),
        };
        let failure = match answer {
            Ok(submitted) => break submitted,
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
        drop(slot);
        if !wait(delay, &mut cancel).await || !still_pending(shared, job_id) {
            return Err(ended_error(shared, job_id));
        }
    };

    let success = match submitted {
        Submitted::Finished(success) => success,
        Submitted::Accepted(request_id) => {
            let _ = shared.registry.borrow_mut().set_request_id(job_id, &request_id);
            shared
                .apply(|registry| registry.transition(job_id, JobState::Running, now()))
                .map_err(|_| ended_error(shared, job_id))?;
            poll_until_done(shared, job_id, pipeline, &request_id, &mut cancel).await?
        }
    };
    finish(shared, job_id, success)
}

/// Moves a queued job to `submitting`, or counts the next attempt of a submitting one.
/// False if the job ended meanwhile.
fn begin_attempt(shared: &Shared, job_id: &str, number: &Cell<u32>) -> bool {
    if !still_pending(shared, job_id) {
        return false;
    }
    if shared.state(job_id) == Some(JobState::Queued) {
        let moved =
            shared.apply(|registry| registry.transition(job_id, JobState::Submitting, now()));
        if moved.is_err() {
            return false;
        }
    }
    let started = shared.registry.borrow_mut().start_attempt(job_id);
    match started {
        Ok(attempt) => {
            number.set(attempt);
            // Saved again, so a reload now brings the job back with its attempt count.
            shared.save(job_id);
            true
        }
        Err(error) => {
            report_bug(&error);
            false
        }
    }
}

/// Stores a finished job's output and media and moves it to `completed`.
/// The files go in first, so listeners told of the completion can already read them.
pub fn finish(shared: &Shared, job_id: &str, success: Success) -> Result<JobOutput, JobError> {
    if !success.blobs.is_empty() {
        shared.local(job_id).media = success.blobs;
    }
    let stored = success.output.clone();
    let completed = shared.apply(|registry| registry.complete(job_id, stored, now()));
    if completed.is_err() {
        shared.local(job_id).media = Vec::new();
        return Err(ended_error(shared, job_id));
    }
    Ok(success.output)
}

/// True while the job is queued, submitting or running.
pub fn still_pending(shared: &Shared, job_id: &str) -> bool {
    shared.state(job_id).is_some_and(JobState::is_pending)
}

/// Ends the job with `error` and returns it.
pub fn fail<T>(shared: &Shared, job_id: &str, error: JobError) -> Result<T, JobError> {
    let _ = shared.apply(|registry| registry.fail(job_id, error.clone(), now()));
    Err(error)
}

/// The error of a job that something else ended (a cancel, or the service going away).
pub fn ended_error(shared: &Shared, job_id: &str) -> JobError {
    let registry = shared.registry.borrow();
    let stored = registry.job(job_id).and_then(|job| job.error.clone());
    stored.unwrap_or_else(JobError::cancelled)
}
