//! `POST /image-to-image` and `POST /upscale` end to end: PNGs derived from the upload.

mod common;

use common::{decode_png, encode_png, fetch_media, gradient_png, problems, Gateway, Part};
use serde_json::{json, Value};

fn urls(answer: &Value) -> Vec<String> {
    answer["images"]
        .as_array()
        .expect("an images array")
        .iter()
        .map(|image| image["url"].as_str().expect("a string url").to_owned())
        .collect()
}

#[test]
fn png_uploads_give_pngs_of_the_same_size() {
    let gateway = Gateway::start(&[]);
    let upload = gradient_png(40, 24);
    let parts = [
        Part::Text("prompt", "a red fox"),
        Part::File("image", "in.png", &upload),
        Part::Text("seed", "11"),
        Part::Text("num_images_per_prompt", "2"),
        Part::Text("strength", "0.5"),
    ];
    let reply = gateway.post_form("/image-to-image", &parts);
    assert_eq!(reply.status, 200, "{}", reply.text());
    let answer = reply.json();
    assert_eq!(answer["images"][0]["seed"], 11);
    assert_eq!(answer["images"][1]["seed"], 12);
    assert_eq!(answer["images"][0]["nsfw"], false);

    let mut pictures = Vec::new();
    for url in urls(&answer) {
        let media = fetch_media(&gateway, &url);
        assert_eq!(media.header("content-type"), Some("image/png"));
        let (width, height, pixels) = decode_png(&media.body);
        assert_eq!((width, height), (40, 24));
        pictures.push(pixels);
    }
    assert_ne!(pictures[0], pictures[1]);

    let again = gateway.post_form("/s/other/image-to-image", &parts).json();
    let first = fetch_media(&gateway, &urls(&answer)[0]).body;
    assert_eq!(fetch_media(&gateway, &urls(&again)[0]).body, first);
}

#[test]
fn every_png_colour_type_is_read() {
    let gateway = Gateway::start(&[]);
    let grey = encode_png(5, 3, png::ColorType::Grayscale, &[100; 15]);
    let rgba = encode_png(4, 2, png::ColorType::Rgba, &[200; 32]);
    for (upload, size) in [(grey, (5, 3)), (rgba, (4, 2))] {
        let parts = [Part::Text("prompt", "x"), Part::File("image", "in.png", &upload)];
        let answer = gateway.post_form("/image-to-image", &parts).json();
        let (width, height, _) = decode_png(&fetch_media(&gateway, &urls(&answer)[0]).body);
        assert_eq!((width, height), size);
    }
}

#[test]
fn other_uploads_give_512_squares() {
    let gateway = Gateway::start(&[]);
    let parts = [
        Part::Text("prompt", "x"),
        Part::File("image", "in.jpg", b"\xff\xd8\xff\xe0 not really a jpeg"),
        Part::Text("seed", "5"),
    ];
    let first =
        fetch_media(&gateway, &urls(&gateway.post_form("/image-to-image", &parts).json())[0]);
    let (width, height, _) = decode_png(&first.body);
    assert_eq!((width, height), (512, 512));
    let second =
        fetch_media(&gateway, &urls(&gateway.post_form("/image-to-image", &parts).json())[0]);
    assert_eq!(first.body, second.body);
}

#[test]
fn missing_wrong_and_empty_fields_are_422() {
    let gateway = Gateway::start(&[]);
    let reply = gateway.post_form("/image-to-image", &[Part::Text("seed", "x")]);
    let expected = [("prompt", "missing"), ("image", "missing"), ("seed", "int_parsing")];
    let expected: Vec<(String, String)> =
        expected.iter().map(|(f, t)| (f.to_string(), t.to_string())).collect();
    assert_eq!(problems(&reply), expected);
    assert_eq!(
        reply.json()["detail"][0],
        json!({"loc":["body","prompt"],"msg":"Field required","type":"missing"})
    );

    let empty = [Part::Text("prompt", "x"), Part::File("image", "in.png", b"")];
    let reply = gateway.post_form("/image-to-image", &empty);
    assert_eq!(problems(&reply), [("image".to_owned(), "value_error".to_owned())]);

    let text_image = [Part::Text("prompt", "x"), Part::Text("image", "abc")];
    let reply = gateway.post_form("/image-to-image", &text_image);
    assert_eq!(problems(&reply), [("image".to_owned(), "value_error".to_owned())]);

    let json_body = gateway.post("/image-to-image", r#"{"prompt":"x"}"#);
    assert_eq!(problems(&json_body).len(), 2);
}

#[test]
fn a_broken_multipart_body_is_400() {
    let gateway = Gateway::start(&[]);
    let headers = [("Content-Type", "multipart/form-data; boundary=xyz")];
    let reply = gateway.request_bytes("POST", "/image-to-image", &headers, b"--xyz\r\nbroken");
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json(), json!({"detail":{"msg":"There was an error parsing the body"}}));
}

#[test]
fn upscale_doubles_each_side() {
    let gateway = Gateway::start(&[]);
    let upload = gradient_png(30, 17);
    let parts = [
        Part::Text("prompt", "sharper"),
        Part::File("image", "in.png", &upload),
        Part::Text("seed", "3"),
    ];
    let reply = gateway.post_form("/upscale", &parts);
    assert_eq!(reply.status, 200, "{}", reply.text());
    let answer = reply.json();
    assert_eq!(answer["images"][0]["seed"], 3);
    let media = fetch_media(&gateway, &urls(&answer)[0]);
    assert_eq!(media.header("content-type"), Some("image/png"));
    let (width, height, pixels) = decode_png(&media.body);
    assert_eq!((width, height), (60, 34));
    let (_, _, source) = decode_png(&upload);
    let at = |pixels: &[u8], width: usize, x: usize, y: usize| pixels[(y * width + x) * 3];
    assert_eq!(at(&pixels, 60, 21, 9), at(&source, 30, 10, 4));
}

#[test]
fn upscale_refuses_other_formats_and_needs_a_prompt() {
    let gateway = Gateway::start(&[]);
    let parts = [Part::Text("prompt", "x"), Part::File("image", "in.gif", b"GIF89a....")];
    let reply = gateway.post_form("/upscale", &parts);
    assert_eq!(problems(&reply), [("image".to_owned(), "value_error".to_owned())]);
    let msg = reply.json()["detail"][0]["msg"].as_str().unwrap_or_default().to_owned();
    assert!(msg.contains("PNG"), "{msg}");

    let upload = gradient_png(4, 4);
    let reply = gateway.post_form("/upscale", &[Part::File("image", "in.png", &upload)]);
    assert_eq!(problems(&reply), [("prompt".to_owned(), "missing".to_owned())]);
}
