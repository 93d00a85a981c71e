//! `POST /text-to-image` end to end: answers, media, and FastAPI-style 422 bodies.

mod common;

use common::{decode_png, fetch_media, Gateway};
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
fn images_are_real_pngs_of_the_requested_size() {
    let gateway = Gateway::start(&[]);
    let reply = gateway.post(
        "/text-to-image",
        r#"{"prompt":"a red fox","width":96,"height":40,"seed":7,"num_images_per_prompt":3}"#,
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("content-type"), Some("application/json"));

    let answer = reply.json();
    let images = answer["images"].as_array().unwrap();
    assert_eq!(images.len(), 3);
    for (n, image) in images.iter().enumerate() {
        assert_eq!(image["seed"], json!(7 + n));
        assert_eq!(image["nsfw"], json!(false));
        let url = image["url"].as_str().unwrap();
        let prefix = format!("http://127.0.0.1:{}/stream/", gateway.port);
        assert!(url.starts_with(&prefix) && url.ends_with(&format!("/{n}.png")), "{url}");

        let media = fetch_media(&gateway, url);
        assert_eq!(media.status, 200);
        assert_eq!(media.header("content-type"), Some("image/png"));
        assert_eq!(media.header("cross-origin-resource-policy"), Some("cross-origin"));
        let (width, height, _) = decode_png(&media.body);
        assert_eq!((width, height), (96, 40));
    }
}

#[test]
fn same_prompt_and_seed_give_the_same_bytes() {
    let gateway = Gateway::start(&[]);
    let body = r#"{"prompt":"a lighthouse","width":64,"height":64,"seed":123}"#;
    let first = urls(&gateway.post("/text-to-image", body).json());
    let second = urls(&gateway.post("/s/other/text-to-image", body).json());
    assert_ne!(first[0], second[0], "each request gets its own id");
    let a = fetch_media(&gateway, &first[0]).body;
    let b = fetch_media(&gateway, &second[0]).body;
    assert_eq!(a, b);

    let changed = r#"{"prompt":"a lighthouse","width":64,"height":64,"seed":124}"#;
    let c = fetch_media(&gateway, &urls(&gateway.post("/text-to-image", changed).json())[0]).body;
    let (_, _, pixels_a) = decode_png(&a);
    let (_, _, pixels_c) = decode_png(&c);
    let differing = pixels_a.iter().zip(&pixels_c).filter(|(x, y)| x != y).count();
    assert!(differing > pixels_a.len() / 2);
}

#[test]
fn without_a_seed_one_is_chosen() {
    let gateway = Gateway::start(&[]);
    let answer = gateway
        .post("/text-to-image", r#"{"prompt":"x","width":8,"height":8,"num_images_per_prompt":2}"#)
        .json();
    let first = answer["images"][0]["seed"].as_i64().expect("an integer seed");
    assert_eq!(answer["images"][1]["seed"].as_i64(), Some(first + 1));
}

#[test]
fn defaults_follow_the_spec() {
    let gateway = Gateway::start(&[]);
    let answer = gateway.post("/text-to-image", r#"{"prompt":"x","seed":1}"#).json();
    let media = fetch_media(&gateway, &urls(&answer)[0]);
    let (width, height, _) = decode_png(&media.body);
    assert_eq!((width, height), (1024, 576));
}

#[test]
fn unknown_media_is_404() {
    let gateway = Gateway::start(&[]);
    let reply = gateway.get("/stream/nothing/0.png");
    assert_eq!(reply.status, 404);
    assert_eq!(reply.json(), json!({"detail":{"msg":"media not found"}}));
}

#[test]
fn a_missing_prompt_is_422_like_fastapi() {
    let gateway = Gateway::start(&[]);
    let reply = gateway.post("/text-to-image", r#"{"width":64}"#);
    assert_eq!(reply.status, 422);
    assert_eq!(
        reply.json(),
        json!({"detail":[{"loc":["body","prompt"],"msg":"Field required","type":"missing"}]})
    );
}

#[test]
fn a_body_that_is_not_json_is_json_invalid() {
    let gateway = Gateway::start(&[]);
    let reply = gateway.post("/text-to-image", r#"{"prompt": }"#);
    assert_eq!(reply.status, 422);
    let detail = &reply.json()["detail"][0];
    assert_eq!(detail["type"], "json_invalid");
    assert_eq!(detail["loc"], json!(["body", 11]));
    assert_eq!(detail["msg"], "JSON decode error");
}

#[test]
fn every_wrong_field_gets_an_entry() {
    let gateway = Gateway::start(&[]);
    let body = r#"{"prompt":["a"],"width":0,"height":4096,"seed":"1",
                  "guidance_scale":"x","num_images_per_prompt":13,"safety_check":1}"#;
    let reply = gateway.post("/text-to-image", body);
    assert_eq!(reply.status, 422);
    let detail = reply.json()["detail"].clone();
    let found: Vec<(String, String)> = detail
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (e["loc"][1].as_str().unwrap().to_owned(), e["type"].as_str().unwrap().to_owned())
        })
        .collect();
    let expected = [
        ("prompt", "string_type"),
        ("height", "less_than_equal"),
        ("width", "greater_than_equal"),
        ("guidance_scale", "float_type"),
        ("safety_check", "bool_type"),
        ("seed", "int_type"),
        ("num_images_per_prompt", "less_than_equal"),
    ];
    let expected: Vec<(String, String)> =
        expected.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    assert_eq!(found, expected);
    assert_eq!(detail[2]["msg"], "Input should be greater than or equal to 1");
}

#[test]
fn a_body_that_is_not_an_object_is_refused() {
    let gateway = Gateway::start(&[]);
    let reply = gateway.post("/text-to-image", "[]");
    assert_eq!(reply.status, 422);
    assert_eq!(reply.json()["detail"][0]["type"], "model_attributes_type");
}
