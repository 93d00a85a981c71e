//! Scopes keep concurrent tests apart: each has its own fault queue, request log, key,
//! [`ScopeOptions`], async jobs, media log and in-flight counters.
//!
//! A scope is created on first use and lives until the gateway stops; `reset` empties it
//! and puts its options back to their defaults.
//! Pipeline paths without a `/s/<scope>` prefix use the scope named `default`.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde_json::Value;

use crate::concurrency::{Concurrency, InFlight, Stats};
use crate::faults::Fault;
use crate::jobs::{JobBook, JobState, JobTicket};
use crate::media::MediaMode;
use crate::media_log::{MediaFetch, MediaLog};
use crate::request_log::{Arrival, EntryId, LogEntry, RequestLog};

/// Why a scope name was refused, for error messages.
pub const SCOPE_NAME_RULE: &str = "bad scope name: use 1 to 64 characters from A-Z a-z 0-9 _ -";

/// The most faults one scope may have waiting.
pub const QUEUE_CAPACITY: usize = 10_000;

/// How long a live stream runs unless its scope says otherwise, in milliseconds.
pub const DEFAULT_LIVE_DURATION_MS: u64 = 10_000;

/// How long an async image-to-video job runs unless its scope says otherwise, in ms.
pub const DEFAULT_ASYNC_DURATION_MS: u64 = 3_000;

/// How a scope's pipelines answer, besides faults and the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeOptions {
    /// http URLs on this gateway, or `data:` URLs.
    pub media: MediaMode,
    /// How long a live-video-to-video stream stays up, in milliseconds.
    pub live_duration_ms: u64,
    /// Whether segment-anything-2 puts `nan`, `inf` and `-inf` into its logits.
    pub nonfinite_logits: bool,
    /// How long an async job runs when no scripted duration is waiting, in milliseconds.
    pub async_duration_ms: u64,
    /// How long every pipeline and poll answer is held back, in milliseconds.
    pub latency_ms: u64,
    /// The host name of media URLs, in URL form (`localhost`, `[::1]`); `None` uses the
    /// request's `Host` header.
    pub media_host: Option<String>,
}

impl Default for ScopeOptions {
    fn default() -> Self {
        Self {
            media: MediaMode::Url,
            live_duration_ms: DEFAULT_LIVE_DURATION_MS,
            nonfinite_logits: false,
            async_duration_ms: DEFAULT_ASYNC_DURATION_MS,
            latency_ms: 0,
            media_host: None,
        }
    }
}

/// A change to a scope's configuration: only the fields that are `Some` change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigChange {
    /// `Some(Some(key))` sets the key, `Some(None)` clears it.
    pub api_key: Option<Option<String>>,
    /// The new media mode.
    pub media: Option<MediaMode>,
    /// The new live stream duration.
    pub live_duration_ms: Option<u64>,
    /// Whether to put non-finite values into segment-anything-2 logits.
    pub nonfinite_logits: Option<bool>,
    /// The new default duration of async jobs.
    pub async_duration_ms: Option<u64>,
    /// The durations of the next async jobs, replacing those still waiting.
    pub async_durations_ms: Option<Vec<u64>>,
    /// `Some(Some(msg))` makes the next async job fail with `msg`; `Some(None)` clears it.
    pub async_error: Option<Option<String>>,
    /// The new fixed latency of the scope's answers.
    pub latency_ms: Option<u64>,
    /// `Some(Some(host))` sets the media host name, `Some(None)` clears it.
    pub media_host: Option<Option<String>>,
}

/// A scope's configuration as the control API reports it, never the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeConfig {
    /// Whether the scope has its own key.
    pub api_key_set: bool,
    /// The options.
    pub options: ScopeOptions,
    /// The durations still waiting for the next async jobs, next first.
    pub async_durations_ms: Vec<u64>,
    /// The failure still waiting for the next async job.
    pub async_error: Option<String>,
}

/// A valid scope name: 1 to 64 characters from `A-Z a-z 0-9 _ -`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ScopeName(String);

impl ScopeName {
    /// The scope of requests whose path has no `/s/<scope>` prefix.
    pub fn default_scope() -> Self {
        Self("default".to_owned())
    }

    /// Checks a name taken from a path; `None` when it breaks the rules above.
    pub fn parse(name: &str) -> Option<Self> {
        let allowed = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
        let valid = (1..=64).contains(&name.len()) && name.chars().all(allowed);
        valid.then(|| Self(name.to_owned()))
    }
}

impl fmt::Display for ScopeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a pipeline request learns from its scope when it arrives.
#[derive(Debug)]
pub struct Admission {
    /// The fault it took from the queue, if any.
    pub fault: Option<Fault>,
    /// Its entry in the request log.
    pub entry: EntryId,
    /// The scope's own key, if set.
    pub api_key: Option<String>,
    /// The scope's options at the time of arrival.
    pub options: ScopeOptions,
    /// Counts the request as in flight until dropped.
    pub in_flight: InFlight,
}

/// The fault queue had no room for a whole script.
#[derive(Debug)]
pub struct QueueFull;

#[derive(Debug, Default)]
struct ScopeState {
    faults: VecDeque<Fault>,
    log: RequestLog,
    api_key: Option<String>,
    options: ScopeOptions,
    jobs: JobBook,
    media_log: MediaLog,
    concurrency: Arc<Concurrency>,
}

impl ScopeState {
    fn config(&self) -> ScopeConfig {
        ScopeConfig {
            api_key_set: self.api_key.is_some(),
            options: self.options.clone(),
            async_durations_ms: self.jobs.durations(),
            async_error: self.jobs.failure().map(str::to_owned),
        }
    }
}

/// All scopes, behind one lock held only for short bookkeeping.
#[derive(Debug, Default)]
pub struct Scopes {
    inner: Mutex<HashMap<ScopeName, ScopeState>>,
}

impl Scopes {
    fn lock(&self) -> MutexGuard<'_, HashMap<ScopeName, ScopeState>> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn with<T>(&self, scope: &ScopeName, f: impl FnOnce(&mut ScopeState) -> T) -> T {
        let mut scopes = self.lock();
        f(scopes.entry(scope.clone()).or_default())
    }

    /// Appends faults to the queue; returns how many are now waiting.
    ///
    /// Fails, keeping none of them, when the queue would pass [`QUEUE_CAPACITY`].
    pub fn push_faults(&self, scope: &ScopeName, faults: Vec<Fault>) -> Result<usize, QueueFull> {
        self.with(scope, |state| {
            if state.faults.len() + faults.len() > QUEUE_CAPACITY {
                return Err(QueueFull);
            }
            state.faults.extend(faults);
            Ok(state.faults.len())
        })
    }

    /// The faults still waiting, next first.
    pub fn pending_faults(&self, scope: &ScopeName) -> Vec<Fault> {
        self.with(scope, |state| state.faults.iter().cloned().collect())
    }

    /// Applies a configuration change; returns the configuration after it.
    pub fn configure(&self, scope: &ScopeName, change: ConfigChange) -> ScopeConfig {
        self.with(scope, |state| {
            let options = &mut state.options;
            if let Some(key) = change.api_key {
                state.api_key = key;
            }
            if let Some(media) = change.media {
                options.media = media;
            }
            if let Some(ms) = change.live_duration_ms {
                options.live_duration_ms = ms;
            }
            if let Some(flag) = change.nonfinite_logits {
                options.nonfinite_logits = flag;
            }
            if let Some(ms) = change.async_duration_ms {
                options.async_duration_ms = ms;
            }
            if let Some(ms) = change.latency_ms {
                options.latency_ms = ms;
            }
            if let Some(host) = change.media_host {
                options.media_host = host;
            }
            if let Some(durations) = change.async_durations_ms {
                state.jobs.set_durations(durations);
            }
            if let Some(failure) = change.async_error {
                state.jobs.set_failure(failure);
            }
            state.config()
        })
    }

    /// Takes the next fault, logs the arrival and counts the request in flight, in one
    /// step.
    pub fn admit(&self, scope: &ScopeName, arrival: Arrival) -> Admission {
        self.with(scope, |state| {
            let fault = state.faults.pop_front();
            let entry = state.log.record(arrival, fault.as_ref().map(Fault::label));
            Admission {
                fault,
                entry,
                api_key: state.api_key.clone(),
                options: state.options.clone(),
                in_flight: state.concurrency.enter(),
            }
        })
    }

    /// Records the status sent for a logged request.
    pub fn set_status(&self, scope: &ScopeName, entry: EntryId, status: u16) {
        self.with(scope, |state| state.log.set_status(entry, status));
    }

    /// Records when the answer to a logged request was sent in full.
    pub fn set_done(&self, scope: &ScopeName, entry: EntryId, done_ms: f64) {
        self.with(scope, |state| state.log.set_done(entry, done_ms));
    }

    /// The scope's request log in arrival order.
    pub fn log(&self, scope: &ScopeName) -> Vec<LogEntry> {
        self.with(scope, |state| state.log.entries())
    }

    /// The scope's in-flight counters.
    pub fn stats(&self, scope: &ScopeName) -> Stats {
        self.with(scope, |state| state.concurrency.stats())
    }

    /// Opens an async job, taking the next scripted duration and failure.
    pub fn open_job(&self, scope: &ScopeName) -> JobTicket {
        self.with(scope, |state| state.jobs.open(state.options.async_duration_ms))
    }

    /// Stores the result of an async job, unless the job was forgotten meanwhile.
    pub fn complete_job(&self, scope: &ScopeName, id: &str, result: Value) {
        self.with(scope, |state| state.jobs.complete(id, result));
    }

    /// The state of an async job, or `None` when the scope does not know the id.
    pub fn job(&self, scope: &ScopeName, id: &str) -> Option<JobState> {
        self.with(scope, |state| state.jobs.get(id))
    }

    /// Logs a fetch of media that a request of this scope created.
    pub fn record_media_fetch(&self, scope: &ScopeName, fetch: MediaFetch) {
        self.with(scope, |state| state.media_log.record(fetch));
    }

    /// The scope's media fetches in arrival order.
    pub fn media_log(&self, scope: &ScopeName) -> Vec<MediaFetch> {
        self.with(scope, |state| state.media_log.entries())
    }

    /// Clears the scope's faults, logs, key, options, jobs and counters.
    pub fn reset(&self, scope: &ScopeName) {
        self.lock().remove(scope);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arrival() -> Arrival {
        Arrival {
            method: "POST".into(),
            path: "/text-to-image".into(),
            at_ms: 0.0,
            authorization: true,
        }
    }

    #[test]
    fn scope_names_follow_the_rules() {
        assert!(ScopeName::parse("t42").is_some());
        assert!(ScopeName::parse("A_b-9").is_some());
        assert!(ScopeName::parse(&"x".repeat(64)).is_some());
        assert!(ScopeName::parse(&"x".repeat(65)).is_none());
        assert!(ScopeName::parse("").is_none());
        assert!(ScopeName::parse("a.b").is_none());
        assert!(ScopeName::parse("a/b").is_none());
    }

    #[test]
    fn faults_are_taken_in_order_and_per_scope() {
        let scopes = Scopes::default();
        let a = ScopeName::parse("a").unwrap();
        let b = ScopeName::parse("b").unwrap();
        scopes.push_faults(&a, vec![Fault::Drop, Fault::Html]).unwrap();
        assert_eq!(scopes.admit(&b, arrival()).fault, None);
        assert_eq!(scopes.admit(&a, arrival()).fault, Some(Fault::Drop));
        assert_eq!(scopes.admit(&a, arrival()).fault, Some(Fault::Html));
        assert_eq!(scopes.admit(&a, arrival()).fault, None);
        assert_eq!(scopes.log(&a).len(), 3);
        assert_eq!(scopes.log(&b).len(), 1);
    }

    #[test]
    fn reset_clears_everything() {
        let scopes = Scopes::default();
        let a = ScopeName::parse("a").unwrap();
        scopes.push_faults(&a, vec![Fault::Drop]).unwrap();
        let change = ConfigChange {
            api_key: Some(Some("k".into())),
            media: Some(MediaMode::Data),
            ..ConfigChange::default()
        };
        assert_eq!(scopes.configure(&a, change).options.media, MediaMode::Data);
        scopes.admit(&a, arrival());
        scopes.push_faults(&a, vec![Fault::Drop]).unwrap();
        scopes.reset(&a);
        assert!(scopes.pending_faults(&a).is_empty());
        assert!(scopes.log(&a).is_empty());
        let admission = scopes.admit(&a, arrival());
        assert_eq!(admission.api_key, None);
        assert_eq!(admission.options, ScopeOptions::default());
    }

    #[test]
    fn only_given_config_fields_change() {
        let scopes = Scopes::default();
        let a = ScopeName::parse("a").unwrap();
        let key = ConfigChange { api_key: Some(Some("k".into())), ..ConfigChange::default() };
        scopes.configure(&a, key);
        let media = ConfigChange { media: Some(MediaMode::Data), ..ConfigChange::default() };
        let config = scopes.configure(&a, media);
        assert!(config.api_key_set);
        assert_eq!(config.options.media, MediaMode::Data);
        assert_eq!(config.options.live_duration_ms, DEFAULT_LIVE_DURATION_MS);
        let clear = ConfigChange { api_key: Some(None), ..ConfigChange::default() };
        assert!(!scopes.configure(&a, clear).api_key_set);
    }

    #[test]
    fn in_flight_requests_are_counted_per_scope() {
        let scopes = Scopes::default();
        let a = ScopeName::parse("a").unwrap();
        let b = ScopeName::parse("b").unwrap();
        let first = scopes.admit(&a, arrival());
        let second = scopes.admit(&a, arrival());
        drop(scopes.admit(&b, arrival()));
        assert_eq!(scopes.stats(&a).in_flight, 2);
        drop((first, second));
        let stats = scopes.stats(&a);
        assert_eq!((stats.max_in_flight, stats.in_flight, stats.requests), (2, 0, 2));
        assert_eq!(scopes.stats(&b).max_in_flight, 1);
    }

    #[test]
    fn jobs_follow_the_scope_script() {
        let scopes = Scopes::default();
        let a = ScopeName::parse("a").unwrap();
        let change = ConfigChange {
            async_durations_ms: Some(vec![5]),
            async_error: Some(Some("no capacity".into())),
            ..ConfigChange::default()
        };
        let config = scopes.configure(&a, change);
        assert_eq!(config.async_durations_ms, [5]);
        assert_eq!(config.async_error.as_deref(), Some("no capacity"));
        let ticket = scopes.open_job(&a);
        assert_eq!(ticket.duration.as_millis(), 5);
        assert_eq!(ticket.failure.as_deref(), Some("no capacity"));
        assert_eq!(scopes.job(&a, &ticket.id), Some(JobState::Processing));
        assert_eq!(scopes.job(&ScopeName::default_scope(), &ticket.id), None);
        let next = scopes.open_job(&a);
        assert_eq!(next.duration.as_millis(), u128::from(DEFAULT_ASYNC_DURATION_MS));
        assert_eq!(next.failure, None);
    }

    #[test]
    fn a_full_queue_keeps_none_of_a_script() {
        let scopes = Scopes::default();
        let a = ScopeName::parse("a").unwrap();
        scopes.push_faults(&a, vec![Fault::Drop; QUEUE_CAPACITY - 1]).unwrap();
        assert!(scopes.push_faults(&a, vec![Fault::Drop; 2]).is_err());
        assert_eq!(scopes.pending_faults(&a).len(), QUEUE_CAPACITY - 1);
    }
}
