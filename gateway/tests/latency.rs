//! A scope's fixed latency, `done_ms` in the request log and the in-flight counters.

mod common;

use std::io::Read;
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use common::Gateway;
use serde_json::{json, Value};

const SMALL: &str = r#"{"prompt":"x","width":8,"height":8}"#;

/// The most log entries whose `[at_ms, done_ms]` intervals overlap at one instant.
fn most_overlapping(log: &[Value]) -> usize {
    let mut edges: Vec<(f64, i32)> = Vec::new();
    for entry in log {
        let at = entry["at_ms"].as_f64().expect("at_ms");
        let done = entry["done_ms"].as_f64().expect("done_ms");
        edges.push((at, 1));
        edges.push((done, -1));
    }
    edges.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut now = 0;
    let mut most = 0;
    for (_, step) in edges {
        now += step;
        most = most.max(now);
    }
    most as usize
}

fn read_reply(mut stream: TcpStream) -> String {
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("a reply");
    String::from_utf8_lossy(&raw).into_owned()
}

/// Waits up to two seconds for the scope to have no request in flight.
fn settled_stats(gateway: &Gateway, scope: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let stats = gateway.stats(scope);
        if stats["in_flight"] == 0 || Instant::now() > deadline {
            return stats;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn concurrent_requests_overlap_and_are_counted() {
    let gateway = Gateway::start(&[]);
    let config = gateway.configure("lat", r#"{"latency_ms": 300}"#);
    assert_eq!(config["latency_ms"], 300);

    let started = Instant::now();
    let streams: Vec<TcpStream> = (0..8)
        .map(|_| gateway.send("POST", "/s/lat/text-to-image", &[], SMALL).expect("sent"))
        .collect();
    for stream in streams {
        let reply = read_reply(stream);
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    }
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");

    let stats = settled_stats(&gateway, "lat");
    assert_eq!(stats, json!({"max_in_flight": 8, "in_flight": 0, "requests": 8}));

    let log = gateway.log("lat");
    assert_eq!(log.len(), 8);
    for entry in &log {
        let at = entry["at_ms"].as_f64().unwrap();
        let done = entry["done_ms"].as_f64().expect("every answer was sent");
        assert!(done - at >= 299.0, "{entry}");
    }
    assert_eq!(most_overlapping(&log), 8);
}

#[test]
fn sequential_requests_never_overlap() {
    let gateway = Gateway::start(&[]);
    for _ in 0..3 {
        assert_eq!(gateway.post("/s/seq/text-to-image", SMALL).status, 200);
    }
    let stats = settled_stats(&gateway, "seq");
    assert_eq!(stats, json!({"max_in_flight": 1, "in_flight": 0, "requests": 3}));
    let log = gateway.log("seq");
    assert_eq!(most_overlapping(&log), 1);
    assert!(log.iter().all(|e| e["done_ms"].as_f64() >= e["at_ms"].as_f64()));
}

#[test]
fn latency_comes_on_top_of_faults() {
    let gateway = Gateway::start(&[]);
    gateway.configure("lf", r#"{"latency_ms": 200}"#);
    gateway.script("lf", r#"[{"kind":"delay","ms":200},{"kind":"status","status":503}]"#);

    let started = Instant::now();
    assert_eq!(gateway.post("/s/lf/text-to-image", SMALL).status, 200);
    assert!(started.elapsed() >= Duration::from_millis(400));
    let started = Instant::now();
    assert_eq!(gateway.post("/s/lf/text-to-image", SMALL).status, 503);
    assert!(started.elapsed() >= Duration::from_millis(200));
    let started = Instant::now();
    assert_eq!(gateway.post("/s/lf/text-to-image", "{}").status, 422);
    assert!(started.elapsed() >= Duration::from_millis(200));

    let started = Instant::now();
    assert_eq!(gateway.post("/s/other/text-to-image", SMALL).status, 200);
    assert!(started.elapsed() < Duration::from_millis(200), "latency is per scope");

    gateway.configure("lf", r#"{"latency_ms": 0}"#);
    let started = Instant::now();
    assert_eq!(gateway.post("/s/lf/text-to-image", SMALL).status, 200);
    assert!(started.elapsed() < Duration::from_millis(200));
}

#[test]
fn requests_without_an_answer_have_no_done_ms_and_leave_the_count() {
    let gateway = Gateway::start(&[]);
    gateway.script("gone", r#"[{"kind":"drop"}]"#);
    assert!(gateway.try_request("POST", "/s/gone/text-to-image", &[], SMALL).is_err());

    gateway.configure("gone", r#"{"latency_ms": 500}"#);
    let stream = gateway.send("POST", "/s/gone/text-to-image", &[], SMALL).unwrap();
    thread::sleep(Duration::from_millis(100));
    assert_eq!(gateway.stats("gone")["in_flight"], 1);
    drop(stream);
    thread::sleep(Duration::from_millis(150));

    let stats = settled_stats(&gateway, "gone");
    assert_eq!(stats, json!({"max_in_flight": 1, "in_flight": 0, "requests": 2}));
    let log = gateway.log("gone");
    assert_eq!(log.len(), 2);
    for entry in &log {
        assert_eq!(entry["status"], Value::Null, "{entry}");
        assert_eq!(entry["done_ms"], Value::Null, "{entry}");
    }
}

#[test]
fn a_stream_is_in_flight_until_its_last_event() {
    let gateway = Gateway::start(&[]);
    let streaming = r#"{"messages":[{"role":"user","content":"hi"}],"stream":true}"#;
    let reply = gateway.post("/s/sse/llm", streaming);
    assert_eq!(reply.status, 200);
    let entry = &gateway.log("sse")[0];
    let took = entry["done_ms"].as_f64().unwrap() - entry["at_ms"].as_f64().unwrap();
    assert!(took >= 20.0, "done_ms comes after the last event: {entry}");
    assert_eq!(settled_stats(&gateway, "sse")["in_flight"], 0);
}

#[test]
fn reset_clears_the_counters() {
    let gateway = Gateway::start(&[]);
    gateway.post("/s/rc/text-to-image", SMALL);
    assert_eq!(gateway.stats("rc")["requests"], 1);
    gateway.post("/control/rc/reset", "");
    assert_eq!(gateway.stats("rc"), json!({"max_in_flight": 0, "in_flight": 0, "requests": 0}));
    assert_eq!(gateway.get("/control/a.b/stats").status, 400);
}
