//! The steps every pipeline request, async result poll and live status poll takes
//! around its answer.
//!
//! In order: take the scope's next fault, log the arrival and count the request in
//! flight; wait the scope's `latency_ms`; apply the fault (one that replaces the answer
//! does so at once, a delay waits); refuse a body over [`MAX_BODY_BYTES`] with 413;
//! check the bearer key (not for live status polls); run the pipeline; record the
//! status; and, once the answer is sent in full, its `done_ms` (see
//! [`crate::completion`]). Faults come before the key check and validation, so a
//! scripted 503 or drop happens whatever the request carries.

use std::future::Future;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::header::{HeaderMap, CONTENT_LENGTH, HOST};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::Response;
use futures_util::StreamExt;

use crate::app::AppState;
use crate::auth;
use crate::completion::Completion;
use crate::faults::{BrokenAnswers, Effect, Fault};
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

/// The route a request came in on, as far as the dispatcher cares.
#[derive(Debug, Clone)]
pub struct Route {
    /// The path without the scope prefix, as the request log shows it.
    pub path: String,
    /// What the `malformed_json` and `wrong_shape` faults answer.
    pub broken: BrokenAnswers,
    /// Whether the bearer key is checked.
    pub keyed: bool,
}

/// Runs pipeline `P` for a request of `scope`, with the scope's faults, latency, log,
/// in-flight count and key.
///
/// Never fails: every problem becomes an HTTP answer, and a `drop` fault becomes a
/// response that closes the connection unanswered.
pub async fn dispatch<P: Pipeline>(
    state: AppState,
    scope: ScopeName,
    request: PipelineRequest,
) -> Response {
    let route =
        Route { path: format!("/{}", P::PATH), broken: P::broken(&request.head), keyed: true };
    dispatch_route(state, scope, request, route, P::run).await
}

/// Answers a request of `scope` on `route` with `run`, with the scope's faults, latency,
/// log, in-flight count and, if the route is keyed, key.
///
/// Never fails, like [`dispatch`].
pub async fn dispatch_route<F, Fut>(
    state: AppState,
    scope: ScopeName,
    request: PipelineRequest,
    route: Route,
    run: F,
) -> Response
where
    F: FnOnce(Call) -> Fut,
    Fut: Future<Output = Response>,
{
    let started = Instant::now();
    let arrival = Arrival {
        method: request.head.method.to_string(),
        path: route.path.clone(),
        at_ms: state.elapsed_ms(),
        authorization: auth::has_authorization(&request.head.headers),
    };
    let admission = state.scopes.admit(&scope, arrival);
    let completion =
        Completion::new(state.clone(), scope.clone(), admission.entry, admission.in_flight);
    let label = admission.fault.as_ref().map(Fault::label);
    let latency = Duration::from_millis(admission.options.latency_ms);
    let admitted = Admitted {
        scope: scope.clone(),
        api_key: admission.api_key,
        keyed: route.keyed,
        options: admission.options,
        break_stream_after: None,
    };

    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let response = match admission.fault.as_ref().map(|fault| fault.effect(&route.broken)) {
        Some(Effect::DropConnection(response)) => {
            report(&state, &scope, &route, label.as_deref(), None, started);
            return completion.attach(response);
        }
        Some(Effect::Replace(response)) => response,
        Some(Effect::Wait(delay)) => {
            tokio::time::sleep(delay).await;
            answer(&state, admitted, request, run).await
        }
        Some(Effect::BreakStream(after)) => {
            let admitted = Admitted { break_stream_after: Some(after), ..admitted };
            answer(&state, admitted, request, run).await
        }
        None => answer(&state, admitted, request, run).await,
    };

    let status = response.status().as_u16();
    state.scopes.set_status(&scope, admission.entry, status);
    report(&state, &scope, &route, label.as_deref(), Some(status), started);
    completion.attach(response)
}

/// What the scope decided about a request when it arrived.
struct Admitted {
    scope: ScopeName,
    api_key: Option<String>,
    keyed: bool,
    options: ScopeOptions,
    break_stream_after: Option<usize>,
}

/// The normal answer: 413 for a body over the limit, 401 without the right key, else
/// whatever `run` says.
async fn answer<F, Fut>(
    state: &AppState,
    admitted: Admitted,
    request: PipelineRequest,
    run: F,
) -> Response
where
    F: FnOnce(Call) -> Fut,
    Fut: Future<Output = Response>,
{
    let body = match request.body {
        Ok(body) => body,
        Err(err) => return err.response(),
    };
    let expected = admitted.api_key.or_else(|| state.settings.api_key.clone());
    if let Some(key) = expected.filter(|_| admitted.keyed) {
        if !auth::bearer_matches(&request.head.headers, &key) {
            return http_error(StatusCode::UNAUTHORIZED, "Invalid bearer token");
        }
    }

    let base_url = base_url(&request.head.headers, state);
    let media_base_url = match &admitted.options.media_host {
        Some(host) => format!("http://{host}:{}", state.settings.local_addr.port()),
        None => base_url.clone(),
    };
    run(Call {
        state: state.clone(),
        scope: admitted.scope,
        base_url,
        media_base_url,
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
fn report(
    state: &AppState,
    scope: &ScopeName,
    route: &Route,
    fault: Option<&str>,
    status: Option<u16>,
    started: Instant,
) {
    if !state.settings.debug {
        return;
    }
    let status = status.map_or_else(|| "dropped".to_owned(), |s| s.to_string());
    eprintln!(
        "scope={scope} path={} fault={} status={status} elapsed_ms={}",
        route.path,
        fault.unwrap_or("none"),
        started.elapsed().as_millis()
    );
}
