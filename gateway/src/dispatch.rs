//! The steps every pipeline request takes around its pipeline.
//!
//! In order: take the scope's next fault and log the arrival; apply the fault (one that
//! replaces the answer does so at once, a delay waits); refuse a body over
//! [`MAX_BODY_BYTES`] with 413; check the bearer key; run the pipeline; record the
//! status. Faults come before the key check and validation, so a scripted 503 or drop
//! happens whatever the request carries.

use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::header::{HeaderMap, CONTENT_LENGTH, HOST};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::Response;
use futures_util::StreamExt;

use crate::app::AppState;
use crate::auth;
use crate::faults::{Effect, Fault};
use crate::http_error::http_error;
use crate::pipelines::{Call, Pipeline};
use crate::request_log::Arrival;
use crate::scopes::{ScopeName, ScopeOptions};

/// The largest request body a pipeline accepts: 64 MiB.
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// Why a request body could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyError {
    /// The body is larger than [`MAX_BODY_BYTES`]; answered with 413.
    TooLarge,
    /// The connection failed while the body was read; answered with 400.
    Unreadable,
}

impl BodyError {
    fn response(self) -> Response {
        match self {
            Self::TooLarge => http_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "request body too large: this gateway accepts at most 64 MiB",
            ),
            Self::Unreadable => http_error(StatusCode::BAD_REQUEST, "could not read the body"),
        }
    }
}

/// The parts of a pipeline request that the dispatcher and the pipelines need.
#[derive(Debug)]
pub struct PipelineRequest {
    /// The method, URI, headers and extensions.
    pub head: Parts,
    /// The whole body, or why it could not be read; each pipeline validates it itself.
    pub body: Result<Bytes, BodyError>,
}

impl PipelineRequest {
    /// Reads the whole body, stopping at [`MAX_BODY_BYTES`].
    ///
    /// A `Content-Length` over the limit is refused before any byte is read.
    pub async fn read(request: Request) -> Self {
        let (head, body) = request.into_parts();
        let body = read_body(&head.headers, body).await;
        Self { head, body }
    }
}

async fn read_body(headers: &HeaderMap, body: Body) -> Result<Bytes, BodyError> {
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return Err(BodyError::TooLarge);
    }

    let mut stream = body.into_data_stream();
    let mut collected = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| BodyError::Unreadable)?;
        if collected.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(BodyError::TooLarge);
        }
        collected.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(collected))
}

/// Runs pipeline `P` for a request of `scope`, with the scope's faults, log and key.
///
/// Never fails: every problem becomes an HTTP answer, and a `drop` fault becomes a
/// response that closes the connection unanswered.
pub async fn dispatch<P: Pipeline>(
    state: AppState,
    scope: ScopeName,
    request: PipelineRequest,
) -> Response {
    let started = Instant::now();
    let arrival = Arrival {
        method: request.head.method.to_string(),
        path: format!("/{}", P::PATH),
        at_ms: state.elapsed_ms(),
        authorization: auth::has_authorization(&request.head.headers),
    };
    let admission = state.scopes.admit(&scope, arrival);
    let label = admission.fault.as_ref().map(Fault::label);
    let settings = Admitted {
        api_key: admission.api_key,
        options: admission.options,
        break_stream_after: None,
    };

    let response = match admission.fault.as_ref().map(|fault| fault.effect(&P::BROKEN)) {
        Some(Effect::DropConnection(response)) => {
            report::<P>(&state, &scope, label.as_deref(), None, started);
            return response;
        }
        Some(Effect::Replace(response)) => response,
        Some(Effect::Wait(delay)) => {
            tokio::time::sleep(delay).await;
            answer::<P>(&state, settings, request).await
        }
        Some(Effect::BreakStream(after)) => {
            let settings = Admitted { break_stream_after: Some(after), ..settings };
            answer::<P>(&state, settings, request).await
        }
        None => answer::<P>(&state, settings, request).await,
    };

    let status = response.status().as_u16();
    state.scopes.set_status(&scope, admission.entry, status);
    report::<P>(&state, &scope, label.as_deref(), Some(status), started);
    response
}

/// What the scope decided about a request when it arrived.
struct Admitted {
    api_key: Option<String>,
    options: ScopeOptions,
    break_stream_after: Option<usize>,
}

/// The normal answer: 413 for a body over the limit, 401 without the right key, else
/// whatever the pipeline says.
async fn answer<P: Pipeline>(
    state: &AppState,
    admitted: Admitted,
    request: PipelineRequest,
) -> Response {
    let body = match request.body {
        Ok(body) => body,
        Err(err) => return err.response(),
    };
    let expected = admitted.api_key.or_else(|| state.settings.api_key.clone());
    if let Some(key) = expected {
        if !auth::bearer_matches(&request.head.headers, &key) {
            return http_error(StatusCode::UNAUTHORIZED, "Invalid bearer token");
        }
    }

    let base_url = base_url(&request.head.headers, state);
    P::run(Call {
        state: state.clone(),
        base_url,
        head: request.head,
        body,
        options: admitted.options,
        break_stream_after: admitted.break_stream_after,
    })
    .await
}

/// `http://<Host header>`, or the listening address when the header is absent or odd.
pub fn base_url(headers: &HeaderMap, state: &AppState) -> String {
    let plausible = |host: &&str| {
        !host.is_empty()
            && host.len() <= 255
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
    };
    match headers.get(HOST).and_then(|h| h.to_str().ok()).filter(plausible) {
        Some(host) => format!("http://{host}"),
        None => format!("http://{}", state.settings.local_addr),
    }
}

/// With `--debug`, prints one line per request: scope, path, fault, status, elapsed.
fn report<P: Pipeline>(
    state: &AppState,
    scope: &ScopeName,
    fault: Option<&str>,
    status: Option<u16>,
    started: Instant,
) {
    if !state.settings.debug {
        return;
    }
    let status = status.map_or_else(|| "dropped".to_owned(), |s| s.to_string());
    eprintln!(
        "scope={scope} path=/{} fault={} status={status} elapsed_ms={}",
        P::PATH,
        fault.unwrap_or("none"),
        started.elapsed().as_millis()
    );
}
