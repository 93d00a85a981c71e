//! What every pipeline shares, end to end: faults, keys, the request log, the body
//! limit and the `data:` URL media mode.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use base64::Engine;
use common::{gradient_png, multipart, Gateway, Part, Reply};
use serde_json::Value;

/// A small valid request for each pipeline: (path, content type, body).
fn requests() -> Vec<(&'static str, String, Vec<u8>)> {
    let png = gradient_png(16, 12);
    let json = |path: &'static str, body: &str| {
        (path, "application/json".to_owned(), body.as_bytes().to_vec())
    };
    let form = |path: &'static str, parts: &[Part]| {
        let (content_type, body) = multipart(parts);
        (path, content_type, body)
    };
    vec![
        json("text-to-image", r#"{"prompt":"x","width":8,"height":8}"#),
        form("image-to-image", &[Part::Text("prompt", "x"), Part::File("image", "a.png", &png)]),
        form("image-to-video", &[Part::File("image", "a.png", &png), Part::Text("fps", "2")]),
        form("upscale", &[Part::Text("prompt", "x"), Part::File("image", "a.png", &png)]),
        form("audio-to-text", &[Part::File("audio", "a.wav", b"RIFF....")]),
        form("segment-anything-2", &[Part::File("image", "a.png", &png)]),
        json("llm", r#"{"messages":[{"role":"user","content":"hi"}]}"#),
        form("image-to-text", &[Part::File("image", "a.png", &png)]),
        json("live-video-to-video", r#"{"subscribe_url":"a","publish_url":"b"}"#),
        json("text-to-speech", r#"{"text":"hi"}"#),
    ]
}

fn send(gateway: &Gateway, scope: &str, request: &(&str, String, Vec<u8>)) -> Reply {
    send_with(gateway, scope, request, &[])
}

fn send_with(
    gateway: &Gateway,
    scope: &str,
    (path, content_type, body): &(&str, String, Vec<u8>),
    extra: &[(&str, &str)],
) -> Reply {
    let mut headers = vec![("Content-Type", content_type.as_str())];
    headers.extend_from_slice(extra);
    gateway.request_bytes("POST", &format!("/s/{scope}/{path}"), &headers, body)
}

/// Whether a field that the spec types as a string holds a number anywhere in the answer.
fn has_number_where_a_string_is_due(value: &Value) -> bool {
    let strings = ["url", "text", "masks", "content", "subscribe_url"];
    match value {
        Value::Object(map) => map.iter().any(|(key, value)| {
            (strings.contains(&key.as_str()) && value.is_number())
                || has_number_where_a_string_is_due(value)
        }),
        Value::Array(items) => items.iter().any(has_number_where_a_string_is_due),
        _ => false,
    }
}

#[test]
fn every_pipeline_answers_its_small_request() {
    let gateway = Gateway::start(&[]);
    for request in requests() {
        let reply = send(&gateway, "ok", &request);
        assert_eq!(reply.status, 200, "{}: {}", request.0, reply.text());
        assert_eq!(reply.header("content-type"), Some("application/json"), "{}", request.0);
        assert!(!has_number_where_a_string_is_due(&reply.json()), "{}", request.0);
    }
    let paths: Vec<String> =
        gateway.log("ok").iter().map(|e| e["path"].as_str().unwrap().to_owned()).collect();
    let expected: Vec<String> = requests().iter().map(|r| format!("/{}", r.0)).collect();
    assert_eq!(paths, expected);
}

#[test]
fn every_pipeline_takes_every_fault() {
    let gateway = Gateway::start(&[]);
    for request in requests() {
        let scope = format!("f-{}", request.0);
        gateway.script(
            &scope,
            r#"[{"kind":"status","status":503},{"kind":"html"},{"kind":"malformed_json"},
                {"kind":"wrong_shape"},{"kind":"delay","ms":50},{"kind":"drop"}]"#,
        );
        let name = request.0;

        let unavailable = send(&gateway, &scope, &request);
        assert_eq!(unavailable.status, 503, "{name}");
        assert_eq!(unavailable.json()["detail"]["msg"], "no orchestrators available");

        let html = send(&gateway, &scope, &request);
        assert_eq!((html.status, html.header("content-type")), (502, Some("text/html")), "{name}");

        let malformed = send(&gateway, &scope, &request);
        assert_eq!(malformed.status, 200, "{name}");
        assert!(serde_json::from_slice::<Value>(&malformed.body).is_err(), "{name}");

        let wrong = send(&gateway, &scope, &request);
        assert_eq!(wrong.status, 200, "{name}");
        assert!(has_number_where_a_string_is_due(&wrong.json()), "{name}: {}", wrong.text());

        assert_eq!(send(&gateway, &scope, &request).status, 200, "{name} after a delay");

        let (path, content_type, body) = &request;
        let mut stream = gateway
            .send_bytes(
                "POST",
                &format!("/s/{scope}/{path}"),
                &[("Content-Type", content_type)],
                body,
            )
            .unwrap();
        let mut received = Vec::new();
        let _ = stream.read_to_end(&mut received);
        assert!(received.is_empty(), "{name}: a drop sends nothing");

        let statuses: Vec<Value> =
            gateway.log(&scope).iter().map(|e| e["status"].clone()).collect();
        assert_eq!(
            statuses,
            [503, 502, 200, 200, 200]
                .map(Value::from)
                .into_iter()
                .chain([Value::Null])
                .collect::<Vec<_>>(),
            "{name}"
        );
    }
}

#[test]
fn every_pipeline_needs_the_scope_key() {
    let gateway = Gateway::start(&[]);
    gateway.configure("locked", r#"{"api_key":"k1"}"#);
    for request in requests() {
        let refused = send(&gateway, "locked", &request);
        assert_eq!(refused.status, 401, "{}", request.0);
        assert_eq!(refused.json()["detail"]["msg"], "Invalid bearer token");
        let allowed = send_with(&gateway, "locked", &request, &[("Authorization", "Bearer k1")]);
        assert_eq!(allowed.status, 200, "{}: {}", request.0, allowed.text());
    }
    let log = gateway.log("locked");
    assert_eq!(log.len(), 20);
    assert!(log.iter().step_by(2).all(|e| e["authorization"] == false && e["status"] == 401));
}

#[test]
fn bodies_over_64_mib_are_413() {
    let gateway = Gateway::start(&[]);
    for path in ["/s/big/image-to-image", "/s/big/text-to-image"] {
        let mut stream = TcpStream::connect(("127.0.0.1", gateway.port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
             Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {}\r\n\r\n",
            64 * 1024 * 1024 + 1
        );
        stream.write_all(head.as_bytes()).unwrap();
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw);
        let text = String::from_utf8_lossy(&raw).into_owned();
        assert!(text.starts_with("HTTP/1.1 413"), "{text}");
        assert!(text.contains("64 MiB"), "{text}");
    }
    assert_eq!(gateway.log("big")[0]["status"], 413);
}

fn decode_data_url(url: &str, mime: &str) -> Vec<u8> {
    let prefix = format!("data:{mime};base64,");
    let encoded = url.strip_prefix(&prefix).unwrap_or_else(|| panic!("{}", &url[..40]));
    base64::engine::general_purpose::STANDARD.decode(encoded).expect("valid base64")
}

#[test]
fn the_data_media_mode_answers_data_urls() {
    let gateway = Gateway::start(&[]);
    let config = gateway.configure("du", r#"{"media":"data"}"#);
    assert_eq!(config["media"], "data");
    assert_eq!(config["api_key_set"], false);

    let all = requests();
    for (index, mime, magic) in [
        (0, "image/png", &b"\x89PNG"[..]),
        (1, "image/png", b"\x89PNG"),
        (2, "video/webm", b"\x1a\x45\xdf\xa3"),
        (3, "image/png", b"\x89PNG"),
    ] {
        let answer = send(&gateway, "du", &all[index]).json();
        let bytes = decode_data_url(answer["images"][0]["url"].as_str().unwrap(), mime);
        assert!(bytes.starts_with(magic), "{}", all[index].0);
    }
    let speech = send(&gateway, "du", &all[9]).json();
    let wav = decode_data_url(speech["audio"]["url"].as_str().unwrap(), "audio/wav");
    assert_eq!(&wav[..4], b"RIFF");
    let (_, _, pixels) = common::decode_png(&decode_data_url(
        send(&gateway, "du", &all[0]).json()["images"][0]["url"].as_str().unwrap(),
        "image/png",
    ));
    assert_eq!(pixels.len(), 8 * 8 * 3);

    let back = gateway.configure("du", r#"{"media":"url"}"#);
    assert_eq!(back["media"], "url");
    let answer = send(&gateway, "du", &all[0]).json();
    assert!(answer["images"][0]["url"].as_str().unwrap().starts_with("http://127.0.0.1:"));
    let other_scope = send(&gateway, "plain", &all[9]).json();
    assert!(other_scope["audio"]["url"].as_str().unwrap().starts_with("http://"));
}

#[test]
fn config_keys_change_only_what_is_given() {
    let gateway = Gateway::start(&[]);
    gateway.configure("cf", r#"{"api_key":"k","live_duration_ms":500}"#);
    let after = gateway.configure("cf", r#"{"media":"data"}"#);
    assert_eq!(after["api_key_set"], true);
    assert_eq!(after["live_duration_ms"], 500);
    assert_eq!(after["media"], "data");
    for bad in [r#"{"media":"file"}"#, r#"{"live_duration_ms":-1}"#, r#"{"colour":1}"#, "{}"] {
        assert_eq!(gateway.post("/control/cf/config", bad).status, 400, "{bad}");
    }
    gateway.post("/control/cf/reset", "");
    let reset = gateway.configure("cf", r#"{"nonfinite_logits":false}"#);
    assert_eq!(reset["api_key_set"], false);
    assert_eq!(reset["media"], "url");
    assert_eq!(reset["live_duration_ms"], 10000);
}
