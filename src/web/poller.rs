//! Polls a job the gateway runs asynchronously until it is done, on the job's own timer:
//! the learned schedule says when, a `Retry-After` may push a poll later, a failed poll
//! is retried under the retry policy without failing the job, and a request id the
//! gateway no longer knows, several times in a row, fails the job as vanished. Nothing
//! is polled after the job ends or is cancelled: every wait races the cancel switch.

use super::attempt::{poll, wait, AttemptEnd, Polled, Success};
use super::js::now;
use super::runner::{ended_error, fail, still_pending};
use super::shared::Shared;
use crate::error::JobError;
use crate::pipelines::Pipeline;
use crate::requester::budget::Lane;
use crate::requester::retry::parse_retry_after;
use crate::requester::RetryBudget;
use futures_channel::oneshot;

/// Counts a polled job in the connection budget for as long as it lives.
struct PollerGuard<'a>(&'a Shared);

impl Drop for PollerGuard<'_> {
    fn drop(&mut self) {
        self.0.slots.remove_poller();
    }
}

/// Polls the job `request_id` until it finishes; returns its output and media, or ends
/// the job with the error that stopped it.
pub async fn poll_until_done(
    shared: &Shared,
    job_id: &str,
    pipeline: Pipeline,
    request_id: &str,
    cancel: &mut oneshot::Receiver<()>,
) -> Result<Success, JobError> {
    shared.slots.add_poller();
    let _counted = PollerGuard(shared);
    let accepted_at = now();
    let mut polls: u32 = 0;
    let mut unknown_in_a_row: u32 = 0;
    let mut failures = RetryBudget::new(now());
    let mut not_before: Option<f64> = None;
    let mut last_seen_running: f64 = 0.0;

    loop {
        let random = shared.rng.borrow_mut().f64();
        let elapsed = now() - accepted_at;
        let delay = {
            let schedule = shared.schedule.borrow();
            let planned = schedule.next_delay(pipeline, elapsed, polls, random);
            match (planned, not_before.take()) {
                (Ok(planned), Some(at)) => {
                    schedule.honour_retry_after(elapsed, planned, at - now())
                }
                (planned, _) => planned,
            }
        };
        let delay = match delay {
            Ok(delay) => delay,
            Err(error) => return fail(shared, job_id, error),
        };
        if !wait(delay, cancel).await || !still_pending(shared, job_id) {
            return Err(ended_error(shared, job_id));
        }
        let Some(slot) = shared.slots.acquire(Lane::Poll, cancel).await else {
            return Err(ended_error(shared, job_id));
        };
        let timeout = shared.policy.attempt_timeout_ms.min(POLL_TIMEOUT_MS);
        let after_answer = shared.policy.deadline_ms;
        let asked = poll(&shared.gateway, pipeline, request_id, timeout, after_answer, cancel);
        let answer = match asked.await {
            AttemptEnd::Done(answer) if still_pending(shared, job_id) => answer,
            _ => return Err(ended_error(shared, job_id)),
        };
        drop(slot);
        polls += 1;

        match answer {
            Ok(Polled::Processing(retry_after)) => {
                unknown_in_a_row = 0;
                failures = RetryBudget::new(now());
                last_seen_running = now() - accepted_at;
                not_before = retry_after
                    .and_then(|value| parse_retry_after(&value, now()))
                    .map(|wait| now() + wait.min(shared.policy.retry_after_cap_ms));
            }
            Ok(Polled::Finished(success)) => {
                let done_at = now() - accepted_at;
                shared.schedule.borrow_mut().record_finished(pipeline, last_seen_running, done_at);
                return Ok(success);
            }
            Ok(Polled::Failed(error)) => return fail(shared, job_id, error),
            Ok(Polled::Unknown) => {
                unknown_in_a_row += 1;
                if let Err(error) = shared.schedule.borrow().policy().unknown_id(unknown_in_a_row)
                {
                    return fail(shared, job_id, error);
                }
            }
            Err(failure) => {
                let random = shared.rng.borrow_mut().f64();
                match shared.policy.decide(&mut failures, failure, now(), random) {
                    Ok(delay) => not_before = Some(now() + delay),
                    Err(error) => return fail(shared, job_id, error),
                }
            }
        }
    }
}

/// One poll is aborted after this long, or the attempt timeout if shorter: a poll is a
/// small request, and a stuck one should not hold a connection slot for minutes.
const POLL_TIMEOUT_MS: f64 = 30_000.0;
