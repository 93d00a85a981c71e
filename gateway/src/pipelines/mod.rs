//! The AI pipelines this gateway serves, one module each, and how they are mounted.
//!
//! A pipeline implements [`Pipeline`]: its path and how it turns a request body into an
//! answer. [`mount`] serves each one at `/<path>` (scope `default`) and at
//! `/s/<scope>/<path>`; faults, the request log and the key check are shared and live in
//! [`crate::dispatch`]. Adding a pipeline means one module here and one line in `mount`.

pub mod text_to_image;

use std::future::Future;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use axum::routing::post;
use axum::Router;

use crate::app::AppState;
use crate::dispatch::{dispatch, PipelineRequest};
use crate::http_error::http_error;
use crate::scopes::ScopeName;

/// One AI pipeline, such as text-to-image.
pub trait Pipeline: 'static {
    /// The path without a leading slash, as in the spec: `text-to-image`.
    const PATH: &'static str;

    /// Answers a request that passed the fault script and the key check.
    ///
    /// Validation errors are answered with 422 (see [`crate::validate`]), other
    /// failures with an `HTTPError` body.
    fn run(call: Call) -> impl Future<Output = Response> + Send;
}

/// What a pipeline gets to answer one request.
#[derive(Debug)]
pub struct Call {
    /// The shared gateway state, for the media store.
    pub state: AppState,
    /// `http://<host>` as the client reached the gateway, for absolute media URLs.
    pub base_url: String,
    /// The raw request body.
    pub body: Bytes,
}

/// Adds every pipeline's routes to `router`.
pub fn mount(router: Router<AppState>) -> Router<AppState> {
    add::<text_to_image::TextToImage>(router)
}

fn add<P: Pipeline>(router: Router<AppState>) -> Router<AppState> {
    router
        .route(&format!("/{}", P::PATH), post(unscoped::<P>))
        .route(&format!("/s/{{scope}}/{}", P::PATH), post(scoped::<P>))
}

async fn unscoped<P: Pipeline>(
    State(state): State<AppState>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request = PipelineRequest { method, headers, body };
    dispatch::<P>(state, ScopeName::default_scope(), request).await
}

async fn scoped<P: Pipeline>(
    State(state): State<AppState>,
    Path(scope): Path<String>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(scope) = ScopeName::parse(&scope) else {
        return http_error(
            StatusCode::NOT_FOUND,
            "bad scope name: use 1 to 64 characters from A-Z a-z 0-9 _ -",
        );
    };
    let request = PipelineRequest { method, headers, body };
    dispatch::<P>(state, scope, request).await
}
