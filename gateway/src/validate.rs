//! FastAPI-style request validation and its 422 bodies.
//!
//! The runner behind the real gateway is a FastAPI app, so a bad body gets
//! `422 {"detail":[{"loc":["body","prompt"],"msg":"Field required","type":"missing"}]}`,
//! with one entry per problem, in the order the fields are declared. The `type` and
//! `msg` texts follow pydantic 2. Unknown fields are ignored, as pydantic does.

use std::ops::RangeInclusive;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::{json, Map, Value};

/// One part of an error location: a field name or a position.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Loc {
    /// A field name, or `body`.
    Key(&'static str),
    /// A character position in a body that is not valid JSON.
    Index(usize),
}

/// One problem with a request body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldError {
    /// Where the problem is, starting with `body`.
    pub loc: Vec<Loc>,
    /// A message for people.
    pub msg: String,
    /// A stable error code such as `missing` or `int_type`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Extra details, only for `json_invalid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ctx: Option<Value>,
}

impl FieldError {
    /// A problem with the body field `name`.
    pub fn field(name: &'static str, kind: &'static str, msg: impl Into<String>) -> Self {
        Self { loc: vec![Loc::Key("body"), Loc::Key(name)], msg: msg.into(), kind, ctx: None }
    }

    /// A problem at `loc`, which should start with `body`.
    pub fn at(loc: Vec<Loc>, kind: &'static str, msg: impl Into<String>) -> Self {
        Self { loc, msg: msg.into(), kind, ctx: None }
    }

    /// The `missing` error of a required field.
    pub fn missing(name: &'static str) -> Self {
        Self::field(name, "missing", "Field required")
    }

    /// pydantic's `string_too_short` error for a string that must not be empty.
    pub fn empty_string(name: &'static str) -> Self {
        Self {
            ctx: Some(json!({ "min_length": 1 })),
            ..Self::field(name, "string_too_short", "String should have at least 1 character")
        }
    }

    /// The message for a number below `min`.
    pub fn below(name: &'static str, min: impl std::fmt::Display) -> Self {
        let msg = format!("Input should be greater than or equal to {min}");
        Self::field(name, "greater_than_equal", msg)
    }

    /// The message for a number above `max`.
    pub fn above(name: &'static str, max: impl std::fmt::Display) -> Self {
        let msg = format!("Input should be less than or equal to {max}");
        Self::field(name, "less_than_equal", msg)
    }
}

/// A rejected body: answered with 422 and `{"detail":[...]}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection(pub Vec<FieldError>);

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let body = json!({ "detail": self.0 });
        (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
    }
}

/// Reads the fields of a JSON object body, collecting every problem on the way.
///
/// Each getter returns the field's value, or its default when the field is absent or
/// wrong; [`BodyFields::finish`] then reports all the wrong ones together.
#[derive(Debug)]
pub struct BodyFields {
    map: Map<String, Value>,
    errors: Vec<FieldError>,
}

impl BodyFields {
    /// Parses the body as a JSON object.
    ///
    /// Fails with `missing` for an empty body, `json_invalid` for text that is not JSON,
    /// and `model_attributes_type` for JSON that is not an object.
    pub fn parse(body: &[u8]) -> Result<Self, Rejection> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(Rejection(vec![FieldError {
                loc: vec![Loc::Key("body")],
                msg: "Field required".to_owned(),
                kind: "missing",
                ctx: None,
            }]));
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => Ok(Self { map, errors: Vec::new() }),
            Ok(_) => Err(Rejection(vec![FieldError {
                loc: vec![Loc::Key("body")],
                msg: "Input should be a valid dictionary or object to extract fields from"
                    .to_owned(),
                kind: "model_attributes_type",
                ctx: None,
            }])),
            Err(err) => Err(Rejection(vec![json_invalid(body, &err)])),
        }
    }

    /// A string that must be present.
    pub fn required_string(&mut self, name: &'static str) -> String {
        match self.map.get(name) {
            None => {
                self.errors.push(FieldError::field(name, "missing", "Field required"));
                String::new()
            }
            Some(_) => self.string_or(name, ""),
        }
    }

    /// A string, or `default` when absent.
    pub fn string_or(&mut self, name: &'static str, default: &str) -> String {
        match self.map.get(name) {
            None => default.to_owned(),
            Some(Value::String(text)) => text.clone(),
            Some(_) => {
                self.errors.push(FieldError::field(
                    name,
                    "string_type",
                    "Input should be a valid string",
                ));
                default.to_owned()
            }
        }
    }

    /// An integer, or `None` when absent or `null`.
    pub fn optional_int(&mut self, name: &'static str) -> Option<i64> {
        match self.map.get(name) {
            None | Some(Value::Null) => None,
            Some(value) => match as_int(value) {
                Ok(number) => Some(number),
                Err(error) => {
                    self.errors.push(FieldError::field(name, error.0, error.1));
                    None
                }
            },
        }
    }

    /// An integer, or `default` when absent.
    pub fn int_or(&mut self, name: &'static str, default: i64) -> i64 {
        self.int_in(name, default, i64::MIN..=i64::MAX)
    }

    /// An integer within `range`, or `default` when absent.
    pub fn int_in(&mut self, name: &'static str, default: i64, range: RangeInclusive<i64>) -> i64 {
        let Some(value) = self.map.get(name) else {
            return default;
        };
        let number = match as_int(value) {
            Ok(number) => number,
            Err(error) => {
                self.errors.push(FieldError::field(name, error.0, error.1));
                return default;
            }
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

    /// A JSON object, or an empty one when absent.
    pub fn object_or_empty(&mut self, name: &'static str) -> Map<String, Value> {
        match self.map.get(name) {
            None => Map::new(),
            Some(Value::Object(map)) => map.clone(),
            Some(_) => {
                self.errors.push(FieldError::field(
                    name,
                    "dict_type",
                    "Input should be a valid dictionary",
                ));
                Map::new()
            }
        }
    }

    /// The raw value of a field, for checks the getters above do not cover.
    pub fn raw(&self, name: &str) -> Option<&Value> {
        self.map.get(name)
    }

    /// Records a problem found by a check of the caller's own.
    pub fn push(&mut self, error: FieldError) {
        self.errors.push(error);
    }

    /// A number, or `default` when absent.
    pub fn number_or(&mut self, name: &'static str, default: f64) -> f64 {
        match self.map.get(name) {
            None => default,
            Some(Value::Number(number)) => number.as_f64().unwrap_or(default),
            Some(_) => {
                self.errors.push(FieldError::field(
                    name,
                    "float_type",
                    "Input should be a valid number",
                ));
                default
            }
        }
    }

    /// A boolean, or `default` when absent.
    pub fn bool_or(&mut self, name: &'static str, default: bool) -> bool {
        match self.map.get(name) {
            None => default,
            Some(Value::Bool(flag)) => *flag,
            Some(_) => {
                self.errors.push(FieldError::field(
                    name,
                    "bool_type",
                    "Input should be a valid boolean",
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

/// Reads a JSON integer, accepting a float without a fraction as pydantic does.
fn as_int(value: &Value) -> Result<i64, (&'static str, &'static str)> {
    const NOT_INT: (&str, &str) = ("int_type", "Input should be a valid integer");
    let Value::Number(number) = value else {
        return Err(NOT_INT);
    };
    if let Some(int) = number.as_i64() {
        return Ok(int);
    }
    if number.is_u64() {
        return Err((
            "int_parsing_size",
            "Unable to parse input string as an integer, exceeded maximum size",
        ));
    }
    match number.as_f64() {
        Some(float) if float.fract() == 0.0 && float.abs() < 9.0e15 => Ok(float as i64),
        Some(_) => Err((
            "int_from_float",
            "Input should be a valid integer, got a number with a fractional part",
        )),
        None => Err(NOT_INT),
    }
}

/// The `json_invalid` error, located at the character where parsing stopped.
fn json_invalid(body: &[u8], err: &serde_json::Error) -> FieldError {
    let text = String::from_utf8_lossy(body);
    let position: usize = text
        .split('\n')
        .take(err.line().saturating_sub(1))
        .map(|line| line.chars().count() + 1)
        .sum::<usize>()
        + err.column().saturating_sub(1);
    FieldError {
        loc: vec![Loc::Key("body"), Loc::Index(position)],
        msg: "JSON decode error".to_owned(),
        kind: "json_invalid",
        ctx: Some(json!({ "error": err.to_string() })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detail(rejection: Rejection) -> Value {
        serde_json::to_value(&rejection.0).unwrap()
    }

    #[test]
    fn a_missing_field_is_reported_like_fastapi() {
        let mut fields = BodyFields::parse(br#"{"width": 64}"#).unwrap();
        fields.required_string("prompt");
        let errors = detail(fields.finish().unwrap_err());
        assert_eq!(
            errors,
            json!([{"loc":["body","prompt"],"msg":"Field required","type":"missing"}])
        );
    }

    #[test]
    fn every_wrong_field_gets_its_own_entry() {
        let body = br#"{"prompt": 5, "width": "64", "height": 4096, "seed": 1.5, "x": 1}"#;
        let mut fields = BodyFields::parse(body).unwrap();
        fields.required_string("prompt");
        fields.int_in("width", 1024, 1..=2048);
        fields.int_in("height", 576, 1..=2048);
        fields.optional_int("seed");
        let errors = fields.finish().unwrap_err().0;
        let kinds: Vec<&str> = errors.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, ["string_type", "int_type", "less_than_equal", "int_from_float"]);
        assert_eq!(errors[2].msg, "Input should be less than or equal to 2048");
    }

    #[test]
    fn whole_floats_and_null_seeds_are_accepted() {
        let mut fields = BodyFields::parse(br#"{"width": 64.0, "seed": null}"#).unwrap();
        assert_eq!(fields.int_in("width", 1, 1..=2048), 64);
        assert_eq!(fields.optional_int("seed"), None);
        assert!(fields.finish().is_ok());
    }

    #[test]
    fn bodies_that_are_not_objects_are_refused() {
        let empty = detail(BodyFields::parse(b"").unwrap_err());
        assert_eq!(empty[0]["type"], "missing");
        assert_eq!(empty[0]["loc"], json!(["body"]));

        let array = detail(BodyFields::parse(b"[1]").unwrap_err());
        assert_eq!(array[0]["type"], "model_attributes_type");

        let broken = detail(BodyFields::parse(b"{\"prompt\":\n  }").unwrap_err());
        assert_eq!(broken[0]["type"], "json_invalid");
        assert_eq!(broken[0]["loc"], json!(["body", 13]));
        assert_eq!(broken[0]["msg"], "JSON decode error");
    }
}
