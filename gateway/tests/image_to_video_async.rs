//! The async image-to-video flow end to end: `Prefer: respond-async`, then
//! `POST /image-to-video/result` until the job is complete.
//!
//! These tests need the `ffmpeg` program, which `.ci/setup` installs.

mod common;

use std::thread;
use std::time::{Duration, Instant};

use common::{fetch_media, gradient_png, problems, Gateway, Part, Reply};
use serde_json::{json, Value};

const ASYNC: (&str, &str) = ("Prefer", "respond-async");
const EBML_MAGIC: [u8; 4] = [0x1a, 0x45, 0xdf, 0xa3];

/// Submits a small async job to `prefix` (`""` or `/s/<scope>`); returns its id.
fn submit(gateway: &Gateway, prefix: &str, headers: &[(&str, &str)]) -> String {
    let upload = gradient_png(16, 16);
    let parts = [
        Part::File("image", "in.png", &upload),
        Part::Text("fps", "2"),
        Part::Text("seed", "42"),
        Part::Text("width", "64"),
        Part::Text("height", "36"),
    ];
    let mut all = vec![ASYNC];
    all.extend_from_slice(headers);
    let reply = gateway.post_form_with(&format!("{prefix}/image-to-video"), &all, &parts);
    assert_eq!(reply.status, 202, "{}", reply.text());
    let answer = reply.json();
    assert_eq!(answer.as_object().map(|fields| fields.len()), Some(1), "{answer}");
    answer["request_id"].as_str().expect("a string request_id").to_owned()
}

fn poll(gateway: &Gateway, prefix: &str, id: &str) -> Reply {
    let body = json!({ "request_id": id }).to_string();
    gateway.post(&format!("{prefix}/image-to-video/result"), &body)
}

/// Polls every 25 ms until the job is complete; fails after 20 s.
fn wait_for(gateway: &Gateway, prefix: &str, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let reply = poll(gateway, prefix, id);
        match reply.status {
            202 => assert_eq!(reply.json(), json!({"status": "processing"})),
            200 => return reply.json(),
            other => panic!("poll answered {other}: {}", reply.text()),
        }
        assert!(Instant::now() < deadline, "job {id} did not complete");
        thread::sleep(Duration::from_millis(25));
    }
}

#[test]
fn a_job_is_processing_then_complete_with_the_video() {
    let gateway = Gateway::start(&[]);
    gateway.configure("aj", r#"{"async_duration_ms": 600}"#);
    let started = Instant::now();
    let id = submit(&gateway, "/s/aj", &[]);
    assert!(started.elapsed() < Duration::from_millis(600), "202 comes at once");
    assert_eq!(poll(&gateway, "/s/aj", &id).status, 202);

    let done = wait_for(&gateway, "/s/aj", &id);
    assert!(started.elapsed() >= Duration::from_millis(600));
    assert_eq!(done["status"], "complete");
    let images = done["result"]["images"].as_array().expect("an images array");
    assert_eq!(images.len(), 1);
    assert_eq!(images[0]["seed"], 42);
    assert_eq!(images[0]["nsfw"], false);
    assert!(done["result"].get("error").is_none());
    let url = images[0]["url"].as_str().expect("a string url");
    assert!(url.ends_with(&format!("/stream/{id}/0.webm")), "{url}");
    let media = fetch_media(&gateway, url);
    assert_eq!(media.header("content-type"), Some("video/webm"));
    assert_eq!(media.body[..4], EBML_MAGIC);
    assert_eq!(poll(&gateway, "/s/aj", &id).json(), done, "a result stays readable");

    let log = gateway.log("aj");
    assert_eq!(
        (log[0]["path"].as_str(), log[0]["status"].as_u64()),
        (Some("/image-to-video"), Some(202))
    );
    let polls: Vec<&Value> = log[1..].iter().collect();
    assert!(polls.iter().all(|e| e["path"] == "/image-to-video/result"));
    assert_eq!(polls[0]["status"], 202);
    assert_eq!(polls[polls.len() - 1]["status"], 200);
}

#[test]
fn each_job_takes_the_next_scripted_duration() {
    let gateway = Gateway::start(&[]);
    let config = gateway
        .configure("jd", r#"{"async_durations_ms": [300, 8000], "async_duration_ms": 100}"#);
    assert_eq!(config["async_durations_ms"], json!([300, 8000]));
    let first = submit(&gateway, "/s/jd", &[]);
    let second = submit(&gateway, "/s/jd", &[]);
    let third = submit(&gateway, "/s/jd", &[]);
    assert_eq!(gateway.get("/control/jd/config").json()["async_durations_ms"], json!([]));

    wait_for(&gateway, "/s/jd", &third);
    wait_for(&gateway, "/s/jd", &first);
    let second_now = poll(&gateway, "/s/jd", &second);
    assert_eq!(second_now.status, 202, "the 8 s job is still running");
    assert_eq!(second_now.json(), json!({"status": "processing"}));
}

#[test]
fn a_failed_job_keeps_its_error_inside_the_result() {
    let gateway = Gateway::start(&[]);
    let config = gateway.configure(
        "default",
        r#"{"async_error": "insufficient capacity", "async_duration_ms": 50}"#,
    );
    assert_eq!(config["async_error"], "insufficient capacity");
    let failing = submit(&gateway, "", &[]);
    assert_eq!(gateway.get("/control/default/config").json()["async_error"], Value::Null);
    let working = submit(&gateway, "", &[]);

    let failed = wait_for(&gateway, "", &failing);
    assert_eq!(
        failed,
        json!({"status": "complete", "result": {"error": {"message": "insufficient capacity"}}})
    );
    let succeeded = wait_for(&gateway, "", &working);
    assert!(succeeded["result"]["images"][0]["url"].is_string(), "{succeeded}");
    assert!(succeeded["result"].get("error").is_none());
}

#[test]
fn without_ffmpeg_the_error_is_inside_the_result() {
    let gateway = Gateway::start_with_env(&[], &[("PATH", "/nonexistent-gateway-test-dir")]);
    gateway.configure("default", r#"{"async_duration_ms": 0}"#);
    let id = submit(&gateway, "", &[]);
    let done = wait_for(&gateway, "", &id);
    let msg = done["result"]["error"]["message"].as_str().unwrap_or_default().to_owned();
    assert!(msg.contains("ffmpeg"), "{done}");
}

#[test]
fn unknown_ids_and_bad_bodies_are_refused() {
    let gateway = Gateway::start(&[]);
    gateway.configure("one", r#"{"async_duration_ms": 0, "async_durations_ms": [5]}"#);
    let unknown = poll(&gateway, "/s/one", "0123456789abcdef");
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.json(), json!({"detail": {"msg": "invalid request ID"}}));

    let id = submit(&gateway, "/s/one", &[]);
    assert_eq!(poll(&gateway, "/s/other", &id).status, 400, "ids belong to their scope");
    assert_eq!(poll(&gateway, "", &id).status, 400);

    let path = "/s/one/image-to-video/result";
    let expected = |field: &str, kind: &str| vec![(field.to_owned(), kind.to_owned())];
    assert_eq!(problems(&gateway.post(path, "")), expected("body", "missing"));
    assert_eq!(problems(&gateway.post(path, "{}")), expected("request_id", "missing"));
    assert_eq!(
        problems(&gateway.post(path, r#"{"request_id":5}"#)),
        expected("request_id", "string_type")
    );
    assert_eq!(problems(&gateway.post(path, "[1]")), expected("body", "model_attributes_type"));
    assert_eq!(problems(&gateway.post(path, "{")).len(), 1);

    let bad_form =
        gateway.post_form_with("/s/two/image-to-video", &[ASYNC], &[Part::Text("fps", "0")]);
    assert_eq!(bad_form.status, 422, "a bad request gets no job");
    gateway.configure("two", r#"{"async_durations_ms": [7]}"#);
    gateway.post_form_with("/s/two/image-to-video", &[ASYNC], &[Part::Text("fps", "0")]);
    assert_eq!(gateway.get("/control/two/config").json()["async_durations_ms"], json!([7]));
}

#[test]
fn polls_take_faults_the_key_and_the_log() {
    let gateway = Gateway::start(&[]);
    gateway.configure("pf", r#"{"api_key": "poll-secret", "async_duration_ms": 0}"#);
    let auth = [("Authorization", "Bearer poll-secret")];
    let id = submit(&gateway, "/s/pf", &auth);
    let done = wait_for_with_key(&gateway, &id);

    gateway.script(
        "pf",
        r#"[{"kind":"status","status":503,"retry_after":"1"},{"kind":"drop"},
            {"kind":"status","status":429},{"kind":"malformed_json"},{"kind":"wrong_shape"},
            {"kind":"delay","ms":200}]"#,
    );
    let body = json!({ "request_id": id }).to_string();
    let keyed = [("Content-Type", "application/json"), auth[0]];
    let path = "/s/pf/image-to-video/result";
    let unavailable = gateway.request("POST", path, &keyed, &body);
    assert_eq!(unavailable.status, 503);
    assert_eq!(unavailable.header("retry-after"), Some("1"));
    assert!(gateway.try_request("POST", path, &keyed, &body).is_err(), "dropped");
    assert_eq!(gateway.request("POST", path, &keyed, &body).status, 429);
    let truncated = gateway.request("POST", path, &keyed, &body);
    assert_eq!(truncated.status, 200);
    assert!(serde_json::from_slice::<Value>(&truncated.body).is_err());
    let wrong = gateway.request("POST", path, &keyed, &body).json();
    assert!(wrong["result"]["images"][0]["url"].is_number(), "{wrong}");
    let started = Instant::now();
    assert_eq!(gateway.request("POST", path, &keyed, &body).json(), done);
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(poll(&gateway, "/s/pf", &id).status, 401, "polls need the key");

    let log = gateway.log("pf");
    let polls: Vec<(Value, Value, Value)> = log
        .iter()
        .filter(|e| e["path"] == "/image-to-video/result")
        .map(|e| (e["fault"].clone(), e["status"].clone(), e["authorization"].clone()))
        .collect();
    let tail = &polls[polls.len() - 7..];
    assert_eq!(
        tail,
        [
            (json!("status 503"), json!(503), json!(true)),
            (json!("drop"), Value::Null, json!(true)),
            (json!("status 429"), json!(429), json!(true)),
            (json!("malformed_json"), json!(200), json!(true)),
            (json!("wrong_shape"), json!(200), json!(true)),
            (json!("delay 200"), json!(200), json!(true)),
            (Value::Null, json!(401), json!(false)),
        ]
    );
}

fn wait_for_with_key(gateway: &Gateway, id: &str) -> Value {
    let body = json!({ "request_id": id }).to_string();
    let headers = [("Content-Type", "application/json"), ("Authorization", "Bearer poll-secret")];
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let reply = gateway.request("POST", "/s/pf/image-to-video/result", &headers, &body);
        if reply.status == 200 {
            return reply.json();
        }
        assert_eq!(reply.status, 202, "{}", reply.text());
        assert!(Instant::now() < deadline, "job {id} did not complete");
        thread::sleep(Duration::from_millis(25));
    }
}

#[test]
fn a_submission_takes_faults_in_its_own_shape() {
    let gateway = Gateway::start(&[]);
    gateway.script("sf", r#"[{"kind":"wrong_shape"},{"kind":"status","status":503}]"#);
    let upload = gradient_png(8, 8);
    let parts = [Part::File("image", "in.png", &upload)];
    let wrong = gateway.post_form_with("/s/sf/image-to-video", &[ASYNC], &parts);
    assert_eq!(wrong.status, 200);
    assert_eq!(wrong.json(), json!({"request_id": 12345}));
    let refused = gateway.post_form_with("/s/sf/image-to-video", &[ASYNC], &parts);
    assert_eq!(refused.status, 503);
    assert_eq!(gateway.get("/control/sf/config").json()["async_durations_ms"], json!([]));
}

#[test]
fn async_media_use_the_scope_media_host() {
    let gateway = Gateway::start(&[]);
    gateway.configure("amh", r#"{"async_duration_ms": 0, "media_host": "localhost"}"#);
    let id = submit(&gateway, "/s/amh", &[]);
    let done = wait_for(&gateway, "/s/amh", &id);
    let url = done["result"]["images"][0]["url"].as_str().unwrap_or_default();
    assert_eq!(url, format!("http://localhost:{}/stream/{id}/0.webm", gateway.port));
}
