//! Helpers shared by the browser tests: the local gateway's control API (fault scripts,
//! request logs, scope settings), services aimed at one scope, and JS value access.
//!
//! The gateway's URL is `TEST_GATEWAY_URL` at build time; the test script starts the
//! gateway and sets it.

#![allow(dead_code)]

use comfyui_livepeer::JobService;
use gloo_net::http::Request;
use gloo_timers::future::TimeoutFuture;
use js_sys::{Reflect, JSON};
use serde::Deserialize;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

pub fn gateway() -> &'static str {
    option_env!("TEST_GATEWAY_URL").unwrap_or("http://127.0.0.1:8935")
}

#[derive(Debug, Deserialize)]
pub struct Logged {
    pub at_ms: f64,
    #[serde(default)]
    pub done_ms: Option<f64>,
    #[serde(default)]
    pub path: String,
    pub fault: Option<String>,
    pub authorization: bool,
}

#[derive(Debug, Deserialize)]
pub struct Log {
    pub requests: Vec<Logged>,
}

pub fn js(json: &str) -> JsValue {
    JSON::parse(json).expect("test JSON is valid")
}

pub fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

pub fn text(value: &JsValue, key: &str) -> String {
    get(value, key).as_string().unwrap_or_default()
}

pub async fn sleep(ms: u32) {
    TimeoutFuture::new(ms).await;
}

pub async fn post(path: &str, body: &str) {
    let url = format!("{}{path}", gateway());
    let response = Request::post(&url).body(body).unwrap().send().await.unwrap();
    assert!(response.ok(), "{path}: {}", response.status());
}

/// Scripts the faults the scope's next requests get.
pub async fn faults(scope: &str, script: &str) {
    post(&format!("/control/{scope}/reset"), "{}").await;
    post(&format!("/control/{scope}/faults"), script).await;
}

pub async fn log(scope: &str) -> Vec<Logged> {
    let url = format!("{}/control/{scope}/log", gateway());
    let response = Request::get(&url).send().await.unwrap();
    let log: Log = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    log.requests
}

/// A service for `scope` with short retry waits; `extra` adds config fields.
pub fn service(scope: &str, extra: &str) -> JobService {
    let config = format!(
        r#"{{"gatewayUrl":"{}/s/{scope}","seed":7,"sweepIntervalMs":0,
        "retry":{{"baseDelayMs":100,"maxDelayMs":400,"attemptTimeoutMs":1500{extra}}}}}"#,
        gateway()
    );
    JobService::new(js(&config)).expect("the test config is valid")
}

pub const PARAMS: &str = r#"{"prompt":"a lighthouse at dusk","width":96,"height":64,"seed":3}"#;

pub async fn run(
    service: &JobService,
    params: &str,
    node: Option<&str>,
) -> Result<JsValue, JsValue> {
    let options = node.map_or(JsValue::UNDEFINED, |n| js(&format!(r#"{{"nodeId":"{n}"}}"#)));
    JsFuture::from(service.run("text-to-image".into(), js(params), options)).await
}

/// Waits until the job is in `state`, for at most `ms`.
pub async fn wait_for_state(service: &JobService, job_id: &str, state: &str, ms: u32) {
    for _ in 0..ms / 10 {
        if text(&service.status(job_id), "state") == state {
            return;
        }
        sleep(10).await;
    }
    panic!("job {job_id} never reached {state}: {:?}", service.status(job_id));
}

/// The gaps between requests the gateway logged, in ms.
pub fn gaps(requests: &[Logged]) -> Vec<f64> {
    requests.windows(2).map(|pair| (pair[1].at_ms - pair[0].at_ms).round()).collect()
}

/// Sets a scope's options on the gateway (`api_key`, `media`, …).
pub async fn configure(scope: &str, config: &str) {
    post(&format!("/control/{scope}/config"), config).await;
}

/// Runs a job of any pipeline with JS parameters.
pub async fn run_job(
    service: &JobService,
    pipeline: &str,
    params: &JsValue,
) -> Result<JsValue, JsValue> {
    JsFuture::from(service.run(pipeline.into(), params.clone(), JsValue::UNDEFINED)).await
}

/// Reads a JSON control endpoint of a scope (`stats`, `media-log`, …).
pub async fn control_json(scope: &str, what: &str) -> serde_json::Value {
    let url = format!("{}/control/{scope}/{what}", gateway());
    let response = Request::get(&url).send().await.unwrap();
    serde_json::from_str(&response.text().await.unwrap()).unwrap()
}

/// A service for `scope` with fast polls; `extra` adds top-level config fields.
pub fn polling_service(scope: &str, extra: &str) -> JobService {
    let config = format!(
        r#"{{"gatewayUrl":"{}/s/{scope}","seed":11,"sweepIntervalMs":0,
        "retry":{{"baseDelayMs":100,"maxDelayMs":400,"attemptTimeoutMs":5000}},
        "poll":{{"firstDelayMs":200,"intervalMs":200,"backoff":1,"minIntervalMs":100}}{extra}}}"#,
        gateway()
    );
    JobService::new(js(&config)).expect("the test config is valid")
}
