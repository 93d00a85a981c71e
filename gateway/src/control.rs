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
//!   - `"async_duration_ms": 3000` is how long an async image-to-video job runs when no
//!     scripted duration is waiting (0 to 3600000; default 3000). A job whose video
//!     takes longer to encode ends when the video is ready.
//!   - `"async_durations_ms": [500, 2000]` replaces the list of durations that the next
//!     async jobs take, one per job in submission order (at most 10000 entries, each
//!     0 to 3600000); `[]` empties it. Then `async_duration_ms` applies again.
//!   - `"async_error": "message"` makes the next async job fail with that message,
//!     stored inside its result; it is used once. `null` clears it.
//!   - `"latency_ms": 250` holds back every answer of the scope's pipeline requests and
//!     polls (result polls and live status polls) by that long, before and on top of
//!     any fault (0 to 600000; default 0).
//!   - `"media_host": "localhost"` makes the scope's media URLs use that host name, on
//!     this gateway's port, instead of the request's `Host` header, so the media live
//!     on another origin than the one the client calls. It must be a loopback name:
//!     `localhost`, a name ending in `.localhost`, an address in 127.0.0.0/8 or `::1`,
//!     and it must reach the address the gateway listens on. `null` (the default) goes
//!     back to the `Host` header.
//!
//!   Answers `{"api_key_set": <bool>, "media": "url", "live_duration_ms": <ms>,
//!   "nonfinite_logits": <bool>, "async_duration_ms": <ms>, "async_durations_ms":
//!   [<ms still waiting>], "async_error": <message or null>, "latency_ms": <ms>,
//!   "media_host": <host or null>}` with the scope's configuration after the change,
//!   never the key.
//! - `GET config`: the same answer, without changing anything.
//! - `GET log`: `{"requests": [...]}`, the scope's pipeline requests, result polls and
//!   live status polls in arrival order. Each entry has `method`, `path` (without the
//!   scope prefix), `at_ms` (arrival, in ms since the gateway started), `fault`,
//!   `authorization` (whether the header was sent, never its value), `status` and
//!   `done_ms` (when the answer was sent in full; `null` if the connection was dropped
//!   or the client left first).
//! - `GET stats`: `{"max_in_flight": n, "in_flight": n, "requests": n}`: the most of the
//!   scope's logged requests that were in flight at once, how many are now, and how many
//!   arrived. A request is in flight from its arrival until its answer is sent in full
//!   or its connection ends.
//! - `GET media-log`: `{"requests": [{"path", "at_ms", "authorization"}]}`, the fetches
//!   of media that the scope's requests created, in arrival order.
//! - `POST reset`: clears the scope's faults, logs, key, options, jobs and counters;
//!   answers `{"reset": true}`.
//!
//! A bad scope name or body gets 400 with an `HTTPError` body.

use std::net::Ipv4Addr;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::app::AppState;
use crate::faults::{parse_script, MAX_DELAY_MS};
use crate::http_error::http_error;
use crate::media::MediaMode;
use crate::scopes::{ConfigChange, ScopeConfig, ScopeName, QUEUE_CAPACITY, SCOPE_NAME_RULE};

/// The longest a live stream may be configured to run, in milliseconds (one hour).
pub const MAX_LIVE_DURATION_MS: u64 = 3_600_000;

/// The longest an async job may be configured to run, in milliseconds (one hour).
pub const MAX_ASYNC_DURATION_MS: u64 = 3_600_000;

/// The most durations `async_durations_ms` may list.
pub const MAX_ASYNC_DURATIONS: usize = QUEUE_CAPACITY;

/// The control routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/control/{scope}/faults", post(push_faults).get(list_faults))
        .route("/control/{scope}/config", post(configure).get(read_config))
        .route("/control/{scope}/log", get(read_log))
        .route("/control/{scope}/stats", get(read_stats))
        .route("/control/{scope}/media-log", get(read_media_log))
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
    ScopeName::parse(name).ok_or_else(|| BadRequest(SCOPE_NAME_RULE.to_owned()))
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
    Ok(Json(config_reply(&state.scopes.configure(&scope, change))))
}

async fn read_config(State(state): State<AppState>, Path(scope): Path<String>) -> Answer {
    let scope = scope_name(&scope)?;
    let unchanged = ConfigChange::default();
    Ok(Json(config_reply(&state.scopes.configure(&scope, unchanged))))
}

fn config_reply(config: &ScopeConfig) -> Value {
    let options = &config.options;
    json!({
        "api_key_set": config.api_key_set,
        "media": options.media.name(),
        "live_duration_ms": options.live_duration_ms,
        "nonfinite_logits": options.nonfinite_logits,
        "async_duration_ms": options.async_duration_ms,
        "async_durations_ms": config.async_durations_ms,
        "async_error": config.async_error,
        "latency_ms": options.latency_ms,
        "media_host": options.media_host,
    })
}

/// Reads a config body; fails with a message naming the first bad key.
fn parse_config(body: &[u8]) -> Result<ConfigChange, String> {
    let config: Value =
        serde_json::from_slice(body).map_err(|err| format!("invalid config: {err}"))?;
    let Value::Object(fields) = config else {
        return Err("the config must be a JSON object".to_owned());
    };
    if fields.is_empty() {
        return Err("the config needs at least one key, such as api_key or latency_ms".into());
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
            ("async_duration_ms", value) => {
                change.async_duration_ms = Some(async_duration(key, value)?);
            }
            ("async_durations_ms", Value::Array(list)) if list.len() <= MAX_ASYNC_DURATIONS => {
                let durations = list.iter().map(|value| async_duration(key, value));
                change.async_durations_ms = Some(durations.collect::<Result<_, _>>()?);
            }
            ("async_durations_ms", _) => {
                return Err(format!(
                    "async_durations_ms must be a list of at most {MAX_ASYNC_DURATIONS} \
                     durations"
                ));
            }
            ("async_error", Value::String(msg)) if !msg.is_empty() => {
                change.async_error = Some(Some(msg.clone()));
            }
            ("async_error", Value::Null) => change.async_error = Some(None),
            ("async_error", _) => {
                return Err("async_error must be a non-empty string or null".into());
            }
            ("latency_ms", value) => {
                let ms = value.as_u64().filter(|ms| *ms <= MAX_DELAY_MS);
                let msg = format!("latency_ms must be an integer from 0 to {MAX_DELAY_MS}");
                change.latency_ms = Some(ms.ok_or(msg)?);
            }
            ("media_host", Value::Null) => change.media_host = Some(None),
            ("media_host", value) => {
                let host = value.as_str().and_then(loopback_host);
                let msg = "media_host must be a loopback host name such as localhost, \
                           127.0.0.1 or ::1, or null";
                change.media_host = Some(Some(host.ok_or(msg)?));
            }
            (other, _) => return Err(format!("unknown config key {other:?}")),
        }
    }
    Ok(change)
}

/// One async duration; `key` names the config key in the message.
fn async_duration(key: &str, value: &Value) -> Result<u64, String> {
    value
        .as_u64()
        .filter(|ms| *ms <= MAX_ASYNC_DURATION_MS)
        .ok_or_else(|| format!("{key} must hold integers from 0 to {MAX_ASYNC_DURATION_MS}"))
}

/// A loopback host name in the form a URL needs (`[::1]` for IPv6), lowercase; `None`
/// for any other name.
fn loopback_host(name: &str) -> Option<String> {
    let name = name.to_ascii_lowercase();
    if name == "::1" || name == "[::1]" {
        return Some("[::1]".to_owned());
    }
    if let Ok(ip) = name.parse::<Ipv4Addr>() {
        return ip.is_loopback().then_some(name);
    }
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    let localhost = name == "localhost"
        || name.strip_suffix(".localhost").is_some_and(|rest| rest.split('.').all(label_ok));
    (localhost && name.len() <= 253).then_some(name)
}

async fn read_log(State(state): State<AppState>, Path(scope): Path<String>) -> Answer {
    let scope = scope_name(&scope)?;
    let requests = state.scopes.log(&scope);
    Ok(Json(json!({ "requests": requests })))
}

async fn read_stats(State(state): State<AppState>, Path(scope): Path<String>) -> Answer {
    let scope = scope_name(&scope)?;
    Ok(Json(json!(state.scopes.stats(&scope))))
}

async fn read_media_log(State(state): State<AppState>, Path(scope): Path<String>) -> Answer {
    let scope = scope_name(&scope)?;
    let requests = state.scopes.media_log(&scope);
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
        let change = parse_config(
            br#"{"async_duration_ms":0,"async_durations_ms":[5,6],"async_error":"no",
                 "latency_ms":300,"media_host":"LocalHost"}"#,
        )
        .unwrap();
        assert_eq!(change.async_duration_ms, Some(0));
        assert_eq!(change.async_durations_ms, Some(vec![5, 6]));
        assert_eq!(change.async_error, Some(Some("no".into())));
        assert_eq!(change.latency_ms, Some(300));
        assert_eq!(change.media_host, Some(Some("localhost".into())));
        let change = parse_config(br#"{"async_error":null,"media_host":null}"#).unwrap();
        assert_eq!((change.async_error, change.media_host), (Some(None), Some(None)));
    }

    #[test]
    fn media_hosts_must_be_loopback_names() {
        for (given, url_form) in [
            ("localhost", "localhost"),
            ("media.localhost", "media.localhost"),
            ("127.0.0.1", "127.0.0.1"),
            ("127.1.2.3", "127.1.2.3"),
            ("::1", "[::1]"),
            ("[::1]", "[::1]"),
        ] {
            assert_eq!(loopback_host(given).as_deref(), Some(url_form), "{given}");
        }
        for name in
            ["example.com", "10.0.0.1", "0.0.0.0", "::", "", "localhost.com", "-a.localhost"]
        {
            assert_eq!(loopback_host(name), None, "{name}");
        }
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
            br#"{"async_duration_ms":-1}"#,
            br#"{"async_duration_ms":3600001}"#,
            br#"{"async_durations_ms":[1,"2"]}"#,
            br#"{"async_durations_ms":5}"#,
            br#"{"async_error":""}"#,
            br#"{"latency_ms":600001}"#,
            br#"{"media_host":"example.com"}"#,
            br#"{"media_host":true}"#,
            br#"{"colour":"red"}"#,
        ] {
            assert!(parse_config(body).is_err(), "{}", String::from_utf8_lossy(body));
        }
    }
}
