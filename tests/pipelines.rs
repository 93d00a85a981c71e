//! Browser tests of all ten pipelines against the local gateway: each one's request is
//! accepted, its result arrives in its output shape, and its media were fetched and
//! decode in the browser. Bad input is refused before anything is sent.
//!
//! Input media come from the gateway itself: a text-to-image result feeds the image
//! pipelines, a text-to-speech result feeds audio-to-text.

#![cfg(target_arch = "wasm32")]

mod common;

use comfyui_livepeer::JobService;
use common::*;
use js_sys::{Array, Function, Promise};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Calls a JS snippet with `blob` as its argument and awaits the promise it returns.
async fn inspect(blob: &JsValue, body: &str) -> JsValue {
    let function = Function::new_with_args("blob", body);
    let promise: Promise = function.call1(&JsValue::NULL, blob).unwrap().unchecked_into();
    JsFuture::from(promise).await.expect("the browser could read the media")
}

/// The width and height of an image blob, decoded by the browser.
async fn image_size(blob: &JsValue) -> (f64, f64) {
    let size =
        inspect(blob, "return createImageBitmap(blob).then(b => [b.width, b.height])").await;
    let size: Array = size.unchecked_into();
    (size.get(0).as_f64().unwrap(), size.get(1).as_f64().unwrap())
}

/// A PNG made by the gateway's text-to-image, to feed the image pipelines.
async fn png(service: &JobService, width: u32, height: u32) -> JsValue {
    let params = format!(r#"{{"prompt":"a test card","width":{width},"height":{height}}}"#);
    let result = run_job(service, "text-to-image", &js(&params)).await.expect("an input image");
    let images: Array = get(&get(&result, "output"), "images").unchecked_into();
    get(&images.get(0), "blob")
}

/// Parameters `json` with `image` (or another field) set to a media value.
fn with(json: &str, field: &str, media: &JsValue) -> JsValue {
    let params = js(json);
    js_sys::Reflect::set(&params, &field.into(), media).unwrap();
    params
}

fn output_of(result: &Result<JsValue, JsValue>) -> JsValue {
    match result {
        Ok(result) => get(result, "output"),
        Err(error) => panic!("the job failed: {}", text(error, "message")),
    }
}

#[wasm_bindgen_test]
async fn image_to_image_and_upscale_return_decodable_images() {
    let scope = "p-image";
    faults(scope, "[]").await;
    let service = service(scope, "");
    let input = png(&service, 64, 48).await;

    let params = with(r#"{"prompt":"make it blue","strength":0.5,"seed":4}"#, "image", &input);
    let output = output_of(&run_job(&service, "image-to-image", &params).await);
    assert_eq!(text(&output, "kind"), "images");
    let image = get(&output, "images").unchecked_into::<Array>().get(0);
    assert_eq!(image_size(&get(&image, "blob")).await, (64.0, 48.0));

    let params = with(r#"{"prompt":"sharper"}"#, "image", &input);
    let output = output_of(&run_job(&service, "upscale", &params).await);
    let image = get(&output, "images").unchecked_into::<Array>().get(0);
    assert_eq!(image_size(&get(&image, "blob")).await, (128.0, 96.0), "twice the size");
}

#[wasm_bindgen_test]
async fn image_to_video_returns_a_video_the_browser_plays() {
    let scope = "p-video";
    faults(scope, "[]").await;
    let service = service(scope, r#","attemptTimeoutMs":20000"#);
    let input = png(&service, 64, 48).await;
    let params = with(r#"{"width":128,"height":96,"fps":6,"seed":1}"#, "image", &input);
    let output = output_of(&run_job(&service, "image-to-video", &params).await);
    assert_eq!(text(&output, "kind"), "video");
    let video = get(&output, "videos").unchecked_into::<Array>().get(0);
    let metadata = inspect(
        &get(&video, "blob"),
        "return new Promise((ok, fail) => {
            const v = document.createElement('video');
            v.muted = true;
            v.onloadedmetadata = () => ok([v.duration, v.videoWidth, blob.type]);
            v.onerror = () => fail(new Error('the video does not play'));
            v.src = URL.createObjectURL(blob);
        })",
    )
    .await
    .unchecked_into::<Array>();
    assert!(metadata.get(0).as_f64().unwrap() > 0.0, "a duration");
    assert!(metadata.get(1).as_f64().unwrap() > 0.0, "a width");
    assert!(metadata.get(2).as_string().unwrap().starts_with("video/"));
}

#[wasm_bindgen_test]
async fn speech_becomes_audio_and_audio_becomes_text() {
    let scope = "p-audio";
    faults(scope, "[]").await;
    let service = service(scope, "");
    let speech = js(r#"{"text":"hello from the test"}"#);
    let output = output_of(&run_job(&service, "text-to-speech", &speech).await);
    assert_eq!(text(&output, "kind"), "audio");
    let wav = get(&get(&output, "audio"), "blob");
    let duration = inspect(
        &wav,
        "return blob.arrayBuffer()
            .then(b => new OfflineAudioContext(1, 1, 16000).decodeAudioData(b))
            .then(a => a.duration)",
    )
    .await;
    assert!(duration.as_f64().unwrap() > 0.1, "the WAV decodes to sound");

    for (timestamps, chunked) in [("true", true), ("\"word\"", true), ("false", false)] {
        let json = format!(r#"{{"return_timestamps":{timestamps}}}"#);
        let output =
            output_of(&run_job(&service, "audio-to-text", &with(&json, "audio", &wav)).await);
        assert_eq!(text(&output, "kind"), "text");
        assert!(!text(&output, "text").is_empty());
        let chunks: Array = get(&output, "chunks").unchecked_into();
        assert_eq!(chunks.length() > 0, chunked, "return_timestamps {timestamps}");
        if chunked {
            assert!(get(&chunks.get(0), "start").as_f64().is_some());
        }
    }
}

#[wasm_bindgen_test]
async fn segment_anything_returns_masks_as_typed_arrays() {
    let scope = "p-masks";
    faults(scope, "[]").await;
    let service = service(scope, "");
    let input = png(&service, 40, 30).await;
    let params = js(r#"{"point_coords":[[20,15]],"point_labels":[1],"return_logits":false}"#);
    js_sys::Reflect::set(&params, &"image".into(), &input).unwrap();
    let output = output_of(&run_job(&service, "segment-anything-2", &params).await);
    assert_eq!(text(&output, "kind"), "masks");
    let masks = get(&output, "masks");
    let shape: Vec<f64> = get(&masks, "shape")
        .unchecked_into::<Array>()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(shape, [3.0, 30.0, 40.0]);
    let data = get(&masks, "data");
    assert!(data.is_instance_of::<js_sys::Uint8Array>(), "binary masks are bytes");
    assert_eq!(data.unchecked_ref::<js_sys::Uint8Array>().length(), 3 * 30 * 40);
    let scores = get(&get(&output, "scores"), "data");
    assert_eq!(scores.unchecked_ref::<js_sys::Float32Array>().length(), 3);

    let single = js(r#"{"box":"[5, 5, 30, 25]","multimask_output":false}"#);
    js_sys::Reflect::set(&single, &"image".into(), &input).unwrap();
    let output = output_of(&run_job(&service, "segment-anything-2", &single).await);
    let logits = get(&get(&output, "logits"), "data");
    assert!(logits.is_instance_of::<js_sys::Float32Array>());
    let shape = get(&get(&output, "masks"), "shape").unchecked_into::<Array>();
    assert_eq!(shape.get(0).as_f64(), Some(1.0));
}

#[wasm_bindgen_test]
async fn llm_answers_whole_or_as_a_stream_of_token_events() {
    let scope = "p-llm";
    faults(scope, "[]").await;
    let service = service(scope, "");
    let messages = r#"[{"role":"user","content":"tell me about lighthouses"}]"#;
    let whole = js(&format!(r#"{{"messages":{messages},"max_tokens":20}}"#));
    let output = output_of(&run_job(&service, "llm", &whole).await);
    assert_eq!(text(&output, "kind"), "llm");
    assert!(!text(&output, "text").is_empty());
    assert!(get(&get(&output, "usage"), "total_tokens").as_f64().unwrap() > 0.0);

    let tokens = Array::new();
    let sink = tokens.clone();
    let listener =
        wasm_bindgen::closure::Closure::<dyn Fn(JsValue)>::new(move |event: JsValue| {
            if text(&event, "type") == "token" {
                sink.push(&get(&event, "text"));
            }
        });
    service.subscribe(listener.as_ref().clone()).unwrap();
    let streamed = js(&format!(r#"{{"messages":{messages},"max_tokens":20,"stream":true}}"#));
    let output = output_of(&run_job(&service, "llm", &streamed).await);
    assert!(tokens.length() > 2, "tokens arrived as events");
    let joined: String = tokens.iter().map(|t| t.as_string().unwrap()).collect();
    assert_eq!(joined, text(&output, "text"), "the tokens make the answer");
    assert!(!text(&output, "finish_reason").is_empty());

    faults(scope, r#"[{"kind":"sse_error","after":3}]"#).await;
    let error = run_job(&service, "llm", &streamed).await.unwrap_err();
    assert_eq!(text(&error, "kind"), "stream");
    assert_eq!(log(scope).await.len(), 1, "a broken stream is not retried");
}

#[wasm_bindgen_test]
async fn image_to_text_and_live_video_answer_their_shapes() {
    let scope = "p-misc";
    faults(scope, "[]").await;
    let service = service(scope, "");
    let input = png(&service, 32, 32).await;
    let params = with(r#"{"prompt":"what is this?"}"#, "image", &input);
    let output = output_of(&run_job(&service, "image-to-text", &params).await);
    assert_eq!(text(&output, "kind"), "text");
    assert!(!text(&output, "text").is_empty());

    let live =
        js(r#"{"subscribe_url":"http://127.0.0.1:1/in","publish_url":"http://127.0.0.1:1/out",
        "model_id":"noop","params":{"prompt":"neon","strength":0.4}}"#);
    let output = output_of(&run_job(&service, "live-video-to-video", &live).await);
    assert_eq!(text(&output, "kind"), "live_video");
    for field in ["subscribe_url", "publish_url", "control_url", "events_url"] {
        assert!(text(&output, field).starts_with("http"), "{field}");
    }
}

#[wasm_bindgen_test]
async fn data_urls_are_fetched_like_gateway_urls() {
    let scope = "p-data";
    faults(scope, "[]").await;
    configure(scope, r#"{"media":"data"}"#).await;
    let service = service(scope, "");
    let params = js(r#"{"prompt":"x","width":24,"height":16}"#);
    let output = output_of(&run_job(&service, "text-to-image", &params).await);
    let image = get(&output, "images").unchecked_into::<Array>().get(0);
    assert!(text(&image, "url").starts_with("data:image/png;base64,"));
    assert_eq!(image_size(&get(&image, "blob")).await, (24.0, 16.0));
}

#[wasm_bindgen_test]
async fn bad_input_is_refused_before_anything_is_sent() {
    let scope = "p-bad";
    faults(scope, "[]").await;
    let config = format!(
        r#"{{"gatewayUrl":"{}/s/{scope}","maxUploadBytes":1000,"sweepIntervalMs":0}}"#,
        gateway()
    );
    let service = JobService::new(js(&config)).unwrap();
    let tiny = js_sys::Uint8Array::new_with_length(16);
    tiny.fill(7, 0, 16);
    let big = js_sys::Uint8Array::new_with_length(2000);
    let empty = js_sys::Uint8Array::new_with_length(0);
    let text_blob: JsValue = "not a file".into();

    let cases: Vec<(&str, JsValue, &str)> = vec![
        ("image-to-image", js(r#"{"prompt":"p"}"#), "image"),
        ("image-to-image", with(r#"{"prompt":"p"}"#, "image", &text_blob), "image"),
        ("image-to-image", with(r#"{"prompt":"p"}"#, "image", &empty), "image"),
        ("image-to-image", with(r#"{"prompt":"p"}"#, "image", &big), "image"),
        ("image-to-image", with(r#"{"prompt":"p","strength":2}"#, "image", &tiny), "strength"),
        ("upscale", with(r#"{}"#, "image", &tiny), "prompt"),
        ("image-to-video", with(r#"{"fps":0}"#, "image", &tiny), "fps"),
        ("image-to-video", with(r#"{"width":5000}"#, "image", &tiny), "width"),
        ("audio-to-text", js(r#"{}"#), "audio"),
        (
            "audio-to-text",
            with(r#"{"return_timestamps":"chars"}"#, "audio", &tiny),
            "return_timestamps",
        ),
        ("segment-anything-2", with(r#"{"point_coords":[1,2]}"#, "image", &tiny), "point_coords"),
        (
            "segment-anything-2",
            with(r#"{"point_coords":[[1,2]],"point_labels":[1,0]}"#, "image", &tiny),
            "point_labels",
        ),
        ("llm", js(r#"{"messages":[]}"#), "messages"),
        ("llm", js(r#"{"messages":[{"role":"robot","content":"x"}]}"#), "messages[0].role"),
        (
            "llm",
            js(r#"{"messages":[{"role":"user","content":"x"}],"temperature":3}"#),
            "temperature",
        ),
        ("live-video-to-video", js(r#"{"subscribe_url":"http://a/in"}"#), "publish_url"),
        (
            "live-video-to-video",
            js(r#"{"subscribe_url":"a","publish_url":"b","params":[1]}"#),
            "params",
        ),
        ("text-to-speech", js(r#"{"text":"  "}"#), "text"),
        ("text-to-image", js(r#"{"prompt":"p","steps":20}"#), "steps"),
        ("text-to-image", js(r#""a prompt""#), "params"),
        ("text-to-video", js(r#"{"prompt":"p"}"#), "pipeline"),
    ];
    console_log!("{:<20} {:<18} {:<14} message", "pipeline", "field", "kind");
    for (pipeline, params, field) in &cases {
        let error = run_job(&service, pipeline, params).await.expect_err(pipeline);
        let message = text(&error, "message");
        console_log!(
            "{:<20} {:<18} {:<14} {}",
            pipeline,
            text(&error, "field"),
            text(&error, "kind"),
            message
        );
        assert_eq!(text(&error, "kind"), "invalid_input", "{pipeline}: {message}");
        assert_eq!(text(&error, "field"), *field, "{pipeline}: {message}");
    }
    assert!(cases.len() >= 15);
    assert_eq!(service.job_count(), 0, "no job was registered");
    assert_eq!(log(scope).await.len(), 0, "no request reached the gateway");
}

#[wasm_bindgen_test]
async fn a_result_file_that_cannot_be_fetched_fails_the_job_without_sending_it_again() {
    let scope = "p-lost-media";
    faults(scope, "[]").await;
    configure(scope, r#"{"media_host":"127.0.0.2"}"#).await;
    let service = service(scope, "");
    let params = js(r#"{"prompt":"x","width":8,"height":8}"#);
    let error = run_job(&service, "text-to-image", &params).await.unwrap_err();
    assert_eq!(text(&error, "kind"), "media", "{}", text(&error, "message"));
    assert!(text(&error, "message").starts_with("the result file could not be fetched"));
    assert_eq!(log(scope).await.len(), 1, "the paid work is not sent again");
}

#[wasm_bindgen_test]
async fn a_stream_may_outlast_the_attempt_timeout_once_it_has_begun() {
    let scope = "p-long-stream";
    faults(scope, "[]").await;
    let service = service(scope, r#","attemptTimeoutMs":300"#);
    let messages = r#"[{"role":"user","content":"tell me a long story"}]"#;
    let params = js(&format!(r#"{{"messages":{messages},"max_tokens":40,"stream":true}}"#));
    let started = js_sys::Date::now();
    let result = run_job(&service, "llm", &params).await;
    let took = js_sys::Date::now() - started;
    assert!(result.is_ok(), "{:?}", result.err().map(|e| text(&e, "message")));
    assert!(took > 300.0, "the stream ran past the attempt timeout ({took} ms)");
    assert_eq!(log(scope).await.len(), 1, "and was not sent again");
}
