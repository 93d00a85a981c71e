//! The live-video-to-video streams that are running, for the status endpoint.
//!
//! A stream is recorded when it starts and ends on its own after its scope's
//! `live_duration_ms`; from then on it is unknown, as a real stream is once its status
//! has been cleared. Nothing runs in the background: an ended stream is forgotten the
//! next time the registry is used.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

/// The most streams kept at once; starting one more forgets the one that ends first.
pub const LIVE_CAPACITY: usize = 1024;

/// What is known about one running stream.
#[derive(Debug, Clone)]
pub struct LiveStream {
    /// The request id answered when the stream started.
    pub request_id: String,
    /// The pipeline id that the status reports.
    pub pipeline_id: String,
    /// The `model_id` of the request, which names the live pipeline.
    pub model_id: String,
    /// The `params` of the request.
    pub params: Map<String, Value>,
    /// `http://<host>` as the client reached the gateway.
    pub base_url: String,
    /// When the stream started.
    pub started: Instant,
    /// When the stream started, in milliseconds since the Unix epoch.
    pub started_unix_ms: u64,
    /// How long the stream runs.
    pub duration: Duration,
}

impl LiveStream {
    fn ended(&self, now: Instant) -> bool {
        now.duration_since(self.started) >= self.duration
    }
}

/// The running streams by stream id.
#[derive(Debug, Default)]
pub struct LiveStreams {
    inner: Mutex<HashMap<String, LiveStream>>,
}

impl LiveStreams {
    /// Records a stream, replacing one with the same id.
    pub fn start(&self, stream_id: &str, stream: LiveStream) {
        let now = Instant::now();
        let mut streams = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        streams.retain(|_, known| !known.ended(now));
        if streams.len() >= LIVE_CAPACITY && !streams.contains_key(stream_id) {
            let first_to_end = streams
                .iter()
                .min_by_key(|(_, known)| known.started + known.duration)
                .map(|(id, _)| id.clone());
            if let Some(id) = first_to_end {
                streams.remove(&id);
            }
        }
        streams.insert(stream_id.to_owned(), stream);
    }

    /// The stream, or `None` when it is unknown or has ended.
    pub fn get(&self, stream_id: &str) -> Option<LiveStream> {
        let now = Instant::now();
        let mut streams = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        streams.retain(|_, known| !known.ended(now));
        streams.get(stream_id).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(duration_ms: u64) -> LiveStream {
        LiveStream {
            request_id: "r".into(),
            pipeline_id: "p".into(),
            model_id: String::new(),
            params: Map::new(),
            base_url: "http://127.0.0.1:1".into(),
            started: Instant::now(),
            started_unix_ms: 0,
            duration: Duration::from_millis(duration_ms),
        }
    }

    #[test]
    fn streams_end_on_their_own() {
        let streams = LiveStreams::default();
        streams.start("long", stream(60_000));
        streams.start("short", stream(0));
        assert!(streams.get("long").is_some());
        assert!(streams.get("short").is_none());
        assert!(streams.get("other").is_none());
    }
}
