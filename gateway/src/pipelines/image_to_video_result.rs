//! `POST /image-to-video/result`: the poll of an async image-to-video job.
//!
//! The body is JSON `{"request_id": "<id>"}`, an id that an async submission in the same
//! scope answered. While the job runs the answer is 202 `{"status":"processing"}`; once
//! it ended, 200 `{"status":"complete","result":{...}}`, where `result` holds the
//! `images` or, when the job failed, `{"error":{"message":...}}`, as go-livepeer stores
//! errors inside the result. An id the scope does not know (never given, given in
//! another scope, or forgotten) gets 400 `{"detail":{"msg":"invalid request ID"}}`; a
//! body that is not such an object gets a FastAPI-style 422. Polls take faults, latency,
//! the key check and the request log like every pipeline request.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::{Call, Pipeline};
use crate::faults::BrokenAnswers;
use crate::http_error::http_error;
use crate::jobs::JobState;
use crate::validate::{BodyFields, Rejection};

/// The result poll of async image-to-video jobs.
#[derive(Debug)]
pub struct ImageToVideoResult;

impl Pipeline for ImageToVideoResult {
    const PATH: &'static str = "image-to-video/result";
    const BROKEN: BrokenAnswers = BrokenAnswers {
        truncated: r#"{"status":"complete","result":{"images":[{"url":"#,
        wrong_shape: concat!(
            r#"{"status":"complete","result":"#,
            r#"{"images":[{"url":12345,"seed":1,"nsfw":false}]}}"#
        ),
    };

    async fn run(call: Call) -> Response {
        let request_id = match parse(&call.body) {
            Ok(id) => id,
            Err(rejection) => return rejection.into_response(),
        };
        match call.state.scopes.job(&call.scope, &request_id) {
            None => http_error(StatusCode::BAD_REQUEST, "invalid request ID"),
            Some(JobState::Processing) => {
                (StatusCode::ACCEPTED, Json(json!({ "status": "processing" }))).into_response()
            }
            Some(JobState::Complete(result)) => {
                Json(json!({ "status": "complete", "result": result })).into_response()
            }
        }
    }
}

/// Reads `{"request_id": "<id>"}`.
fn parse(body: &[u8]) -> Result<String, Rejection> {
    let mut fields = BodyFields::parse(body)?;
    let request_id = fields.required_string("request_id");
    fields.finish()?;
    Ok(request_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_id_is_a_required_string() {
        assert_eq!(parse(br#"{"request_id":"abc"}"#).unwrap(), "abc");
        assert_eq!(parse(br#"{}"#).unwrap_err().0[0].kind, "missing");
        assert_eq!(parse(br#"{"request_id":7}"#).unwrap_err().0[0].kind, "string_type");
        assert_eq!(parse(b"").unwrap_err().0[0].kind, "missing");
        assert_eq!(parse(b"{").unwrap_err().0[0].kind, "json_invalid");
    }
}
