//! The steps every pipeline request takes around its pipeline.
//!
//! In order: take the scope's next fault and log the arrival; apply the fault (one that
//! replaces the answer does so at once, a delay waits); check the bearer key; run the
//! pipeline; record the status. Faults come before the key check and validation, so a
//! scripted 503 or drop happens whatever the request carries.

use std::time::Instant;

use axum::body::Bytes;
use axum::http::header::{HeaderMap, HOST};
use axum::http::{Method, StatusCode};
use axum::response::Response;

use crate::app::AppState;
use crate::auth;
use crate::faults::{Effect, Fault};
use crate::http_error::http_error;
use crate::pipelines::{Call, Pipeline};
use crate::request_log::Arrival;
use crate::scopes::ScopeName;

/// The parts of a pipeline request that the dispatcher and the pipelines need.
#[derive(Debug)]
pub struct PipelineRequest {
    /// The HTTP method.
    pub method: Method,
    /// The request headers.
    pub headers: HeaderMap,
    /// The raw body; each pipeline validates it itself.
    pub body: Bytes,
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
        method: request.method.to_string(),
        path: format!("/{}", P::PATH),
        at_ms: state.elapsed_ms(),
        authorization: auth::has_authorization(&request.headers),
    };
    let admission = state.scopes.admit(&scope, arrival);
    let label = admission.fault.as_ref().map(Fault::label);

    let response = match admission.fault.as_ref().map(Fault::effect) {
        Some(Effect::DropConnection(response)) => {
            report::<P>(&state, &scope, label.as_deref(), None, started);
            return response;
        }
        Some(Effect::Replace(response)) => response,
        Some(Effect::Wait(delay)) => {
            tokio::time::sleep(delay).await;
            answer::<P>(&state, admission.api_key, request).await
        }
        None => answer::<P>(&state, admission.api_key, request).await,
    };

    let status = response.status().as_u16();
    state.scopes.set_status(&scope, admission.entry, status);
    report::<P>(&state, &scope, label.as_deref(), Some(status), started);
    response
}

/// The normal answer: 401 without the right key, else whatever the pipeline says.
async fn answer<P: Pipeline>(
    state: &AppState,
    scope_key: Option<String>,
    request: PipelineRequest,
) -> Response {
    let expected = scope_key.or_else(|| state.settings.api_key.clone());
    if let Some(key) = expected {
        if !auth::bearer_matches(&request.headers, &key) {
            return http_error(StatusCode::UNAUTHORIZED, "Invalid bearer token");
        }
    }

    let base_url = base_url(&request.headers, state);
    P::run(Call { state: state.clone(), base_url, body: request.body }).await
}

/// `http://<Host header>`, or the listening address when the header is absent or odd.
fn base_url(headers: &HeaderMap, state: &AppState) -> String {
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
