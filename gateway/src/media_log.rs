//! The log of media fetches (`GET /stream/...`) of one scope, kept apart from its
//! request log.
//!
//! A fetch is logged in the scope whose request created the media item; a fetch of an
//! unknown or forgotten item belongs to no scope and is not logged. Like the request
//! log, an entry holds whether an `Authorization` header was present, never its value,
//! so a test can check that a client does not send its key to the media's origin.

use std::collections::VecDeque;

use serde::Serialize;

use crate::request_log::LOG_CAPACITY;

/// One media fetch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MediaFetch {
    /// The path fetched, such as `/stream/<request-id>/0.png`.
    pub path: String,
    /// When the fetch arrived, in milliseconds since the gateway started.
    pub at_ms: f64,
    /// Whether the fetch carried an `Authorization` header.
    pub authorization: bool,
}

/// The bounded, ordered media log of one scope; the oldest entries go first.
#[derive(Debug, Default)]
pub struct MediaLog {
    entries: VecDeque<MediaFetch>,
}

impl MediaLog {
    /// Appends a fetch, forgetting the oldest beyond [`LOG_CAPACITY`].
    pub fn record(&mut self, fetch: MediaFetch) {
        if self.entries.len() == LOG_CAPACITY {
            self.entries.pop_front();
        }
        self.entries.push_back(fetch);
    }

    /// The fetches in arrival order.
    pub fn entries(&self) -> Vec<MediaFetch> {
        self.entries.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_is_bounded_and_ordered() {
        let mut log = MediaLog::default();
        for i in 0..LOG_CAPACITY + 2 {
            log.record(MediaFetch { path: format!("/{i}"), at_ms: 0.0, authorization: false });
        }
        let entries = log.entries();
        assert_eq!(entries.len(), LOG_CAPACITY);
        assert_eq!(entries[0].path, "/2");
    }
}
