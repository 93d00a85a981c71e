//! `POST /live-video-to-video` and `GET /live/video-to-video/<stream>/status` (also
//! under `/s/<scope>/`).
//!
//! Starting validates `LiveVideoToVideoParams`, records the stream and answers a
//! `LiveVideoToVideoResponse` whose URLs are on this gateway:
//! `<base>/live/<stream>/subscribe`, `/publish`, `/control` and `/events`. Those URLs
//! only name the stream: no media flows through this gateway, and they answer 404.
//! The stream id is `stream_id` when given (1 to 64 characters from `A-Z a-z 0-9 _ -`,
//! else 400), or a new `str_<hex>`; starting an id that is live again restarts it.
//!
//! The status route answers, while the stream runs, go-livepeer's status document:
//! `type`, `timestamp`, `stream_id`, `request_id`, `pipeline_id`, `orchestrator_info`,
//! `inference_status` (the runner's pipeline status, times in Unix milliseconds) and
//! `gateway_status` with `whep_url` and `ingest_metrics.stats`. A stream ends on its
//! own after its scope's `live_duration_ms` (see [`crate::control`]); then, and for an
//! unknown stream, it answers 404 `{"detail":{"msg":"Stream not found"}}`. Streams are
//! known in every scope; a status poll takes its own scope's faults and latency and is
//! logged there with the path `/live/video-to-video/<stream>/status`, but needs no key,
//! as in go-livepeer.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use super::{Call, Pipeline};
use crate::app::AppState;
use crate::digest::fnv1a;
use crate::dispatch::{dispatch_route, PipelineRequest, Route};
use crate::faults::BrokenAnswers;
use crate::http_error::http_error;
use crate::live::LiveStream;
use crate::random;
use crate::scopes::{ScopeName, SCOPE_NAME_RULE};
use crate::validate::{BodyFields, Rejection};

/// The frame rate that the status reports for a running stream.
pub const REPORTED_FPS: f64 = 30.0;

/// The orchestrator address that the status reports.
pub const ORCHESTRATOR_ADDRESS: &str = "0x0000000000000000000000000000000000000001";

/// What `malformed_json` and `wrong_shape` answer to a status poll.
pub const STATUS_BROKEN: BrokenAnswers = BrokenAnswers {
    truncated: r#"{"type":"status","stream_id":"#,
    wrong_shape: r#"{"type":"status","stream_id":12345,"inference_status":{}}"#,
};

/// The live-video-to-video pipeline.
#[derive(Debug)]
pub struct LiveVideoToVideo;

#[derive(Debug, Clone)]
struct Params {
    model_id: String,
    params: Map<String, Value>,
    gateway_request_id: String,
    manifest_id: String,
    stream_id: String,
}

impl Pipeline for LiveVideoToVideo {
    const PATH: &'static str = "live-video-to-video";
    const BROKEN: BrokenAnswers = BrokenAnswers {
        truncated: r#"{"subscribe_url":"http://"#,
        wrong_shape: r#"{"subscribe_url":12345,"publish_url":"http://127.0.0.1/p"}"#,
    };

    async fn run(call: Call) -> Response {
        let params = match parse(&call.body) {
            Ok(params) => params,
            Err(rejection) => return rejection.into_response(),
        };
        let stream_id = if params.stream_id.is_empty() {
            format!("str_{}", random::request_id())
        } else if valid_stream_id(&params.stream_id) {
            params.stream_id.clone()
        } else {
            let msg = "stream_id must be 1 to 64 characters from A-Z a-z 0-9 _ -";
            return http_error(StatusCode::BAD_REQUEST, msg);
        };
        let request_id = non_empty_or(&params.gateway_request_id, random::request_id);
        let manifest_id = non_empty_or(&params.manifest_id, random::request_id);

        let stream = LiveStream {
            request_id: request_id.clone(),
            pipeline_id: format!("pip_{:016x}", fnv1a(stream_id.as_bytes(), 0)),
            model_id: params.model_id,
            params: params.params,
            base_url: call.base_url.clone(),
            started: Instant::now(),
            started_unix_ms: unix_ms(),
            duration: Duration::from_millis(call.options.live_duration_ms),
        };
        call.state.live.start(&stream_id, stream);

        let url = |leaf: &str| format!("{}/live/{stream_id}/{leaf}", call.base_url);
        Json(json!({
            "subscribe_url": url("subscribe"),
            "publish_url": url("publish"),
            "control_url": url("control"),
            "events_url": url("events"),
            "request_id": request_id,
            "manifest_id": manifest_id,
        }))
        .into_response()
    }
}

/// Checks every field of `LiveVideoToVideoParams`, in the spec's order.
fn parse(body: &[u8]) -> Result<Params, Rejection> {
    let mut fields = BodyFields::parse(body)?;
    fields.required_string("subscribe_url");
    fields.required_string("publish_url");
    fields.string_or("control_url", "");
    fields.string_or("events_url", "");
    let model_id = fields.string_or("model_id", "");
    let params = fields.object_or_empty("params");
    let gateway_request_id = fields.string_or("gateway_request_id", "");
    let manifest_id = fields.string_or("manifest_id", "");
    let stream_id = fields.string_or("stream_id", "");
    fields.finish()?;
    Ok(Params { model_id, params, gateway_request_id, manifest_id, stream_id })
}

/// Whether a given stream id can be used as one segment of a URL path.
fn valid_stream_id(id: &str) -> bool {
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    (1..=64).contains(&id.len()) && id.chars().all(allowed)
}

fn non_empty_or(given: &str, make: impl FnOnce() -> String) -> String {
    if given.is_empty() {
        make()
    } else {
        given.to_owned()
    }
}

fn unix_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// The status routes, with and without a scope.
pub fn status_routes() -> Router<AppState> {
    Router::new()
        .route("/live/video-to-video/{stream}/status", get(status))
        .route("/s/{scope}/live/video-to-video/{stream}/status", get(scoped_status))
}

async fn status(
    State(state): State<AppState>,
    Path(stream_id): Path<String>,
    request: Request,
) -> Response {
    status_in(state, ScopeName::default_scope(), stream_id, request).await
}

async fn scoped_status(
    State(state): State<AppState>,
    Path((scope, stream_id)): Path<(String, String)>,
    request: Request,
) -> Response {
    let Some(scope) = ScopeName::parse(&scope) else {
        return http_error(StatusCode::NOT_FOUND, SCOPE_NAME_RULE);
    };
    status_in(state, scope, stream_id, request).await
}

async fn status_in(
    state: AppState,
    scope: ScopeName,
    stream_id: String,
    request: Request,
) -> Response {
    let request = PipelineRequest::read(request).await;
    let route = Route {
        path: format!("/live/video-to-video/{stream_id}/status"),
        broken: STATUS_BROKEN,
        keyed: false,
    };
    dispatch_route(
        state,
        scope,
        request,
        route,
        |call| async move { status_answer(&call, &stream_id) },
    )
    .await
}

fn status_answer(call: &Call, stream_id: &str) -> Response {
    match call.state.live.get(stream_id) {
        Some(stream) => Json(status_document(stream_id, &stream, &call.base_url)).into_response(),
        None => http_error(StatusCode::NOT_FOUND, "Stream not found"),
    }
}

/// The status of a running stream, as go-livepeer merges it from the runner's events.
fn status_document(stream_id: &str, stream: &LiveStream, base_url: &str) -> Value {
    let now = unix_ms();
    let running = stream.started.elapsed().as_secs_f64();
    let frames = (running * REPORTED_FPS) as u64;
    let pipeline = if stream.model_id.is_empty() { "noop" } else { stream.model_id.as_str() };
    let params_text = Value::Object(stream.params.clone()).to_string();

    json!({
        "type": "status",
        "timestamp": now,
        "stream_id": stream_id,
        "request_id": stream.request_id,
        "pipeline_id": stream.pipeline_id,
        "orchestrator_info": { "address": ORCHESTRATOR_ADDRESS, "url": stream.base_url },
        "inference_status": {
            "pipeline": pipeline,
            "state": "ONLINE",
            "start_time": stream.started_unix_ms,
            "last_state_update_time": stream.started_unix_ms,
            "last_params_update_time": stream.started_unix_ms,
            "last_params": stream.params,
            "last_params_hash": fnv1a(params_text.as_bytes(), 0).to_string(),
            "input_fps": REPORTED_FPS,
            "output_fps": REPORTED_FPS,
            "last_input_time": now,
            "last_output_time": now,
            "restart_count": 0,
            "last_restart_time": null,
            "last_restart_logs": null,
            "last_error": null,
            "last_error_time": null,
        },
        "gateway_status": {
            "whep_url": format!("{base_url}/live/{stream_id}/whep"),
            "ingest_metrics": {
                "stats": {
                    "peer_conn_stats": { "bytes_received": frames * 4_000, "bytes_sent": 0 },
                    "track_stats": [{
                        "type": "video",
                        "packets_received": frames * 4,
                        "packets_lost": 0,
                        "packet_loss_pct": 0.0,
                        "jitter": 0.0,
                        "rtt": 0.0,
                    }],
                },
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscribe_and_publish_urls_are_required() {
        let errors = parse(br#"{"model_id":"noop"}"#).unwrap_err().0;
        let missing: Vec<String> =
            errors.iter().map(|e| serde_json::to_string(&e.loc).unwrap()).collect();
        assert_eq!(missing, [r#"["body","subscribe_url"]"#, r#"["body","publish_url"]"#]);
        let bad = parse(br#"{"subscribe_url":"a","publish_url":"b","params":[1]}"#);
        assert_eq!(bad.unwrap_err().0[0].kind, "dict_type");
    }
}
