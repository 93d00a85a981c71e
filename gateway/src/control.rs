//! The control API that tests use to script a scope and read back what it received.
//!
//! All under `/control/<scope>/`, JSON in and out; a scope is created on first use:
//! - `POST faults`: append a JSON array of faults (see [`crate::faults`]) to the queue;
//!   answers `{"queued": <added>, "pending": <waiting now>}`.
//! - `GET faults`: `{"faults": [...]}`, the faults still waiting, next first.
//! - `POST config`: `{"api_key": "secret"}` makes the scope require that bearer key;
//!   `{"api_key": null}` clears it. Answers `{"api_key_set": <bool>}`, never the key.
//! - `GET log`: `{"requests": [...]}`, the scope's pipeline requests in arrival order.
//! - `POST reset`: clears the scope's faults, log and key; answers `{"reset": true}`.
//!
//! A bad scope name or body gets 400 with an `HTTPError` body.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::app::AppState;
use crate::faults::parse_script;
use crate::http_error::http_error;
use crate::scopes::{ScopeName, QUEUE_CAPACITY};

/// The control routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/control/{scope}/faults", post(push_faults).get(list_faults))
        .route("/control/{scope}/config", post(configure))
        .route("/control/{scope}/log", get(read_log))
        .route("/control/{scope}/reset", post(reset))
}

/// A refused control call: 400 with an `HTTPError` body.
#[derive(Debug)]
struct BadRequest(String);

impl IntoResponse for BadRequest {
    fn into_response(self) -> Response {
        http_error(StatusCode::BAD_REQUEST, &self.0)
    }
}

type Answer = Result<Json<Value>, BadRequest>;

fn scope_name(name: &str) -> Result<ScopeName, BadRequest> {
    ScopeName::parse(name).ok_or_else(|| {
        BadRequest("bad scope name: use 1 to 64 characters from A-Z a-z 0-9 _ -".to_owned())
    })
}

async fn push_faults(
    State(state): State<AppState>,
    Path(scope): Path<String>,
    body: Bytes,
) -> Answer {
    let scope = scope_name(&scope)?;
    let faults = parse_script(&body).map_err(BadRequest)?;
    let added = faults.len();
    let pending = state.scopes.push_faults(&scope, faults).map_err(|_| {
        BadRequest(format!("the fault queue holds at most {QUEUE_CAPACITY} faults"))
    })?;
    Ok(Json(json!({ "queued": added, "pending": pending })))
}

async fn list_faults(State(state): State<AppState>, Path(scope): Path<String>) -> Answer {
    let scope = scope_name(&scope)?;
    let faults = state.scopes.pending_faults(&scope);
    Ok(Json(json!({ "faults": faults })))
}

async fn configure(
    State(state): State<AppState>,
    Path(scope): Path<String>,
    body: Bytes,
) -> Answer {
    let scope = scope_name(&scope)?;
    let bad = |msg: &str| BadRequest(msg.to_owned());
    let config: Value = serde_json::from_slice(&body)
        .map_err(|err| BadRequest(format!("invalid config: {err}")))?;
    let key = match config.get("api_key") {
        Some(Value::String(key)) if !key.is_empty() => Some(key.clone()),
        Some(Value::Null) => None,
        Some(_) => return Err(bad("api_key must be a non-empty string or null")),
        None => return Err(bad("the config needs an api_key field (a string or null)")),
    };
    let set = key.is_some();
    state.scopes.set_api_key(&scope, key);
    Ok(Json(json!({ "api_key_set": set })))
}

async fn read_log(State(state): State<AppState>, Path(scope): Path<String>) -> Answer {
    let scope = scope_name(&scope)?;
    let requests = state.scopes.log(&scope);
    Ok(Json(json!({ "requests": requests })))
}

async fn reset(State(state): State<AppState>, Path(scope): Path<String>) -> Answer {
    let scope = scope_name(&scope)?;
    state.scopes.reset(&scope);
    Ok(Json(json!({ "reset": true })))
}
