//! One attempt of a job: one request to the gateway with its own `AbortController`,
//! raced against the attempt's timeout and the job's cancellation. Whatever ends the race
//! first, the request is aborted if it is still running, so no attempt outlives it.

use crate::error::JobError;
use crate::pipelines::{read_output, JobOutput, Pipeline};
use crate::requester::http::{error_for_status, network_error, timeout_error, ErrorBody};
use crate::requester::Failure;
use futures_channel::oneshot;
use futures_util::future::{select, Either};
use gloo_net::http::Request;
use gloo_timers::future::TimeoutFuture;
use std::pin::pin;
use wasm_bindgen::JsValue;
use web_sys::{AbortController, AbortSignal};

/// Where requests go, and the key for direct mode. The key is only ever put in the
/// `Authorization` header of requests to this gateway.
pub struct Gateway {
    base: String,
    api_key: Option<String>,
}

impl Gateway {
    /// A gateway at `base` (an http(s) URL, or a path on the page's own server such as a
    /// relay), with the key to send in direct mode. Fails naming `gatewayUrl`.
    pub fn new(base: &str, api_key: Option<String>) -> Result<Self, JobError> {
        let base = base.trim().trim_end_matches('/');
        let lower = base.to_ascii_lowercase();
        let absolute = lower.starts_with("http://") || lower.starts_with("https://");
        let path = base.starts_with('/') && !base.starts_with("//");
        if !(absolute || path) {
            let reason =
                "must be an http(s) URL or a path on this page's server, such as /livepeer";
            return Err(JobError::invalid_input("gatewayUrl", reason));
        }
        let api_key = api_key.filter(|key| !key.trim().is_empty());
        Ok(Gateway { base: base.to_string(), api_key })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
}

/// How an attempt ended.
pub enum AttemptEnd {
    /// The gateway answered (or failed to): the output, or the failure to judge.
    Done(Result<JobOutput, Failure>),
    /// The job was cancelled while the request ran; the request was aborted.
    Cancelled,
}

/// Sends one attempt of a `pipeline` job with the JSON `body`. It is aborted after
/// `timeout_ms`. When that timeout is the job's deadline rather than the attempt timeout,
/// `deadline_error` is the error its expiry ends the job with.
pub async fn run_attempt(
    gateway: &Gateway,
    pipeline: Pipeline,
    body: &str,
    timeout_ms: f64,
    deadline_error: Option<JobError>,
    cancel: &mut oneshot::Receiver<()>,
) -> AttemptEnd {
    let controller = AbortController::new().ok();
    let signal = controller.as_ref().map(AbortController::signal);
    let request = pin!(send(gateway, pipeline, body, signal.as_ref()));
    let timer = TimeoutFuture::new(clamp_ms(timeout_ms));
    let abort = || {
        if let Some(controller) = &controller {
            controller.abort();
        }
    };

    match select(request, select(timer, cancel)).await {
        Either::Left((answer, _)) => AttemptEnd::Done(answer),
        Either::Right((Either::Left(_), _)) => {
            abort();
            let error = deadline_error.unwrap_or_else(|| timeout_error(timeout_ms));
            AttemptEnd::Done(Err(Failure { error, retry_after: None }))
        }
        Either::Right((Either::Right(_), _)) => {
            abort();
            AttemptEnd::Cancelled
        }
    }
}

/// Waits `delay_ms`, unless the job is cancelled first. Returns false on cancellation.
pub async fn wait(delay_ms: f64, cancel: &mut oneshot::Receiver<()>) -> bool {
    let timer = TimeoutFuture::new(clamp_ms(delay_ms));
    matches!(select(timer, cancel).await, Either::Left(_))
}

async fn send(
    gateway: &Gateway,
    pipeline: Pipeline,
    body: &str,
    signal: Option<&AbortSignal>,
) -> Result<JobOutput, Failure> {
    let network = |_| Failure { error: network_error(), retry_after: None };
    let mut builder = Request::post(&gateway.url(pipeline.path()))
        .header("Content-Type", "application/json")
        .abort_signal(signal);
    if let Some(key) = &gateway.api_key {
        builder = builder.header("Authorization", &format!("Bearer {key}"));
    }
    let response = builder.body(body).map_err(network)?.send().await.map_err(network)?;
    let status = response.status();
    let retry_after = response.headers().get("retry-after");
    let text = response.text().await.map_err(network)?;

    if (200..300).contains(&status) {
        return read_success(pipeline, &text)
            .map_err(|error| Failure { error, retry_after: None });
    }
    let body: Option<ErrorBody> =
        parse_json(&text).and_then(|value| serde_wasm_bindgen::from_value(value).ok());
    Err(Failure { error: error_for_status(status, body.as_ref()), retry_after })
}

fn read_success(pipeline: Pipeline, text: &str) -> Result<JobOutput, JobError> {
    let value =
        parse_json(text).ok_or_else(|| JobError::invalid_response("", "the body is not JSON"))?;
    read_output(pipeline, serde_wasm_bindgen::Deserializer::from(value))
}

fn parse_json(text: &str) -> Option<JsValue> {
    js_sys::JSON::parse(text).ok()
}

/// A timer length the browser accepts: 0 to 2^31 − 1 ms.
fn clamp_ms(ms: f64) -> u32 {
    if ms.is_nan() {
        return 0;
    }
    ms.clamp(0.0, i32::MAX as f64) as u32
}
