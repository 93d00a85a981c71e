//! `POST /live-video-to-video` and the live status route end to end.

mod common;

use std::thread;
use std::time::Duration;

use common::{problems, Gateway};
use serde_json::json;

#[test]
fn a_started_stream_reports_its_status_until_it_ends() {
    let gateway = Gateway::start(&[]);
    gateway.configure("lv", r#"{"live_duration_ms": 600}"#);
    let body = r#"{"subscribe_url":"http://127.0.0.1:1/in","publish_url":"http://127.0.0.1:1/out",
                   "model_id":"comfyui","params":{"prompt":"neon"},"stream_id":"stream-1",
                   "gateway_request_id":"req-9"}"#;
    let reply = gateway.post("/s/lv/live-video-to-video", body);
    assert_eq!(reply.status, 200, "{}", reply.text());
    let answer = reply.json();
    let base = format!("http://127.0.0.1:{}/live/stream-1", gateway.port);
    assert_eq!(answer["subscribe_url"], format!("{base}/subscribe"));
    assert_eq!(answer["publish_url"], format!("{base}/publish"));
    assert_eq!(answer["control_url"], format!("{base}/control"));
    assert_eq!(answer["events_url"], format!("{base}/events"));
    assert_eq!(answer["request_id"], "req-9");
    assert!(answer["manifest_id"].as_str().is_some_and(|id| !id.is_empty()));

    let status = gateway.get("/live/video-to-video/stream-1/status");
    assert_eq!(status.status, 200);
    let status = status.json();
    assert_eq!(status["type"], "status");
    assert_eq!(status["stream_id"], "stream-1");
    assert_eq!(status["request_id"], "req-9");
    assert!(status["pipeline_id"].is_string());
    assert!(status["orchestrator_info"]["address"].as_str().unwrap().starts_with("0x"));
    assert!(status["orchestrator_info"]["url"].is_string());
    let inference = &status["inference_status"];
    assert_eq!(inference["pipeline"], "comfyui");
    assert_eq!(inference["last_params"], json!({"prompt": "neon"}));
    assert_eq!(inference["restart_count"], 0);
    assert!(inference["output_fps"].as_f64().unwrap() > 0.0);
    assert_eq!(status["gateway_status"]["whep_url"], format!("{base}/whep"));
    assert!(status["gateway_status"]["ingest_metrics"]["stats"].is_object());

    thread::sleep(Duration::from_millis(800));
    let ended = gateway.get("/live/video-to-video/stream-1/status");
    assert_eq!(ended.status, 404);
    assert_eq!(ended.json(), json!({"detail":{"msg":"Stream not found"}}));
}

#[test]
fn streams_get_an_id_when_none_is_given() {
    let gateway = Gateway::start(&[]);
    let answer =
        gateway.post("/live-video-to-video", r#"{"subscribe_url":"a","publish_url":"b"}"#);
    assert_eq!(answer.status, 200);
    let url = answer.json()["publish_url"].as_str().unwrap().to_owned();
    let stream = url.rsplit('/').nth(1).unwrap().to_owned();
    assert!(stream.starts_with("str_"), "{url}");
    assert_eq!(gateway.get(&format!("/live/video-to-video/{stream}/status")).status, 200);
}

#[test]
fn unknown_streams_and_bad_bodies_are_refused() {
    let gateway = Gateway::start(&[]);
    let unknown = gateway.get("/live/video-to-video/nothing/status");
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json(), json!({"detail":{"msg":"Stream not found"}}));

    let reply = gateway.post("/live-video-to-video", r#"{"model_id":"x","params":"no"}"#);
    let expected =
        [("subscribe_url", "missing"), ("publish_url", "missing"), ("params", "dict_type")];
    let expected: Vec<(String, String)> =
        expected.iter().map(|(f, t)| (f.to_string(), t.to_string())).collect();
    assert_eq!(problems(&reply), expected);

    let bad_id = r#"{"subscribe_url":"a","publish_url":"b","stream_id":"a/b"}"#;
    assert_eq!(gateway.post("/live-video-to-video", bad_id).status, 400);
}

#[test]
fn status_polls_take_faults_latency_and_the_log() {
    let gateway = Gateway::start(&[]);
    gateway.configure("lf", r#"{"live_duration_ms": 1500, "api_key": "live-secret"}"#);
    let body = r#"{"subscribe_url":"a","publish_url":"b","stream_id":"s-f"}"#;
    let keyed = [("Content-Type", "application/json"), ("Authorization", "Bearer live-secret")];
    assert_eq!(gateway.request("POST", "/s/lf/live-video-to-video", &keyed, body).status, 200);

    gateway.script(
        "lf",
        r#"[{"kind":"status","status":503},{"kind":"html"},{"kind":"malformed_json"},
            {"kind":"wrong_shape"},{"kind":"drop"},{"kind":"delay","ms":150}]"#,
    );
    let path = "/s/lf/live/video-to-video/s-f/status";
    assert_eq!(gateway.get(path).status, 503);
    assert_eq!(gateway.get(path).status, 502);
    let truncated = gateway.get(path);
    assert_eq!(truncated.status, 200);
    assert!(serde_json::from_slice::<serde_json::Value>(&truncated.body).is_err());
    assert!(gateway.get(path).json()["stream_id"].is_number());
    assert!(gateway.try_request("GET", path, &[], "").is_err(), "dropped");
    let started = std::time::Instant::now();
    let delayed = gateway.get(path);
    assert!(started.elapsed() >= Duration::from_millis(150));
    assert_eq!(delayed.status, 200, "status polls need no key");
    let status = delayed.json();
    assert_eq!(status["stream_id"], "s-f");
    assert_eq!(status["inference_status"]["state"], "ONLINE");

    gateway.configure("lf", r#"{"latency_ms": 200}"#);
    let started = std::time::Instant::now();
    assert_eq!(gateway.get(path).status, 200);
    assert!(started.elapsed() >= Duration::from_millis(200));

    thread::sleep(Duration::from_millis(1500));
    let ended = gateway.get(path);
    assert_eq!(ended.status, 404);
    assert_eq!(ended.json(), json!({"detail":{"msg":"Stream not found"}}));

    let log = gateway.log("lf");
    assert_eq!(log[0]["path"], "/live-video-to-video");
    let polls: Vec<(String, serde_json::Value, serde_json::Value)> = log[1..]
        .iter()
        .map(|e| {
            (
                e["method"].as_str().unwrap_or_default().to_owned(),
                e["fault"].clone(),
                e["status"].clone(),
            )
        })
        .collect();
    let get = || "GET".to_owned();
    assert_eq!(
        polls,
        [
            (get(), json!("status 503"), json!(503)),
            (get(), json!("html"), json!(502)),
            (get(), json!("malformed_json"), json!(200)),
            (get(), json!("wrong_shape"), json!(200)),
            (get(), json!("drop"), serde_json::Value::Null),
            (get(), json!("delay 150"), json!(200)),
            (get(), serde_json::Value::Null, json!(200)),
            (get(), serde_json::Value::Null, json!(404)),
        ]
    );
    assert!(log[1..].iter().all(|e| e["path"] == "/live/video-to-video/s-f/status"));
}

#[test]
fn unscoped_status_polls_are_logged_in_the_default_scope() {
    let gateway = Gateway::start(&[]);
    let body = r#"{"subscribe_url":"a","publish_url":"b","stream_id":"plain"}"#;
    assert_eq!(gateway.post("/s/elsewhere/live-video-to-video", body).status, 200);
    gateway.script("default", r#"[{"kind":"status","status":429,"retry_after":"3"}]"#);
    let limited = gateway.get("/live/video-to-video/plain/status");
    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("retry-after"), Some("3"));
    assert_eq!(gateway.get("/live/video-to-video/plain/status").status, 200);
    let log = gateway.log("default");
    assert_eq!(log.len(), 2);
    assert!(log.iter().all(|e| e["path"] == "/live/video-to-video/plain/status"));
    assert_eq!(gateway.get("/s/a.b/live/video-to-video/plain/status").status, 404);
}
