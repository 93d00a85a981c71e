//! The control API that tests use to script a scope and read back what it received.
//!
//! All under `/control/<scope>/`, JSON in and out; a scope is created on first use:
//! - `POST faults`: append a JSON array of faults (see [`crate::faults`]) to the queue;
//!   answers `{"queued": <added>, "pending": <waiting now>}`.
//! - `GET faults`: `{"faults": [...]}`, the faults still waiting, next first.
//! - `POST config`: changes the scope's configuration; every key is optional and only
//!   the keys given change, but at least one must be given, and unknown keys are refused:
//!   - `"api_key": "secret"` makes the scope require that bearer key; `null` clears it.
//!   - `"media": "data"` makes pipelines answer `data:<mime>;base64,...` URLs, as the
//!     runners do; `"url"` (the default) goes back to http URLs under `/stream/`.
//!   - `"live_duration_ms": 10000` is how long a live-video-to-video stream started in
//!     this scope runs before its status answers 404 (1 to 3600000; default 10000).
//!   - `"nonfinite_logits": true` makes segment-anything-2 put `nan`, `inf` and `-inf`
//!     into the first three values of `logits`, so clients can test how they parse
//!     Python's text for non-finite floats; `false` (the default) turns it off.
//!
//!   Answers `{"api_key_set": <bool>, "media": "url", "live_duration_ms": <ms>,
//!   "nonfinite_logits": <bool>}` with the scope's configuration after the change, never
//!   the key.
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
use crate::media::MediaMode;
use crate::scopes::{ConfigChange, ScopeName, QUEUE_CAPACITY};

/// The longest a live stream may be configured to run, in milliseconds (one hour).
pub const MAX_LIVE_DURATION_MS: u64 = 3_600_000;

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
    let change = parse_config(&body).map_err(BadRequest)?;
    let (api_key_set, options) = state.scopes.configure(&scope, change);
    Ok(Json(json!({
        "api_key_set": api_key_set,
        "media": options.media.name(),
        "live_duration_ms": options.live_duration_ms,
        "nonfinite_logits": options.nonfinite_logits,
    })))
}

/// Reads a config body; fails with a message naming the first bad key.
fn parse_config(body: &[u8]) -> Result<ConfigChange, String> {
    let config: Value =
        serde_json::from_slice(body).map_err(|err| format!("invalid config: {err}"))?;
    let Value::Object(fields) = config else {
        return Err("the config must be a JSON object".to_owned());
    };
    if fields.is_empty() {
        return Err("the config needs at least one of api_key, media, live_duration_ms \
                    and nonfinite_logits"
            .to_owned());
    }

    let mut change = ConfigChange::default();
    for (key, value) in &fields {
        match (key.as_str(), value) {
            ("api_key", Value::String(key)) if !key.is_empty() => {
                change.api_key = Some(Some(key.clone()));
            }
            ("api_key", Value::Null) => change.api_key = Some(None),
            ("api_key", _) => return Err("api_key must be a non-empty string or null".into()),
            ("media", value) => {
                let mode = value.as_str().and_then(MediaMode::parse);
                change.media = Some(mode.ok_or("media must be \"url\" or \"data\"")?);
            }
            ("live_duration_ms", value) => {
                let ms = value.as_u64().filter(|ms| (1..=MAX_LIVE_DURATION_MS).contains(ms));
                let msg = format!(
                    "live_duration_ms must be an integer from 1 to {MAX_LIVE_DURATION_MS}"
                );
                change.live_duration_ms = Some(ms.ok_or(msg)?);
            }
            ("nonfinite_logits", Value::Bool(flag)) => change.nonfinite_logits = Some(*flag),
            ("nonfinite_logits", _) => return Err("nonfinite_logits must be a boolean".into()),
            (other, _) => return Err(format!("unknown config key {other:?}")),
        }
    }
    Ok(change)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_keys_are_each_optional() {
        let change = parse_config(br#"{"media":"data"}"#).unwrap();
        assert_eq!(change.media, Some(MediaMode::Data));
        assert_eq!(change.api_key, None);
        let change = parse_config(br#"{"api_key":null,"live_duration_ms":250}"#).unwrap();
        assert_eq!(change.api_key, Some(None));
        assert_eq!(change.live_duration_ms, Some(250));
    }

    #[test]
    fn bad_configs_are_refused() {
        for body in [
            &b"{}"[..],
            b"[]",
            br#"{"api_key":""}"#,
            br#"{"media":"file"}"#,
            br#"{"live_duration_ms":0}"#,
            br#"{"live_duration_ms":1.5}"#,
            br#"{"nonfinite_logits":"yes"}"#,
            br#"{"colour":"red"}"#,
        ] {
            assert!(parse_config(body).is_err(), "{}", String::from_utf8_lossy(body));
        }
    }
}
