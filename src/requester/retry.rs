//! The retry policy: which failures are worth another attempt, how long to wait before
//! it, and when to give up. Pure arithmetic on an injected clock and random source.
//!
//! Two budgets are kept apart: one for rate limiting (429), one for transient failures
//! (408, 500, 502, 503, 504, network errors and attempt timeouts). Every other failure is
//! final at once: a 400, 401, 403, 404 or 422 will not change by asking again.

use crate::decimal::Decimal;
use crate::error::{ErrorKind, JobError};
use crate::jobs::Millis;
use crate::value::{self, Read, Value};

/// How a job's requests are retried. All durations are in milliseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// The backoff before the first retry is drawn from 0 up to this.
    pub base_delay_ms: Millis,
    /// No computed backoff is longer than this.
    pub max_delay_ms: Millis,
    /// Retries allowed for 408, 5xx, network errors and attempt timeouts.
    pub max_retries: u32,
    /// Retries allowed for 429 answers.
    pub max_rate_limit_retries: u32,
    /// A `Retry-After` longer than this is shortened to it.
    pub retry_after_cap_ms: Millis,
    /// One attempt is aborted after this long.
    pub attempt_timeout_ms: Millis,
    /// The whole job, all attempts and waits included, ends after this long.
    pub deadline_ms: Millis,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base_delay_ms: 1_000.0,
            max_delay_ms: 30_000.0,
            max_retries: 3,
            max_rate_limit_retries: 8,
            retry_after_cap_ms: 60_000.0,
            attempt_timeout_ms: 180_000.0,
            deadline_ms: 600_000.0,
        }
    }
}

impl RetryPolicy {
    /// The options, by their names in JS.
    pub const FIELDS: &'static [&'static str] = &[
        "baseDelayMs",
        "maxDelayMs",
        "maxRetries",
        "maxRateLimitRetries",
        "retryAfterCapMs",
        "attemptTimeoutMs",
        "deadlineMs",
    ];
}

impl Read for RetryPolicy {
    fn read(value: &Value) -> value::Result<Self> {
        let fields = value.fields();
        let default = RetryPolicy::default();
        fields.done(RetryPolicy {
            base_delay_ms: fields.or("baseDelayMs", default.base_delay_ms),
            max_delay_ms: fields.or("maxDelayMs", default.max_delay_ms),
            max_retries: fields.or("maxRetries", default.max_retries),
            max_rate_limit_retries: fields
                .or("maxRateLimitRetries", default.max_rate_limit_retries),
            retry_after_cap_ms: fields.or("retryAfterCapMs", default.retry_after_cap_ms),
            attempt_timeout_ms: fields.or("attemptTimeoutMs", default.attempt_timeout_ms),
            deadline_ms: fields.or("deadlineMs", default.deadline_ms),
        })
    }
}

/// Which budget a failure draws from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Budget {
    RateLimit,
    Transient,
}

/// What one job has spent of its retry budgets so far.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryBudget {
    started_at: Millis,
    rate_limit_retries: u32,
    transient_retries: u32,
}

impl RetryBudget {
    /// A fresh budget for a job whose first attempt starts at `now`.
    pub fn new(now: Millis) -> Self {
        RetryBudget { started_at: now, rate_limit_retries: 0, transient_retries: 0 }
    }

    /// Retries spent so far, both budgets together.
    pub fn retries(&self) -> u32 {
        self.rate_limit_retries + self.transient_retries
    }
}

/// A failed attempt, as the requester saw it.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    /// The error the job ends with if this failure is not retried.
    pub error: JobError,
    /// The raw `Retry-After` header of the answer, if it had one.
    pub retry_after: Option<String>,
}

impl RetryPolicy {
    /// Checks that every figure makes sense; names the first field that does not.
    pub fn validate(&self) -> Result<(), JobError> {
        let durations = [
            ("retry.baseDelayMs", self.base_delay_ms),
            ("retry.maxDelayMs", self.max_delay_ms),
            ("retry.retryAfterCapMs", self.retry_after_cap_ms),
        ];
        for (field, value) in durations {
            if !(value.is_finite() && value >= 0.0) {
                return Err(JobError::invalid_input(field, "must be a number of ms, 0 or more"));
            }
        }
        for (field, value) in [
            ("retry.attemptTimeoutMs", self.attempt_timeout_ms),
            ("retry.deadlineMs", self.deadline_ms),
        ] {
            if !(value.is_finite() && value > 0.0) {
                return Err(JobError::invalid_input(field, "must be a number of ms above 0"));
            }
        }
        Ok(())
    }

    /// When the job must end, whatever happens.
    pub fn deadline_at(&self, budget: &RetryBudget) -> Millis {
        budget.started_at + self.deadline_ms
    }

    /// How long the attempt starting at `now` may run: the attempt timeout, shortened to
    /// what is left before the deadline. Fails with a `deadline` error when nothing is left.
    pub fn attempt_timeout(&self, budget: &RetryBudget, now: Millis) -> Result<Millis, JobError> {
        let left = self.deadline_at(budget) - now;
        if left <= 0.0 {
            return Err(self.deadline_error());
        }
        Ok(self.attempt_timeout_ms.min(left))
    }

    /// The error a job ends with when its deadline passes.
    pub fn deadline_error(&self) -> JobError {
        let seconds = Decimal((self.deadline_ms / 1000.0).round());
        JobError::new(
            ErrorKind::Deadline,
            format!("the job did not finish within its deadline of {seconds} s"),
        )
    }

    /// Decides what follows a failed attempt: `Ok(delay)` to wait `delay` ms and try
    /// again, or `Err(error)` to end the job with that error.
    ///
    /// A retry is refused when the failure cannot be helped by one, when its budget is
    /// spent, or when the wait would end past the deadline. `random` must be uniform in
    /// `[0, 1)`; it spreads the backoff ("full jitter"). A `Retry-After` header, in
    /// seconds or as an HTTP date, replaces the backoff, shortened to the cap.
    pub fn decide(
        &self,
        budget: &mut RetryBudget,
        failure: Failure,
        now: Millis,
        random: f64,
    ) -> Result<Millis, JobError> {
        let Some(kind) = budget_for(failure.error.kind) else {
            return Err(failure.error);
        };
        let (spent, limit) = match kind {
            Budget::RateLimit => (budget.rate_limit_retries, self.max_rate_limit_retries),
            Budget::Transient => (budget.transient_retries, self.max_retries),
        };
        if spent >= limit {
            return Err(gave_up(failure.error, spent));
        }

        let server_wait = failure
            .retry_after
            .as_deref()
            .and_then(|value| parse_retry_after(value, now))
            .map(|wait| wait.min(self.retry_after_cap_ms));
        let delay = server_wait.unwrap_or_else(|| self.backoff(spent, random));
        if now + delay >= self.deadline_at(budget) {
            return Err(past_deadline(failure.error));
        }

        match kind {
            Budget::RateLimit => budget.rate_limit_retries += 1,
            Budget::Transient => budget.transient_retries += 1,
        }
        Ok(delay)
    }

    /// Full-jitter exponential backoff: uniform in `[0, min(max, base × 2^retry))`.
    fn backoff(&self, retry: u32, random: f64) -> Millis {
        let ceiling = self.base_delay_ms * 2f64.powi(retry.min(30) as i32);
        random.clamp(0.0, 1.0) * ceiling.min(self.max_delay_ms)
    }
}

/// The budget a failure of `kind` may draw from, or `None` when a retry cannot help.
fn budget_for(kind: ErrorKind) -> Option<Budget> {
    match kind {
        ErrorKind::RateLimited => Some(Budget::RateLimit),
        ErrorKind::Gateway | ErrorKind::Network | ErrorKind::Timeout => Some(Budget::Transient),
        _ => None,
    }
}

fn gave_up(mut error: JobError, retries: u32) -> JobError {
    if retries > 0 {
        let plural = if retries == 1 { "retry" } else { "retries" };
        error.message = format!("{} (gave up after {retries} {plural})", error.message);
    }
    error
}

fn past_deadline(mut error: JobError) -> JobError {
    error.message = format!("{} (no time left before the job's deadline to retry)", error.message);
    error
}

/// Reads a `Retry-After` value: whole seconds, or an HTTP date (then the wait is the time
/// from `now` to that date, at least 0). Returns the wait in ms, or `None` if unreadable.
pub fn parse_retry_after(value: &str, now: Millis) -> Option<Millis> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Too many digits for a u64 is still a number of seconds: a very long wait,
        // which the caller shortens to its cap.
        let seconds = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(seconds as Millis * 1000.0);
    }
    let seconds = super::date::parse_http_date(value)?;
    Some((seconds as Millis * 1000.0 - now).max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-04T12:00:00Z in ms.
    const NOW: Millis = 1_796_385_600_000.0;

    fn failure(kind: ErrorKind, status: Option<u16>, retry_after: Option<&str>) -> Failure {
        let mut error = JobError::new(kind, "boom");
        error.status = status;
        Failure { error, retry_after: retry_after.map(str::to_string) }
    }

    fn policy() -> RetryPolicy {
        RetryPolicy {
            base_delay_ms: 100.0,
            max_delay_ms: 1_000.0,
            max_retries: 3,
            max_rate_limit_retries: 2,
            retry_after_cap_ms: 5_000.0,
            attempt_timeout_ms: 2_000.0,
            deadline_ms: 60_000.0,
        }
    }

    #[test]
    fn final_statuses_are_never_retried() {
        let policy = policy();
        for kind in [
            ErrorKind::BadRequest,
            ErrorKind::Unauthorized,
            ErrorKind::NotFound,
            ErrorKind::Validation,
            ErrorKind::InvalidResponse,
            ErrorKind::Http,
            ErrorKind::Cancelled,
        ] {
            let mut budget = RetryBudget::new(NOW);
            let outcome = policy.decide(&mut budget, failure(kind, None, Some("1")), NOW, 0.5);
            assert_eq!(outcome.map_err(|e| e.kind), Err(kind));
            assert_eq!(budget.retries(), 0);
        }
    }

    #[test]
    fn transient_failures_share_one_budget_with_growing_full_jitter() {
        let policy = policy();
        let mut budget = RetryBudget::new(NOW);
        let kinds = [ErrorKind::Gateway, ErrorKind::Network, ErrorKind::Timeout];
        let delays: Vec<Millis> = kinds
            .iter()
            .map(|&kind| policy.decide(&mut budget, failure(kind, None, None), NOW, 0.999))
            .collect::<Result<_, _>>()
            .unwrap();
        assert!((delays[0] - 99.9).abs() < 1e-6, "{delays:?}");
        assert!((delays[1] - 199.8).abs() < 1e-6, "{delays:?}");
        assert!((delays[2] - 399.6).abs() < 1e-6, "{delays:?}");
        let last =
            policy.decide(&mut budget, failure(ErrorKind::Gateway, Some(503), None), NOW, 0.5);
        let error = last.unwrap_err();
        assert_eq!(error.kind, ErrorKind::Gateway);
        assert!(error.message.ends_with("(gave up after 3 retries)"), "{}", error.message);
    }

    #[test]
    fn jitter_spans_zero_to_the_ceiling_and_the_ceiling_is_capped() {
        let policy = policy();
        let mut budget = RetryBudget::new(NOW);
        let zero = policy.decide(&mut budget, failure(ErrorKind::Network, None, None), NOW, 0.0);
        assert_eq!(zero, Ok(0.0));
        assert_eq!(policy.backoff(20, 0.5), 500.0, "capped at max_delay_ms");
        assert_eq!(policy.backoff(u32::MAX, 1.0), 1_000.0);
    }

    #[test]
    fn rate_limits_have_their_own_budget() {
        let policy = policy();
        let mut budget = RetryBudget::new(NOW);
        for _ in 0..2 {
            let rate = failure(ErrorKind::RateLimited, Some(429), None);
            assert!(policy.decide(&mut budget, rate, NOW, 0.5).is_ok());
        }
        let third =
            policy.decide(&mut budget, failure(ErrorKind::RateLimited, None, None), NOW, 0.5);
        assert_eq!(third.unwrap_err().kind, ErrorKind::RateLimited);
        let transient =
            policy.decide(&mut budget, failure(ErrorKind::Gateway, None, None), NOW, 0.5);
        assert!(transient.is_ok(), "429s do not spend the transient budget");
    }

    #[test]
    fn retry_after_replaces_the_backoff_up_to_the_cap() {
        let policy = policy();
        let mut budget = RetryBudget::new(NOW);
        let seconds = failure(ErrorKind::RateLimited, Some(429), Some("2"));
        assert_eq!(policy.decide(&mut budget, seconds, NOW, 0.9), Ok(2_000.0));
        let overlong = failure(ErrorKind::RateLimited, Some(429), Some("99999999999999999999"));
        assert_eq!(policy.decide(&mut budget, overlong, NOW, 0.9), Ok(5_000.0), "capped");
        let long = failure(ErrorKind::Gateway, Some(503), Some("3600"));
        assert_eq!(policy.decide(&mut budget, long, NOW, 0.9), Ok(5_000.0));
        let date = failure(ErrorKind::Gateway, Some(503), Some("Fri, 04 Dec 2026 12:00:03 GMT"));
        assert_eq!(policy.decide(&mut budget, date, NOW, 0.9), Ok(3_000.0));
        let junk = failure(ErrorKind::Gateway, Some(503), Some("soon"));
        let delay = policy.decide(&mut budget, junk, NOW, 0.5).unwrap();
        assert_eq!(delay, 200.0, "an unreadable header falls back to the backoff");
    }

    #[test]
    fn retry_after_parsing() {
        assert_eq!(parse_retry_after(" 7 ", NOW), Some(7_000.0));
        assert_eq!(parse_retry_after("0", NOW), Some(0.0));
        assert_eq!(parse_retry_after("Fri, 04 Dec 2026 11:00:00 GMT", NOW), Some(0.0));
        assert_eq!(parse_retry_after("-3", NOW), None);
        assert_eq!(parse_retry_after("1.5", NOW), None);
        assert_eq!(parse_retry_after("", NOW), None);
        let huge = parse_retry_after("99999999999999999999999", NOW).unwrap();
        assert!(huge > 1e18, "an overlong number of seconds is a very long wait");
    }

    #[test]
    fn the_deadline_stops_retries_and_shortens_attempts() {
        let policy = policy();
        let mut budget = RetryBudget::new(NOW);
        assert_eq!(policy.attempt_timeout(&budget, NOW), Ok(2_000.0));
        assert_eq!(policy.attempt_timeout(&budget, NOW + 59_500.0), Ok(500.0));
        let late = policy.attempt_timeout(&budget, NOW + 60_000.0);
        assert_eq!(late.unwrap_err().kind, ErrorKind::Deadline);

        let wait = failure(ErrorKind::RateLimited, Some(429), Some("4"));
        let refused = policy.decide(&mut budget, wait, NOW + 57_000.0, 0.5).unwrap_err();
        assert_eq!(refused.kind, ErrorKind::RateLimited);
        assert!(refused.message.contains("deadline"), "{}", refused.message);
        assert_eq!(budget.retries(), 0, "a refused retry spends nothing");
    }

    #[test]
    fn validate_names_the_bad_field() {
        let mut bad = policy();
        bad.deadline_ms = 0.0;
        assert_eq!(bad.validate().unwrap_err().field.as_deref(), Some("retry.deadlineMs"));
        bad = policy();
        bad.base_delay_ms = f64::NAN;
        assert_eq!(bad.validate().unwrap_err().field.as_deref(), Some("retry.baseDelayMs"));
        assert!(policy().validate().is_ok());
    }
}
