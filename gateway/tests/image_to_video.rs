//! `POST /image-to-video` end to end: a real VP8 WebM file, served as `video/webm`.
//!
//! These tests need the `ffmpeg` program, which `.ci/setup` installs.

mod common;

use common::{fetch_media, gradient_png, problems, Gateway, Part};

const EBML_MAGIC: [u8; 4] = [0x1a, 0x45, 0xdf, 0xa3];

#[test]
fn videos_are_webm_files_on_the_gateway() {
    let gateway = Gateway::start(&[]);
    let upload = gradient_png(64, 36);
    let parts = [
        Part::File("image", "in.png", &upload),
        Part::Text("fps", "8"),
        Part::Text("seed", "42"),
        Part::Text("width", "320"),
        Part::Text("height", "180"),
    ];
    let reply = gateway.post_form("/image-to-video", &parts);
    assert_eq!(reply.status, 200, "{}", reply.text());
    let answer = reply.json();
    let images = answer["images"].as_array().expect("an images array");
    assert_eq!(images.len(), 1);
    assert_eq!(images[0]["seed"], 42);
    assert_eq!(images[0]["nsfw"], false);
    let url = images[0]["url"].as_str().expect("a string url");
    assert!(url.ends_with("/0.webm"), "{url}");

    let media = fetch_media(&gateway, url);
    assert_eq!(media.status, 200);
    assert_eq!(media.header("content-type"), Some("video/webm"));
    assert_eq!(media.body[..4], EBML_MAGIC);
    assert!(media.body.len() > 2_000, "only {} bytes", media.body.len());
    assert!(media.body.windows(4).any(|w| w == b"webm"), "no webm doctype");
    assert!(media.body.windows(5).any(|w| w == b"V_VP8"), "no VP8 track");
}

#[test]
fn any_upload_makes_a_video() {
    let gateway = Gateway::start(&[]);
    let parts = [Part::File("image", "in.jpg", b"\xff\xd8\xff not a png"), Part::Text("fps", "2")];
    let answer = gateway.post_form("/image-to-video", &parts).json();
    let seed = answer["images"][0]["seed"].as_i64().expect("a seed is chosen");
    assert!((0..1 << 32).contains(&seed));
    let media = fetch_media(&gateway, answer["images"][0]["url"].as_str().unwrap());
    assert_eq!(media.body[..4], EBML_MAGIC);
}

#[test]
fn bad_fields_are_422() {
    let gateway = Gateway::start(&[]);
    let reply = gateway.post_form("/image-to-video", &[Part::Text("fps", "0")]);
    let expected = [("image", "missing"), ("fps", "greater_than_equal")];
    let expected: Vec<(String, String)> =
        expected.iter().map(|(f, t)| (f.to_string(), t.to_string())).collect();
    assert_eq!(problems(&reply), expected);
}

#[test]
fn without_ffmpeg_the_answer_is_500_naming_it() {
    let gateway = Gateway::start_with_env(&[], &[("PATH", "/nonexistent-gateway-test-dir")]);
    let upload = gradient_png(8, 8);
    let reply = gateway.post_form("/image-to-video", &[Part::File("image", "in.png", &upload)]);
    assert_eq!(reply.status, 500);
    let msg = reply.json()["detail"]["msg"].as_str().unwrap_or_default().to_owned();
    assert!(msg.contains("ffmpeg"), "{msg}");
}
