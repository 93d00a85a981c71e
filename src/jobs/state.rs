//! The job state machine: the states a job passes through and the transitions allowed
//! between them. It owns no job; the registry asks it whether a move is legal.

/// Where a job stands.
///
/// `queued → submitting → running → completed → delivered`, or one of the ends
/// `failed`, `cancelled`, `interrupted`. `running` is only used by jobs the gateway
/// accepted for remote, asynchronous processing; a synchronous job goes from
/// `submitting` straight to `completed`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JobState {
    /// Registered; no request has been sent yet.
    Queued,
    /// A request is in flight, or the job waits between two attempts.
    Submitting,
    /// The gateway accepted the job and is processing it remotely.
    Running,
    /// The result is held by the service and has not been handed to a node yet.
    Completed,
    /// The result was handed to the node that asked for it.
    Delivered,
    /// The job ended with an error; the error is stored on the job.
    Failed,
    /// The user or the page cancelled the job.
    Cancelled,
    /// A page reload cut the job's synchronous request; it can be queued again.
    Interrupted,
}

impl JobState {
    /// The state's name as events, statuses and logs spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Submitting => "submitting",
            JobState::Running => "running",
            JobState::Completed => "completed",
            JobState::Delivered => "delivered",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
            JobState::Interrupted => "interrupted",
        }
    }

    /// The state named `name` (`"running"`), if there is one.
    pub fn from_name(name: &str) -> Option<JobState> {
        use JobState::*;
        [Queued, Submitting, Running, Completed, Delivered, Failed, Cancelled, Interrupted]
            .into_iter()
            .find(|state| state.as_str() == name)
    }

    /// True while work is still to happen: queued, submitting or running.
    pub fn is_pending(self) -> bool {
        matches!(self, JobState::Queued | JobState::Submitting | JobState::Running)
    }

    /// True when nothing more will happen to the job by itself.
    pub fn is_terminal(self) -> bool {
        !self.is_pending()
    }

    /// True when the move from `self` to `to` is part of the state machine.
    ///
    /// Staying in the same state is never a transition.
    pub fn can_move_to(self, to: JobState) -> bool {
        use JobState::*;
        matches!(
            (self, to),
            (Queued, Submitting | Cancelled | Interrupted)
                | (Submitting, Running | Completed | Failed | Cancelled | Interrupted)
                | (Running, Completed | Failed | Cancelled | Interrupted)
                | (Completed, Delivered)
                | (Interrupted, Queued)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::JobState::{self, *};

    const ALL: [JobState; 8] =
        [Queued, Submitting, Running, Completed, Delivered, Failed, Cancelled, Interrupted];

    #[test]
    fn the_happy_paths_are_allowed() {
        for path in [
            &[Queued, Submitting, Completed, Delivered][..],
            &[Queued, Submitting, Running, Completed, Delivered][..],
            &[Queued, Submitting, Interrupted, Queued, Submitting, Failed][..],
        ] {
            for pair in path.windows(2) {
                assert!(pair[0].can_move_to(pair[1]), "{:?} -> {:?}", pair[0], pair[1]);
            }
        }
    }

    #[test]
    fn ends_stay_ended() {
        for to in ALL {
            assert!(!Delivered.can_move_to(to));
            assert!(!Failed.can_move_to(to));
            assert!(!Cancelled.can_move_to(to));
        }
    }

    #[test]
    fn no_state_moves_to_itself_and_nothing_skips_back() {
        for state in ALL {
            assert!(!state.can_move_to(state));
        }
        assert!(!Completed.can_move_to(Running));
        assert!(!Running.can_move_to(Submitting));
        assert!(!Completed.can_move_to(Cancelled));
        assert!(!Queued.can_move_to(Completed));
    }

    #[test]
    fn names_round_trip() {
        for state in ALL {
            assert_eq!(JobState::from_name(state.as_str()), Some(state));
        }
        assert_eq!(JobState::from_name("done"), None);
    }

    #[test]
    fn pending_and_terminal_split_the_states() {
        let pending: Vec<_> = ALL.into_iter().filter(|s| s.is_pending()).collect();
        assert_eq!(pending, [Queued, Submitting, Running]);
        assert!(ALL.into_iter().all(|s| s.is_pending() != s.is_terminal()));
    }
}
