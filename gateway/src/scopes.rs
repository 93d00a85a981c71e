//! Scopes keep concurrent tests apart: each has its own fault queue, request log and key.
//!
//! A scope is created on first use and lives until the gateway stops; `reset` empties it.
//! Pipeline paths without a `/s/<scope>` prefix use the scope named `default`.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::faults::Fault;
use crate::request_log::{Arrival, EntryId, LogEntry, RequestLog};

/// The most faults one scope may have waiting.
pub const QUEUE_CAPACITY: usize = 10_000;

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
}

/// The fault queue had no room for a whole script.
#[derive(Debug)]
pub struct QueueFull;

#[derive(Debug, Default)]
struct ScopeState {
    faults: VecDeque<Fault>,
    log: RequestLog,
    api_key: Option<String>,
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

    /// Sets or clears the key that the scope's pipeline requests must carry.
    pub fn set_api_key(&self, scope: &ScopeName, key: Option<String>) {
        self.with(scope, |state| state.api_key = key);
    }

    /// Takes the next fault and logs the arrival, in one step.
    pub fn admit(&self, scope: &ScopeName, arrival: Arrival) -> Admission {
        self.with(scope, |state| {
            let fault = state.faults.pop_front();
            let entry = state.log.record(arrival, fault.as_ref().map(Fault::label));
            Admission { fault, entry, api_key: state.api_key.clone() }
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

    /// Clears the scope's faults, log and key.
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
        scopes.set_api_key(&a, Some("k".into()));
        scopes.admit(&a, arrival());
        scopes.push_faults(&a, vec![Fault::Drop]).unwrap();
        scopes.reset(&a);
        assert!(scopes.pending_faults(&a).is_empty());
        assert!(scopes.log(&a).is_empty());
        assert_eq!(scopes.admit(&a, arrival()).api_key, None);
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
