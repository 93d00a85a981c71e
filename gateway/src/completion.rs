//! Notices when an answer has been sent in full, for the request log and the in-flight
//! counters.
//!
//! The dispatcher wraps each answer's body. When the body yields its last frame, the
//! time is written into the request's log entry as `done_ms`; when hyper drops the
//! body, whether after the last byte, on a failed connection or because the client
//! left, the request stops counting as in flight. A body that never ends (a `drop`
//! fault, a client gone mid-stream) leaves `done_ms` empty. "Sent" means handed to the
//! connection: a client that vanishes during the final write still gets a `done_ms`.

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::response::Response;
use http_body::{Body as _, Frame, SizeHint};

use crate::app::AppState;
use crate::concurrency::InFlight;
use crate::request_log::EntryId;
use crate::scopes::ScopeName;

/// What is needed to record the end of one logged request.
#[derive(Debug)]
pub struct Completion {
    state: AppState,
    scope: ScopeName,
    entry: EntryId,
    done: bool,
    _in_flight: InFlight,
}

impl Completion {
    /// Tracks the request logged as `entry`, counted in flight by `in_flight`.
    pub fn new(state: AppState, scope: ScopeName, entry: EntryId, in_flight: InFlight) -> Self {
        Self { state, scope, entry, done: false, _in_flight: in_flight }
    }

    /// Wraps the body of `response` so that its end is recorded.
    pub fn attach(self, response: Response) -> Response {
        response.map(|inner| Body::new(TrackedBody { inner, completion: self }))
    }

    fn finish(&mut self) {
        if !self.done {
            self.done = true;
            self.state.scopes.set_done(&self.scope, self.entry, self.state.elapsed_ms());
        }
    }
}

/// A response body that tells its [`Completion`] when it ends.
struct TrackedBody {
    inner: Body,
    completion: Completion,
}

impl http_body::Body for TrackedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        let ended = match &polled {
            Poll::Ready(None) => true,
            Poll::Ready(Some(Ok(_))) => this.inner.is_end_stream(),
            Poll::Ready(Some(Err(_))) | Poll::Pending => false,
        };
        if ended {
            this.completion.finish();
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for TrackedBody {
    /// An empty body may be dropped unpolled; it was sent in full all the same.
    fn drop(&mut self) {
        if self.inner.is_end_stream() {
            self.completion.finish();
        }
    }
}
