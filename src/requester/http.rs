//! What an HTTP answer means for a job: the error a status stands for, with the
//! gateway's own message when its body has one. Sans-IO: it reads values, sends nothing.

use crate::decimal::Decimal;
use crate::error::{ErrorKind, JobError};
use crate::value::{self, Read, Value};
use crate::words::joined;

/// An error body as Livepeer gateways write them: `{"detail": {"msg": …}}`,
/// FastAPI's `{"detail": [{"loc": […], "msg": …}]}`, `{"detail": "…"}`, or Livepeer
/// Studio's `{"errors": ["…"]}`. Unknown shapes are simply not used.
#[derive(Debug, Default)]
pub struct ErrorBody {
    detail: Option<Detail>,
    errors: Option<Vec<String>>,
}

/// The `detail` of an error body: a message object, FastAPI's list of field problems, or a
/// text, told apart by the shape of the value.
#[derive(Debug)]
enum Detail {
    Message { msg: String },
    Fields(Vec<FieldProblem>),
    Text(String),
}

#[derive(Debug)]
struct FieldProblem {
    loc: Vec<LocPart>,
    msg: String,
}

/// One step of a FastAPI `loc`: a name, or an index into a list.
#[derive(Debug)]
enum LocPart {
    Name(String),
    Index(u64),
}

impl Read for ErrorBody {
    fn read(value: &Value) -> value::Result<Self> {
        let fields = value.fields();
        fields.done(ErrorBody { detail: fields.opt("detail"), errors: fields.opt("errors") })
    }
}

impl Read for Detail {
    fn read(value: &Value) -> value::Result<Self> {
        match value {
            Value::Str(text) => Ok(Detail::Text(text.clone())),
            Value::List(_) => Vec::read(value).map(Detail::Fields),
            _ => {
                let fields = value.fields();
                fields.done(Detail::Message { msg: fields.req("msg") })
            }
        }
    }
}

impl Read for FieldProblem {
    fn read(value: &Value) -> value::Result<Self> {
        let fields = value.fields();
        fields.done(FieldProblem { loc: fields.or_default("loc"), msg: fields.req("msg") })
    }
}

impl Read for LocPart {
    fn read(value: &Value) -> value::Result<Self> {
        match value {
            Value::Str(name) => Ok(LocPart::Name(name.clone())),
            _ => u64::read(value).map(LocPart::Index),
        }
    }
}

impl ErrorBody {
    /// The gateway's message, and for a validation error the first field it names.
    fn message(&self) -> Option<(String, Option<String>)> {
        match (&self.detail, &self.errors) {
            (Some(Detail::Message { msg }), _) | (Some(Detail::Text(msg)), _) => {
                Some((clip(msg), None))
            }
            (Some(Detail::Fields(problems)), _) => {
                let first = problems.first()?;
                let field = field_of(&first.loc);
                let texts: Vec<String> =
                    problems.iter().map(|p| format!("{}: {}", field_of(&p.loc), p.msg)).collect();
                let text = joined(&texts, "; ");
                Some((clip(&text), Some(field)))
            }
            (None, Some(errors)) if !errors.is_empty() => {
                Some((clip(&joined(errors, "; ")), None))
            }
            _ => None,
        }
    }
}

/// `body.prompt` → `prompt`: FastAPI puts where the field was before its name.
fn field_of(loc: &[LocPart]) -> String {
    let skip = matches!(loc.first(), Some(LocPart::Name(n)) if n == "body" || n == "query");
    let parts = loc.iter().skip(usize::from(skip)).map(|part| match part {
        LocPart::Name(name) => name.clone(),
        LocPart::Index(index) => index.to_string(),
    });
    joined(&parts.collect::<Vec<_>>(), ".")
}

/// Keeps gateway text short enough for a toast or a node's status line.
fn clip(text: &str) -> String {
    crate::words::clipped(text, 300)
}

/// The error a non-2xx status stands for. `body` is the parsed error body, if the answer
/// had a JSON one; its message is quoted, never the request.
pub fn error_for_status(status: u16, body: Option<&ErrorBody>) -> JobError {
    let (kind, what) = match status {
        400 => (ErrorKind::BadRequest, "the gateway refused the request"),
        401 | 403 => (ErrorKind::Unauthorized, "the gateway refused the API key; check the key"),
        404 => (ErrorKind::NotFound, "the gateway does not know this pipeline or job"),
        422 => (ErrorKind::Validation, "the gateway refused a parameter"),
        429 => (ErrorKind::RateLimited, "the gateway is rate limiting requests"),
        408 | 500 | 502 | 503 | 504 => (ErrorKind::Gateway, "the gateway failed"),
        _ => (ErrorKind::Http, "the gateway answered with an unexpected status"),
    };
    let (detail, field) = body.and_then(ErrorBody::message).unzip();
    let message = match detail {
        Some(detail) if !detail.is_empty() => format!("{what} ({status}): {detail}"),
        _ => format!("{what} ({status})"),
    };
    let error = JobError::new(kind, message).with_status(status);
    match field.flatten() {
        Some(field) if !field.is_empty() => error.with_field(field),
        _ => error,
    }
}

/// The error for a request that got no answer at all.
pub fn network_error() -> JobError {
    JobError::new(ErrorKind::Network, "could not reach the gateway (network error)")
}

/// The error for an attempt that ran past its timeout.
pub fn timeout_error(timeout_ms: f64) -> JobError {
    let seconds = Decimal((timeout_ms / 100.0).round() / 10.0);
    JobError::new(ErrorKind::Timeout, format!("the gateway did not answer within {seconds} s"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: &str) -> ErrorBody {
        ErrorBody::read(&Value::from_json(json).unwrap()).unwrap()
    }

    fn shown(json: &str) -> String {
        let problem = |p: &FieldProblem| format!("{:?} {}", p.loc, p.msg);
        match Detail::read(&Value::from_json(json).unwrap()) {
            Ok(Detail::Message { msg }) => format!("message {msg}"),
            Ok(Detail::Text(text)) => format!("text {text}"),
            Ok(Detail::Fields(list)) => list.iter().map(problem).collect::<Vec<_>>().join("; "),
            Err(_) => "error".into(),
        }
    }

    #[test]
    fn details_are_a_message_a_text_or_field_problems() {
        let cases = [
            (r#"{"msg": "m"}"#, "message m"),
            (r#"{"msg": "m", "type": "x"}"#, "message m"),
            (r#"{"other": 1}"#, "error"),
            (r#""t""#, "text t"),
            (
                r#"[{"loc": ["body", "prompt", 0], "msg": "x", "type": "y"}]"#,
                r#"[Name("body"), Name("prompt"), Index(0)] x"#,
            ),
            (r#"[{"msg": "x"}, {"loc": [2], "msg": "y"}]"#, "[] x; [Index(2)] y"),
            (r#"[{"loc": [-1], "msg": "x"}]"#, "error"),
            (r#"[{"loc": [1.5], "msg": "x"}]"#, "error"),
            (r#"["m"]"#, "error"),
            (r#"[{"msg": "x"}, "m"]"#, "error"),
            ("[]", ""),
            ("5", "error"),
            ("true", "error"),
            ("null", "error"),
        ];
        for (json, expected) in cases {
            assert_eq!(shown(json), expected, "{json}");
        }
    }

    #[test]
    fn statuses_map_to_kinds() {
        let cases = [
            (400, ErrorKind::BadRequest),
            (401, ErrorKind::Unauthorized),
            (403, ErrorKind::Unauthorized),
            (404, ErrorKind::NotFound),
            (422, ErrorKind::Validation),
            (429, ErrorKind::RateLimited),
            (408, ErrorKind::Gateway),
            (500, ErrorKind::Gateway),
            (502, ErrorKind::Gateway),
            (503, ErrorKind::Gateway),
            (504, ErrorKind::Gateway),
            (501, ErrorKind::Http),
            (418, ErrorKind::Http),
        ];
        for (status, kind) in cases {
            let error = error_for_status(status, None);
            assert_eq!((error.kind, error.status), (kind, Some(status)));
            assert!(error.message.contains(&format!("({status})")), "{}", error.message);
        }
    }

    #[test]
    fn the_gateways_message_is_quoted() {
        let error = error_for_status(
            503,
            Some(&body(r#"{"detail":{"msg":"no orchestrators available"}}"#)),
        );
        assert_eq!(error.message, "the gateway failed (503): no orchestrators available");
        let studio = error_for_status(429, Some(&body(r#"{"errors":["Too many AI requests"]}"#)));
        assert!(studio.message.ends_with(": Too many AI requests"), "{}", studio.message);
        let text = error_for_status(400, Some(&body(r#"{"detail":"invalid request ID"}"#)));
        assert!(text.message.ends_with(": invalid request ID"));
    }

    #[test]
    fn validation_errors_name_the_field() {
        let json = r#"{"detail":[{"loc":["body","prompt"],"msg":"Field required","type":"missing"},
            {"loc":["body","width",0],"msg":"bad","type":"x"}]}"#;
        let error = error_for_status(422, Some(&body(json)));
        assert_eq!(error.field.as_deref(), Some("prompt"));
        assert!(
            error.message.ends_with(": prompt: Field required; width.0: bad"),
            "{}",
            error.message
        );
    }

    #[test]
    fn odd_bodies_are_ignored_and_long_ones_clipped() {
        let odd = ErrorBody::read(&Value::from_json(r#"{"detail":{"other":1}}"#).unwrap()).ok();
        assert!(odd.is_none(), "an unknown shape is not an error body");
        let empty = error_for_status(500, Some(&body(r#"{"x":2}"#)));
        assert_eq!(empty.message, "the gateway failed (500)");
        let long = "é".repeat(1000);
        let clipped = error_for_status(500, Some(&body(&format!(r#"{{"detail":"{long}"}}"#))));
        assert!(clipped.message.chars().count() < 340, "{}", clipped.message.len());
        assert!(clipped.message.ends_with('…'));
    }

    #[test]
    fn timeouts_say_how_long() {
        assert_eq!(timeout_error(1500.0).message, "the gateway did not answer within 1.5 s");
    }
}
