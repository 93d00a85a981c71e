//! The fault script: what a test asks the gateway to get wrong on its next requests.
//!
//! A script is a JSON array such as
//! `[{"kind":"status","status":429,"retry_after":"2"},{"kind":"drop"}]`. Each pipeline
//! request of a scope, async result poll and live status poll included, takes the next
//! fault from that scope's queue; this module parses faults and turns one into what the
//! request gets instead of a normal answer.
//!
//! `malformed_json` and `wrong_shape` break each route's own response shape, as given
//! by its [`BrokenAnswers`]. `sse_error` only changes a streaming `llm` answer; any other
//! request that takes it is answered normally.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::header::{self, HeaderValue};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use http_body::Frame;
use serde::{Deserialize, Serialize};

use crate::http_error::http_error;

/// The longest delay a script may ask for, in milliseconds (ten minutes).
pub const MAX_DELAY_MS: u64 = 600_000;

/// One scripted misbehaviour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// Answer with this error status and an `HTTPError` body.
    Status {
        /// An HTTP status from 400 to 599.
        status: u16,
        /// Sent verbatim as `Retry-After` (seconds or an HTTP date) when present.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<RetryAfter>,
        /// Replaces the default message of the status.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        msg: Option<String>,
    },
    /// Wait this many milliseconds, then answer normally.
    Delay {
        /// The wait, at most [`MAX_DELAY_MS`].
        ms: u64,
    },
    /// Close the connection without sending any response.
    Drop,
    /// Answer 200 with a JSON content type and a truncated body.
    MalformedJson,
    /// Answer 502 with an HTML error page, as a proxy in front of a gateway would.
    Html,
    /// Answer 200 with JSON of the pipeline's response shape where one string is a number
    /// (for image pipelines, `images[0].url`).
    WrongShape,
    /// Answer normally, but end a streaming answer after this many chunks with
    /// `data: {"error": "..."}` instead of `data: [DONE]`.
    SseError {
        /// How many chunks are sent before the error event.
        #[serde(default)]
        after: usize,
    },
}

/// What `malformed_json` and `wrong_shape` send for one pipeline.
#[derive(Debug, Clone, Copy)]
pub struct BrokenAnswers {
    /// A JSON body cut short, which no JSON parser accepts.
    pub truncated: &'static str,
    /// Valid JSON in the response shape, except that one string field holds a number.
    pub wrong_shape: &'static str,
}

impl BrokenAnswers {
    /// For pipelines that answer `ImageResponse` or `VideoResponse`.
    pub const IMAGES: Self = Self {
        truncated: r#"{"images":[{"url":"#,
        wrong_shape: r#"{"images":[{"url":12345,"seed":1,"nsfw":false}]}"#,
    };
}

/// A `Retry-After` value as the script gives it: text, or a number of seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RetryAfter {
    /// Sent exactly as written, for example `"2"` or an HTTP date.
    Text(String),
    /// A number of seconds.
    Seconds(u64),
}

impl RetryAfter {
    fn header_text(&self) -> String {
        match self {
            Self::Text(text) => text.clone(),
            Self::Seconds(seconds) => seconds.to_string(),
        }
    }
}

/// What a fault does to the request that takes it.
#[derive(Debug)]
pub enum Effect {
    /// Wait, then answer normally.
    Wait(Duration),
    /// Send this response instead of the normal one.
    Replace(Response),
    /// Send nothing; the response given closes the connection when hyper writes it.
    DropConnection(Response),
    /// Answer normally; a streaming answer breaks off after this many chunks.
    BreakStream(usize),
}

impl Fault {
    /// A short label for the request log, such as `status 429` or `delay 3000`.
    pub fn label(&self) -> String {
        match self {
            Self::Status { status, .. } => format!("status {status}"),
            Self::Delay { ms } => format!("delay {ms}"),
            Self::Drop => "drop".to_owned(),
            Self::MalformedJson => "malformed_json".to_owned(),
            Self::Html => "html".to_owned(),
            Self::WrongShape => "wrong_shape".to_owned(),
            Self::SseError { after } => format!("sse_error {after}"),
        }
    }

    /// What this fault does to a request of a pipeline whose broken answers are `broken`.
    pub fn effect(&self, broken: &BrokenAnswers) -> Effect {
        match self {
            Self::Status { status, retry_after, msg } => {
                Effect::Replace(status_response(*status, retry_after.as_ref(), msg.as_deref()))
            }
            Self::Delay { ms } => Effect::Wait(Duration::from_millis(*ms)),
            Self::Drop => Effect::DropConnection(dropped_connection()),
            Self::MalformedJson => Effect::Replace(json_text(broken.truncated)),
            Self::Html => Effect::Replace(html_error_page()),
            Self::WrongShape => Effect::Replace(json_text(broken.wrong_shape)),
            Self::SseError { after } => Effect::BreakStream(*after),
        }
    }

    fn check(&self) -> Result<(), String> {
        match self {
            Self::Status { status, retry_after, .. } => {
                if !(400..=599).contains(status) {
                    return Err(format!("status {status} is not from 400 to 599"));
                }
                let text = retry_after.as_ref().map(RetryAfter::header_text);
                if text.is_some_and(|t| HeaderValue::from_str(&t).is_err()) {
                    return Err("retry_after is not a valid header value".to_owned());
                }
                Ok(())
            }
            Self::Delay { ms } if *ms > MAX_DELAY_MS => {
                Err(format!("delay {ms} ms is longer than {MAX_DELAY_MS} ms"))
            }
            _ => Ok(()),
        }
    }
}

/// Parses a fault script: a JSON array of faults.
///
/// Fails with a message naming the first problem (not JSON, not an array, an unknown
/// kind or field, a status outside 400..=599, a delay over ten minutes, a `retry_after`
/// that cannot be a header); then no fault of the script is kept.
pub fn parse_script(body: &[u8]) -> Result<Vec<Fault>, String> {
    let faults: Vec<Fault> =
        serde_json::from_slice(body).map_err(|err| format!("invalid fault script: {err}"))?;
    for (index, fault) in faults.iter().enumerate() {
        fault.check().map_err(|err| format!("invalid fault script: fault {index}: {err}"))?;
    }
    Ok(faults)
}

/// The default message of an error status, matching the real gateway where it has one.
fn status_message(status: StatusCode) -> String {
    match status.as_u16() {
        429 => "Too many AI requests".to_owned(),
        500 => "internal server error".to_owned(),
        503 => "no orchestrators available".to_owned(),
        _ => status
            .canonical_reason()
            .map_or_else(|| format!("error {}", status.as_u16()), str::to_lowercase),
    }
}

fn status_response(status: u16, retry_after: Option<&RetryAfter>, msg: Option<&str>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let msg = msg.map_or_else(|| status_message(status), str::to_owned);
    let mut response = http_error(status, &msg);
    let value = retry_after.and_then(|r| HeaderValue::from_str(&r.header_text()).ok());
    if let Some(value) = value {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

fn json_text(text: &'static str) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], text).into_response()
}

fn html_error_page() -> Response {
    let page = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
                <center><h1>502 Bad Gateway</h1></center>\r\n\
                <hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
    (StatusCode::BAD_GATEWAY, [(header::CONTENT_TYPE, "text/html")], page).into_response()
}

/// A response whose body fails before its first byte.
///
/// hyper buffers the status line and headers until the body yields data, so when the
/// body fails at once it closes the connection with nothing written, and the client
/// sees an empty reply. This leans on hyper's write order, which the
/// `drop_closes_the_connection_without_a_response` test checks over a real socket.
fn dropped_connection() -> Response {
    Response::new(Body::new(FailingBody))
}

struct FailingBody;

impl http_body::Body for FailingBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let err = io::Error::new(io::ErrorKind::ConnectionAborted, "dropped by the fault script");
        Poll::Ready(Some(Err(err)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_script_parses_every_kind() {
        let script = br#"[
            {"kind":"status","status":429,"retry_after":"2"},
            {"kind":"status","status":503,"retry_after":7},
            {"kind":"delay","ms":3000},
            {"kind":"drop"},
            {"kind":"malformed_json"},
            {"kind":"html"},
            {"kind":"wrong_shape"},
            {"kind":"sse_error","after":3}
        ]"#;
        let faults = parse_script(script).unwrap();
        let labels: Vec<String> = faults.iter().map(Fault::label).collect();
        assert_eq!(
            labels,
            [
                "status 429",
                "status 503",
                "delay 3000",
                "drop",
                "malformed_json",
                "html",
                "wrong_shape",
                "sse_error 3"
            ]
        );
    }

    #[test]
    fn bad_scripts_are_refused() {
        for script in [
            &b"{}"[..],
            b"not json",
            br#"[{"kind":"explode"}]"#,
            br#"[{"kind":"status","status":200}]"#,
            br#"[{"kind":"status","status":429,"retryAfter":"2"}]"#,
            br#"[{"kind":"delay","ms":600001}]"#,
            br#"[{"kind":"status","status":429,"retry_after":"a\nb"}]"#,
        ] {
            assert!(parse_script(script).is_err(), "{}", String::from_utf8_lossy(script));
        }
    }

    #[test]
    fn status_faults_carry_message_and_retry_after() {
        let fault = Fault::Status {
            status: 429,
            retry_after: Some(RetryAfter::Text("Wed, 21 Oct 2026 07:28:00 GMT".into())),
            msg: None,
        };
        let Effect::Replace(response) = fault.effect(&BrokenAnswers::IMAGES) else {
            panic!("a status fault replaces the response");
        };
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()[header::RETRY_AFTER], "Wed, 21 Oct 2026 07:28:00 GMT");
        assert_eq!(status_message(StatusCode::SERVICE_UNAVAILABLE), "no orchestrators available");
        assert_eq!(status_message(StatusCode::BAD_GATEWAY), "bad gateway");
    }
}
