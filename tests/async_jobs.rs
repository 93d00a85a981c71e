//! Browser tests of long jobs: image-to-video run asynchronously by the gateway and
//! polled on the job's own timer, live stream status, and the connection budget that
//! keeps polls from starving behind long submissions (its makespan benchmark runs alone,
//! in `budget.rs`).

#![cfg(target_arch = "wasm32")]

mod common;

use comfyui_livepeer::JobService;
use common::*;
use js_sys::Array;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A tiny PNG made by the gateway, to feed image-to-video.
async fn input_image(service: &JobService) -> JsValue {
    let params = js(r#"{"prompt":"a still","width":32,"height":24}"#);
    let result = run_job(service, "text-to-image", &params).await.expect("an input image");
    let images: Array = get(&get(&result, "output"), "images").unchecked_into();
    get(&images.get(0), "blob")
}

async fn submit_video(service: &JobService) -> String {
    let image = input_image(service).await;
    let params = js(r#"{"width":64,"height":48,"fps":4}"#);
    js_sys::Reflect::set(&params, &"image".into(), &image).unwrap();
    service.submit("image-to-video".into(), params, JsValue::UNDEFINED).expect("submitted")
}

fn paths(requests: &[Logged]) -> Vec<&str> {
    requests.iter().map(|r| r.path.as_str()).collect()
}

#[wasm_bindgen_test]
async fn an_async_video_job_is_polled_until_its_result_is_ready() {
    let scope = "a-video";
    faults(scope, "[]").await;
    configure(scope, r#"{"async_duration_ms":1500}"#).await;
    let service = polling_service(scope, "");
    let job_id = submit_video(&service).await;
    wait_for_state(&service, &job_id, "running", 5000).await;
    assert!(!text(&service.status(&job_id), "requestId").is_empty());
    wait_for_state(&service, &job_id, "completed", 10000).await;

    let output = service.output(&job_id);
    assert_eq!(text(&output, "kind"), "video");
    let video = get(&output, "videos").unchecked_into::<Array>().get(0);
    assert!(get(&get(&video, "blob"), "size").as_f64().unwrap() > 1000.0);
    let requests = log(scope).await;
    let polls = requests.iter().filter(|r| r.path.ends_with("/image-to-video/result")).count();
    console_log!("async video: {} polls for a 1.5 s job; paths {:?}", polls, paths(&requests));
    assert!(polls >= 2, "polled while it ran");
    assert_eq!(requests.iter().filter(|r| r.path.ends_with("/image-to-video")).count(), 1);
}

#[wasm_bindgen_test]
async fn an_error_inside_the_result_fails_the_job() {
    let scope = "a-error";
    faults(scope, "[]").await;
    configure(scope, r#"{"async_duration_ms":300,"async_error":"CUDA out of memory"}"#).await;
    let service = polling_service(scope, "");
    let job_id = submit_video(&service).await;
    wait_for_state(&service, &job_id, "failed", 8000).await;
    let error = get(&service.status(&job_id), "error");
    assert_eq!(text(&error, "kind"), "gateway");
    assert!(text(&error, "message").contains("CUDA out of memory"), "{}", text(&error, "message"));
}

#[wasm_bindgen_test]
async fn a_forgotten_request_id_fails_the_job_as_vanished_and_polling_stops() {
    let scope = "a-vanish";
    faults(scope, "[]").await;
    configure(scope, r#"{"async_duration_ms":60000}"#).await;
    let service = polling_service(scope, "");
    let job_id = submit_video(&service).await;
    wait_for_state(&service, &job_id, "running", 5000).await;
    post(&format!("/control/{scope}/reset"), "{}").await;
    wait_for_state(&service, &job_id, "failed", 8000).await;
    assert_eq!(text(&get(&service.status(&job_id), "error"), "kind"), "vanished");
    let seen = log(scope).await.len();
    sleep(1000).await;
    assert_eq!(log(scope).await.len(), seen, "no poll after the end");
    assert_eq!(seen, 3, "three unknown answers in a row, then nothing");
}

#[wasm_bindgen_test]
async fn a_failed_poll_is_retried_without_failing_the_job() {
    let scope = "a-flaky";
    faults(scope, "[]").await;
    configure(scope, r#"{"async_duration_ms":1200}"#).await;
    let service = polling_service(scope, "");
    let image = input_image(&service).await;
    post(&format!("/control/{scope}/reset"), "{}").await;
    configure(scope, r#"{"async_duration_ms":1200}"#).await;
    let script = r#"[{"kind":"delay","ms":1},{"kind":"status","status":503},{"kind":"drop"}]"#;
    post(&format!("/control/{scope}/faults"), script).await;
    let params = js(r#"{"fps":4}"#);
    js_sys::Reflect::set(&params, &"image".into(), &image).unwrap();
    let job_id = service.submit("image-to-video".into(), params, JsValue::UNDEFINED).unwrap();
    wait_for_state(&service, &job_id, "completed", 10000).await;
    let requests = log(scope).await;
    let faulted: Vec<_> = requests.iter().filter_map(|r| r.fault.clone()).collect();
    console_log!("flaky polls: faults {:?}, paths {:?}", faulted, paths(&requests));
    assert!(faulted.iter().any(|f| f.contains("503")), "a poll got the 503");
}

#[wasm_bindgen_test]
async fn cancelling_a_polled_job_stops_its_polls() {
    let scope = "a-cancel";
    faults(scope, "[]").await;
    configure(scope, r#"{"async_duration_ms":60000}"#).await;
    let service = polling_service(scope, "");
    let job_id = submit_video(&service).await;
    wait_for_state(&service, &job_id, "running", 5000).await;
    sleep(500).await;
    assert!(service.cancel(&job_id));
    let seen = log(scope).await.len();
    sleep(1000).await;
    assert_eq!(log(scope).await.len(), seen, "no poll after the cancel");
    assert_eq!(text(&service.status(&job_id), "state"), "cancelled");
}

#[wasm_bindgen_test]
async fn a_live_stream_reports_its_status_until_it_ends() {
    let scope = "a-live";
    faults(scope, "[]").await;
    configure(scope, r#"{"live_duration_ms":5000}"#).await;
    let service = polling_service(scope, "");
    let events = Array::new();
    let sink = events.clone();
    let listener =
        wasm_bindgen::closure::Closure::<dyn Fn(JsValue)>::new(move |event: JsValue| {
            if text(&event, "type") == "live" {
                sink.push(&event);
            }
        });
    service.subscribe(listener.as_ref().clone()).unwrap();
    let params =
        js(r#"{"subscribe_url":"http://127.0.0.1:1/in","publish_url":"http://127.0.0.1:1/out"}"#);
    run_job(&service, "live-video-to-video", &params).await.expect("the stream starts");
    for _ in 0..100 {
        if events.iter().any(|e| get(&e, "ended").as_bool() == Some(true)) {
            break;
        }
        sleep(100).await;
    }
    let statuses: Vec<JsValue> = events.iter().filter(|e| get(e, "status").is_object()).collect();
    assert!(!statuses.is_empty(), "status events arrived");
    assert_eq!(text(&get(&statuses[0], "status"), "type"), "status");
    let last = events.get(events.length() - 1);
    assert_eq!(get(&last, "ended").as_bool(), Some(true), "the end is reported");
    let count = events.length();
    sleep(2500).await;
    assert_eq!(events.length(), count, "no status poll after the end");
}

#[wasm_bindgen_test]
async fn polls_are_not_starved_behind_long_submissions() {
    let scope = "a-starve";
    faults(scope, "[]").await;
    configure(scope, r#"{"async_duration_ms":3000}"#).await;
    let service = polling_service(scope, r#","maxInFlight":2"#);
    let job_id = submit_video(&service).await;
    wait_for_state(&service, &job_id, "running", 5000).await;
    configure(scope, r#"{"latency_ms":4000}"#).await;
    let params = js(r#"{"prompt":"slow","width":16,"height":16}"#);
    for _ in 0..4 {
        service.submit("text-to-image".into(), params.clone(), JsValue::UNDEFINED).unwrap();
    }
    wait_for_state(&service, &job_id, "completed", 15000).await;
    let requests = log(scope).await;
    let finished = requests
        .iter()
        .filter(|r| r.path.ends_with("/result"))
        .filter_map(|r| r.done_ms)
        .fold(0.0, f64::max);
    let first_slow = requests
        .iter()
        .filter(|r| r.path.ends_with("/text-to-image"))
        .map(|r| r.at_ms)
        .fold(f64::MAX, f64::min);
    console_log!(
        "starvation: the async job finished {:.0} ms after the slow submissions began",
        finished - first_slow
    );
    assert!(finished - first_slow < 8000.0, "polls went through while submissions held slots");
}

#[wasm_bindgen_test]
async fn the_key_never_goes_to_another_origin() {
    let scope = "a-origin";
    faults(scope, "[]").await;
    configure(scope, r#"{"api_key":"origin-key","media_host":"localhost"}"#).await;
    let config = format!(r#"{{"gatewayUrl":"{}/s/{scope}","apiKey":"origin-key"}}"#, gateway());
    let service = JobService::new(js(&config)).unwrap();
    let result =
        run_job(&service, "text-to-image", &js(r#"{"prompt":"x","width":8,"height":8}"#)).await;
    let image = get(&get(&result.expect("the job succeeds"), "output"), "images")
        .unchecked_into::<Array>()
        .get(0);
    assert!(text(&image, "url").starts_with("http://localhost:"));
    let media = control_json(scope, "media-log").await;
    let sent: Vec<bool> = media["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["authorization"].as_bool().unwrap())
        .collect();
    assert_eq!(sent, [false], "the media on another origin got no key");
    assert!(log(scope).await[0].authorization, "the gateway itself got the key");

    configure(scope, r#"{"media_host":null}"#).await;
    run_job(&service, "text-to-image", &js(r#"{"prompt":"y","width":8,"height":8}"#))
        .await
        .unwrap();
    let media = control_json(scope, "media-log").await;
    let last = media["requests"].as_array().unwrap().last().unwrap()["authorization"].as_bool();
    assert_eq!(last, Some(true), "media on the gateway's own origin get the key");
}
