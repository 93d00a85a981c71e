//! When the graph must be queued again: after jobs that nodes use complete, once, even
//! if several complete close together; never by itself after a failure, a cancel or a
//! user interrupt; never more than a bounded number of times in a row without a run the
//! user started; and never when the user turned it off.
//!
//! Sans-IO: it is told of completions and of the user's runs and interrupts, says when a
//! timer should fire, and at that time which jobs the requeue is for.

use super::Millis;
use crate::value::{self, Read, Value};

/// The rules of automatic requeues.
#[derive(Clone, Debug, PartialEq)]
pub struct RequeuePolicy {
    /// Requeue at all.
    pub enabled: bool,
    /// At most this many automatic requeues follow one run the user started.
    pub max_in_a_row: u32,
    /// Completions within this many ms of the first make one requeue.
    pub window_ms: Millis,
}

impl RequeuePolicy {
    /// Checks the figures; names the field that is wrong.
    pub fn validate(&self) -> Result<(), crate::error::JobError> {
        if !(self.window_ms.is_finite() && self.window_ms >= 0.0) {
            let reason = "must be a number of ms, 0 or more";
            return Err(crate::error::JobError::invalid_input("requeue.windowMs", reason));
        }
        Ok(())
    }
}

impl Default for RequeuePolicy {
    fn default() -> Self {
        RequeuePolicy { enabled: true, max_in_a_row: 10, window_ms: 300.0 }
    }
}

impl RequeuePolicy {
    /// The options, by their names in JS.
    pub const FIELDS: &'static [&'static str] = &["enabled", "maxInARow", "windowMs"];
}

impl Read for RequeuePolicy {
    fn read(value: &Value) -> value::Result<Self> {
        let fields = value.fields();
        let default = RequeuePolicy::default();
        fields.done(RequeuePolicy {
            enabled: fields.or("enabled", default.enabled),
            max_in_a_row: fields.or("maxInARow", default.max_in_a_row),
            window_ms: fields.or("windowMs", default.window_ms),
        })
    }
}

/// The requeue decisions of one service.
#[derive(Debug, Default)]
pub struct RequeueGate {
    policy: RequeuePolicy,
    in_a_row: u32,
    stopped: bool,
    waiting: Vec<String>,
    due_at: Option<Millis>,
}

impl RequeueGate {
    /// A gate with `policy`.
    pub fn new(policy: RequeuePolicy) -> Self {
        RequeueGate { policy, ..RequeueGate::default() }
    }

    /// The rules in force.
    pub fn policy(&self) -> &RequeuePolicy {
        &self.policy
    }

    /// Changes the rules; turning requeues off drops a requeue that was due.
    pub fn set_policy(&mut self, policy: RequeuePolicy) {
        if !policy.enabled {
            self.clear();
        }
        self.policy = policy;
    }

    /// The user started a run: requeues may follow it again.
    pub fn begin_run(&mut self) {
        self.in_a_row = 0;
        self.stopped = false;
    }

    /// The user interrupted the queue (or cancelled): no requeue until they run again.
    pub fn stop(&mut self) {
        self.stopped = true;
        self.clear();
    }

    /// A job that a node uses completed at `now`. Returns when a timer should fire, if
    /// one is not already set.
    pub fn completed(&mut self, job_id: &str, now: Millis) -> Option<Millis> {
        if !self.policy.enabled || self.stopped {
            return None;
        }
        if !self.waiting.iter().any(|id| id == job_id) {
            self.waiting.push(job_id.to_string());
        }
        if self.due_at.is_some() {
            return None;
        }
        let due = now + self.policy.window_ms.max(0.0);
        self.due_at = Some(due);
        Some(due)
    }

    /// The timer fired at `now`: the jobs to requeue the graph for, or `None`.
    pub fn fire(&mut self, now: Millis) -> Option<Vec<String>> {
        let due = self.due_at?;
        if now < due {
            return None;
        }
        self.due_at = None;
        let jobs = std::mem::take(&mut self.waiting);
        if jobs.is_empty() || self.stopped || !self.policy.enabled {
            return None;
        }
        if self.in_a_row >= self.policy.max_in_a_row {
            self.stopped = true;
            return None;
        }
        self.in_a_row += 1;
        Some(jobs)
    }

    fn clear(&mut self) {
        self.waiting.clear();
        self.due_at = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate() -> RequeueGate {
        RequeueGate::new(RequeuePolicy { enabled: true, max_in_a_row: 2, window_ms: 100.0 })
    }

    #[test]
    fn completions_close_together_make_one_requeue() {
        let mut gate = gate();
        assert_eq!(gate.completed("a", 0.0), Some(100.0));
        assert_eq!(gate.completed("b", 50.0), None, "the timer is already set");
        assert_eq!(gate.completed("a", 60.0), None);
        assert_eq!(gate.fire(99.0), None, "not yet");
        assert_eq!(gate.fire(100.0), Some(vec!["a".to_string(), "b".to_string()]));
        assert_eq!(gate.fire(200.0), None, "once");
    }

    #[test]
    fn requeues_in_a_row_are_bounded_until_the_user_runs_again() {
        let mut gate = gate();
        for at in [0.0, 1000.0] {
            gate.completed("x", at);
            assert!(gate.fire(at + 100.0).is_some());
        }
        gate.completed("x", 2000.0);
        assert_eq!(gate.fire(2100.0), None, "the third in a row is refused");
        assert_eq!(gate.completed("y", 3000.0), None, "and it stays stopped");
        gate.begin_run();
        assert_eq!(gate.completed("y", 4000.0), Some(4100.0));
        assert!(gate.fire(4100.0).is_some());
    }

    #[test]
    fn an_interrupt_or_turning_it_off_drops_what_was_due() {
        let mut gate = gate();
        gate.completed("a", 0.0);
        gate.stop();
        assert_eq!(gate.fire(100.0), None);
        assert_eq!(gate.completed("b", 200.0), None, "stopped until the next run");
        gate.begin_run();
        gate.completed("c", 300.0);
        gate.set_policy(RequeuePolicy { enabled: false, ..RequeuePolicy::default() });
        assert_eq!(gate.fire(400.0), None);
        assert_eq!(gate.completed("d", 500.0), None);
    }
}
