//! The fault script end to end: every kind, in queue order, and what the log records.

mod common;

use std::io::{ErrorKind, Read};
use std::time::{Duration, Instant};

use common::Gateway;
use serde_json::{json, Value};

const SMALL: &str = r#"{"prompt":"x","width":8,"height":8}"#;

#[test]
fn status_faults_send_their_status_body_and_retry_after() {
    let gateway = Gateway::start(&[]);
    gateway.script(
        "st",
        r#"[{"kind":"status","status":429,"retry_after":"2"},
            {"kind":"status","status":503},
            {"kind":"status","status":500,"retry_after":"Wed, 21 Oct 2026 07:28:00 GMT"},
            {"kind":"status","status":502,"retry_after":5}]"#,
    );
    let expected = [
        (429, "Too many AI requests", Some("2")),
        (503, "no orchestrators available", None),
        (500, "internal server error", Some("Wed, 21 Oct 2026 07:28:00 GMT")),
        (502, "bad gateway", Some("5")),
    ];
    for (status, msg, retry_after) in expected {
        let reply = gateway.post("/s/st/text-to-image", SMALL);
        assert_eq!(reply.status, status);
        assert_eq!(reply.json(), json!({"detail":{"msg":msg}}));
        assert_eq!(reply.header("retry-after"), retry_after);
        assert_eq!(reply.header("access-control-expose-headers"), Some("Retry-After"));
    }
    assert_eq!(gateway.post("/s/st/text-to-image", SMALL).status, 200);
}

#[test]
fn drop_closes_the_connection_without_a_response() {
    let gateway = Gateway::start(&[]);
    gateway.script("dr", r#"[{"kind":"drop"}]"#);
    let mut stream = gateway.send("POST", "/s/dr/text-to-image", &[], SMALL).unwrap();
    let mut received = Vec::new();
    match stream.read_to_end(&mut received) {
        Ok(_) => assert!(received.is_empty(), "got {:?}", String::from_utf8_lossy(&received)),
        Err(err) => assert_eq!(err.kind(), ErrorKind::ConnectionReset),
    }

    assert_eq!(gateway.post("/s/dr/text-to-image", SMALL).status, 200);
    let log = gateway.log("dr");
    assert_eq!(log[0]["fault"], "drop");
    assert_eq!(log[0]["status"], Value::Null);
    assert_eq!(log[1]["status"], 200);
}

#[test]
fn malformed_json_is_a_truncated_200() {
    let gateway = Gateway::start(&[]);
    gateway.script("mj", r#"[{"kind":"malformed_json"}]"#);
    let reply = gateway.post("/s/mj/text-to-image", SMALL);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert!(serde_json::from_slice::<Value>(&reply.body).is_err());
    assert!(reply.text().starts_with(r#"{"images":"#));
}

#[test]
fn html_is_a_502_page() {
    let gateway = Gateway::start(&[]);
    gateway.script("ht", r#"[{"kind":"html"}]"#);
    let reply = gateway.post("/s/ht/text-to-image", SMALL);
    assert_eq!(reply.status, 502);
    assert_eq!(reply.header("content-type"), Some("text/html"));
    assert!(reply.text().contains("<h1>502 Bad Gateway</h1>"));
}

#[test]
fn wrong_shape_has_a_numeric_url() {
    let gateway = Gateway::start(&[]);
    gateway.script("ws", r#"[{"kind":"wrong_shape"}]"#);
    let reply = gateway.post("/s/ws/text-to-image", SMALL);
    assert_eq!(reply.status, 200);
    assert!(reply.json()["images"][0]["url"].is_number());
}

#[test]
fn delay_waits_then_answers_normally() {
    let gateway = Gateway::start(&[]);
    gateway.script("dl", r#"[{"kind":"delay","ms":400}]"#);
    let started = Instant::now();
    let reply = gateway.post("/s/dl/text-to-image", SMALL);
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(reply.status, 200);
    assert_eq!(gateway.log("dl")[0]["fault"], "delay 400");
}

#[test]
fn a_client_that_leaves_during_a_delay_is_logged_without_status() {
    let gateway = Gateway::start(&[]);
    gateway.script("gone", r#"[{"kind":"delay","ms":600}]"#);
    let stream = gateway.send("POST", "/s/gone/text-to-image", &[], SMALL).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    drop(stream);
    std::thread::sleep(Duration::from_millis(900));
    let log = gateway.log("gone");
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["fault"], "delay 600");
    assert_eq!(log[0]["status"], Value::Null);
    assert_eq!(log[0]["done_ms"], Value::Null);
}

#[test]
fn faults_are_taken_in_order_and_only_by_pipeline_requests() {
    let gateway = Gateway::start(&[]);
    gateway.script("ord", r#"[{"kind":"status","status":503},{"kind":"html"}]"#);
    gateway.script("ord", r#"[{"kind":"status","status":429}]"#);

    assert_eq!(gateway.request("OPTIONS", "/s/ord/text-to-image", &[], "").status, 204);
    assert_eq!(gateway.get("/stream/none/0.png").status, 404);
    let pending = gateway.get("/control/ord/faults").json();
    assert_eq!(pending["faults"].as_array().map(Vec::len), Some(3));

    let statuses: Vec<u16> =
        (0..4).map(|_| gateway.post("/s/ord/text-to-image", SMALL).status).collect();
    assert_eq!(statuses, [503, 502, 429, 200]);
    let faults: Vec<Value> = gateway.log("ord").iter().map(|e| e["fault"].clone()).collect();
    assert_eq!(faults, [json!("status 503"), json!("html"), json!("status 429"), Value::Null]);
}

#[test]
fn bad_scripts_are_refused_whole() {
    let gateway = Gateway::start(&[]);
    for script in [
        r#"{"kind":"drop"}"#,
        r#"[{"kind":"drop"},{"kind":"explode"}]"#,
        r#"[{"kind":"status","status":200}]"#,
        r#"[{"kind":"delay"}]"#,
    ] {
        let reply = gateway.post("/control/bad/faults", script);
        assert_eq!(reply.status, 400, "{script}");
        assert!(reply.json()["detail"]["msg"].is_string());
    }
    assert_eq!(gateway.post("/s/bad/text-to-image", SMALL).status, 200);
}
