//! The gateway's asynchronous job flow (image-to-video with `Prefer: respond-async`):
//! the 202 that accepts a job, and the answers of `POST /image-to-video/result` polls.

use super::read_response;
use crate::error::{ErrorKind, JobError};
use crate::value::{self, Read, Value};

/// The 202 answer to an async submission: `{"request_id": "…"}`.
pub struct Accepted {
    /// The id to poll with.
    pub request_id: String,
}

/// Reads the 202 answer to an async submission; the id must not be empty.
pub fn read_accepted(body: impl Into<Value>) -> Result<String, JobError> {
    let accepted: Accepted = read_response(&body.into())?;
    if accepted.request_id.trim().is_empty() {
        return Err(JobError::invalid_response("request_id", "is empty"));
    }
    Ok(accepted.request_id)
}

/// What a poll found.
#[derive(Debug, PartialEq)]
pub enum PollStep {
    /// The job is still running.
    Processing,
    /// The job finished; its output is the answer's `result`, read with
    /// [`read_output`](super::read_output).
    Complete,
    /// The job finished with an error, reported inside the result.
    Failed(JobError),
}

struct PollHead {
    status: String,
    result: Option<ResultError>,
}

/// Only the error of a result; the output beside it is read separately.
struct ResultError {
    error: Option<ErrorText>,
}

/// An error as runners report it: a message, or an object holding one.
pub enum ErrorText {
    /// A plain message.
    Text(String),
    /// `{"message": "…"}`.
    Object {
        /// The message.
        message: String,
    },
}

impl Read for ErrorText {
    fn read(value: &Value) -> value::Result<Self> {
        if let Value::Str(text) = value {
            return Ok(ErrorText::Text(text.clone()));
        }
        let fields = value.fields();
        let message = fields.req("message");
        match fields.done(()) {
            Ok(()) => Ok(ErrorText::Object { message }),
            Err(_) => Err(value.wrong("a text or an object with a message")),
        }
    }
}

impl Read for Accepted {
    fn read(value: &Value) -> value::Result<Self> {
        let fields = value.fields();
        fields.done(Accepted { request_id: fields.req("request_id") })
    }
}

impl Read for PollHead {
    fn read(value: &Value) -> value::Result<Self> {
        let fields = value.fields();
        fields.done(PollHead { status: fields.req("status"), result: fields.opt("result") })
    }
}

impl Read for ResultError {
    fn read(value: &Value) -> value::Result<Self> {
        let fields = value.fields();
        fields.done(ResultError { error: fields.opt("error") })
    }
}

impl ErrorText {
    /// The message.
    pub fn into_message(self) -> String {
        match self {
            ErrorText::Text(text) | ErrorText::Object { message: text } => text,
        }
    }
}

/// Reads a result poll's answer (`status` is its HTTP status, 200 or 202): 202 or a
/// `processing` status means still running; a complete result holds the job's error or,
/// when it has none, its output.
pub fn read_poll_step(status: u16, body: impl Into<Value>) -> Result<PollStep, JobError> {
    if status == 202 {
        return Ok(PollStep::Processing);
    }
    let head: PollHead = read_response(&body.into())?;
    if head.status != "complete" {
        return Ok(PollStep::Processing);
    }
    let result = head.result.ok_or_else(|| JobError::invalid_response("result", "is missing"))?;
    match result.error {
        Some(error) => {
            let message = format!("the gateway's job failed: {}", error.into_message());
            Ok(PollStep::Failed(JobError::new(ErrorKind::Gateway, message)))
        }
        None => Ok(PollStep::Complete),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipelines::{read_output, JobOutput, Pipeline};
    use serde_json::json;

    #[test]
    fn error_texts_are_a_text_or_an_object_with_a_message() {
        let read = |json: &str| {
            ErrorText::read(&Value::from_json(json).unwrap()).map(ErrorText::into_message)
        };
        assert_eq!(read(r#""boom""#), Ok("boom".to_string()));
        assert_eq!(read(r#"{"message": "m"}"#), Ok("m".to_string()));
        assert_eq!(read(r#"{"message": "m", "code": 3}"#), Ok("m".to_string()));
        for json in [r#"["m"]"#, r#"{"message": 5}"#, r#"{"msg": "m"}"#, "[]", "7", "null"] {
            let error = read(json).unwrap_err();
            assert!(error.reason.starts_with("must be a text or an object"), "{json}");
        }
    }

    #[test]
    fn an_accepted_job_names_its_request_id() {
        assert_eq!(read_accepted(json!({"request_id": "r1"})), Ok("r1".to_string()));
        let empty = read_accepted(json!({"request_id": " "})).unwrap_err();
        assert_eq!(empty.field.as_deref(), Some("request_id"));
        let missing = read_accepted(json!({"id": "r1"})).unwrap_err();
        assert_eq!(missing.field.as_deref(), Some("request_id"));
    }

    #[test]
    fn poll_answers_say_processing_complete_or_failed() {
        assert_eq!(read_poll_step(202, json!({"status": "processing"})), Ok(PollStep::Processing));
        assert_eq!(read_poll_step(200, json!({"status": "processing"})), Ok(PollStep::Processing));
        let media = json!({"url": "http://g/stream/a/0.webm", "seed": 1, "nsfw": false});
        let done = json!({"status": "complete", "result": {"images": [media]}});
        assert_eq!(read_poll_step(200, done.clone()), Ok(PollStep::Complete));
        let output = read_output(Pipeline::ImageToVideo, done["result"].clone()).unwrap();
        assert!(matches!(output, JobOutput::Video(_)));

        let failed = json!({"status": "complete", "result": {"error": {"message": "CUDA OOM"}}});
        let PollStep::Failed(error) = read_poll_step(200, failed).unwrap() else {
            panic!("a failed job")
        };
        assert_eq!(
            (error.kind, error.message.as_str()),
            (ErrorKind::Gateway, "the gateway's job failed: CUDA OOM",)
        );
        let text = json!({"status": "complete", "result": {"error": "boom"}});
        assert!(matches!(read_poll_step(200, text), Ok(PollStep::Failed(_))));
        let bare = read_poll_step(200, json!({"status": "complete"})).unwrap_err();
        assert_eq!(bare.field.as_deref(), Some("result"));
        assert!(read_poll_step(200, json!({"state": "x"})).is_err());
    }
}
