//! What an HTTP answer means for a job: the error a status stands for, with the
//! gateway's own message when its body has one. Sans-IO: it reads values, sends nothing.

use crate::decimal::Decimal;
use crate::error::{ErrorKind, JobError};
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;

/// An error body as Livepeer gateways write them: `{"detail": {"msg": …}}`,
/// FastAPI's `{"detail": [{"loc": […], "msg": …}]}`, `{"detail": "…"}`, or Livepeer
/// Studio's `{"errors": ["…"]}`. Unknown shapes are simply not used.
#[derive(Debug, Default, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    detail: Option<Detail>,
    #[serde(default)]
    errors: Option<Vec<String>>,
}

/// The `detail` of an error body: a message object, FastAPI's list of field problems, or a
/// text. Told apart by the shape of the value, by hand: a serde `untagged` enum buffers
/// the value first, which costs 3 to 4 KB of gzipped wasm.
#[derive(Debug)]
enum Detail {
    Message { msg: String },
    Fields(Vec<FieldProblem>),
    Text(String),
}

#[derive(Debug, Deserialize)]
struct Message {
    msg: String,
}

#[derive(Debug, Deserialize)]
struct FieldProblem {
    #[serde(default)]
    loc: Vec<LocPart>,
    msg: String,
}

/// One step of a FastAPI `loc`: a name, or an index into a list.
#[derive(Debug)]
enum LocPart {
    Name(String),
    Index(u64),
}

impl<'de> Deserialize<'de> for Detail {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DetailVisitor)
    }
}

struct DetailVisitor;

impl<'de> Visitor<'de> for DetailVisitor {
    type Value = Detail;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with a msg, a list of field problems or a text")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Detail, E> {
        Ok(Detail::Text(text.to_string()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, list: A) -> Result<Detail, A::Error> {
        Vec::deserialize(SeqAccessDeserializer::new(list)).map(Detail::Fields)
    }

    fn visit_map<A: MapAccess<'de>>(self, object: A) -> Result<Detail, A::Error> {
        let Message { msg } = Message::deserialize(MapAccessDeserializer::new(object))?;
        Ok(Detail::Message { msg })
    }
}

impl<'de> Deserialize<'de> for LocPart {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LocPartVisitor)
    }
}

struct LocPartVisitor;

impl Visitor<'_> for LocPartVisitor {
    type Value = LocPart;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a name or an index")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<LocPart, E> {
        Ok(LocPart::Name(name.to_string()))
    }

    fn visit_u64<E: de::Error>(self, index: u64) -> Result<LocPart, E> {
        Ok(LocPart::Index(index))
    }

    fn visit_i64<E: de::Error>(self, index: i64) -> Result<LocPart, E> {
        let index = u64::try_from(index)
            .map_err(|_| E::invalid_value(de::Unexpected::Signed(index), &self))?;
        Ok(LocPart::Index(index))
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
                let text = problems
                    .iter()
                    .map(|p| format!("{}: {}", field_of(&p.loc), p.msg))
                    .collect::<Vec<_>>()
                    .join("; ");
                Some((clip(&text), Some(field)))
            }
            (None, Some(errors)) if !errors.is_empty() => Some((clip(&errors.join("; ")), None)),
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
    parts.collect::<Vec<_>>().join(".")
}

/// Keeps gateway text short enough for a toast or a node's status line.
fn clip(text: &str) -> String {
    const MAX: usize = 300;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
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
        serde_json::from_str(json).unwrap()
    }

    /// The `untagged` enums the visitors replace, to read the same inputs with.
    #[derive(Debug, Deserialize)]
    #[serde(untagged)]
    enum UntaggedDetail {
        Message { msg: String },
        Fields(Vec<UntaggedProblem>),
        Text(String),
    }

    #[derive(Debug, Deserialize)]
    struct UntaggedProblem {
        #[serde(default)]
        loc: Vec<UntaggedLoc>,
        msg: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(untagged)]
    enum UntaggedLoc {
        Name(String),
        Index(u64),
    }

    fn shown(detail: Result<Detail, serde_json::Error>) -> String {
        let problem = |p: &FieldProblem| format!("{:?} {}", p.loc, p.msg);
        match detail {
            Ok(Detail::Message { msg }) => format!("message {msg}"),
            Ok(Detail::Text(text)) => format!("text {text}"),
            Ok(Detail::Fields(list)) => list.iter().map(problem).collect::<Vec<_>>().join("; "),
            Err(_) => "error".into(),
        }
    }

    fn shown_untagged(detail: Result<UntaggedDetail, serde_json::Error>) -> String {
        let part = |l: &UntaggedLoc| match l {
            UntaggedLoc::Name(name) => format!("Name({name:?})"),
            UntaggedLoc::Index(index) => format!("Index({index})"),
        };
        let problem = |p: &UntaggedProblem| {
            let loc: Vec<String> = p.loc.iter().map(part).collect();
            format!("[{}] {}", loc.join(", "), p.msg)
        };
        match detail {
            Ok(UntaggedDetail::Message { msg }) => format!("message {msg}"),
            Ok(UntaggedDetail::Text(text)) => format!("text {text}"),
            Ok(UntaggedDetail::Fields(list)) => {
                list.iter().map(problem).collect::<Vec<_>>().join("; ")
            }
            Err(_) => "error".into(),
        }
    }

    #[test]
    fn details_read_as_the_untagged_enum_did() {
        for json in [
            r#"{"msg": "m"}"#,
            r#"{"msg": "m", "type": "x"}"#,
            r#"{"other": 1}"#,
            r#""t""#,
            r#"[{"loc": ["body", "prompt", 0], "msg": "x", "type": "y"}]"#,
            r#"[{"msg": "x"}, {"loc": [2], "msg": "y"}]"#,
            r#"[{"loc": [-1], "msg": "x"}]"#,
            r#"[{"loc": [1.5], "msg": "x"}]"#,
            r#"[[["a", 1], "x"]]"#,
            r#"["m"]"#,
            r#"["m", "n"]"#,
            r#"[{"msg": "x"}, "m"]"#,
            r#"[]"#,
            r#"5"#,
            r#"true"#,
            r#"null"#,
        ] {
            let now = shown(serde_json::from_str(json));
            assert_eq!(now, shown_untagged(serde_json::from_str(json)), "{json}");
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
        let odd: Option<ErrorBody> = serde_json::from_str(r#"{"detail":{"other":1}}"#).ok();
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
