//! Writes the service's serde types as plain JS values: structs become objects, lists
//! arrays, `None` and `()` `null`, 64-bit integers numbers (refused beyond 2^53). This is
//! serde-wasm-bindgen's `json_compatible` form, for the shapes this crate has, in less
//! code; maps, tuple variants and struct variants are never written and are refused.

use js_sys::{Array, Object, Reflect};
use serde::ser::{self, Impossible, Serialize};
use std::fmt;
use wasm_bindgen::JsValue;

/// The serializer; every value it writes is a new JS value.
pub struct ToJs;

/// Why a value could not be written.
#[derive(Debug)]
pub struct ToJsError(String);

impl fmt::Display for ToJsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ToJsError {}

impl ser::Error for ToJsError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        ToJsError(message.to_string())
    }
}

type Result<T = JsValue> = std::result::Result<T, ToJsError>;

/// The largest integer a JS number holds exactly.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

fn too_large(value: impl fmt::Display) -> ToJsError {
    ser::Error::custom(format_args!("{value} can't be represented as a JavaScript number"))
}

fn unsupported() -> ToJsError {
    ser::Error::custom("this shape is never written to JS")
}

impl ser::Serializer for ToJs {
    type Ok = JsValue;
    type Error = ToJsError;
    type SerializeSeq = Elements;
    type SerializeTuple = Elements;
    type SerializeTupleStruct = Elements;
    type SerializeTupleVariant = Impossible<JsValue, ToJsError>;
    type SerializeMap = Impossible<JsValue, ToJsError>;
    type SerializeStruct = Fields;
    type SerializeStructVariant = Impossible<JsValue, ToJsError>;

    fn serialize_bool(self, value: bool) -> Result {
        Ok(JsValue::from_bool(value))
    }

    fn serialize_i8(self, value: i8) -> Result {
        self.serialize_f64(value.into())
    }

    fn serialize_i16(self, value: i16) -> Result {
        self.serialize_f64(value.into())
    }

    fn serialize_i32(self, value: i32) -> Result {
        self.serialize_f64(value.into())
    }

    fn serialize_i64(self, value: i64) -> Result {
        if value.unsigned_abs() > MAX_SAFE_INTEGER {
            return Err(too_large(value));
        }
        self.serialize_f64(value as f64)
    }

    fn serialize_u8(self, value: u8) -> Result {
        self.serialize_f64(value.into())
    }

    fn serialize_u16(self, value: u16) -> Result {
        self.serialize_f64(value.into())
    }

    fn serialize_u32(self, value: u32) -> Result {
        self.serialize_f64(value.into())
    }

    fn serialize_u64(self, value: u64) -> Result {
        if value > MAX_SAFE_INTEGER {
            return Err(too_large(value));
        }
        self.serialize_f64(value as f64)
    }

    fn serialize_f32(self, value: f32) -> Result {
        self.serialize_f64(value.into())
    }

    fn serialize_f64(self, value: f64) -> Result {
        Ok(JsValue::from_f64(value))
    }

    fn serialize_char(self, value: char) -> Result {
        self.serialize_str(value.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, value: &str) -> Result {
        Ok(JsValue::from_str(value))
    }

    fn serialize_bytes(self, value: &[u8]) -> Result {
        Ok(js_sys::Uint8Array::from(value).into())
    }

    fn serialize_none(self) -> Result {
        Ok(JsValue::NULL)
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result {
        Ok(JsValue::NULL)
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result {
        Ok(JsValue::NULL)
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result {
        value.serialize(self)
    }

    /// `{"Variant": value}`, as serde_json writes it.
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result {
        let object = Fields(Object::new());
        object.set(variant, value.serialize(self)?);
        Ok(object.0.into())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Elements> {
        Ok(Elements(Array::new()))
    }

    fn serialize_tuple(self, _len: usize) -> Result<Elements> {
        Ok(Elements(Array::new()))
    }

    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Elements> {
        Ok(Elements(Array::new()))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(unsupported())
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap> {
        Err(unsupported())
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Fields> {
        Ok(Fields(Object::new()))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(unsupported())
    }
}

/// A list being written, as a JS array.
pub struct Elements(Array);

impl Elements {
    fn push<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.0.push(&value.serialize(ToJs)?);
        Ok(())
    }
}

impl ser::SerializeSeq for Elements {
    type Ok = JsValue;
    type Error = ToJsError;

    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.push(value)
    }

    fn end(self) -> Result {
        Ok(self.0.into())
    }
}

impl ser::SerializeTuple for Elements {
    type Ok = JsValue;
    type Error = ToJsError;

    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.push(value)
    }

    fn end(self) -> Result {
        Ok(self.0.into())
    }
}

impl ser::SerializeTupleStruct for Elements {
    type Ok = JsValue;
    type Error = ToJsError;

    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.push(value)
    }

    fn end(self) -> Result {
        Ok(self.0.into())
    }
}

/// A struct being written, as a JS object.
pub struct Fields(Object);

impl Fields {
    fn set(&self, key: &str, value: JsValue) {
        let _ = Reflect::set(&self.0, &JsValue::from_str(key), &value);
    }
}

impl ser::SerializeStruct for Fields {
    type Ok = JsValue;
    type Error = ToJsError;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        self.set(key, value.serialize(ToJs)?);
        Ok(())
    }

    fn end(self) -> Result {
        Ok(self.0.into())
    }
}
