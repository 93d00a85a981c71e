//! Scopes, keys, the request log, CORS and the command line, end to end.

mod common;

use std::process::Command;
use std::thread;

use common::Gateway;
use serde_json::{json, Value};

const SMALL: &str = r#"{"prompt":"x","width":8,"height":8}"#;

fn post_with_key(gateway: &Gateway, path: &str, key: &str) -> u16 {
    let auth = format!("Bearer {key}");
    gateway.request("POST", path, &[("Authorization", &auth)], SMALL).status
}

#[test]
fn the_flag_key_is_required_everywhere() {
    let gateway = Gateway::start(&["--api-key", "flag-secret"]);
    let reply = gateway.post("/text-to-image", SMALL);
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json(), json!({"detail":{"msg":"Invalid bearer token"}}));
    assert_eq!(post_with_key(&gateway, "/text-to-image", "wrong"), 401);
    assert_eq!(post_with_key(&gateway, "/text-to-image", "flag-secret"), 200);
    assert_eq!(post_with_key(&gateway, "/s/any/text-to-image", "flag-secret"), 200);
}

#[test]
fn a_scope_key_applies_to_its_scope_only() {
    let gateway = Gateway::start(&[]);
    let set = gateway.post("/control/locked/config", r#"{"api_key":"scope-secret"}"#);
    assert_eq!(
        set.json(),
        json!({"api_key_set": true, "media": "url", "live_duration_ms": 10000,
               "nonfinite_logits": false, "async_duration_ms": 3000, "async_durations_ms": [],
               "async_error": null, "latency_ms": 0, "media_host": null})
    );

    assert_eq!(gateway.post("/s/locked/text-to-image", SMALL).status, 401);
    assert_eq!(post_with_key(&gateway, "/s/locked/text-to-image", "nope"), 401);
    assert_eq!(post_with_key(&gateway, "/s/locked/text-to-image", "scope-secret"), 200);
    assert_eq!(gateway.post("/s/open/text-to-image", SMALL).status, 200);
    assert_eq!(gateway.post("/text-to-image", SMALL).status, 200);

    let log = gateway.log("locked");
    let seen: Vec<(bool, u64)> = log
        .iter()
        .map(|e| (e["authorization"].as_bool().unwrap(), e["status"].as_u64().unwrap()))
        .collect();
    assert_eq!(seen, [(false, 401), (true, 401), (true, 200)]);
    let text = serde_json::to_string(&log).unwrap();
    assert!(!text.contains("scope-secret") && !text.contains("nope"));

    gateway.post("/control/locked/config", r#"{"api_key":null}"#);
    assert_eq!(gateway.post("/s/locked/text-to-image", SMALL).status, 200);
}

#[test]
fn log_entries_have_every_field() {
    let gateway = Gateway::start(&[]);
    gateway.script("lg", r#"[{"kind":"status","status":429,"retry_after":"1"}]"#);
    gateway.post("/s/lg/text-to-image", SMALL);
    gateway.post("/s/lg/text-to-image", SMALL);
    let log = gateway.log("lg");
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["method"], "POST");
    assert_eq!(log[0]["path"], "/text-to-image");
    assert_eq!(log[0]["fault"], "status 429");
    assert_eq!(log[0]["status"], 429);
    assert_eq!(log[0]["authorization"], false);
    assert_eq!(log[1]["fault"], Value::Null);
    let times: Vec<f64> = log.iter().map(|e| e["at_ms"].as_f64().unwrap()).collect();
    assert!(times[0] >= 0.0 && times[1] >= times[0]);
    for entry in &log {
        assert!(entry["done_ms"].as_f64().unwrap() >= entry["at_ms"].as_f64().unwrap());
        assert_eq!(entry.as_object().map(|fields| fields.len()), Some(7), "{entry}");
    }
}

#[test]
fn scopes_do_not_see_each_other() {
    let gateway = Gateway::start(&[]);
    thread::scope(|threads| {
        for (scope, status) in [("iso-a", 503), ("iso-b", 429), ("iso-c", 500)] {
            let gateway = &gateway;
            threads.spawn(move || {
                let script = format!(r#"[{{"kind":"status","status":{status}}}]"#);
                gateway.script(scope, &script);
                let path = format!("/s/{scope}/text-to-image");
                assert_eq!(gateway.post(&path, SMALL).status, status);
                assert_eq!(gateway.post(&path, SMALL).status, 200);
                assert_eq!(gateway.log(scope).len(), 2);
            });
        }
    });
    assert!(gateway.log("default").is_empty());
    gateway.post("/text-to-image", SMALL);
    assert_eq!(gateway.log("default").len(), 1);
    assert_eq!(gateway.log("iso-a").len(), 2);
}

#[test]
fn reset_clears_faults_log_and_key() {
    let gateway = Gateway::start(&[]);
    gateway.script("rs", r#"[{"kind":"html"},{"kind":"drop"}]"#);
    gateway.post("/control/rs/config", r#"{"api_key":"k"}"#);
    gateway.post("/s/rs/text-to-image", SMALL);
    let reply = gateway.post("/control/rs/reset", "");
    assert_eq!(reply.json(), json!({"reset": true}));
    assert!(gateway.log("rs").is_empty());
    assert_eq!(gateway.post("/s/rs/text-to-image", SMALL).status, 200);
}

#[test]
fn bad_scope_names_are_refused() {
    let gateway = Gateway::start(&[]);
    let long = "x".repeat(65);
    assert_eq!(gateway.get(&format!("/control/{long}/log")).status, 400);
    assert_eq!(gateway.get("/control/a.b/log").status, 400);
    assert_eq!(gateway.post("/s/a.b/text-to-image", SMALL).status, 404);
    assert_eq!(gateway.post(&format!("/control/{}/config", "x".repeat(64)), "{}").status, 400);
}

#[test]
fn every_response_carries_cors_headers() {
    let gateway = Gateway::start(&[]);
    let preflight = gateway.request(
        "OPTIONS",
        "/s/any/text-to-image",
        &[
            ("Origin", "http://127.0.0.1:9"),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "authorization, content-type"),
        ],
        "",
    );
    assert_eq!(preflight.status, 204);
    let replies = [
        preflight,
        gateway.request("OPTIONS", "/no/such/path", &[], ""),
        gateway.post("/text-to-image", SMALL),
        gateway.post("/text-to-image", "{}"),
        gateway.get("/stream/none/0.png"),
        gateway.get("/nothing"),
        gateway.get("/control/c/log"),
    ];
    for reply in &replies {
        assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
        assert_eq!(
            reply.header("access-control-allow-headers"),
            Some("Authorization, Content-Type, Prefer")
        );
        assert_eq!(reply.header("access-control-allow-methods"), Some("GET, POST, OPTIONS"));
        assert_eq!(reply.header("access-control-expose-headers"), Some("Retry-After"));
        assert_eq!(reply.header("cross-origin-resource-policy"), Some("cross-origin"));
    }
    assert_eq!(replies[1].status, 204);
}

#[test]
fn hosts_other_than_loopback_are_refused() {
    for host in ["0.0.0.0", "192.168.1.10", "example.com"] {
        let output = Command::new(env!("CARGO_BIN_EXE_livepeer-local-gateway"))
            .args(["--port", "0", "--host", host])
            .output()
            .unwrap();
        assert!(!output.status.success(), "{host}");
        assert!(output.stdout.is_empty());
        assert!(String::from_utf8_lossy(&output.stderr).contains("not a loopback address"));
    }
}
