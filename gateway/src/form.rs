//! Multipart form bodies, validated the way FastAPI validates `Form` and `File` fields.
//!
//! Form values arrive as text, so pydantic parses them: `"7"` is an integer, `"true"`,
//! `"on"` or `"1"` a boolean, and a value that does not parse gets `int_parsing`,
//! `float_parsing` or `bool_parsing`. A part with a file name is a file; a required file
//! that is absent is `missing`, one sent as a plain value or with no bytes is a
//! `value_error`. A body that is not `multipart/form-data` reads as an empty form, so
//! every required field is reported missing; a multipart body that cannot be parsed
//! gets FastAPI's 400.

use std::collections::HashMap;
use std::ops::RangeInclusive;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::Response;

use crate::http_error::http_error;
use crate::validate::{FieldError, Rejection};

/// One form value: text, or a file's bytes.
#[derive(Debug, Clone)]
enum Value {
    Text(String),
    File(Bytes),
}

/// The fields of a multipart form, read one by one, collecting every problem.
///
/// Each getter returns the field's value, or its default when the field is absent or
/// wrong; [`FormFields::finish`] then reports all the wrong ones together.
#[derive(Debug, Default)]
pub struct FormFields {
    values: HashMap<String, Value>,
    errors: Vec<FieldError>,
}

impl FormFields {
    /// Reads the form from a request head and its whole body.
    ///
    /// Fails with FastAPI's 400 `There was an error parsing the body` when the body
    /// claims to be multipart but cannot be parsed.
    pub async fn read(head: Parts, body: Bytes) -> Result<Self, Response> {
        let multipart = head
            .headers
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.trim_start().starts_with("multipart/form-data"));
        if !multipart {
            return Ok(Self::default());
        }

        let request = Request::from_parts(head, Body::from(body));
        let mut form = Multipart::from_request(request, &()).await.map_err(|_| parse_error())?;
        let mut values = HashMap::new();
        while let Some(field) = form.next_field().await.map_err(|_| parse_error())? {
            let Some(name) = field.name().map(str::to_owned) else {
                continue;
            };
            let is_file = field.file_name().is_some();
            let bytes = field.bytes().await.map_err(|_| parse_error())?;
            let value = if is_file {
                Value::File(bytes)
            } else {
                Value::Text(String::from_utf8_lossy(&bytes).into_owned())
            };
            values.insert(name, value);
        }
        Ok(Self { values, errors: Vec::new() })
    }

    /// A file that must be present and not empty; empty bytes when it is not.
    pub fn required_file(&mut self, name: &'static str) -> Bytes {
        match self.values.get(name) {
            None => {
                self.errors.push(FieldError::missing(name));
                Bytes::new()
            }
            Some(Value::Text(_)) => {
                self.errors.push(FieldError::field(
                    name,
                    "value_error",
                    "Value error, Expected UploadFile, received: <class 'str'>",
                ));
                Bytes::new()
            }
            Some(Value::File(bytes)) if bytes.is_empty() => {
                self.errors.push(FieldError::field(
                    name,
                    "value_error",
                    "Value error, the uploaded file is empty",
                ));
                Bytes::new()
            }
            Some(Value::File(bytes)) => bytes.clone(),
        }
    }

    /// Reports a problem of the caller's own with a field, such as a file it cannot read.
    pub fn reject(&mut self, name: &'static str, kind: &'static str, msg: impl Into<String>) {
        self.errors.push(FieldError::field(name, kind, msg));
    }

    /// A text value that must be present.
    pub fn required_string(&mut self, name: &'static str) -> String {
        if !self.values.contains_key(name) {
            self.errors.push(FieldError::missing(name));
        }
        self.string_or(name, "")
    }

    /// A text value, or `default` when absent.
    pub fn string_or(&mut self, name: &'static str, default: &str) -> String {
        self.optional_string(name).unwrap_or_else(|| default.to_owned())
    }

    /// A text value, or `None` when absent.
    pub fn optional_string(&mut self, name: &'static str) -> Option<String> {
        match self.values.get(name) {
            None => None,
            Some(Value::Text(text)) => Some(text.clone()),
            Some(Value::File(_)) => {
                self.errors.push(FieldError::field(
                    name,
                    "string_type",
                    "Input should be a valid string",
                ));
                None
            }
        }
    }

    /// An integer, or `None` when absent.
    pub fn optional_int(&mut self, name: &'static str) -> Option<i64> {
        let text = self.optional_string(name)?;
        match parse_int(&text) {
            Some(number) => Some(number),
            None => {
                self.errors.push(FieldError::field(
                    name,
                    "int_parsing",
                    "Input should be a valid integer, unable to parse string as an integer",
                ));
                None
            }
        }
    }

    /// An integer, or `default` when absent.
    pub fn int_or(&mut self, name: &'static str, default: i64) -> i64 {
        self.int_in(name, default, i64::MIN..=i64::MAX)
    }

    /// An integer within `range`, or `default` when absent.
    pub fn int_in(&mut self, name: &'static str, default: i64, range: RangeInclusive<i64>) -> i64 {
        let Some(number) = self.optional_int(name) else {
            return default;
        };
        if number < *range.start() {
            self.errors.push(FieldError::below(name, range.start()));
            return default;
        }
        if number > *range.end() {
            self.errors.push(FieldError::above(name, range.end()));
            return default;
        }
        number
    }

    /// A number, or `default` when absent.
    pub fn number_or(&mut self, name: &'static str, default: f64) -> f64 {
        let Some(text) = self.optional_string(name) else {
            return default;
        };
        match text.trim().parse::<f64>() {
            Ok(number) => number,
            Err(_) => {
                self.errors.push(FieldError::field(
                    name,
                    "float_parsing",
                    "Input should be a valid number, unable to parse string as a number",
                ));
                default
            }
        }
    }

    /// A boolean, or `default` when absent.
    pub fn bool_or(&mut self, name: &'static str, default: bool) -> bool {
        let Some(text) = self.optional_string(name) else {
            return default;
        };
        match parse_bool(&text) {
            Some(flag) => flag,
            None => {
                self.errors.push(FieldError::field(
                    name,
                    "bool_parsing",
                    "Input should be a valid boolean, unable to interpret input",
                ));
                default
            }
        }
    }

    /// Succeeds when no getter found a problem; otherwise returns all of them.
    pub fn finish(self) -> Result<(), Rejection> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Rejection(self.errors))
        }
    }
}

fn parse_error() -> Response {
    http_error(StatusCode::BAD_REQUEST, "There was an error parsing the body")
}

/// An integer as pydantic reads one from text: surrounding spaces and a fraction of
/// zeros (`"3.00"`) are allowed.
fn parse_int(text: &str) -> Option<i64> {
    let text = text.trim();
    let whole = match text.split_once('.') {
        Some((whole, fraction)) if fraction.bytes().all(|b| b == b'0') => whole,
        Some(_) => return None,
        None => text,
    };
    whole.parse().ok()
}

/// A boolean as pydantic reads one from text.
fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "on" | "t" | "true" | "y" | "yes" => Some(true),
        "0" | "off" | "f" | "false" | "n" | "no" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, Value)]) -> FormFields {
        let values = pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
        FormFields { values, errors: Vec::new() }
    }

    fn text(value: &str) -> Value {
        Value::Text(value.to_owned())
    }

    #[test]
    fn text_values_parse_like_pydantic() {
        assert_eq!(parse_int(" 12 "), Some(12));
        assert_eq!(parse_int("3.00"), Some(3));
        assert_eq!(parse_int("3.5"), None);
        assert_eq!(parse_int("x"), None);
        assert_eq!(parse_bool("Yes"), Some(true));
        assert_eq!(parse_bool("off"), Some(false));
        assert_eq!(parse_bool("maybe"), None);
    }

    #[test]
    fn problems_are_collected_in_call_order() {
        let mut fields = form(&[
            ("seed", text("abc")),
            ("strength", text("strong")),
            ("safety_check", text("perhaps")),
            ("prompt", Value::File(Bytes::from_static(b"x"))),
            ("image", text("not a file")),
            ("steps", text("0")),
        ]);
        fields.optional_int("seed");
        fields.number_or("strength", 0.8);
        fields.bool_or("safety_check", true);
        fields.required_string("prompt");
        fields.required_file("image");
        fields.int_in("steps", 1, 1..=10);
        fields.required_file("audio");
        let kinds: Vec<&str> = fields.finish().unwrap_err().0.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [
                "int_parsing",
                "float_parsing",
                "bool_parsing",
                "string_type",
                "value_error",
                "greater_than_equal",
                "missing"
            ]
        );
    }

    #[test]
    fn empty_files_are_refused() {
        let mut fields = form(&[("image", Value::File(Bytes::new()))]);
        fields.required_file("image");
        let errors = fields.finish().unwrap_err().0;
        assert_eq!(errors[0].kind, "value_error");
        assert!(errors[0].msg.contains("empty"));
    }
}
