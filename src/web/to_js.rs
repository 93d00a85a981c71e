//! Writes [`Value`]s as plain JS values: objects, arrays, strings, numbers, booleans and
//! `null`; a [`Value::Other`] (never built by the service) as `undefined`.

use crate::value::Value;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::JsValue;

/// The JS value of `value`, new each time.
pub fn js_of(value: &Value) -> JsValue {
    match value {
        Value::Null => JsValue::NULL,
        Value::Bool(flag) => JsValue::from_bool(*flag),
        Value::Num(number) => JsValue::from_f64(*number),
        Value::Str(text) => JsValue::from_str(text),
        Value::List(items) => items.iter().map(js_of).collect::<Array>().into(),
        Value::Map(entries) => {
            let object: JsValue = Object::new().into();
            for (key, item) in entries {
                let _ = Reflect::set(&object, &JsValue::from_str(key), &js_of(item));
            }
            object
        }
        Value::Other(_) => JsValue::UNDEFINED,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::from_js::value_of;
    use wasm_bindgen_test::*;

    #[wasm_bindgen_test]
    fn values_round_trip_through_js() {
        let value = Value::map(vec![
            ("a", Value::from("x")),
            ("b", Value::List(vec![Value::Num(1.5), Value::Bool(false), Value::Null])),
            ("c", Value::map(vec![("d", Value::from(7u64))])),
        ]);
        assert_eq!(value_of(&js_of(&value)), value);
        let text = js_sys::JSON::stringify(&js_of(&value)).unwrap().as_string().unwrap();
        assert_eq!(text, r#"{"a":"x","b":[1.5,false,null],"c":{"d":7}}"#);
    }
}
