//! The connection budget in the browser: each request waits for a slot before it is
//! sent and gives it back when it ends, however it ends. The order and the limits are
//! the sans-IO [`Budget`]'s; this module only parks and wakes the waiting requests.

use crate::requester::budget::{Budget, Grant, Lane};
use futures_channel::oneshot;
use futures_util::future::{select, Either};
use std::cell::RefCell;

/// The slots of one gateway.
pub struct Slots {
    budget: RefCell<Budget>,
    /// The parked requests by ticket: as many as requests wait, a few dozen at most in
    /// practice, so a list searched in full is enough.
    waiters: RefCell<Vec<(u64, oneshot::Sender<()>)>>,
}

/// A slot held; dropping it gives the slot to the next waiter.
#[must_use = "the slot is given back when the permit is dropped"]
pub struct Permit<'a> {
    slots: &'a Slots,
    lane: Lane,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let woken = self.slots.budget.borrow_mut().release(self.lane);
        self.slots.wake(woken);
    }
}

impl Slots {
    /// `cap` slots.
    pub fn new(cap: usize) -> Self {
        Slots { budget: RefCell::new(Budget::new(cap)), waiters: RefCell::default() }
    }

    /// The most requests ever in flight at once.
    pub fn peak(&self) -> usize {
        self.budget.borrow().peak()
    }

    /// Waits for a slot in `lane`; `None` when `cancel` fires first (the place in line
    /// is given up, and a slot granted meanwhile is passed on).
    pub async fn acquire(
        &self,
        lane: Lane,
        cancel: &mut oneshot::Receiver<()>,
    ) -> Option<Permit<'_>> {
        let grant = self.budget.borrow_mut().request(lane);
        let ticket = match grant {
            Grant::Now => return Some(Permit { slots: self, lane }),
            Grant::Wait(ticket) => ticket,
        };
        let (wake, woken) = oneshot::channel();
        self.waiters.borrow_mut().push((ticket, wake));
        match select(woken, cancel).await {
            Either::Left((Ok(()), _)) => Some(Permit { slots: self, lane }),
            _ => {
                let still_waiting = self.take_waiter(ticket).is_some();
                let woken = if still_waiting {
                    self.budget.borrow_mut().withdraw(ticket)
                } else {
                    self.budget.borrow_mut().release(lane)
                };
                self.wake(woken);
                None
            }
        }
    }

    /// Counts a job being polled (submissions then keep a slot free for polls).
    pub fn add_poller(&self) {
        self.budget.borrow_mut().add_poller();
    }

    /// Stops counting a polled job.
    pub fn remove_poller(&self) {
        let woken = self.budget.borrow_mut().remove_poller();
        self.wake(woken);
    }

    /// Removes and returns the waiter holding `ticket`.
    fn take_waiter(&self, ticket: u64) -> Option<oneshot::Sender<()>> {
        let mut waiters = self.waiters.borrow_mut();
        let index = waiters.iter().position(|(held, _)| *held == ticket)?;
        Some(waiters.swap_remove(index).1)
    }

    /// Tells each granted waiter it holds a slot; a waiter that is gone passes it on.
    fn wake(&self, mut granted: Vec<(u64, Lane)>) {
        while let Some((ticket, lane)) = granted.pop() {
            let waiter = self.take_waiter(ticket);
            let delivered = waiter.is_some_and(|wake| wake.send(()).is_ok());
            if !delivered {
                granted.extend(self.budget.borrow_mut().release(lane));
            }
        }
    }
}
