//! `POST /image-to-text` end to end: a caption that depends on the image and the prompt.

mod common;

use common::{gradient_png, problems, Gateway, Part};
use serde_json::Value;

#[test]
fn captions_describe_the_image_and_repeat() {
    let gateway = Gateway::start(&[]);
    let upload = gradient_png(24, 12);
    let parts = [Part::File("image", "in.png", &upload)];
    let reply = gateway.post_form("/image-to-text", &parts);
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let answer = reply.json();
    let keys: Vec<&String> = answer.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["text"]);
    let text = answer["text"].as_str().unwrap().to_owned();
    assert!(text.starts_with("a 24 by 12 picture"), "{text}");
    assert_eq!(
        gateway.post_form("/image-to-text", &parts).json()["text"],
        Value::from(text.clone())
    );

    let prompted = [Part::File("image", "in.png", &upload), Part::Text("prompt", "Describe:")];
    let with_prompt = gateway.post_form("/image-to-text", &prompted).json();
    assert!(with_prompt["text"].as_str().unwrap().starts_with("Describe: a 24 by 12"));
}

#[test]
fn the_image_is_required_and_not_empty() {
    let gateway = Gateway::start(&[]);
    let reply = gateway.post_form("/image-to-text", &[Part::Text("prompt", "x")]);
    assert_eq!(problems(&reply), [("image".to_owned(), "missing".to_owned())]);
    let reply = gateway.post_form("/image-to-text", &[Part::File("image", "a.png", b"")]);
    assert_eq!(problems(&reply), [("image".to_owned(), "value_error".to_owned())]);
}
