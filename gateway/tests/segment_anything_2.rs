//! `POST /segment-anything-2` end to end: Python list text with the spec's shapes.

mod common;

use common::{gradient_png, problems, Gateway, Part};
use serde_json::Value;

/// Reads Python list text the way a client would after mapping Python's words to JSON's.
fn python_list(text: &str) -> Value {
    let json = text
        .replace("True", "true")
        .replace("False", "false")
        .replace("-inf", "\"-inf\"")
        .replace("inf", "\"inf\"")
        .replace("nan", "\"nan\"");
    serde_json::from_str(&json)
        .unwrap_or_else(|err| panic!("{err}: {}", &text[..80.min(text.len())]))
}

fn shape(value: &Value) -> Vec<usize> {
    let mut shape = Vec::new();
    let mut level = value;
    while let Value::Array(items) = level {
        shape.push(items.len());
        match items.first() {
            Some(first) => level = first,
            None => break,
        }
    }
    shape
}

fn segment(gateway: &Gateway, path: &str, extra: &[Part]) -> Value {
    let upload = gradient_png(48, 32);
    let mut parts = vec![Part::File("image", "in.png", &upload)];
    parts.extend(extra.iter().map(|part| match part {
        Part::Text(name, value) => Part::Text(name, value),
        Part::File(name, file, bytes) => Part::File(name, file, bytes),
    }));
    let reply = gateway.post_form(path, &parts);
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()
}

#[test]
fn three_float_masks_by_default() {
    let gateway = Gateway::start(&[]);
    let answer =
        segment(&gateway, "/segment-anything-2", &[Part::Text("point_coords", "[[12, 8]]")]);
    for field in ["masks", "scores", "logits"] {
        assert!(answer[field].is_string(), "{field} is a string");
    }
    let masks = python_list(answer["masks"].as_str().unwrap());
    assert_eq!(shape(&masks), [3, 32, 48]);
    assert!(masks[0][0][0].is_f64());
    let scores = python_list(answer["scores"].as_str().unwrap());
    let scores: Vec<f64> =
        scores.as_array().unwrap().iter().map(|s| s.as_f64().unwrap()).collect();
    assert_eq!(scores.len(), 3);
    assert!(scores.windows(2).all(|w| w[0] > w[1]), "{scores:?}");
    let logits = python_list(answer["logits"].as_str().unwrap());
    assert_eq!(shape(&logits), [3, 64, 64]);
    assert!(answer["scores"].as_str().unwrap().starts_with("[0."));
    assert!(answer["masks"].as_str().unwrap().contains(", "));
}

#[test]
fn binary_masks_print_true_and_false_around_the_point() {
    let gateway = Gateway::start(&[]);
    let extra = [
        Part::Text("point_coords", "[[12, 8]]"),
        Part::Text("point_labels", "[1]"),
        Part::Text("return_logits", "false"),
        Part::Text("multimask_output", "false"),
    ];
    let answer = segment(&gateway, "/segment-anything-2", &extra);
    let text = answer["masks"].as_str().unwrap();
    assert!(text.starts_with("[[[") && text.contains("True") && text.contains("False"));
    let masks = python_list(text);
    assert_eq!(shape(&masks), [1, 32, 48]);
    assert_eq!(masks[0][8][12], true);
    assert_eq!(masks[0][31][47], false);
    assert_eq!(shape(&python_list(answer["logits"].as_str().unwrap())), [1, 64, 64]);
}

#[test]
fn a_box_prompt_centres_the_mask() {
    let gateway = Gateway::start(&[]);
    let extra = [Part::Text("box", "[24, 0, 48, 32]"), Part::Text("return_logits", "false")];
    let masks =
        python_list(segment(&gateway, "/segment-anything-2", &extra)["masks"].as_str().unwrap());
    assert_eq!(masks[0][16][36], true);
    assert_eq!(masks[0][16][2], false);
}

#[test]
fn nonfinite_logits_can_be_switched_on() {
    let gateway = Gateway::start(&[]);
    let config = gateway.configure("nf", r#"{"nonfinite_logits": true}"#);
    assert_eq!(config["nonfinite_logits"], true);
    let answer = segment(&gateway, "/s/nf/segment-anything-2", &[]);
    let logits = answer["logits"].as_str().unwrap();
    assert!(logits.starts_with("[[[nan, inf, -inf, "), "{}", &logits[..40]);
    let plain = segment(&gateway, "/segment-anything-2", &[]);
    assert!(!plain["logits"].as_str().unwrap().contains("nan"));

    gateway.configure("nf", r#"{"nonfinite_logits": false}"#);
    let off = segment(&gateway, "/s/nf/segment-anything-2", &[]);
    assert!(!off["logits"].as_str().unwrap().contains("inf"));
}

#[test]
fn bad_requests_are_refused() {
    let gateway = Gateway::start(&[]);
    let reply = gateway.post_form("/segment-anything-2", &[Part::Text("multimask_output", "x")]);
    let expected = [("image", "missing"), ("multimask_output", "bool_parsing")];
    let expected: Vec<(String, String)> =
        expected.iter().map(|(f, t)| (f.to_string(), t.to_string())).collect();
    assert_eq!(problems(&reply), expected);

    let upload = gradient_png(8, 8);
    let parts = [Part::File("image", "in.png", &upload), Part::Text("point_coords", "[[1, 2")];
    let reply = gateway.post_form("/segment-anything-2", &parts);
    assert_eq!(reply.status, 400);
    let msg = reply.json()["detail"]["msg"].as_str().unwrap_or_default().to_owned();
    assert!(msg.starts_with("Error parsing JSON for point_coords"), "{msg}");
}
