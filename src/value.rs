//! Values as JSON holds them, and the small reader that turns them into the service's
//! types. Everything the service reads goes through it: a job's parameters and the
//! service's options (from JS objects), and the gateway's answers (from parsed JSON). The
//! browser layer builds a [`Value`] from a JS value; native tests build one from
//! `serde_json`. A read that fails says where (`images[0].url`) and why, in a user's words
//! (`must be a whole number, 0 or more (got -1)`).
//!
//! Each type's reader is written out by hand ([`Read`]) rather than derived: a derived
//! deserializer costs several times the wasm of these few lines per type.

use crate::decimal::Decimal;
use std::cell::Cell;

/// A value as JSON holds it. An object keeps its keys in their order.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`, or in JS also `undefined`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Num(f64),
    /// A text.
    Str(String),
    /// A list.
    List(Vec<Value>),
    /// An object, as its keys and values.
    Map(Vec<(String, Value)>),
    /// A value JSON has no kind for (a JS `BigInt`, symbol or function), as its kind.
    Other(&'static str),
}

/// Why a value could not be read, and where.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadError {
    /// The path of the field at fault, such as `images[0].url`; empty at the root.
    pub path: String,
    /// What is wrong there, such as `must be a string (got 7)`.
    pub reason: String,
    /// True when the field at `path` is absent; `reason` then says nothing yet.
    pub missing: bool,
}

/// The result of a read. The error is boxed: results then move as little more than
/// the value read, which keeps each type's reader small.
pub type Result<T> = std::result::Result<T, Box<ReadError>>;

impl ReadError {
    /// An error at the value being read, for `reason`.
    pub fn new(reason: impl Into<String>) -> Box<Self> {
        Box::new(ReadError { path: String::new(), reason: reason.into(), missing: false })
    }

    /// The error of the required field `field`, which is absent.
    pub fn missing(field: &str) -> Box<Self> {
        Box::new(ReadError { path: field.to_string(), reason: String::new(), missing: true })
    }

    /// The same error seen from the object holding field `field`.
    pub fn in_field(self: Box<Self>, field: &str) -> Box<Self> {
        self.under(field)
    }

    /// The same error seen from the list holding it at `index`.
    pub fn in_item(self: Box<Self>, index: usize) -> Box<Self> {
        self.under(&format!("[{index}]"))
    }

    /// The same error with `step` (`url` or `[0]`) in front of its path.
    fn under(mut self: Box<Self>, step: &str) -> Box<Self> {
        let glue = if self.path.is_empty() || self.path.starts_with('[') { "" } else { "." };
        self.path = format!("{step}{glue}{}", self.path);
        self
    }
}

impl Value {
    /// An object of `entries`, in their order.
    pub fn map(entries: Vec<(&str, Value)>) -> Value {
        Value::Map(entries.into_iter().map(|(key, value)| (key.to_string(), value)).collect())
    }

    /// What the value is, as a message shows it: the number itself (cut to 40
    /// characters), `true` or `false`, or its kind: `a text`, `a list`, `an object`,
    /// `nothing`. A text is never quoted: it may be an API key given in the wrong place.
    pub fn shown(&self) -> String {
        let text = match self {
            Value::Null => "nothing".to_string(),
            Value::Bool(flag) => flag.to_string(),
            Value::Num(number) => Decimal(*number).to_string(),
            Value::Str(_) => "a text".to_string(),
            Value::List(_) => "a list".to_string(),
            Value::Map(_) => "an object".to_string(),
            Value::Other(kind) => kind.to_string(),
        };
        crate::words::clipped(&text, 40)
    }

    /// Where this value holds a [`Value::Other`], if it does: the error's path leads
    /// there and its reason is the kind of value found (`a BigInt`).
    pub fn find_other(&self) -> Option<Box<ReadError>> {
        match self {
            Value::Other(kind) => Some(ReadError::new(*kind)),
            Value::List(items) => items
                .iter()
                .enumerate()
                .find_map(|(index, item)| item.find_other().map(|error| error.in_item(index))),
            Value::Map(entries) => entries
                .iter()
                .find_map(|(key, item)| item.find_other().map(|error| error.in_field(key))),
            _ => None,
        }
    }

    /// The error for this value where `wanted` (such as `a string`) was expected.
    #[cold]
    pub fn wrong(&self, wanted: &str) -> Box<ReadError> {
        ReadError::new(format!("must be {wanted} (got {})", self.shown()))
    }

    /// A reader of the value's fields; if it is not an object, the reader holds that
    /// error and every field reads as absent.
    pub fn fields(&self) -> Fields<'_> {
        let (entries, error) = match self {
            Value::Map(entries) => (entries.as_slice(), None),
            other => (&[][..], Some(other.wrong("an object"))),
        };
        Fields { entries, error: Cell::new(error) }
    }

    /// The value's items, if it is a list.
    pub fn list(&self) -> Result<&[Value]> {
        match self {
            Value::List(items) => Ok(items),
            other => Err(other.wrong("a list")),
        }
    }

    /// The value as a whole number from `min` to `max`, described as `wanted`.
    fn whole(&self, min: f64, max: f64, wanted: &str) -> Result<f64> {
        match *self {
            Value::Num(number) if number.fract() == 0.0 && number >= min && number <= max => {
                Ok(number)
            }
            _ => Err(self.wrong(wanted)),
        }
    }
}

/// A reader of an object's fields, which keeps the first error it meets: a field that
/// cannot be read gives a default in its place, and [`Fields::done`] returns the error
/// instead of the value built. A field that is `null` counts as absent.
///
/// ```
/// use comfyui_livepeer::value::{Read, Value};
/// let value = Value::Map(vec![("x".to_string(), Value::Num(-1.0))]);
/// let fields = value.fields();
/// let point: (u32, Option<String>) = (fields.req("x"), fields.opt("label"));
/// let error = fields.done(point).unwrap_err();
/// assert_eq!(error.path, "x");
/// ```
pub struct Fields<'a> {
    entries: &'a [(String, Value)],
    error: Cell<Option<Box<ReadError>>>,
}

impl<'a> Fields<'a> {
    /// The value of `field`, unless it is absent or `null`.
    pub fn get(&self, field: &str) -> Option<&'a Value> {
        self.entries
            .iter()
            .find(|(key, value)| key == field && *value != Value::Null)
            .map(|(_, value)| value)
    }

    /// Keeps `error` unless an earlier one is kept.
    fn fail(&self, error: Box<ReadError>) {
        let kept = self.error.take();
        self.error.set(kept.or(Some(error)));
    }

    /// Reads the required field `field`; when it is absent or wrong, the error is kept
    /// and a default is given.
    pub fn req<T: Read + Default>(&self, field: &str) -> T {
        match self.get(field) {
            Some(_) => self.opt(field).unwrap_or_default(),
            None => {
                self.fail(ReadError::missing(field));
                T::default()
            }
        }
    }

    /// Reads the optional field `field`: `None` when it is absent (or wrong, keeping the
    /// error).
    pub fn opt<T: Read>(&self, field: &str) -> Option<T> {
        match T::read(self.get(field)?) {
            Ok(read) => Some(read),
            Err(error) => {
                self.fail(error.in_field(field));
                None
            }
        }
    }

    /// Reads the field `field`, or gives `default` when it is absent.
    pub fn or<T: Read>(&self, field: &str, default: T) -> T {
        self.opt(field).unwrap_or(default)
    }

    /// Reads the field `field`, or gives `T`'s default when it is absent.
    pub fn or_default<T: Read + Default>(&self, field: &str) -> T {
        self.opt(field).unwrap_or_default()
    }

    /// The first key that is not one of `known`.
    pub fn stranger(&self, known: &[&str]) -> Option<&'a str> {
        self.keys().find(|key| !known.contains(key))
    }

    /// Every key, in order.
    pub fn keys(&self) -> impl Iterator<Item = &'a str> {
        self.entries.iter().map(|(key, _)| key.as_str())
    }

    /// The first error met, if any.
    pub fn error(&self) -> Option<Box<ReadError>> {
        let error = self.error.take();
        self.error.set(error.clone());
        error
    }

    /// `read`, built from the fields, or the first error met while reading them.
    #[inline(always)]
    pub fn done<T>(&self, read: T) -> Result<T> {
        self.check().map(|()| read)
    }

    /// The first error met while reading the fields, if any, as a result.
    pub fn check(&self) -> Result<()> {
        match self.error.take() {
            None => Ok(()),
            Some(error) => Err(error),
        }
    }
}

/// A type read from a [`Value`].
pub trait Read: Sized {
    /// Reads a `Self`, or says where and why the value does not hold one.
    fn read(value: &Value) -> Result<Self>;
}

impl Read for String {
    fn read(value: &Value) -> Result<Self> {
        match value {
            Value::Str(text) => Ok(text.clone()),
            other => Err(other.wrong("a string")),
        }
    }
}

impl Read for bool {
    fn read(value: &Value) -> Result<Self> {
        match value {
            Value::Bool(flag) => Ok(*flag),
            other => Err(other.wrong("true or false")),
        }
    }
}

impl Read for f64 {
    fn read(value: &Value) -> Result<Self> {
        match value {
            Value::Num(number) => Ok(*number),
            other => Err(other.wrong("a number")),
        }
    }
}

const WHOLE_FROM_0: &str = "a whole number, 0 or more";

impl Read for u32 {
    fn read(value: &Value) -> Result<Self> {
        value.whole(0.0, u32::MAX as f64, WHOLE_FROM_0).map(|number| number as u32)
    }
}

/// 2^64 and 2^63: a number up to these reads as the largest `u64` or `i64`, since a
/// gateway's largest 64-bit seed arrives through JSON as exactly 2^64. Parameters that
/// must be exact check their own bounds (a seed is at most 2^53 − 1).
const MAX_U64: f64 = 18_446_744_073_709_551_616.0;
const MAX_I64: f64 = 9_223_372_036_854_775_808.0;

impl Read for u64 {
    fn read(value: &Value) -> Result<Self> {
        value.whole(0.0, MAX_U64, WHOLE_FROM_0).map(|number| number as u64)
    }
}

impl Read for i64 {
    fn read(value: &Value) -> Result<Self> {
        value.whole(-MAX_I64, MAX_I64, "a whole number").map(|number| number as i64)
    }
}

impl<T: Read> Read for Vec<T> {
    fn read(value: &Value) -> Result<Self> {
        let items = value.list()?;
        let mut read = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            read.push(T::read(item).map_err(|error| error.in_item(index))?);
        }
        Ok(read)
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Self {
        Value::Str(text.to_string())
    }
}

impl From<String> for Value {
    fn from(text: String) -> Self {
        Value::Str(text)
    }
}

impl From<bool> for Value {
    fn from(flag: bool) -> Self {
        Value::Bool(flag)
    }
}

impl From<f64> for Value {
    fn from(number: f64) -> Self {
        Value::Num(number)
    }
}

/// Exact up to 2^53, as in JS.
impl From<u64> for Value {
    fn from(number: u64) -> Self {
        Value::Num(number as f64)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(value: Option<T>) -> Self {
        value.map_or(Value::Null, Into::into)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(items: Vec<T>) -> Self {
        Value::List(items.into_iter().map(Into::into).collect())
    }
}

/// A pair, given as a list of two, such as a chunk's `[start, end]`.
impl<A: Read, B: Read> Read for (A, B) {
    fn read(value: &Value) -> Result<Self> {
        match value {
            Value::List(items) if items.len() == 2 => Ok((
                A::read(&items[0]).map_err(|error| error.in_item(0))?,
                B::read(&items[1]).map_err(|error| error.in_item(1))?,
            )),
            other => Err(other.wrong("a list of two")),
        }
    }
}

impl<T: Read> Read for Option<T> {
    fn read(value: &Value) -> Result<Self> {
        match value {
            Value::Null => Ok(None),
            other => T::read(other).map(Some),
        }
    }
}

#[cfg(any(test, not(target_arch = "wasm32")))]
impl From<serde_json::Value> for Value {
    fn from(json: serde_json::Value) -> Self {
        use serde_json::Value as Json;
        match json {
            Json::Null => Value::Null,
            Json::Bool(flag) => Value::Bool(flag),
            Json::Number(number) => Value::Num(number.as_f64().unwrap_or(f64::NAN)),
            Json::String(text) => Value::Str(text),
            Json::Array(items) => Value::List(items.into_iter().map(Value::from).collect()),
            Json::Object(entries) => {
                Value::Map(entries.into_iter().map(|(key, value)| (key, value.into())).collect())
            }
        }
    }
}

#[cfg(any(test, not(target_arch = "wasm32")))]
impl Value {
    /// The value of a JSON text; for tests and tools.
    pub fn from_json(text: &str) -> Result<Value> {
        serde_json::from_str::<serde_json::Value>(text)
            .map(Value::from)
            .map_err(|error| ReadError::new(error.to_string()))
    }

    /// The value as `serde_json` holds it: keys sorted, [`Value::Other`] as `null`.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as Json;
        match self {
            Value::Null | Value::Other(_) => Json::Null,
            Value::Bool(flag) => Json::Bool(*flag),
            Value::Num(number) => match serde_json::Number::from_f64(*number) {
                Some(_) if number.fract() == 0.0 && number.abs() < 9e15 => {
                    Json::from(*number as i64)
                }
                Some(number) => Json::Number(number),
                None => Json::Null,
            },
            Value::Str(text) => Json::String(text.clone()),
            Value::List(items) => Json::Array(items.iter().map(Value::to_json).collect()),
            Value::Map(entries) => Json::Object(
                entries.iter().map(|(key, value)| (key.clone(), value.to_json())).collect(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug)]
    struct Point {
        x: u32,
        label: Option<String>,
    }

    impl Read for Point {
        fn read(value: &Value) -> Result<Self> {
            let fields = value.fields();
            let point = Point { x: fields.req("x"), label: fields.opt("label") };
            fields.done(point)
        }
    }

    fn read<T: Read>(json: serde_json::Value) -> Result<T> {
        T::read(&Value::from(json))
    }

    #[test]
    fn fields_are_read_by_name_and_null_counts_as_absent() {
        let point: Point = read(json!({"label": null, "x": 3})).unwrap();
        assert_eq!((point.x, point.label), (3, None));
        let point: Point = read(json!({"x": 0, "label": "a"})).unwrap();
        assert_eq!(point.label.as_deref(), Some("a"));
    }

    #[test]
    fn errors_name_the_path_and_the_reason() {
        let error = read::<Vec<Point>>(json!([{"x": 1}, {"x": -1}])).unwrap_err();
        assert_eq!(error.path, "[1].x");
        assert_eq!(error.reason, "must be a whole number, 0 or more (got -1)");
        let error = read::<Vec<Point>>(json!([{"x": 1}, {"label": "b"}])).unwrap_err();
        assert_eq!((error.path.as_str(), error.missing), ("[1].x", true));
        let error = read::<Point>(json!({"x": 1, "label": ["a"]})).unwrap_err();
        assert_eq!(
            (error.path.as_str(), error.reason.as_str()),
            ("label", "must be a string (got a list)")
        );
        let error = read::<Point>(json!("text")).unwrap_err();
        assert_eq!(
            (error.path.as_str(), error.reason.as_str()),
            ("", "must be an object (got a text)")
        );
        let nested = ReadError::new("bad").in_field("url").in_item(0).in_field("images");
        assert_eq!(nested.path, "images[0].url");
    }

    #[test]
    fn numbers_are_checked_for_their_kind_and_range() {
        assert_eq!(read::<u32>(json!(4_294_967_295u64)), Ok(u32::MAX));
        assert!(read::<u32>(json!(4_294_967_296u64)).is_err());
        assert!(read::<u32>(json!(1.5)).unwrap_err().reason.contains("(got 1.5)"));
        assert_eq!(read::<i64>(json!(-3)), Ok(-3));
        assert_eq!(read::<u64>(json!(1e19)), Ok(10_000_000_000_000_000_000));
        assert_eq!(read::<u64>(json!(18_446_744_073_709_551_615u64)), Ok(u64::MAX));
        assert!(read::<u64>(json!(3e19)).is_err(), "above 2^64");
        assert!(read::<i64>(json!(9.3e18)).is_err(), "above 2^63");
        assert!(read::<i64>(json!(-1e300)).is_err());
        assert_eq!(read::<f64>(json!(0.25)), Ok(0.25));
        assert!(read::<f64>(json!("1")).unwrap_err().reason.contains("a number"));
        assert!(read::<bool>(json!(1)).unwrap_err().reason.contains("true or false"));
    }

    #[test]
    fn texts_are_never_quoted_in_messages() {
        let key = "sk-".repeat(100);
        let reason = read::<u32>(json!(key)).unwrap_err().reason;
        assert_eq!(reason, "must be a whole number, 0 or more (got a text)");
    }

    #[test]
    fn values_json_cannot_hold_are_found_by_path() {
        let value = Value::map(vec![
            ("a", Value::Num(1.0)),
            ("b", Value::List(vec![Value::Null, Value::Other("a BigInt")])),
        ]);
        let error = value.find_other().unwrap();
        assert_eq!((error.path.as_str(), error.reason.as_str()), ("b[1]", "a BigInt"));
        assert!(Value::from(json!({"x": [1, {"y": null}]})).find_other().is_none());
    }

    #[test]
    fn strangers_are_found() {
        let value = Value::from(json!({"a": 1, "b": 2}));
        let fields = value.fields();
        assert_eq!(fields.stranger(&["a", "b"]), None);
        assert_eq!(fields.stranger(&["a"]), Some("b"));
        assert_eq!(fields.keys().collect::<Vec<_>>(), ["a", "b"]);
    }
}
