//! One attempt of a job: one request to the gateway with its own `AbortController`,
//! raced against the attempt's timeout and the job's cancellation, then the result's
//! media fetched at once under the same signal (the gateway keeps only the last few
//! results of a request). Whatever ends the race first, the requests still running are
//! aborted, so no attempt outlives it.

use super::input::Body;
use super::stream::read_llm_stream;
use crate::error::{ErrorKind, JobError};
use crate::pipelines::{is_fetchable, read_output, JobOutput, Pipeline};
use crate::requester::http::{error_for_status, network_error, timeout_error, ErrorBody};
use crate::requester::Failure;
use futures_channel::oneshot;
use futures_util::future::{select, Either};
use gloo_net::http::{Request, RequestBuilder, Response};
use gloo_timers::future::TimeoutFuture;
use std::pin::pin;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, Blob};

/// Where requests go, and the key for direct mode. The key is only ever put in the
/// `Authorization` header of requests to this gateway's own origin.
pub struct Gateway {
    base: String,
    origin: Option<String>,
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
        let origin =
            if absolute { web_sys::Url::new(base).ok().map(|u| u.origin()) } else { None };
        if !(path || origin.is_some()) {
            let reason =
                "must be an http(s) URL or a path on this page's server, such as /livepeer";
            return Err(JobError::invalid_input("gatewayUrl", reason));
        }
        let api_key = api_key.filter(|key| !key.trim().is_empty());
        Ok(Gateway { base: base.to_string(), origin, api_key })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// True when `url` (absolute, or a path on the page's server) is on this gateway's
    /// origin: the only place the key may go.
    fn owns(&self, url: &str) -> bool {
        match &self.origin {
            Some(origin) => web_sys::Url::new(url).is_ok_and(|u| &u.origin() == origin),
            None => url.starts_with('/') && !url.starts_with("//"),
        }
    }

    fn authorize(&self, builder: RequestBuilder, url: &str) -> RequestBuilder {
        match &self.api_key {
            Some(key) if self.owns(url) => {
                builder.header("Authorization", &format!("Bearer {key}"))
            }
            _ => builder,
        }
    }
}

/// What one attempt sends and whom it tells about streamed tokens.
pub struct Attempt<'a> {
    /// Where it goes.
    pub gateway: &'a Gateway,
    /// The job's pipeline.
    pub pipeline: Pipeline,
    /// The request body.
    pub body: &'a Body,
    /// True when the answer comes as server-sent events.
    pub streams: bool,
    /// Called with each token of a streamed answer.
    pub on_token: &'a dyn Fn(&str),
}

/// A successful attempt: the output and its media, fetched.
pub struct Success {
    /// What the gateway answered.
    pub output: JobOutput,
    /// The media of the output, in the order of [`JobOutput::media_urls`].
    pub blobs: Vec<Blob>,
}

/// How an attempt ended.
pub enum AttemptEnd {
    /// The gateway answered (or failed to): the output, or the failure to judge.
    Done(Result<Success, Failure>),
    /// The job was cancelled while the request ran; the request was aborted.
    Cancelled,
}

/// A failure that no retry can help, whatever its kind says.
pub fn fatal(error: JobError) -> Failure {
    Failure { error, retry_after: None }
}

impl Attempt<'_> {
    /// Runs the attempt; it is aborted after `timeout_ms`. When that timeout is the job's
    /// deadline rather than the attempt timeout, `deadline_error` is the error its expiry
    /// ends the job with.
    pub async fn run(
        &self,
        timeout_ms: f64,
        deadline_error: Option<JobError>,
        cancel: &mut oneshot::Receiver<()>,
    ) -> AttemptEnd {
        let controller = AbortController::new().ok();
        let signal = controller.as_ref().map(AbortController::signal);
        let request = pin!(self.send(signal.as_ref()));
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

    async fn send(&self, signal: Option<&AbortSignal>) -> Result<Success, Failure> {
        let url = self.gateway.url(&self.pipeline.path());
        let mut builder = Request::post(&url).abort_signal(signal);
        builder = self.gateway.authorize(builder, &url);
        let request = match self.body {
            Body::Json(text) => {
                builder.header("Content-Type", "application/json").body(text.as_str())
            }
            Body::Form(form) => builder.body(form.clone()),
        };
        let response = request.map_err(network)?.send().await.map_err(network)?;
        let status = response.status();
        if !(200..300).contains(&status) {
            return Err(refusal(response).await);
        }

        let output = if self.streams {
            read_llm_stream(response, self.on_token).await?
        } else {
            let text = response.text().await.map_err(network)?;
            read_success(self.pipeline, &text).map_err(fatal)?
        };
        let mut blobs = Vec::new();
        for url in output.media_urls() {
            blobs.push(self.fetch_media(url, signal).await?);
        }
        Ok(Success { output, blobs })
    }

    /// Fetches one result file. Only http(s) and `data:` URLs, or paths on the gateway,
    /// are followed; the key goes only to the gateway's own origin.
    async fn fetch_media(&self, url: &str, signal: Option<&AbortSignal>) -> Result<Blob, Failure> {
        if !is_fetchable(url) {
            let error = JobError::invalid_response("url", "not an http(s) or data: URL");
            return Err(fatal(error));
        }
        let builder = self.gateway.authorize(Request::get(url).abort_signal(signal), url);
        let response = builder.send().await.map_err(network)?;
        let status = response.status();
        if status == 404 || status == 410 {
            let message = format!(
                "the result file was gone ({status}); the gateway keeps only the last few \
                 results of a request"
            );
            return Err(fatal(JobError::new(ErrorKind::NotFound, message).with_status(status)));
        }
        if !(200..300).contains(&status) {
            return Err(refusal(response).await);
        }
        let raw: web_sys::Response = response.into();
        let blob = JsFuture::from(raw.blob().map_err(network)?).await;
        blob.map(Blob::from).map_err(network)
    }
}

fn network(_: impl Sized) -> Failure {
    Failure { error: network_error(), retry_after: None }
}

/// The failure a non-2xx answer stands for, quoting the gateway's message if any.
async fn refusal(response: Response) -> Failure {
    let status = response.status();
    let retry_after = response.headers().get("retry-after");
    let text = response.text().await.unwrap_or_default();
    let body: Option<ErrorBody> =
        parse_json(&text).and_then(|value| serde_wasm_bindgen::from_value(value).ok());
    Failure { error: error_for_status(status, body.as_ref()), retry_after }
}

/// Waits `delay_ms`, unless the job is cancelled first. Returns false on cancellation.
pub async fn wait(delay_ms: f64, cancel: &mut oneshot::Receiver<()>) -> bool {
    let timer = TimeoutFuture::new(clamp_ms(delay_ms));
    matches!(select(timer, cancel).await, Either::Left(_))
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
