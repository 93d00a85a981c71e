//! The connection budget: at most `cap` requests in flight to the gateway at once, handed
//! out in a fair order. Browsers open about six HTTP/1.1 connections per host, and the
//! ComfyUI page needs some for itself, so the default cap is 4.
//!
//! Two queues, each first come first served: polls of running jobs, and everything else
//! (submissions). A freed slot goes to a waiting poll first. While any job is being
//! polled, submissions may hold at most `cap - 1` slots, so a poll never waits behind
//! long submissions; with nothing to poll, submissions may use every slot.
//!
//! Sans-IO: it hands out numbered tickets and says which waiter to wake; the browser
//! layer turns that into futures.

use std::collections::VecDeque;

/// What a request is for; polls are short and must not starve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lane {
    /// A poll of a running job (or a live stream's status).
    Poll,
    /// A submission, or any other request.
    Submit,
}

/// The slots in use and the waiters in line.
#[derive(Debug)]
pub struct Budget {
    cap: usize,
    in_flight_polls: usize,
    in_flight_submits: usize,
    waiting_polls: VecDeque<u64>,
    waiting_submits: VecDeque<u64>,
    pollers: usize,
    next_ticket: u64,
    peak: usize,
}

/// The answer to a request for a slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grant {
    /// A slot is yours now.
    Now,
    /// Wait; you will be woken with this ticket.
    Wait(u64),
}

impl Budget {
    /// A budget of `cap` slots (at least 1).
    pub fn new(cap: usize) -> Self {
        Budget {
            cap: cap.max(1),
            in_flight_polls: 0,
            in_flight_submits: 0,
            waiting_polls: VecDeque::new(),
            waiting_submits: VecDeque::new(),
            pollers: 0,
            next_ticket: 0,
            peak: 0,
        }
    }

    /// Requests in flight now.
    pub fn in_flight(&self) -> usize {
        self.in_flight_polls + self.in_flight_submits
    }

    /// The most requests ever in flight at once.
    pub fn peak(&self) -> usize {
        self.peak
    }

    /// Asks for a slot in `lane`: granted now, or a ticket to wait with.
    pub fn request(&mut self, lane: Lane) -> Grant {
        let queue_empty = match lane {
            Lane::Poll => self.waiting_polls.is_empty(),
            Lane::Submit => self.waiting_submits.is_empty() && self.waiting_polls.is_empty(),
        };
        if queue_empty && self.fits(lane) {
            self.take(lane);
            return Grant::Now;
        }
        self.next_ticket += 1;
        match lane {
            Lane::Poll => self.waiting_polls.push_back(self.next_ticket),
            Lane::Submit => self.waiting_submits.push_back(self.next_ticket),
        }
        Grant::Wait(self.next_ticket)
    }

    /// Gives back a slot of `lane`; returns the tickets that now hold a slot, to wake.
    pub fn release(&mut self, lane: Lane) -> Vec<(u64, Lane)> {
        match lane {
            Lane::Poll => self.in_flight_polls = self.in_flight_polls.saturating_sub(1),
            Lane::Submit => self.in_flight_submits = self.in_flight_submits.saturating_sub(1),
        }
        self.admit()
    }

    /// Leaves the line without a slot (the waiter went away). Returns tickets to wake.
    pub fn withdraw(&mut self, ticket: u64) -> Vec<(u64, Lane)> {
        self.waiting_polls.retain(|&t| t != ticket);
        self.waiting_submits.retain(|&t| t != ticket);
        self.admit()
    }

    /// Counts a job that is being polled: while it counts, submissions keep a slot free
    /// for polls.
    pub fn add_poller(&mut self) {
        self.pollers += 1;
    }

    /// Stops counting a polled job. Returns tickets to wake: submissions may now use the
    /// slot kept for polls.
    pub fn remove_poller(&mut self) -> Vec<(u64, Lane)> {
        self.pollers = self.pollers.saturating_sub(1);
        self.admit()
    }

    fn fits(&self, lane: Lane) -> bool {
        if self.in_flight() >= self.cap {
            return false;
        }
        match lane {
            Lane::Poll => true,
            Lane::Submit => {
                let kept = usize::from(self.pollers > 0 && self.cap > 1);
                self.in_flight_submits < self.cap - kept
            }
        }
    }

    fn take(&mut self, lane: Lane) {
        match lane {
            Lane::Poll => self.in_flight_polls += 1,
            Lane::Submit => self.in_flight_submits += 1,
        }
        self.peak = self.peak.max(self.in_flight());
    }

    /// Hands free slots to waiters: polls first, then submissions, each in order.
    fn admit(&mut self) -> Vec<(u64, Lane)> {
        let mut woken = Vec::new();
        while self.fits(Lane::Poll) {
            let Some(ticket) = self.waiting_polls.pop_front() else { break };
            self.take(Lane::Poll);
            woken.push((ticket, Lane::Poll));
        }
        while self.fits(Lane::Submit) {
            let Some(ticket) = self.waiting_submits.pop_front() else { break };
            self.take(Lane::Submit);
            woken.push((ticket, Lane::Submit));
        }
        woken
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_more_than_the_cap_and_first_come_first_served() {
        let mut budget = Budget::new(2);
        assert_eq!(budget.request(Lane::Submit), Grant::Now);
        assert_eq!(budget.request(Lane::Submit), Grant::Now);
        assert_eq!(budget.request(Lane::Submit), Grant::Wait(1));
        assert_eq!(budget.request(Lane::Submit), Grant::Wait(2));
        assert_eq!(budget.in_flight(), 2);
        assert_eq!(budget.release(Lane::Submit), [(1, Lane::Submit)]);
        assert_eq!(budget.release(Lane::Submit), [(2, Lane::Submit)]);
        assert_eq!(budget.release(Lane::Submit), []);
        assert_eq!(budget.peak(), 2);
    }

    #[test]
    fn a_freed_slot_goes_to_a_poll_first() {
        let mut budget = Budget::new(1);
        assert_eq!(budget.request(Lane::Submit), Grant::Now);
        assert_eq!(budget.request(Lane::Submit), Grant::Wait(1));
        assert_eq!(budget.request(Lane::Poll), Grant::Wait(2));
        assert_eq!(budget.release(Lane::Submit), [(2, Lane::Poll)]);
        assert_eq!(budget.release(Lane::Poll), [(1, Lane::Submit)]);
    }

    #[test]
    fn while_jobs_are_polled_submissions_leave_a_slot_for_polls() {
        let mut budget = Budget::new(3);
        budget.add_poller();
        assert_eq!(budget.request(Lane::Submit), Grant::Now);
        assert_eq!(budget.request(Lane::Submit), Grant::Now);
        assert_eq!(budget.request(Lane::Submit), Grant::Wait(1), "the last slot is kept");
        assert_eq!(budget.request(Lane::Poll), Grant::Now, "a poll gets it at once");
        assert_eq!(budget.release(Lane::Poll), [], "the kept slot stays kept");
        assert_eq!(budget.remove_poller(), [(1, Lane::Submit)], "nothing to poll: it is free");
        assert_eq!(budget.in_flight(), 3);
    }

    #[test]
    fn a_waiter_that_leaves_is_skipped() {
        let mut budget = Budget::new(1);
        assert_eq!(budget.request(Lane::Submit), Grant::Now);
        let Grant::Wait(gone) = budget.request(Lane::Submit) else { panic!("waits") };
        let Grant::Wait(next) = budget.request(Lane::Submit) else { panic!("waits") };
        assert_eq!(budget.withdraw(gone), []);
        assert_eq!(budget.release(Lane::Submit), [(next, Lane::Submit)]);
    }

    #[test]
    fn a_submission_does_not_jump_a_waiting_poll() {
        let mut budget = Budget::new(2);
        budget.request(Lane::Poll);
        budget.request(Lane::Poll);
        assert_eq!(budget.request(Lane::Poll), Grant::Wait(1));
        assert_eq!(budget.request(Lane::Submit), Grant::Wait(2));
        assert_eq!(budget.release(Lane::Poll), [(1, Lane::Poll)]);
    }

    #[test]
    fn a_cap_of_zero_means_one() {
        let mut budget = Budget::new(0);
        assert_eq!(budget.request(Lane::Submit), Grant::Now);
        assert_eq!(budget.request(Lane::Poll), Grant::Wait(1));
    }
}
