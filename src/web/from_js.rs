//! Reads JS values into the service's serde types, naming the field at fault.
//!
//! It reads what serde-wasm-bindgen's deserializer read, the same way and with the same
//! messages (the tests below compare the two), in much less wasm: an error takes its path
//! on the way out (no wrapper per type, as `serde_path_to_error` needs), and numbers in
//! messages are written with [`Decimal`] rather than Rust's float formatter.
//!
//! Like serde-wasm-bindgen, an object is read field by field as its Rust type declares
//! them: other keys are never looked at (so `deny_unknown_fields` has no effect here), and
//! a field that is `undefined` but present counts as given. Types that accept several
//! shapes see JSON's kinds of value only: a `BigInt` or a byte array is refused there.

use crate::decimal::Decimal;
use crate::source::{path_text, Source, SourceError, Step};
use js_sys::{Array, ArrayBuffer, Number, Object, Uint8Array};
use serde::de::{self, DeserializeSeed, Deserializer, Expected, Unexpected};
use serde::Deserialize;
use std::fmt;
use wasm_bindgen::{JsCast, JsValue};

/// A JS value to read a Rust value from.
pub struct JsSource(pub JsValue);

impl<'de> Source<'de> for JsSource {
    fn read<T: Deserialize<'de>>(self) -> std::result::Result<T, SourceError> {
        T::deserialize(FromJs(self.0)).map_err(SourceError::from)
    }
}

impl From<FromJsError> for SourceError {
    fn from(error: FromJsError) -> Self {
        SourceError { path: path_text(error.steps.iter().rev()), reason: error.reason }
    }
}

/// Why a value could not be read, and the steps to it, innermost first.
#[derive(Debug)]
pub struct FromJsError {
    reason: String,
    steps: Vec<Step>,
}

impl FromJsError {
    fn at(mut self, step: Step) -> Self {
        self.steps.push(step);
        self
    }

    fn at_field(self, field: &str) -> Self {
        self.at(Step::Field(field.to_string()))
    }
}

impl fmt::Display for FromJsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for FromJsError {}

impl de::Error for FromJsError {
    fn custom<T: fmt::Display>(reason: T) -> Self {
        FromJsError { reason: reason.to_string(), steps: Vec::new() }
    }

    fn invalid_type(unexpected: Unexpected<'_>, expected: &dyn Expected) -> Self {
        let found = Found(unexpected);
        Self::custom(format_args!("invalid type: {found}, expected {expected}"))
    }

    fn invalid_value(unexpected: Unexpected<'_>, expected: &dyn Expected) -> Self {
        let found = Found(unexpected);
        Self::custom(format_args!("invalid value: {found}, expected {expected}"))
    }
}

/// What the input held, in serde's words; a float is written with [`Decimal`] (and a
/// `.0` when it has no point), so serde's own float formatting is never linked in.
struct Found<'a>(Unexpected<'a>);

impl fmt::Display for Found<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Unexpected::Float(value) => {
                let text = Decimal(value).to_string();
                let point = if value.is_finite() && !text.contains('.') { ".0" } else { "" };
                write!(f, "floating point `{text}{point}`")
            }
            Unexpected::Bool(value) => write!(f, "boolean `{value}`"),
            Unexpected::Unsigned(value) => write!(f, "integer `{value}`"),
            Unexpected::Signed(value) => write!(f, "integer `{value}`"),
            Unexpected::Char(value) => write!(f, "character `{value}`"),
            Unexpected::Str(value) => write!(f, "string {value:?}"),
            Unexpected::Bytes(_) => f.write_str("byte array"),
            Unexpected::Unit => f.write_str("unit value"),
            Unexpected::Option => f.write_str("Option value"),
            Unexpected::NewtypeStruct => f.write_str("newtype struct"),
            Unexpected::Seq => f.write_str("sequence"),
            Unexpected::Map => f.write_str("map"),
            Unexpected::Enum => f.write_str("enum"),
            Unexpected::UnitVariant => f.write_str("unit variant"),
            Unexpected::NewtypeVariant => f.write_str("newtype variant"),
            Unexpected::TupleVariant => f.write_str("tuple variant"),
            Unexpected::StructVariant => f.write_str("struct variant"),
            Unexpected::Other(other) => f.write_str(other),
        }
    }
}

type Result<T> = std::result::Result<T, FromJsError>;

/// The deserializer of one JS value.
struct FromJs(JsValue);

impl FromJs {
    fn is_nullish(&self) -> bool {
        self.0.loose_eq(&JsValue::NULL)
    }

    /// The error for a value of the wrong type, describing the value as serde-wasm-bindgen
    /// did.
    #[cold]
    fn wrong_type(&self, expected: &dyn Expected) -> FromJsError {
        let value = &self.0;
        let text;
        let unexpected = if self.is_nullish() {
            Unexpected::Unit
        } else if let Some(flag) = value.as_bool() {
            Unexpected::Bool(flag)
        } else if let Some(number) = value.as_f64() {
            Unexpected::Float(number)
        } else if let Some(string) = value.as_string() {
            text = string;
            Unexpected::Str(&text)
        } else if value.is_instance_of::<Uint8Array>() || value.is_instance_of::<ArrayBuffer>() {
            Unexpected::Bytes(&[])
        } else {
            text = format!("{value:?}");
            Unexpected::Other(&text)
        };
        de::Error::invalid_type(unexpected, expected)
    }

    /// The elements of an array or of any other iterable JS value.
    fn elements(&self, expected: &dyn Expected) -> Result<Array> {
        if Array::is_array(&self.0) {
            return Ok(self.0.clone().unchecked_into());
        }
        let Some(iterator) = js_sys::try_iter(&self.0).map_err(thrown)? else {
            return Err(self.wrong_type(expected));
        };
        let array = Array::new();
        for item in iterator {
            array.push(&item.map_err(thrown)?);
        }
        Ok(array)
    }

    /// A number that is a whole number JS can hold exactly.
    fn safe_integer(&self) -> Option<i64> {
        Number::is_safe_integer(&self.0).then(|| self.0.as_f64().unwrap_or_default() as i64)
    }

    fn signed<'de, V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.safe_integer() {
            Some(value) => visitor.visit_i64(value),
            None => Err(self.wrong_type(&visitor)),
        }
    }

    fn unsigned<'de, V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.safe_integer() {
            Some(value) if value >= 0 => visitor.visit_u64(value as u64),
            _ => Err(self.wrong_type(&visitor)),
        }
    }
}

impl<'de> Deserializer<'de> for FromJs {
    type Error = FromJsError;

    /// Used by types that accept several shapes; it sees JSON's kinds of value.
    fn deserialize_any<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.is_nullish() {
            visitor.visit_unit()
        } else if let Some(flag) = self.0.as_bool() {
            visitor.visit_bool(flag)
        } else if let Some(number) = self.0.as_f64() {
            match self.safe_integer() {
                Some(value) => visitor.visit_i64(value),
                None => visitor.visit_f64(number),
            }
        } else if let Some(text) = self.0.as_string() {
            visitor.visit_string(text)
        } else if Array::is_array(&self.0) {
            self.deserialize_seq(visitor)
        } else if self.0.is_object() {
            let entries = Object::entries(self.0.unchecked_ref());
            visitor.visit_map(Entries { entries, next: 0, value: None })
        } else {
            Err(self.wrong_type(&visitor))
        }
    }

    fn deserialize_bool<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.0.as_bool() {
            Some(flag) => visitor.visit_bool(flag),
            None => Err(self.wrong_type(&visitor)),
        }
    }

    fn deserialize_i8<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.signed(visitor)
    }

    fn deserialize_i16<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.signed(visitor)
    }

    fn deserialize_i32<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.signed(visitor)
    }

    /// A safe integer, or a `BigInt` within `i64`.
    fn deserialize_i64<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if !self.0.is_bigint() {
            return self.signed(visitor);
        }
        match i64::try_from(self.0) {
            Ok(value) => visitor.visit_i64(value),
            Err(_) => Err(de::Error::custom(
                "Couldn't deserialize i64 from a BigInt outside i64::MIN..i64::MAX bounds",
            )),
        }
    }

    fn deserialize_u8<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.unsigned(visitor)
    }

    fn deserialize_u16<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.unsigned(visitor)
    }

    fn deserialize_u32<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.unsigned(visitor)
    }

    /// A safe integer of 0 or more, or a `BigInt` within `u64`.
    fn deserialize_u64<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if !self.0.is_bigint() {
            return self.unsigned(visitor);
        }
        match u64::try_from(self.0) {
            Ok(value) => visitor.visit_u64(value),
            Err(_) => Err(de::Error::custom(
                "Couldn't deserialize u64 from a BigInt outside u64::MIN..u64::MAX bounds",
            )),
        }
    }

    fn deserialize_f32<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.0.as_f64() {
            Some(number) => visitor.visit_f64(number),
            None => Err(self.wrong_type(&visitor)),
        }
    }

    fn deserialize_char<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_string(visitor)
    }

    fn deserialize_str<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_string(visitor)
    }

    fn deserialize_string<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.0.as_string() {
            Some(text) => visitor.visit_string(text),
            None => Err(self.wrong_type(&visitor)),
        }
    }

    fn deserialize_identifier<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_string(visitor)
    }

    /// `undefined` and `null` are `None`; anything else is `Some`.
    fn deserialize_option<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.is_nullish() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.is_nullish() {
            visitor.visit_unit()
        } else {
            Err(self.wrong_type(&visitor))
        }
    }

    fn deserialize_unit_struct<V: de::Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: de::Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    /// An array, or any other iterable JS value. Elements left unread are an error.
    fn deserialize_seq<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let mut items = Items { array: self.elements(&visitor)?, next: 0 };
        let value = visitor.visit_seq(&mut items)?;
        items.finish()?;
        Ok(value)
    }

    fn deserialize_tuple<V: de::Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: de::Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.0.is_object() {
            let entries = Object::entries(self.0.unchecked_ref());
            visitor.visit_map(Entries { entries, next: 0, value: None })
        } else {
            Err(self.wrong_type(&visitor))
        }
    }

    /// An object, read field by field as the struct declares them.
    fn deserialize_struct<V: de::Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        if !self.0.is_object() {
            return Err(self.wrong_type(&visitor));
        }
        let mut reader = Fields { object: self.0, fields, next: 0, absent: None };
        let read = visitor.visit_seq(&mut reader);
        read.map_err(|error| reader.missing_or(error))
    }

    /// No enum is read from JS; refused as serde-wasm-bindgen refused a wrong shape.
    fn deserialize_enum<V: de::Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        Err(self.wrong_type(&visitor))
    }

    fn deserialize_bytes<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        Err(self.wrong_type(&visitor))
    }

    fn deserialize_byte_buf<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        Err(self.wrong_type(&visitor))
    }

    /// Ignored values are not even looked at.
    fn deserialize_ignored_any<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }
}

/// An exception JS threw while a value was read (a getter or an iterator), in the words
/// `String(exception)` gives, less the `Error: ` of a plain `Error`.
fn thrown(exception: JsValue) -> FromJsError {
    let text = js_sys::JsString::from("").concat(&exception).as_string().unwrap_or_default();
    let reason = text.strip_prefix("Error: ").unwrap_or(&text).to_string();
    FromJsError { reason, steps: Vec::new() }
}

/// The elements of a list; an error inside one takes its index. The generic methods only
/// hand over to non-generic ones, so that each Rust type read adds little code.
struct Items {
    array: Array,
    next: u32,
}

impl Items {
    fn next_item(&mut self) -> Option<(u32, FromJs)> {
        let index = self.next;
        if index >= self.array.length() {
            return None;
        }
        self.next += 1;
        Some((index, FromJs(self.array.get(index))))
    }

    /// Fails when elements were left unread.
    fn finish(&self) -> Result<()> {
        let length = self.array.length();
        if self.next < length {
            return Err(de::Error::invalid_length(length as usize, &ElementCount(self.next)));
        }
        Ok(())
    }
}

impl<'de> de::SeqAccess<'de> for Items {
    type Error = FromJsError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        let Some((index, item)) = self.next_item() else { return Ok(None) };
        let value = seed.deserialize(item).map_err(|error| error.at(Step::Index(index as usize)));
        value.map(Some)
    }
}

/// How many elements a list was expected to hold, in serde's words.
struct ElementCount(u32);

impl Expected for ElementCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            1 => f.write_str("1 element in sequence"),
            count => write!(f, "{count} elements in sequence"),
        }
    }
}

/// The declared fields of a struct, handed to its derived code as a sequence in their
/// declared order, which is much less code per type than a map of keys. An absent field
/// ends as no element: serde's derive then takes the field's default, or fails with a
/// length error, which [`Fields::missing_or`] turns into serde's "missing field" one.
/// Every `Option` field a JS value is read into must therefore be `#[serde(default)]`.
/// Unlike the map form, a missing required field is reported as soon as it is reached,
/// before a wrong type in a field declared after it.
struct Fields {
    object: JsValue,
    fields: &'static [&'static str],
    next: usize,
    absent: Option<&'static str>,
}

impl Fields {
    /// The value of the next declared field, or `None` when the object lacks it.
    fn next_value(&mut self) -> Result<Option<(&'static str, FromJs)>> {
        self.absent = None;
        let Some(&field) = self.fields.get(self.next) else { return Ok(None) };
        self.next += 1;
        let key = JsValue::from_str(field);
        let value = js_sys::Reflect::get(&self.object, &key).map_err(thrown)?;
        if value.is_undefined() && !key.js_in(&self.object) {
            self.absent = Some(field);
            return Ok(None);
        }
        Ok(Some((field, FromJs(value))))
    }

    /// The error of the struct's read: a missing field's when the last field asked for
    /// was absent (the derive fails at once when a required one is), else `error`.
    #[cold]
    fn missing_or(&self, error: FromJsError) -> FromJsError {
        match self.absent {
            Some(field) => de::Error::missing_field(field),
            None => error,
        }
    }
}

impl<'de> de::SeqAccess<'de> for Fields {
    type Error = FromJsError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        let Some((field, value)) = self.next_value()? else { return Ok(None) };
        seed.deserialize(value).map(Some).map_err(|error| error.at_field(field))
    }
}

/// The own keys and values of an object, for types that read any object as a map.
struct Entries {
    entries: Array,
    next: u32,
    value: Option<JsValue>,
}

impl<'de> de::MapAccess<'de> for Entries {
    type Error = FromJsError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        if self.next >= self.entries.length() {
            return Ok(None);
        }
        let pair: Array = self.entries.get(self.next).unchecked_into();
        self.next += 1;
        self.value = Some(pair.get(1));
        seed.deserialize(FromJs(pair.get(0))).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        seed.deserialize(FromJs(self.value.take().unwrap_or(JsValue::UNDEFINED)))
    }
}

/// Run in the browser (`wasm-pack test --headless --chrome -- --lib`): the reader against
/// serde-wasm-bindgen with `serde_path_to_error`, which it replaces, on odd inputs too;
/// and [`Decimal`] with the browser's digits against Rust's own float formatting.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::requeue::RequeuePolicy;
    use crate::pipelines::*;
    use crate::requester::http::ErrorBody;
    use crate::requester::poll::PollPolicy;
    use crate::requester::RetryPolicy;
    use serde::de::DeserializeOwned;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    /// What serde-wasm-bindgen read, as the service showed it: the path and the reason.
    fn before<T: DeserializeOwned + fmt::Debug>(value: &JsValue) -> String {
        let input = serde_wasm_bindgen::Deserializer::from(value.clone());
        match serde_path_to_error::deserialize::<_, T>(input) {
            Ok(read) => format!("{read:?}"),
            Err(error) => {
                let path = error.path().to_string();
                let path = if path == "." { String::new() } else { path };
                let reason = error.into_inner().to_string();
                format!("[{path}] {}", reason.strip_prefix("Error: ").unwrap_or(&reason))
            }
        }
    }

    fn now<T: DeserializeOwned + fmt::Debug>(value: &JsValue) -> String {
        match JsSource(value.clone()).read::<T>() {
            Ok(read) => format!("{read:?}"),
            Err(error) => format!("[{}] {}", error.path, error.reason),
        }
    }

    /// Each case is a JS expression.
    fn same<T: DeserializeOwned + fmt::Debug>(cases: &[&str]) {
        for case in cases {
            let value = js_sys::eval(&format!("({case})")).expect("a valid JS expression");
            assert_eq!(now::<T>(&value), before::<T>(&value), "{case}");
        }
    }

    #[wasm_bindgen_test]
    fn reads_as_serde_wasm_bindgen_did() {
        same::<TextToImageParams>(&[
            "{}",
            "{prompt: 'p'}",
            "{prompt: 7}",
            "{prompt: null}",
            "{prompt: undefined}",
            "{prompt: 'p', width: -3}",
            "{prompt: 'p', width: '64'}",
            "{prompt: 'p', width: 5000000000}",
            "{prompt: 'p', seed: 1.5}",
            "{prompt: 'p', seed: -0.5}",
            "{prompt: 'p', seed: 1e21}",
            "{prompt: 'p', seed: 1e-7}",
            "{prompt: 'p', seed: NaN}",
            "{prompt: 'p', seed: Infinity}",
            "{prompt: 'p', seed: 42n}",
            "{prompt: 'p', seed: 12345678901234567890n}",
            "{prompt: 'p', guidance_scale: 'x'}",
            "{prompt: 'p', guidance_scale: 7.25, height: null, width: undefined}",
            "{prompt: 'p', widht: 64}",
            "{prompt: 'p', safety_check: 1}",
            "{prompt: 'p', loras: {a: 1}}",
            "{prompt: 'p', loras: [1]}",
            "{prompt: 'p', loras: new Uint8Array([1])}",
            "{prompt: 'p', loras: Symbol('s')}",
            "{prompt: 'p', loras: () => 1}",
            "[1, 2]",
            "'text'",
            "3",
            "null",
        ]);
        same::<LlmParams>(&[
            "{messages: []}",
            "{messages: [{role: 'user', content: 'hi'}]}",
            "{messages: [{role: 'user'}]}",
            "{messages: [{role: 'user', content: 5}]}",
            "{messages: [{role: 'user', content: 'a'}, {role: 1, content: 'b'}]}",
            "{messages: new Set([{role: 'user', content: 'a'}])}",
            "{messages: 'x'}",
            "{messages: [1]}",
            "{messages: [{role: 'user', content: 'a'}], top_k: 2.5}",
            "{messages: [{role: 'user', content: 'a'}], stream: 'yes'}",
        ]);
        same::<AudioToTextParams>(&[
            "{return_timestamps: true}",
            "{return_timestamps: 'word'}",
            "{return_timestamps: 3}",
            "{return_timestamps: null}",
            "{return_timestamps: {a: 1}}",
            "{return_timestamps: [true]}",
        ]);
        same::<SegmentParams>(&[
            "{box: '[1, 2, 3, 4]'}",
            "{box: [1, 2]}",
            "{return_logits: 'no'}",
        ]);
        same::<ImageOutput>(&[
            "{images: [{url: 'u', seed: 1, nsfw: false}, {url: 5}]}",
            "{images: [{url: 'u', seed: 1.5, nsfw: false}]}",
            "{images: [{url: 'u', seed: -1, nsfw: false}]}",
            "{images: {}}",
            "{data: []}",
            "'<html>'",
        ]);
        same::<VideoOutput>(&["{images: [{url: 'u', seed: 1, nsfw: true}]}"]);
        same::<LiveVideoOutput>(&[
            "{publish_url: 'x'}",
            "{subscribe_url: 'a', publish_url: 'b', manifest_id: 3}",
        ]);
        same::<RetryPolicy>(&[
            "{}",
            "{maxRetries: 2, deadlineMs: 5000}",
            "{maxRetries: -1}",
            "{maxRetries: 1.5}",
            "{baseDelayMs: 'x'}",
            "{baseDelayMs: null}",
            "'x'",
        ]);
        same::<PollPolicy>(&["{jitter: 0.2}", "{vanishedAfter: 'x'}", "[]"]);
        same::<RequeuePolicy>(&["{enabled: false}", "{enabled: 1}", "{windowMs: {}}"]);
        same::<ErrorBody>(&[
            "{detail: {msg: 'm'}}",
            "{detail: {other: 1}}",
            "{detail: 't'}",
            "{detail: [{loc: ['body', 'prompt', 0], msg: 'x', type: 'y'}]}",
            "{detail: [{loc: [-1], msg: 'x'}]}",
            "{detail: [{loc: [1.5], msg: 'x'}]}",
            "{detail: 5}",
            "{detail: null}",
            "{errors: ['a', 'b']}",
            "{x: 2}",
        ]);
    }

    #[wasm_bindgen_test]
    fn decimals_use_the_browsers_digits_as_rust_would() {
        let mut values = vec![0.1, 1e21, 1e-7, 123456.789, 5e-324, f64::MAX, -0.0, 7.5];
        let mut bits: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..5000 {
            bits ^= bits << 13;
            bits ^= bits >> 7;
            bits ^= bits << 17;
            values.push(f64::from_bits(bits));
            values.push((bits % 1_000_000) as f64 / 1000.0);
        }
        for value in values {
            assert_eq!(Decimal(value).to_string(), format!("{value}"), "{value:e}");
        }
    }
}
