//! The gateway's asynchronous job flow (image-to-video with `Prefer: respond-async`):
//! the 202 that accepts a job, and the answers of `POST /image-to-video/result` polls.

use super::read_response;
use crate::error::{ErrorKind, JobError};
use crate::source::Source;
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::fmt;

/// The 202 answer to an async submission: `{"request_id": "…"}`.
#[derive(Deserialize)]
pub struct Accepted {
    /// The id to poll with.
    pub request_id: String,
}

/// Reads the 202 answer to an async submission; the id must not be empty.
pub fn read_accepted<'de>(body: impl Source<'de>) -> Result<String, JobError> {
    let accepted: Accepted = read_response(body)?;
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

#[derive(Deserialize)]
struct PollHead {
    status: String,
    #[serde(default)]
    result: Option<ResultError>,
}

/// Only the error of a result; the output beside it is read separately.
#[derive(Deserialize)]
struct ResultError {
    #[serde(default)]
    error: Option<ErrorText>,
}

/// An error as runners report it: a message, or an object holding one. Read by hand
/// rather than as a serde `untagged` enum, whose buffering of the value costs 3 to 4 KB
/// of gzipped wasm; a value of another shape gets the untagged enum's message.
pub enum ErrorText {
    /// A plain message.
    Text(String),
    /// `{"message": "…"}`.
    Object {
        /// The message.
        message: String,
    },
}

#[derive(Deserialize)]
struct ErrorObject {
    message: String,
}

impl<'de> Deserialize<'de> for ErrorText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TextOrObject).map_err(|_| {
            de::Error::custom("data did not match any variant of untagged enum ErrorText")
        })
    }
}

struct TextOrObject;

impl<'de> Visitor<'de> for TextOrObject {
    type Value = ErrorText;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a text or an object with a message")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<ErrorText, E> {
        Ok(ErrorText::Text(text.to_string()))
    }

    fn visit_map<A: MapAccess<'de>>(self, object: A) -> Result<ErrorText, A::Error> {
        let ErrorObject { message } =
            ErrorObject::deserialize(MapAccessDeserializer::new(object))?;
        Ok(ErrorText::Object { message })
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
pub fn read_poll_step<'de>(status: u16, body: impl Source<'de>) -> Result<PollStep, JobError> {
    if status == 202 {
        return Ok(PollStep::Processing);
    }
    let head: PollHead = read_response(body)?;
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

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum UntaggedErrorText {
        Text(String),
        Object { message: String },
    }

    #[test]
    fn error_texts_read_as_the_untagged_enum_did() {
        for json in [
            r#""boom""#,
            r#"{"message": "m"}"#,
            r#"{"message": "m", "code": 3}"#,
            r#"["m"]"#,
            r#"{"message": 5}"#,
            r#"{"msg": "m"}"#,
            r#"[]"#,
            r#"7"#,
            r#"null"#,
        ] {
            let now = serde_json::from_str::<ErrorText>(json).map(ErrorText::into_message);
            let before = serde_json::from_str::<UntaggedErrorText>(json).map(|e| match e {
                UntaggedErrorText::Text(text) | UntaggedErrorText::Object { message: text } => {
                    text
                }
            });
            assert_eq!(now.as_ref().ok(), before.as_ref().ok(), "{json}");
            if let (Err(now), Err(before)) = (now, before) {
                let before = before.to_string().replace("UntaggedErrorText", "ErrorText");
                assert_eq!(now.to_string(), before, "{json}");
            }
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
