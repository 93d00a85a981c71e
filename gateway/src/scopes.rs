//! Scopes keep concurrent tests apart: each has its own fault queue, request log, key
//! and [`ScopeOptions`].
//!
//! A scope is created on first use and lives until the gateway stops; `reset` empties it
//! and puts its options back to their defaults.
//! Pipeline paths without a `/s/<scope>` prefix use the scope named `default`.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::faults::Fault;
use crate::media::MediaMode;
use crate::request_log::{Arrival, EntryId, LogEntry, RequestLog};

/// The most faults one scope may have waiting.
pub const QUEUE_CAPACITY: usize = 10_000;

/// How long a live stream runs unless its scope says otherwise, in milliseconds.
pub const DEFAULT_LIVE_DURATION_MS: u64 = 10_000;

/// How a scope's pipelines answer, besides faults and the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScopeOptions {
    /// http URLs on this gateway, or `data:` URLs.
    pub media: MediaMode,
    /// How long a live-video-to-video stream stays up, in milliseconds.
    pub live_duration_ms: u64,
    /// Whether segment-anything-2 puts `nan`, `inf` and `-inf` into its logits.
    pub nonfinite_logits: bool,
}

impl Default for ScopeOptions {
    fn default() -> Self {
        Self {
            media: MediaMode::Url,
            live_duration_ms: DEFAULT_LIVE_DURATION_MS,
            nonfinite_logits: false,
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

    /// Applies a configuration change; returns whether a key is now set, and the options.
    pub fn configure(&self, scope: &ScopeName, change: ConfigChange) -> (bool, ScopeOptions) {
        self.with(scope, |state| {
            if let Some(key) = change.api_key {
                state.api_key = key;
            }
            if let Some(media) = change.media {
                state.options.media = media;
            }
            if let Some(ms) = change.live_duration_ms {
                state.options.live_duration_ms = ms;
            }
            if let Some(flag) = change.nonfinite_logits {
                state.options.nonfinite_logits = flag;
            }
            (state.api_key.is_some(), state.options)
        })
    }

    /// Takes the next fault and logs the arrival, in one step.
    pub fn admit(&self, scope: &ScopeName, arrival: Arrival) -> Admission {
        self.with(scope, |state| {
            let fault = state.faults.pop_front();
            let entry = state.log.record(arrival, fault.as_ref().map(Fault::label));
            Admission { fault, entry, api_key: state.api_key.clone(), options: state.options }
        })
    }

    /// Records the status sent for a logged request.
    pub fn set_status(&self, scope: &ScopeName, entry: EntryId, status: u16) {
        self.with(scope, |state| state.log.set_status(entry, status));
    }

    /// The scope's request log in arrival order.
    pub fn log(&self, scope: &ScopeName) -> Vec<LogEntry> {
        self.with(scope, |state| state.log.entries())
    }

    /// Clears the scope's faults, log, key and options.
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
        assert_eq!(scopes.configure(&a, change).1.media, MediaMode::Data);
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
        let (key_set, options) = scopes.configure(&a, media);
        assert!(key_set);
        assert_eq!(options.media, MediaMode::Data);
        assert_eq!(options.live_duration_ms, DEFAULT_LIVE_DURATION_MS);
        let clear = ConfigChange { api_key: Some(None), ..ConfigChange::default() };
        assert!(!scopes.configure(&a, clear).0);
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
