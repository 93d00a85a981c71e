//! One attempt of a job: one request to the gateway with its own `AbortController`,
//! raced against the attempt's timeout and the job's cancellation, then the result's
//! media fetched at once under the same signal (the gateway keeps only the last few
//! results of a request). Whatever ends the race first, the requests still running are
//! aborted, so no attempt outlives it.

use super::from_js::value_of;
use super::input::Body;
use super::stream::read_llm_stream;
use super::to_js::js_of;
use crate::error::{ErrorKind, JobError};
use crate::pipelines::{
    is_fetchable, is_plain_path, read_accepted, read_output, read_poll_step, JobOutput, Pipeline,
    PollStep,
};
use crate::requester::http::{error_for_status, network_error, timeout_error, ErrorBody};
use crate::requester::Failure;
use crate::value::{Read, Value};
use futures_channel::oneshot;
use futures_util::future::{select, Either};
use gloo_timers::future::TimeoutFuture;
use std::cell::Cell;
use std::pin::pin;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, Blob, Headers, Request, RequestInit, Response};

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`, the same in a page and in a worker.
    #[wasm_bindgen(js_name = fetch)]
    fn fetch_with_request(request: &Request) -> js_sys::Promise;
}

/// Where requests go, and the key for direct mode. The key is only ever put in the
/// `Authorization` header of requests to this gateway's own origin.
pub struct Gateway {
    base: String,
    origin: Option<String>,
    api_key: Option<String>,
    media_proxy: Option<String>,
}

impl Gateway {
    /// A gateway at `base` (an http(s) URL, or a path on the page's own server such as a
    /// relay), with the key to send in direct mode. With `media_proxy` (a URL prefix such
    /// as the relay's `/livepeer/media?url=`), result files on http(s) URLs are fetched
    /// through it. Fails naming `gatewayUrl`.
    pub fn new(
        base: &str,
        api_key: Option<String>,
        media_proxy: Option<String>,
    ) -> Result<Self, JobError> {
        let base = base.trim().trim_end_matches('/');
        let lower = base.to_ascii_lowercase();
        let absolute = lower.starts_with("http://") || lower.starts_with("https://");
        let path = is_plain_path(base);
        if base.contains(['?', '#']) {
            let reason = "must not hold a query or a fragment; the pipeline's path follows it";
            return Err(JobError::invalid_input("gatewayUrl", reason));
        }
        let url = if absolute { web_sys::Url::new(base).ok() } else { None };
        if url.as_ref().is_some_and(|u| !u.username().is_empty() || !u.password().is_empty()) {
            let reason = "must not hold a user name or password; give the key as apiKey";
            return Err(JobError::invalid_input("gatewayUrl", reason));
        }
        if !(path || url.is_some()) {
            let reason =
                "must be an http(s) URL or a path on this page's server, such as /livepeer";
            return Err(JobError::invalid_input("gatewayUrl", reason));
        }
        let api_key = api_key.filter(|key| !key.trim().is_empty());
        if let Some(key) = &api_key {
            let printable = key.bytes().all(|b| b.is_ascii_graphic());
            if !printable || key.len() > 4096 {
                let reason = "must be 1 to 4096 printable ASCII characters without spaces";
                return Err(JobError::invalid_input("apiKey", reason));
            }
        }
        let media_proxy = media_proxy.filter(|prefix| !prefix.trim().is_empty());
        if let Some(prefix) = &media_proxy {
            let lower = prefix.to_ascii_lowercase();
            let usable = lower.starts_with("http://")
                || lower.starts_with("https://")
                || is_plain_path(prefix);
            if !usable {
                let reason = "must be an http(s) URL or a path on this page's server";
                return Err(JobError::invalid_input("mediaProxy", reason));
            }
        }
        let origin = origin_of(base);
        Ok(Gateway { base: base.to_string(), origin, api_key, media_proxy })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// True when `url` (absolute, or relative to the page) is on this gateway's origin:
    /// the only place the key may go. Both are resolved by the browser's URL parser, as
    /// `fetch` resolves them, so a URL that only looks like a path is not taken for one.
    fn owns(&self, url: &str) -> bool {
        self.origin.as_ref().is_some_and(|origin| origin_of(url).as_ref() == Some(origin))
    }

    /// The `Authorization` header for `url`: the key, only on this gateway's origin.
    fn authorization(&self, url: &str) -> Option<String> {
        let key = self.api_key.as_ref().filter(|_| self.owns(url))?;
        Some(format!("Bearer {key}"))
    }

    /// Sends a request to `url` with the key when `url` is on this gateway's origin: a POST
    /// of `body`, or a GET without one; `prefer_async` adds `Prefer: respond-async`.
    async fn fetch(
        &self,
        url: &str,
        body: Option<&Body>,
        prefer_async: bool,
        signal: Option<&AbortSignal>,
    ) -> Result<Response, Failure> {
        let authorization = self.authorization(url);
        let mut headers = Vec::new();
        if let Some(value) = &authorization {
            headers.push(("Authorization", value.as_str()));
        }
        if prefer_async {
            headers.push(("Prefer", "respond-async"));
        }
        fetch(url, body, &headers, signal).await
    }
}

/// The origin of `url` resolved against the page, as `fetch` would resolve it; `None`
/// when it cannot be resolved or has no origin of its own (a `data:` URL).
fn origin_of(url: &str) -> Option<String> {
    let global = js_sys::global();
    let get = |object: &JsValue, key: &str| {
        js_sys::Reflect::get(object, &JsValue::from_str(key)).ok().filter(|v| v.is_object())
    };
    let base_of = |object: JsValue, key: &str| {
        js_sys::Reflect::get(&object, &JsValue::from_str(key)).ok()?.as_string()
    };
    let base = get(&global, "document")
        .and_then(|document| base_of(document, "baseURI"))
        .or_else(|| get(&global, "location").and_then(|location| base_of(location, "href")));
    let parsed = match &base {
        Some(base) => web_sys::Url::new_with_base(url, base),
        None => web_sys::Url::new(url),
    };
    let origin = parsed.ok()?.origin();
    (origin != "null").then_some(origin)
}

/// Sends a request: a POST of `body` (JSON text gets its `Content-Type`), or a GET
/// without one, with `headers`. Fails as a network error when no answer came, aborts
/// included.
async fn fetch(
    url: &str,
    body: Option<&Body>,
    headers: &[(&str, &str)],
    signal: Option<&AbortSignal>,
) -> Result<Response, Failure> {
    let request = request(url, body, headers, signal).map_err(network)?;
    let answer = JsFuture::from(fetch_with_request(&request)).await.map_err(network)?;
    answer.dyn_into().map_err(network)
}

fn request(
    url: &str,
    body: Option<&Body>,
    headers: &[(&str, &str)],
    signal: Option<&AbortSignal>,
) -> Result<Request, JsValue> {
    let init = RequestInit::new();
    let sent = Headers::new()?;
    for (name, value) in headers {
        sent.set(name, value)?;
    }
    match body {
        Some(Body::Json(text)) => {
            init.set_method("POST");
            sent.set("Content-Type", "application/json")?;
            init.set_body(&JsValue::from_str(text));
        }
        Some(Body::Form(form)) => {
            init.set_method("POST");
            init.set_body(form);
        }
        None => {}
    }
    init.set_headers(&sent);
    init.set_signal(signal);
    Request::new_with_str_and_init(url, &init)
}

/// The body of an answer as text.
async fn text(response: &Response) -> Result<String, JsValue> {
    let text = JsFuture::from(response.text()?).await?;
    Ok(text.as_string().unwrap_or_default())
}

/// What one job's attempts send and whom they tell about streamed tokens.
pub struct Attempt<'a> {
    /// Where it goes.
    pub gateway: &'a Gateway,
    /// The job's pipeline.
    pub pipeline: Pipeline,
    /// The request body.
    pub body: &'a Body,
    /// True when the answer comes as server-sent events.
    pub streams: bool,
    /// True to ask the gateway to run the job asynchronously (`Prefer: respond-async`).
    pub prefer_async: bool,
    /// Called with each token of a streamed answer.
    pub on_token: &'a dyn Fn(&str),
}

/// A finished job: the output and its media, fetched.
pub struct Success {
    /// What the gateway answered.
    pub output: JobOutput,
    /// The media of the output, in the order of [`JobOutput::media_urls`].
    pub blobs: Vec<Blob>,
}

/// What a submission brought back.
pub enum Submitted {
    /// The job is done.
    Finished(Success),
    /// The gateway runs the job asynchronously; poll with this id.
    Accepted(String),
}

/// What a result poll found.
pub enum Polled {
    /// Still running; the answer's `Retry-After`, if it had one.
    Processing(Option<String>),
    /// Done.
    Finished(Success),
    /// The job failed on the gateway.
    Failed(JobError),
    /// The gateway does not know the request id (400).
    Unknown,
}

/// How an attempt ended.
pub enum AttemptEnd<T> {
    /// The gateway answered (or failed to): what it said, or the failure to judge.
    Done(Result<T, Failure>),
    /// The job was cancelled while the request ran; the request was aborted.
    Cancelled,
}

/// A failure that no retry can help, whatever its kind says.
pub fn fatal(error: JobError) -> Failure {
    Failure { error, retry_after: None }
}

impl Attempt<'_> {
    /// Submits the job; the attempt is aborted after `timeout_ms`. When that timeout is
    /// the job's deadline rather than the attempt timeout, `deadline_error` is the error
    /// its expiry ends the job with.
    pub async fn submit(
        &self,
        timeout_ms: f64,
        after_answer_ms: f64,
        deadline_error: Option<JobError>,
        cancel: &mut oneshot::Receiver<()>,
    ) -> AttemptEnd<Submitted> {
        let answered = Cell::new(false);
        let send = |signal, answered| self.send(signal, answered);
        let end = race(send, &answered, timeout_ms, after_answer_ms, deadline_error, cancel);
        match end.await {
            // The gateway accepted the work: a body cut off after that is not sent again.
            AttemptEnd::Done(Err(failure))
                if answered.get() && failure.error.kind == ErrorKind::Network =>
            {
                let message = "the gateway's answer broke off before its end";
                AttemptEnd::Done(Err(fatal(JobError::new(ErrorKind::Stream, message))))
            }
            end => end,
        }
    }

    async fn send(
        &self,
        signal: Option<AbortSignal>,
        answered: &Cell<bool>,
    ) -> Result<Submitted, Failure> {
        let signal = signal.as_ref();
        let url = self.gateway.url(&self.pipeline.path());
        let response =
            self.gateway.fetch(&url, Some(self.body), self.prefer_async, signal).await?;
        let status = response.status();
        if !(200..300).contains(&status) {
            return Err(refusal(response).await);
        }
        answered.set(true);
        if status == 202 && self.prefer_async {
            let value = read_json(response).await?;
            let request_id = read_accepted(value_of(&value));
            return request_id.map(Submitted::Accepted).map_err(fatal);
        }

        let output = if self.streams {
            read_llm_stream(response, self.on_token).await?
        } else {
            let value = read_json(response).await?;
            read_output(self.pipeline, value_of(&value)).map_err(fatal)?
        };
        Ok(Submitted::Finished(fetch_all(self.gateway, output, signal).await?))
    }
}

/// Polls `gateway` for the result of the `pipeline` job it runs as `request_id`.
pub async fn poll(
    gateway: &Gateway,
    pipeline: Pipeline,
    request_id: &str,
    timeout_ms: f64,
    after_answer_ms: f64,
    cancel: &mut oneshot::Receiver<()>,
) -> AttemptEnd<Polled> {
    let answered = Cell::new(false);
    let ask = |signal, answered| ask(gateway, pipeline, request_id, signal, answered);
    race(ask, &answered, timeout_ms, after_answer_ms, None, cancel).await
}

async fn ask(
    gateway: &Gateway,
    pipeline: Pipeline,
    request_id: &str,
    signal: Option<AbortSignal>,
    answered: &Cell<bool>,
) -> Result<Polled, Failure> {
    let signal = signal.as_ref();
    let url = gateway.url(&format!("{}/result", pipeline.path()));
    let body = js_of(&Value::map(vec![("request_id", request_id.into())]));
    let body = js_sys::JSON::stringify(&body).map_err(network)?;
    let body = Body::Json(body.into());
    let response = gateway.fetch(&url, Some(&body), false, signal).await?;
    let status = response.status();
    if status == 400 {
        return Ok(Polled::Unknown);
    }
    if !(200..300).contains(&status) {
        return Err(refusal(response).await);
    }
    let retry_after = response.headers().get("retry-after").ok().flatten();
    answered.set(true);
    let value = if status == 202 { Value::Null } else { value_of(&read_json(response).await?) };
    let step = read_poll_step(status, value.clone());
    match step.map_err(fatal)? {
        PollStep::Processing => Ok(Polled::Processing(retry_after)),
        PollStep::Failed(error) => Ok(Polled::Failed(error)),
        PollStep::Complete => {
            let result = value.fields().get("result").cloned().unwrap_or(Value::Null);
            let result = read_output(pipeline, result);
            Ok(Polled::Finished(fetch_all(gateway, result.map_err(fatal)?, signal).await?))
        }
    }
}

/// Asks `gateway` for the status of the live stream `stream_id`: its fields, or `None`
/// once the gateway no longer knows the stream (404: it ended).
pub async fn live_status(
    gateway: &Gateway,
    stream_id: &str,
    timeout_ms: f64,
    cancel: &mut oneshot::Receiver<()>,
) -> AttemptEnd<Option<JsValue>> {
    let url = gateway.url(&format!("/live/video-to-video/{stream_id}/status"));
    let answered = Cell::new(false);
    let ask = |signal: Option<AbortSignal>, _: &Cell<bool>| async move {
        let response = gateway.fetch(&url, None, false, signal.as_ref()).await?;
        match response.status() {
            404 => Ok(None),
            200..=299 => read_json(response).await.map(Some),
            _ => Err(refusal(response).await),
        }
    };
    race(ask, &answered, timeout_ms, 0.0, None, cancel).await
}

/// Fetches every media file of `output`. A file that cannot be fetched ends the job with
/// a `media` error (a 404 with `not_found`): sending the job again would pay for the work
/// twice.
async fn fetch_all(
    gateway: &Gateway,
    output: JobOutput,
    signal: Option<&AbortSignal>,
) -> Result<Success, Failure> {
    let mut blobs = Vec::new();
    for url in output.media_urls() {
        let blob = fetch_media(gateway, url, signal).await.map_err(|failure| {
            let reason = failure.error.message;
            let message = format!("the result file could not be fetched: {reason}");
            let error = JobError { message, ..failure.error };
            fatal(JobError { kind: ErrorKind::Media, ..error })
        })?;
        blobs.push(blob);
    }
    Ok(Success { output, blobs })
}

/// Fetches one result file. Only http(s) and `data:` URLs, or paths on the gateway, are
/// followed; the key goes only to the gateway's own origin.
async fn fetch_media(
    gateway: &Gateway,
    url: &str,
    signal: Option<&AbortSignal>,
) -> Result<Blob, Failure> {
    if !is_fetchable(url) {
        let error = JobError::invalid_response("url", "not an http(s) or data: URL");
        return Err(fatal(error));
    }
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let proxied = match &gateway.media_proxy {
        Some(prefix) if lower.starts_with("http") => {
            Some(format!("{prefix}{}", String::from(js_sys::encode_uri_component(url))))
        }
        _ => None,
    };
    let response = match &proxied {
        Some(through) => fetch(through, None, &[], signal).await?,
        None => gateway.fetch(url, None, false, signal).await?,
    };
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
    let blob = JsFuture::from(response.blob().map_err(network)?).await;
    blob.map(Blob::from).map_err(network)
}

/// Runs `work` with its own `AbortController`, raced against `timeout_ms` and `cancel`;
/// whatever ends first, a request still running is aborted.
///
/// `work` marks the `answered` flag once the gateway has answered 2xx. From then on the
/// attempt timeout no longer cuts it (a long stream, or result files still downloading,
/// are not a slow gateway); it may run `after_answer_ms` more, and if that runs out too
/// the job ends with a `deadline` error rather than sending the paid work again.
async fn race<'a, T, F: std::future::Future<Output = Result<T, Failure>> + 'a>(
    work: impl FnOnce(Option<AbortSignal>, &'a Cell<bool>) -> F,
    answered: &'a Cell<bool>,
    timeout_ms: f64,
    after_answer_ms: f64,
    deadline_error: Option<JobError>,
    cancel: &mut oneshot::Receiver<()>,
) -> AttemptEnd<T> {
    let controller = AbortController::new().ok();
    let request = pin!(work(controller.as_ref().map(AbortController::signal), answered));
    let timer = pin!(async {
        TimeoutFuture::new(clamp_ms(timeout_ms)).await;
        if answered.get() {
            TimeoutFuture::new(clamp_ms(after_answer_ms)).await;
        }
    });
    let abort = || {
        if let Some(controller) = &controller {
            controller.abort();
        }
    };

    match select(request, select(timer, cancel)).await {
        Either::Left((answer, _)) => AttemptEnd::Done(answer),
        Either::Right((Either::Left(_), _)) => {
            abort();
            let error = if answered.get() {
                JobError::new(
                    ErrorKind::Deadline,
                    "the gateway answered, but its result did not arrive in full before the \
                     job's deadline",
                )
            } else {
                deadline_error.unwrap_or_else(|| timeout_error(timeout_ms))
            };
            AttemptEnd::Done(Err(Failure { error, retry_after: None }))
        }
        Either::Right((Either::Right(_), _)) => {
            abort();
            AttemptEnd::Cancelled
        }
    }
}

/// The largest JSON answer read: results with `data:` media are big, but not this big,
/// and reading more would freeze the page.
const MAX_ANSWER_BYTES: u64 = 64 * 1024 * 1024;

/// Reads a JSON body; a body that is not JSON, or is larger than [`MAX_ANSWER_BYTES`], is
/// an `invalid_response`.
async fn read_json(response: Response) -> Result<JsValue, Failure> {
    // Whole numbers only: formatting a float would bring Rust's float printer in.
    let too_big = |size: u64| {
        let reason = format!("is {size} bytes; at most {MAX_ANSWER_BYTES} are read");
        fatal(JobError::invalid_response("", reason))
    };
    let declared = response.headers().get("content-length").ok().flatten();
    if let Some(size) = declared.and_then(|value| value.trim().parse::<u64>().ok()) {
        if size > MAX_ANSWER_BYTES {
            return Err(too_big(size));
        }
    }
    let text = text(&response).await.map_err(network)?;
    if text.len() as u64 > MAX_ANSWER_BYTES {
        return Err(too_big(text.len() as u64));
    }
    parse_json(&text).ok_or_else(|| fatal(JobError::invalid_response("", "the body is not JSON")))
}

fn network(_: impl Sized) -> Failure {
    Failure { error: network_error(), retry_after: None }
}

/// The failure a non-2xx answer stands for, quoting the gateway's message if any.
async fn refusal(response: Response) -> Failure {
    let status = response.status();
    let retry_after = response.headers().get("retry-after").ok().flatten();
    let text = text(&response).await.unwrap_or_default();
    let body = parse_json(&text).and_then(|value| ErrorBody::read(&value_of(&value)).ok());
    Failure { error: error_for_status(status, body.as_ref()), retry_after }
}

/// Waits `delay_ms`, unless the job is cancelled first. Returns false on cancellation.
pub async fn wait(delay_ms: f64, cancel: &mut oneshot::Receiver<()>) -> bool {
    let timer = TimeoutFuture::new(clamp_ms(delay_ms));
    matches!(select(timer, cancel).await, Either::Left(_))
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

/// Run in the browser (`wasm-pack test --headless --chrome -- --lib`), whose URL parser
/// decides where a URL really points.
#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn the_key_goes_only_to_the_gateways_origin() {
        let relay = Gateway::new("/livepeer", Some("k".into()), None).unwrap();
        assert_eq!(relay.authorization("/livepeer/llm").as_deref(), Some("Bearer k"));
        assert!(relay.authorization("/stream/a.png").is_some(), "the page's own origin");
        let elsewhere = [
            "/\\evil.example/x.png",
            "/\t/evil.example/x.png",
            "//evil.example/x.png",
            "http://evil.example/x.png",
            "data:image/png;base64,AA==",
        ];
        for url in elsewhere {
            assert_eq!(relay.authorization(url), None, "{url:?}");
        }

        let direct = Gateway::new("http://127.0.0.1:9/g", Some("k".into()), None).unwrap();
        assert!(direct.authorization("http://127.0.0.1:9/stream/x.png").is_some());
        assert!(direct.authorization("http://localhost:9/stream/x.png").is_none());
        assert!(direct.authorization("/stream/x.png").is_none(), "the page is elsewhere");
    }
}
