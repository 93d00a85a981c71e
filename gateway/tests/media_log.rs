//! Media fetches logged per scope, and media URLs on another origin (`media_host`).

mod common;

use common::{fetch_media, Gateway};
use serde_json::{json, Value};

const SMALL: &str = r#"{"prompt":"x","width":8,"height":8}"#;
const PNG_MAGIC: [u8; 4] = [0x89, b'P', b'N', b'G'];

fn image_url(reply: &common::Reply) -> String {
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()["images"][0]["url"].as_str().expect("a string url").to_owned()
}

#[test]
fn fetches_are_logged_in_the_scope_that_made_the_media() {
    let gateway = Gateway::start(&[]);
    gateway.configure("mk", r#"{"api_key": "media-secret"}"#);
    let keyed = [("Content-Type", "application/json"), ("Authorization", "Bearer media-secret")];
    let url = image_url(&gateway.request("POST", "/s/mk/text-to-image", &keyed, SMALL));
    let prefix = format!("http://127.0.0.1:{}", gateway.port);
    assert!(url.starts_with(&format!("{prefix}/stream/")), "{url}");
    let path = url.strip_prefix(&prefix).unwrap_or_default().to_owned();

    assert_eq!(fetch_media(&gateway, &url).body[..4], PNG_MAGIC);
    let with_key = gateway.request("GET", &path, &[("Authorization", "Bearer media-secret")], "");
    assert_eq!(with_key.status, 200);
    assert_eq!(gateway.get("/stream/unknown/0.png").status, 404);

    let fetches = gateway.media_log("mk");
    let seen: Vec<(Value, Value)> =
        fetches.iter().map(|f| (f["path"].clone(), f["authorization"].clone())).collect();
    assert_eq!(seen, [(json!(path), json!(false)), (json!(path), json!(true))]);
    assert!(fetches.iter().all(|f| f["at_ms"].as_f64().is_some_and(|ms| ms > 0.0)));
    assert_eq!(fetches[0].as_object().map(|f| f.len()), Some(3));
    let text = serde_json::to_string(&fetches).unwrap_or_default();
    assert!(!text.contains("media-secret"));

    assert_eq!(gateway.log("mk").len(), 1, "media fetches stay out of the request log");
    assert_eq!(gateway.stats("mk")["requests"], 1);
    assert!(gateway.media_log("default").is_empty());
    assert!(gateway.media_log("other").is_empty());

    gateway.post("/control/mk/reset", "");
    assert!(gateway.media_log("mk").is_empty());
}

#[test]
fn media_host_puts_media_on_another_origin() {
    let gateway = Gateway::start(&[]);
    let config = gateway.configure("mh", r#"{"media_host": "localhost"}"#);
    assert_eq!(config["media_host"], "localhost");

    let url = image_url(&gateway.post("/s/mh/text-to-image", SMALL));
    let origin = format!("http://localhost:{}", gateway.port);
    assert!(url.starts_with(&format!("{origin}/stream/")), "{url}");
    let path = url.strip_prefix(&origin).unwrap_or_default();
    let host = format!("localhost:{}", gateway.port);
    let media = gateway.request("GET", path, &[("Host", &host)], "");
    assert_eq!(media.status, 200);
    assert_eq!(media.body[..4], PNG_MAGIC);
    let fetches = gateway.media_log("mh");
    assert_eq!(fetches.len(), 1);
    assert_eq!(fetches[0]["authorization"], false);

    let other = image_url(&gateway.post("/s/plain/text-to-image", SMALL));
    assert!(other.starts_with(&format!("http://127.0.0.1:{}/", gateway.port)), "{other}");

    let data = gateway.configure("mh", r#"{"media": "data"}"#);
    assert_eq!(data["media_host"], "localhost");
    let inline = image_url(&gateway.post("/s/mh/text-to-image", SMALL));
    assert!(inline.starts_with("data:image/png;base64,"));

    gateway.configure("mh", r#"{"media": "url", "media_host": null}"#);
    let back = image_url(&gateway.post("/s/mh/text-to-image", SMALL));
    assert!(back.starts_with(&format!("http://127.0.0.1:{}/", gateway.port)), "{back}");
}

#[test]
fn media_hosts_must_be_loopback_names() {
    let gateway = Gateway::start(&[]);
    assert_eq!(gateway.configure("h", r#"{"media_host": "::1"}"#)["media_host"], "[::1]");
    assert_eq!(
        gateway.configure("h", r#"{"media_host": "a.localhost"}"#)["media_host"],
        "a.localhost"
    );
    for bad in [r#""example.com""#, r#""192.168.1.2""#, r#""""#, "7"] {
        let reply = gateway.post("/control/h/config", &format!(r#"{{"media_host": {bad}}}"#));
        assert_eq!(reply.status, 400, "{bad}");
    }
    assert_eq!(gateway.get("/control/h/config").json()["media_host"], "a.localhost");
}
