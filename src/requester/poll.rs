//! The poll schedule of a job accepted for async processing: how long to wait before the
//! next `POST /image-to-video/result`, and when to give up. Pure arithmetic on elapsed
//! times and an injected random number; the browser layer performs the polls and waits.
//!
//! Each pipeline keeps a [`DurationModel`]: a running mean and variance of the logarithm of
//! the durations of its finished jobs, so it assumes durations are roughly log-normal.
//! Until a pipeline has finished a job, polls back off from a short interval (by default
//! 2 s, then ×1.5 a poll up to 10 s). Once it knows something, each poll is placed where
//! the job's chance of having finished since the last poll reaches a fixed slice (by
//! default 5.5 %) of its remaining chance of finishing at all. So the first poll comes
//! late, polls grow dense where finishes become likely, and a job costs about one poll per
//! slice (18) whatever the pipeline's usual duration. A job that runs more than three
//! standard deviations past the usual duration falls back to the backoff.
//!
//! A job feeds its pipeline's model only when a poll saw it done; failed, cancelled,
//! vanished or timed-out jobs teach nothing. The job ended at an unknown moment between
//! the last poll that saw it running and the poll that saw it done, so
//! [`PollSchedule::record_finished`] records the expected duration within that window
//! under the current model (the midpoint while the model is empty). The plain midpoint
//! would badly shorten the jobs seen done at the first, long, learned wait; the time of
//! the detecting poll would lengthen every job by about half an interval.
//!
//! The model is a single log-normal, so a pipeline with two kinds of job (a cold start
//! and a warm one, say) is fitted by one wide curve and polled less sparingly than it
//! could be. The models live in memory only: after a page reload they start empty.

use crate::error::{ErrorKind, JobError};
use crate::jobs::Millis;
use crate::pipelines::Pipeline;
use crate::value::{self, Read, Value};

/// How a pipeline's async jobs are polled. All durations are in milliseconds, counted from
/// the moment the gateway accepted the job.
#[derive(Clone, Debug, PartialEq)]
pub struct PollPolicy {
    /// The wait before the first poll while the pipeline's durations are unknown.
    pub first_delay_ms: Millis,
    /// The wait after the first poll while durations are unknown; it then grows.
    pub interval_ms: Millis,
    /// Each backoff wait is this many times the one before.
    pub backoff: f64,
    /// No backoff wait is longer than this.
    pub max_interval_ms: Millis,
    /// No two polls of a job are closer than this, except to honour the deadline.
    pub min_interval_ms: Millis,
    /// Every wait is moved by up to this share of it, earlier or later, at random.
    pub jitter: f64,
    /// Polling stops and the job fails this long after it was accepted.
    pub deadline_ms: Millis,
    /// This many "unknown request id" answers in a row fail the job as vanished.
    pub vanished_after: u32,
    /// The share of a job's remaining chance of finishing that each learned wait covers.
    /// Smaller means more polls and a quicker sight of the result.
    pub slice_per_poll: f64,
}

impl Default for PollPolicy {
    fn default() -> Self {
        PollPolicy {
            first_delay_ms: 2_000.0,
            interval_ms: 2_000.0,
            backoff: 1.5,
            max_interval_ms: 10_000.0,
            min_interval_ms: 500.0,
            jitter: 0.1,
            deadline_ms: 3_600_000.0,
            vanished_after: 3,
            slice_per_poll: 0.055,
        }
    }
}

impl PollPolicy {
    /// The options, by their names in JS.
    pub const FIELDS: &'static [&'static str] = &[
        "firstDelayMs",
        "intervalMs",
        "backoff",
        "maxIntervalMs",
        "minIntervalMs",
        "jitter",
        "deadlineMs",
        "vanishedAfter",
        "slicePerPoll",
    ];
}

impl Read for PollPolicy {
    fn read(value: &Value) -> value::Result<Self> {
        let fields = value.fields();
        let default = PollPolicy::default();
        fields.done(PollPolicy {
            first_delay_ms: fields.or("firstDelayMs", default.first_delay_ms),
            interval_ms: fields.or("intervalMs", default.interval_ms),
            backoff: fields.or("backoff", default.backoff),
            max_interval_ms: fields.or("maxIntervalMs", default.max_interval_ms),
            min_interval_ms: fields.or("minIntervalMs", default.min_interval_ms),
            jitter: fields.or("jitter", default.jitter),
            deadline_ms: fields.or("deadlineMs", default.deadline_ms),
            vanished_after: fields.or("vanishedAfter", default.vanished_after),
            slice_per_poll: fields.or("slicePerPoll", default.slice_per_poll),
        })
    }
}

impl PollPolicy {
    /// Checks that every figure makes sense; names the first field that does not.
    pub fn validate(&self) -> Result<(), JobError> {
        let waits = [
            ("poll.firstDelayMs", self.first_delay_ms),
            ("poll.minIntervalMs", self.min_interval_ms),
        ];
        for (field, value) in waits {
            if !(value.is_finite() && value >= 0.0) {
                return Err(JobError::invalid_input(field, "must be a number of ms, 0 or more"));
            }
        }
        for (field, value) in
            [("poll.intervalMs", self.interval_ms), ("poll.deadlineMs", self.deadline_ms)]
        {
            if !(value.is_finite() && value > 0.0) {
                return Err(JobError::invalid_input(field, "must be a number of ms above 0"));
            }
        }
        if !(self.max_interval_ms.is_finite() && self.max_interval_ms >= self.interval_ms) {
            let reason = "must be a number of ms, at least poll.intervalMs";
            return Err(JobError::invalid_input("poll.maxIntervalMs", reason));
        }
        if !(self.backoff.is_finite() && (1.0..=10.0).contains(&self.backoff)) {
            return Err(JobError::invalid_input("poll.backoff", "must be from 1 to 10"));
        }
        if !(0.0..1.0).contains(&self.jitter) {
            return Err(JobError::invalid_input("poll.jitter", "must be from 0 to below 1"));
        }
        if self.vanished_after == 0 {
            return Err(JobError::invalid_input("poll.vanishedAfter", "must be 1 or more"));
        }
        if !(self.slice_per_poll > 0.0 && self.slice_per_poll < 1.0) {
            return Err(JobError::invalid_input("poll.slicePerPoll", "must be above 0, below 1"));
        }
        Ok(())
    }

    /// Decides what follows the `in_a_row`-th "unknown request id" answer in a row: keep
    /// polling (`Ok`), or fail the job with a `vanished` error once the gateway has
    /// denied knowing it `vanished_after` times.
    pub fn unknown_id(&self, in_a_row: u32) -> Result<(), JobError> {
        if in_a_row < self.vanished_after {
            return Ok(());
        }
        let message = format!(
            "the gateway no longer knows the job (unknown request id {in_a_row} times in a \
             row); submit it again"
        );
        Err(JobError::new(ErrorKind::Vanished, message))
    }

    /// The error a job ends with when its polling deadline passes.
    pub fn deadline_error(&self) -> JobError {
        let seconds = (self.deadline_ms / 1000.0).round() as u64;
        JobError::new(
            ErrorKind::Deadline,
            format!("the job did not finish within its deadline of {seconds} s"),
        )
    }

    /// The backoff wait after `polls_done` polls.
    fn backoff_delay(&self, polls_done: u32) -> Millis {
        if polls_done == 0 {
            return self.first_delay_ms;
        }
        let grown = self.interval_ms * self.backoff.powi(polls_done.min(64) as i32 - 1);
        grown.min(self.max_interval_ms)
    }
}

/// Bounds of the standard scores the schedule works with; beyond them, probabilities are
/// 0 or 1 to within 1e-15.
const Z_LIMIT: f64 = 8.0;

/// A job this many standard deviations past the usual duration is treated as unforeseen:
/// the schedule falls back to the backoff.
const TAIL_Z: f64 = 3.0;

/// Finished jobs beyond this many weigh as if there were this many: older jobs fade, so
/// the model follows a pipeline whose durations drift.
const MEMORY: u32 = 200;

/// What an empty model believes about the spread of ln(duration), and how many jobs that
/// belief weighs. It keeps a model learned from one or two jobs from trusting them much.
const PRIOR_SPREAD: f64 = 1.0;
const PRIOR_WEIGHT: f64 = 1.0;

/// What a pipeline's finished jobs say about how long its next job will take: the running
/// mean and variance of ln(duration in ms), updated one job at a time (Welford), with the
/// weight of old jobs capped so that the estimate follows drift.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DurationModel {
    count: u32,
    mean: f64,
    variance: f64,
}

impl DurationModel {
    /// A model that knows nothing yet.
    pub fn new() -> Self {
        DurationModel::default()
    }

    /// How many finished jobs the model weighs (at most a fixed memory of 200).
    pub fn count(&self) -> u32 {
        self.count
    }

    /// The learned median duration in ms, or `None` before the first finished job.
    pub fn median_ms(&self) -> Option<Millis> {
        (self.count > 0).then(|| self.mean.exp())
    }

    /// Adds one finished job. A duration that is not a number above 0 is ignored.
    pub fn record(&mut self, duration_ms: Millis) {
        if !(duration_ms.is_finite() && duration_ms > 0.0) {
            return;
        }
        self.count = (self.count + 1).min(MEMORY);
        let weight = 1.0 / f64::from(self.count);
        let delta = duration_ms.ln() - self.mean;
        self.mean += weight * delta;
        self.variance = (1.0 - weight) * (self.variance + weight * delta * delta);
    }

    /// The learned ln-median and spread, or `None` while the model is empty.
    fn params(&self) -> Option<(f64, f64)> {
        if self.count == 0 {
            return None;
        }
        let count = f64::from(self.count);
        let pooled = count * self.variance + PRIOR_WEIGHT * PRIOR_SPREAD * PRIOR_SPREAD;
        Some((self.mean, (pooled / (count + PRIOR_WEIGHT)).sqrt()))
    }

    /// The expected duration of a job known to have ended after `after_ms` and by
    /// `by_ms`: under the model, the mean of ln(duration) within that window; while the
    /// model is empty, or if it calls the window impossible, the window's midpoint.
    pub fn estimate_within(&self, after_ms: Millis, by_ms: Millis) -> Millis {
        let midpoint = (after_ms + by_ms) / 2.0;
        let Some((mean, spread)) = self.params() else {
            return midpoint;
        };
        let low = score(after_ms, mean, spread);
        let high = score(by_ms, mean, spread);
        let mass = upper_tail(low) - upper_tail(high);
        if mass.is_nan() || mass <= 1e-9 {
            return midpoint;
        }
        let log_duration = mean + spread * (density(low) - density(high)) / mass;
        within(log_duration.exp(), after_ms.max(0.0), by_ms)
    }
}

/// `value` kept within `low..=high`, as `f64::clamp` does, but without its panic on
/// `low > high`, whose message would link Rust's float formatter into the wasm (about
/// 5 KB gzipped); the caller never passes such bounds.
fn within(value: f64, low: f64, high: f64) -> f64 {
    if value < low {
        low
    } else if value > high {
        high
    } else {
        value
    }
}

/// The standard score of `elapsed_ms` under the model, kept within the bounds.
fn score(elapsed_ms: Millis, mean: f64, spread: f64) -> f64 {
    if elapsed_ms <= 0.0 {
        return -Z_LIMIT;
    }
    ((elapsed_ms.ln() - mean) / spread).clamp(-Z_LIMIT, Z_LIMIT)
}

/// The standard normal density.
fn density(z: f64) -> f64 {
    (-0.5 * z * z).exp() * 0.398_942_280_401_432_7
}

/// The chance that a standard normal variable exceeds `z` (Abramowitz and Stegun 26.2.17;
/// absolute error below 7.5e-8).
fn upper_tail(z: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.231_641_9 * z.abs());
    let series = t
        * (0.319_381_530
            + t * (-0.356_563_782
                + t * (1.781_477_937 + t * (-1.821_255_978 + t * 1.330_274_429))));
    let tail = density(z) * series;
    if z >= 0.0 {
        tail
    } else {
        1.0 - tail
    }
}

/// The score above `from` where the upper tail falls to `target`, by bisection.
fn score_where_tail_is(target: f64, from: f64) -> f64 {
    let (mut low, mut high) = (from, Z_LIMIT);
    for _ in 0..40 {
        let middle = 0.5 * (low + high);
        if upper_tail(middle) > target {
            low = middle;
        } else {
            high = middle;
        }
    }
    high
}

/// When to poll the async jobs of each pipeline, learning from the jobs that finish.
#[derive(Clone, Debug, PartialEq)]
pub struct PollSchedule {
    policy: PollPolicy,
    models: Vec<(Pipeline, DurationModel)>,
}

impl PollSchedule {
    /// A schedule that knows no pipeline's durations yet. Fails with an `invalid_input`
    /// error naming the field when the policy does not validate.
    pub fn new(policy: PollPolicy) -> Result<Self, JobError> {
        policy.validate()?;
        Ok(PollSchedule { policy, models: Vec::new() })
    }

    /// The policy the schedule follows.
    pub fn policy(&self) -> &PollPolicy {
        &self.policy
    }

    /// What the schedule has learned about `pipeline`, if any of its jobs finished.
    pub fn model(&self, pipeline: Pipeline) -> Option<&DurationModel> {
        self.models.iter().find(|(known, _)| *known == pipeline).map(|(_, model)| model)
    }

    /// The wait in ms before the next poll of a `pipeline` job that was accepted
    /// `elapsed_ms` ago and has been polled `polls_done` times. `random` must be uniform
    /// in `[0, 1)`; it places the wait within the jitter.
    ///
    /// The wait is at least the minimum interval and never ends past the deadline: it is
    /// shortened to end exactly at the deadline. Fails with a `deadline` error when less
    /// than the minimum interval is left before the deadline.
    ///
    /// ```
    /// use comfyui_livepeer::pipelines::Pipeline;
    /// use comfyui_livepeer::requester::poll::{PollPolicy, PollSchedule};
    ///
    /// let schedule = PollSchedule::new(PollPolicy::default()).unwrap();
    /// let first = schedule.next_delay(Pipeline::ImageToVideo, 0.0, 0, 0.5).unwrap();
    /// assert_eq!(first, 2_000.0);
    /// ```
    pub fn next_delay(
        &self,
        pipeline: Pipeline,
        elapsed_ms: Millis,
        polls_done: u32,
        random: f64,
    ) -> Result<Millis, JobError> {
        let policy = &self.policy;
        let planned = self
            .model(pipeline)
            .and_then(|model| self.learned_delay(model, elapsed_ms))
            .unwrap_or_else(|| policy.backoff_delay(polls_done));

        let spread = 1.0 + policy.jitter * (2.0 * random.clamp(0.0, 1.0) - 1.0);
        let delay = (planned * spread).max(policy.min_interval_ms);
        self.within_deadline(elapsed_ms, delay)
    }

    /// The wait before the next poll when the last answer carried a `Retry-After` of
    /// `retry_after_ms`: the later of that and `delay_ms`. Fails with a `deadline` error
    /// when that wait would end past the deadline.
    pub fn honour_retry_after(
        &self,
        elapsed_ms: Millis,
        delay_ms: Millis,
        retry_after_ms: Millis,
    ) -> Result<Millis, JobError> {
        let delay = delay_ms.max(retry_after_ms);
        if elapsed_ms + delay > self.policy.deadline_ms {
            return Err(self.policy.deadline_error());
        }
        Ok(delay)
    }

    /// Teaches `pipeline`'s model one finished job of `duration_ms`.
    pub fn record(&mut self, pipeline: Pipeline, duration_ms: Millis) {
        self.model_mut(pipeline).record(duration_ms);
    }

    /// Teaches `pipeline`'s model a job that the last poll before `done_at_ms` saw still
    /// running at `running_at_ms` (0 when no poll did), and the poll at `done_at_ms` saw
    /// done. Records [`DurationModel::estimate_within`] that window.
    pub fn record_finished(
        &mut self,
        pipeline: Pipeline,
        running_at_ms: Millis,
        done_at_ms: Millis,
    ) {
        let model = self.model_mut(pipeline);
        let duration = model.estimate_within(running_at_ms, done_at_ms);
        model.record(duration);
    }

    fn model_mut(&mut self, pipeline: Pipeline) -> &mut DurationModel {
        let index = match self.models.iter().position(|(known, _)| *known == pipeline) {
            Some(index) => index,
            None => {
                self.models.push((pipeline, DurationModel::new()));
                self.models.len() - 1
            }
        };
        &mut self.models[index].1
    }

    /// The learned wait: until the job's chance of having finished grows by one slice of
    /// its remaining chance. Past the tail of the model, the backoff restarts from the
    /// first interval and grows with the time spent past the tail, capped. `None` while
    /// the model is empty.
    fn learned_delay(&self, model: &DurationModel, elapsed_ms: Millis) -> Option<Millis> {
        let (mean, spread) = model.params()?;
        let now = score(elapsed_ms, mean, spread);
        if now >= TAIL_Z {
            let tail_at = (mean + spread * TAIL_Z).exp();
            let past = (elapsed_ms - tail_at).max(0.0);
            let grown = self.policy.interval_ms + (self.policy.backoff - 1.0) * past;
            return Some(grown.min(self.policy.max_interval_ms));
        }
        let target = upper_tail(now) * (1.0 - self.policy.slice_per_poll);
        let next = score_where_tail_is(target, now);
        Some((mean + spread * next).exp() - elapsed_ms.max(0.0))
    }

    /// `delay_ms`, shortened to end at the deadline; a `deadline` error when less than the
    /// minimum interval is left.
    fn within_deadline(&self, elapsed_ms: Millis, delay_ms: Millis) -> Result<Millis, JobError> {
        let left = self.policy.deadline_ms - elapsed_ms;
        if !(left > 0.0 && left >= self.policy.min_interval_ms) {
            return Err(self.policy.deadline_error());
        }
        Ok(delay_ms.min(left))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const I2V: Pipeline = Pipeline::ImageToVideo;

    fn still() -> PollPolicy {
        PollPolicy { jitter: 0.0, ..PollPolicy::default() }
    }

    fn schedule(policy: PollPolicy) -> PollSchedule {
        PollSchedule::new(policy).unwrap()
    }

    /// A schedule that has seen `jobs` image-to-video jobs, half of them 0.3 shorter and
    /// half 0.3 longer than `median_ms` in ln terms: a learned spread of about 0.3.
    fn learned(policy: PollPolicy, median_ms: Millis, jobs: usize) -> PollSchedule {
        let mut schedule = schedule(policy);
        for i in 0..jobs {
            let z: f64 = if i % 2 == 0 { 1.0 } else { -1.0 };
            schedule.record(I2V, median_ms * (0.3 * z).exp());
        }
        schedule
    }

    /// The elapsed times of the polls a job gets until `until_ms`.
    fn polls(schedule: &PollSchedule, until_ms: Millis) -> Vec<Millis> {
        let mut at = Vec::new();
        let mut elapsed = 0.0;
        while elapsed < until_ms {
            elapsed += schedule.next_delay(I2V, elapsed, at.len() as u32, 0.5).unwrap();
            at.push(elapsed);
        }
        at
    }

    #[test]
    fn validate_names_the_bad_field() {
        type Spoil = fn(&mut PollPolicy);
        let cases: [(&str, Spoil); 9] = [
            ("poll.firstDelayMs", |p| p.first_delay_ms = -1.0),
            ("poll.minIntervalMs", |p| p.min_interval_ms = f64::NAN),
            ("poll.intervalMs", |p| p.interval_ms = 0.0),
            ("poll.deadlineMs", |p| p.deadline_ms = f64::INFINITY),
            ("poll.maxIntervalMs", |p| p.max_interval_ms = 1_000.0),
            ("poll.backoff", |p| p.backoff = 0.5),
            ("poll.jitter", |p| p.jitter = 1.0),
            ("poll.vanishedAfter", |p| p.vanished_after = 0),
            ("poll.slicePerPoll", |p| p.slice_per_poll = 0.0),
        ];
        for (field, spoil) in cases {
            let mut policy = PollPolicy::default();
            spoil(&mut policy);
            let error = PollSchedule::new(policy).unwrap_err();
            assert_eq!(error.kind, ErrorKind::InvalidInput);
            assert_eq!(error.field.as_deref(), Some(field));
        }
        assert!(PollPolicy::default().validate().is_ok());
    }

    #[test]
    fn the_policy_reads_camel_case_and_keeps_defaults() {
        let json = r#"{"firstDelayMs": 1000, "vanishedAfter": 5}"#;
        let policy = PollPolicy::read(&Value::from_json(json).unwrap()).unwrap();
        assert_eq!(policy.first_delay_ms, 1_000.0);
        assert_eq!(policy.vanished_after, 5);
        assert_eq!(policy.max_interval_ms, 10_000.0);
        let odd = PollPolicy::read(&Value::from_json(r#"{"backoff": "2"}"#).unwrap());
        assert_eq!(odd.unwrap_err().path, "backoff");
        assert!(PollPolicy::FIELDS.contains(&"slicePerPoll"));
    }

    #[test]
    fn a_pipeline_with_no_finished_job_backs_off() {
        let schedule = schedule(still());
        let at = polls(&schedule, 60_000.0);
        assert_eq!(&at[..7], [2_000.0, 4_000.0, 7_000.0, 11_500.0, 18_250.0, 28_250.0, 38_250.0]);
        assert!(schedule.model(I2V).is_none());
    }

    #[test]
    fn learning_moves_the_first_poll_later_and_crowds_polls_near_the_usual_finish() {
        let cold = schedule(still()).next_delay(I2V, 0.0, 0, 0.5).unwrap();
        let warm = learned(still(), 90_000.0, 100);
        let first = warm.next_delay(I2V, 0.0, 0, 0.5).unwrap();
        assert!(first > 10.0 * cold, "{first}");
        assert!((40_000.0..70_000.0).contains(&first), "{first}");

        let near_median = warm.next_delay(I2V, 90_000.0, 10, 0.5).unwrap();
        assert!(near_median < 3_000.0, "{near_median}");
        let model = warm.model(I2V).unwrap();
        assert_eq!(model.count(), 100);
        assert!((model.median_ms().unwrap() - 90_000.0).abs() < 100.0);
    }

    #[test]
    fn one_finished_job_is_trusted_with_caution() {
        let mut once = schedule(still());
        once.record(I2V, 90_000.0);
        let first = once.next_delay(I2V, 0.0, 0, 0.5).unwrap();
        assert!((10_000.0..30_000.0).contains(&first), "{first}");
        let other = once.next_delay(Pipeline::Upscale, 0.0, 0, 0.5).unwrap();
        assert_eq!(other, 2_000.0, "each pipeline learns on its own");
    }

    #[test]
    fn a_job_far_past_the_estimate_falls_back_to_the_backoff() {
        let warm = learned(still(), 90_000.0, 100);
        let late = warm.next_delay(I2V, 200_000.0, 30, 0.5).unwrap();
        assert!(late < 2_000.0, "still learned, and dense: {late}");
        let past = warm.next_delay(I2V, 235_000.0, 31, 0.5).unwrap();
        assert!((2_000.0..5_000.0).contains(&past), "{past}");
        let later = warm.next_delay(I2V, 600_000.0, 60, 0.5).unwrap();
        assert_eq!(later, 10_000.0);
    }

    #[test]
    fn polls_are_never_closer_than_the_minimum_interval() {
        let policy = PollPolicy { jitter: 0.5, ..PollPolicy::default() };
        let fast = learned(policy, 800.0, 50);
        for elapsed in [0.0, 500.0, 700.0, 800.0, 900.0, 1_500.0, 5_000.0] {
            let delay = fast.next_delay(I2V, elapsed, 3, 0.0).unwrap();
            assert!(delay >= 500.0, "{delay} at {elapsed}");
        }
        let cold = schedule(PollPolicy { first_delay_ms: 0.0, ..PollPolicy::default() });
        assert_eq!(cold.next_delay(I2V, 0.0, 0, 0.0), Ok(500.0));
    }

    #[test]
    fn no_wait_ends_past_the_deadline() {
        let policy = PollPolicy { deadline_ms: 40_000.0, ..still() };
        let warm = learned(policy.clone(), 90_000.0, 100);
        assert_eq!(warm.next_delay(I2V, 0.0, 0, 0.5), Ok(40_000.0));
        assert_eq!(warm.next_delay(I2V, 39_000.0, 1, 0.5), Ok(1_000.0));
        let cold = schedule(policy);
        assert_eq!(cold.next_delay(I2V, 35_000.0, 9, 0.5), Ok(5_000.0));

        for elapsed in [39_600.0, 40_000.0, 50_000.0] {
            let error = cold.next_delay(I2V, elapsed, 10, 0.5).unwrap_err();
            assert_eq!(error.kind, ErrorKind::Deadline);
            assert!(error.message.contains("40 s"), "{}", error.message);
        }
    }

    #[test]
    fn a_later_retry_after_wins() {
        let schedule = schedule(PollPolicy { deadline_ms: 60_000.0, ..still() });
        assert_eq!(schedule.honour_retry_after(10_000.0, 2_000.0, 7_000.0), Ok(7_000.0));
        assert_eq!(schedule.honour_retry_after(10_000.0, 2_000.0, 1_000.0), Ok(2_000.0));
        let late = schedule.honour_retry_after(50_000.0, 2_000.0, 30_000.0).unwrap_err();
        assert_eq!(late.kind, ErrorKind::Deadline);
    }

    #[test]
    fn the_same_random_number_gives_the_same_wait() {
        let policy = PollPolicy { jitter: 0.2, ..PollPolicy::default() };
        let warm = learned(policy, 90_000.0, 100);
        let once = warm.next_delay(I2V, 80_000.0, 12, 0.37).unwrap();
        assert_eq!(warm.next_delay(I2V, 80_000.0, 12, 0.37), Ok(once));
        let middle = warm.next_delay(I2V, 80_000.0, 12, 0.5).unwrap();
        let low = warm.next_delay(I2V, 80_000.0, 12, 0.0).unwrap();
        let high = warm.next_delay(I2V, 80_000.0, 12, 0.999_999).unwrap();
        assert!((low - 0.8 * middle).abs() < 1e-6, "{low} {middle}");
        assert!((high - 1.2 * middle).abs() < 0.01, "{high} {middle}");
    }

    #[test]
    fn unknown_ids_fail_the_job_only_when_repeated() {
        let policy = PollPolicy::default();
        assert!(policy.unknown_id(1).is_ok());
        assert!(policy.unknown_id(2).is_ok());
        let vanished = policy.unknown_id(3).unwrap_err();
        assert_eq!(vanished.kind, ErrorKind::Vanished);
        assert!(vanished.message.contains("3 times"), "{}", vanished.message);
    }

    #[test]
    fn finished_jobs_are_recorded_within_their_detection_window() {
        let mut cold = schedule(still());
        cold.record_finished(I2V, 4_000.0, 7_000.0);
        let midpoint = cold.model(I2V).unwrap().median_ms().unwrap();
        assert!((midpoint - 5_500.0).abs() < 1e-6, "{midpoint}");

        let mut warm = learned(still(), 90_000.0, 100);
        let model = warm.model(I2V).unwrap();
        let first_wait = model.estimate_within(0.0, 50_000.0);
        assert!((40_000.0..50_000.0).contains(&first_wait), "{first_wait}");
        let short = model.estimate_within(89_000.0, 91_000.0);
        assert!((short - 90_000.0).abs() < 50.0, "{short}");
        warm.record_finished(I2V, 89_000.0, 91_000.0);
        assert_eq!(warm.model(I2V).unwrap().count(), 101);

        warm.record(I2V, f64::NAN);
        warm.record(I2V, 0.0);
        assert_eq!(warm.model(I2V).unwrap().count(), 101);
    }

    #[test]
    fn the_normal_tail_is_accurate() {
        for (z, tail) in
            [(0.0, 0.5), (1.0, 0.158_655_25), (-1.96, 0.975_002_1), (3.0, 0.001_349_9)]
        {
            assert!((upper_tail(z) - tail).abs() < 1e-7, "{z}");
        }
        let z = score_where_tail_is(0.05, -Z_LIMIT);
        assert!((z - 1.644_853_6).abs() < 1e-5, "{z}");
    }
}
