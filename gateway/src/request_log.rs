//! The log of pipeline requests that one scope received, for tests to read back.
//!
//! An entry is written when a request arrives, gets its status when the answer is ready
//! and its `done_ms` when the answer's last byte was handed to the connection; each
//! keeps `null` when the connection was dropped or the client left first. With
//! `at_ms` and `done_ms` a test can tell how many requests were in flight at once.
//! The log holds whether an `Authorization` header was present, never its value.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// How many entries a scope keeps; the oldest go first.
pub const LOG_CAPACITY: usize = 4096;

/// One pipeline request as the log reports it.
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    #[serde(skip)]
    id: u64,
    /// The HTTP method: `POST`, or `GET` for a live stream's status.
    pub method: String,
    /// The path without the scope prefix, for example `/text-to-image`.
    pub path: String,
    /// When the request arrived, in milliseconds since the gateway started.
    pub at_ms: f64,
    /// The fault applied to it, such as `status 429` or `drop`, if any.
    pub fault: Option<String>,
    /// Whether the request carried an `Authorization` header.
    pub authorization: bool,
    /// The status sent, or `None` when no response was sent.
    pub status: Option<u16>,
    /// When the answer was sent in full, in milliseconds since the gateway started, or
    /// `None` when it was not.
    pub done_ms: Option<f64>,
}

/// What is known about a request when it arrives.
#[derive(Debug, Clone)]
pub struct Arrival {
    /// The HTTP method.
    pub method: String,
    /// The path without the scope prefix.
    pub path: String,
    /// Milliseconds since the gateway started.
    pub at_ms: f64,
    /// Whether the request carried an `Authorization` header.
    pub authorization: bool,
}

/// Names one entry so that its status can be filled in later.
///
/// Ids are unique across all logs, so a request still running when its scope is reset
/// cannot fill in the status of a newer entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryId(u64);

static NEXT_ENTRY_ID: AtomicU64 = AtomicU64::new(0);

/// The bounded, ordered log of one scope.
#[derive(Debug, Default)]
pub struct RequestLog {
    entries: VecDeque<LogEntry>,
}

impl RequestLog {
    /// Appends an arrival with its fault and no status yet.
    pub fn record(&mut self, arrival: Arrival, fault: Option<String>) -> EntryId {
        let id = NEXT_ENTRY_ID.fetch_add(1, Ordering::Relaxed);
        if self.entries.len() == LOG_CAPACITY {
            self.entries.pop_front();
        }
        self.entries.push_back(LogEntry {
            id,
            method: arrival.method,
            path: arrival.path,
            at_ms: arrival.at_ms,
            fault,
            authorization: arrival.authorization,
            status: None,
            done_ms: None,
        });
        EntryId(id)
    }

    /// Sets the status of an entry; does nothing if the entry was cleared meanwhile.
    pub fn set_status(&mut self, entry: EntryId, status: u16) {
        if let Some(found) = self.entries.iter_mut().rev().find(|e| e.id == entry.0) {
            found.status = Some(status);
        }
    }

    /// Sets when an entry's answer was sent in full; does nothing if it was cleared.
    pub fn set_done(&mut self, entry: EntryId, done_ms: f64) {
        if let Some(found) = self.entries.iter_mut().rev().find(|e| e.id == entry.0) {
            found.done_ms = Some(done_ms);
        }
    }

    /// The entries in arrival order.
    pub fn entries(&self) -> Vec<LogEntry> {
        self.entries.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arrival(at_ms: f64) -> Arrival {
        Arrival {
            method: "POST".into(),
            path: "/text-to-image".into(),
            at_ms,
            authorization: false,
        }
    }

    #[test]
    fn statuses_land_on_their_own_entries() {
        let mut log = RequestLog::default();
        let first = log.record(arrival(1.0), None);
        let second = log.record(arrival(2.0), Some("drop".into()));
        log.set_status(first, 200);
        let entries = log.entries();
        assert_eq!(entries[0].status, Some(200));
        assert_eq!(entries[1].status, None);
        assert_eq!(entries[1].fault.as_deref(), Some("drop"));
        log.set_status(second, 500);
        log.set_done(second, 7.5);
        assert_eq!(log.entries()[1].status, Some(500));
        assert_eq!(log.entries()[1].done_ms, Some(7.5));
        assert_eq!(log.entries()[0].done_ms, None);
    }

    #[test]
    fn the_oldest_entries_go_first() {
        let mut log = RequestLog::default();
        for i in 0..LOG_CAPACITY + 3 {
            log.record(arrival(i as f64), None);
        }
        let entries = log.entries();
        assert_eq!(entries.len(), LOG_CAPACITY);
        assert_eq!(entries[0].at_ms, 3.0);
    }
}
