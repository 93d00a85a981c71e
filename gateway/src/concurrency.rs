//! How many requests of one scope are in flight, counted by the gateway itself.
//!
//! A request enters when its scope admits it and leaves when its [`InFlight`] guard is
//! dropped: after its answer was sent in full, or when the connection failed, or when
//! the client left first. Dropping is the only way out, so no ending is missed. This
//! module counts; it never waits or refuses anything.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use serde::Serialize;

/// The counters of one scope.
#[derive(Debug, Default)]
pub struct Concurrency {
    now: AtomicUsize,
    peak: AtomicUsize,
    requests: AtomicU64,
}

/// What the counters say at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// The most requests that were in flight at the same time.
    pub max_in_flight: usize,
    /// How many requests are in flight now.
    pub in_flight: usize,
    /// How many requests were admitted.
    pub requests: u64,
}

impl Concurrency {
    /// Counts one more request in flight until the returned guard is dropped.
    pub fn enter(self: &Arc<Self>) -> InFlight {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        self.requests.fetch_add(1, Ordering::SeqCst);
        InFlight(Arc::clone(self))
    }

    /// The counters now.
    pub fn stats(&self) -> Stats {
        Stats {
            max_in_flight: self.peak.load(Ordering::SeqCst),
            in_flight: self.now.load(Ordering::SeqCst),
            requests: self.requests.load(Ordering::SeqCst),
        }
    }
}

/// One request in flight; dropping it ends the request for the counters.
#[derive(Debug)]
#[must_use = "the request stops counting as in flight as soon as the guard is dropped"]
pub struct InFlight(Arc<Concurrency>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guards_count_while_they_live() {
        let counters = Arc::new(Concurrency::default());
        let first = counters.enter();
        let second = counters.enter();
        assert_eq!(counters.stats(), Stats { max_in_flight: 2, in_flight: 2, requests: 2 });
        drop(first);
        drop(second);
        let third = counters.enter();
        assert_eq!(counters.stats(), Stats { max_in_flight: 2, in_flight: 1, requests: 3 });
        drop(third);
        assert_eq!(counters.stats().in_flight, 0);
    }
}
