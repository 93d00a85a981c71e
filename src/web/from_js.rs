//! Reads JS values into [`Value`]s, which the service's readers then turn into its types.
//!
//! A string, number or boolean becomes its like; `null` and `undefined` become
//! [`Value::Null`]; an array becomes a list and any other object its own string keys and
//! their values. What JSON has no kind for (a `BigInt`, a symbol, a function, a `Blob` or
//! binary data) becomes [`Value::Other`], which a reader refuses by its kind. An object's
//! keys are its own enumerable string keys, as `Object.keys` and JSON see them. Reading
//! never throws: a getter that throws gives [`Value::Other`] for that value, and so does
//! a value nested deeper than [`MAX_DEPTH`] (a cycle, say) or past [`MAX_VALUES`] values
//! in all (an object that holds another many times, or a huge sparse array).

use super::js::{try_is_array, try_keys};
use crate::value::Value;
use js_sys::{ArrayBuffer, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Blob;

/// How deep values nest before the rest is cut.
pub const MAX_DEPTH: u32 = 32;

/// How many values one read takes in all before the rest is cut: far more than any
/// parameters or answer hold, few enough to read in well under a second.
pub const MAX_VALUES: u32 = 200_000;

/// The value `js` holds.
pub fn value_of(js: &JsValue) -> Value {
    let mut left = MAX_VALUES;
    read(js, 0, &mut left)
}

/// Reads `js` at `depth`; `left` is how many more values may be read.
fn read(js: &JsValue, depth: u32, left: &mut u32) -> Value {
    if *left == 0 {
        return Value::Other("a value too large to read");
    }
    *left -= 1;
    if let Some(text) = js.as_string() {
        return Value::Str(text);
    }
    if let Some(number) = js.as_f64() {
        return Value::Num(number);
    }
    if let Some(flag) = js.as_bool() {
        return Value::Bool(flag);
    }
    if js.is_null() || js.is_undefined() {
        return Value::Null;
    }
    if !js.is_object() {
        return Value::Other(if js.is_bigint() { "a BigInt" } else { "a symbol or function" });
    }
    if ArrayBuffer::is_view(js)
        || js.is_instance_of::<ArrayBuffer>()
        || js.is_instance_of::<Blob>()
    {
        return Value::Other("binary data");
    }
    if depth >= MAX_DEPTH {
        return Value::Other("a value nested too deeply");
    }
    let unreadable = Value::Other("a value that could not be read");
    let Ok(array) = try_is_array(js) else { return unreadable };
    if array {
        let length = Reflect::get(js, &"length".into()).ok().and_then(|l| l.as_f64());
        let length = length.unwrap_or_default();
        if length > f64::from(*left) {
            return Value::Other("a list too long to read");
        }
        let mut items = Vec::new();
        for index in 0..length as u32 {
            match Reflect::get_u32(js, index) {
                Ok(item) => items.push(read(&item, depth + 1, left)),
                Err(_) => return unreadable,
            }
        }
        return Value::List(items);
    }
    let Ok(keys) = try_keys(js) else { return unreadable };
    if f64::from(keys.length()) > f64::from(*left) {
        return Value::Other("an object too large to read");
    }
    let mut entries = Vec::new();
    for key in keys.iter() {
        let Some(name) = key.as_string() else { continue };
        match Reflect::get(js, &key) {
            Ok(item) => entries.push((name, read(&item, depth + 1, left))),
            Err(_) => entries.push((name, unreadable.clone())),
        }
    }
    Value::Map(entries)
}

/// Run in the browser (`wasm-pack test --headless --chrome -- --lib`): JS values of every
/// kind, odd ones too, and how [`Decimal`](crate::decimal::Decimal) writes numbers there.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::decimal::Decimal;
    use crate::pipelines::{JobParams, Pipeline};
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    fn of(expression: &str) -> Value {
        let value = js_sys::eval(&format!("({expression})")).expect("a valid JS expression");
        value_of(&value)
    }

    fn text(value: &str) -> Value {
        Value::Str(value.to_string())
    }

    #[wasm_bindgen_test]
    fn js_values_become_json_values() {
        assert_eq!(of("'a'"), text("a"));
        assert_eq!(of("1.5"), Value::Num(1.5));
        assert_eq!(of("true"), Value::Bool(true));
        assert_eq!(of("null"), Value::Null);
        assert_eq!(of("undefined"), Value::Null);
        assert_eq!(of("[1, 'x']"), Value::List(vec![Value::Num(1.0), text("x")]));
        let object = Value::Map(vec![("a".into(), Value::Num(1.0)), ("b".into(), Value::Null)]);
        assert_eq!(of("{a: 1, b: undefined, [Symbol('s')]: 2}"), object);
        assert!(matches!(of("NaN"), Value::Num(n) if n.is_nan()));
        assert_eq!(of("new Set([1])"), Value::Map(Vec::new()));
    }

    #[wasm_bindgen_test]
    fn what_json_cannot_hold_is_named_by_its_kind() {
        assert_eq!(of("42n"), Value::Other("a BigInt"));
        assert_eq!(of("Symbol('s')"), Value::Other("a symbol or function"));
        assert_eq!(of("() => 1"), Value::Other("a symbol or function"));
        assert_eq!(of("new Uint8Array(1e6)"), Value::Other("binary data"));
        assert_eq!(of("new ArrayBuffer(8)"), Value::Other("binary data"));
        assert_eq!(of("new Blob(['x'])"), Value::Other("binary data"));
    }

    #[wasm_bindgen_test]
    fn throwing_getters_and_cycles_do_not_throw() {
        let getter = of("{a: 1, get b() { throw new Error('no') }}");
        let cut = Value::Other("a value that could not be read");
        assert_eq!(getter, Value::Map(vec![("a".into(), Value::Num(1.0)), ("b".into(), cut)]));
        let mut cycle = of("(() => { const o = {}; o.self = o; return o })()");
        for _ in 0..MAX_DEPTH {
            let Value::Map(mut entries) = cycle else { panic!("an object") };
            cycle = entries.remove(0).1;
        }
        assert_eq!(cycle, Value::Other("a value nested too deeply"));
        let proxy = "new Proxy({}, {ownKeys() { throw new Error('no') }})";
        assert_eq!(of(proxy), Value::Other("a value that could not be read"));
        let revoked =
            "(() => { const p = Proxy.revocable([], {}); p.revoke(); return p.proxy })()";
        assert_eq!(of(revoked), Value::Other("a value that could not be read"));
    }

    #[wasm_bindgen_test]
    fn shared_and_huge_values_are_cut_quickly() {
        let fan_out = "(() => { const o = {}; o.a = o; o.b = o; return {x: o} })()";
        let started = js_sys::Date::now();
        let Value::Map(entries) = of(fan_out) else { panic!("an object") };
        assert!(js_sys::Date::now() - started < 10_000.0, "read in well under 10 s");
        assert!(matches!(entries[0].1, Value::Map(_)));
        let sparse = "(() => { const a = []; a.length = 1e8; return a })()";
        assert_eq!(of(sparse), Value::Other("a list too long to read"));
        let hidden = "Object.defineProperty({a: 1}, 'b', {value: 2, enumerable: false})";
        assert_eq!(of(hidden), Value::Map(vec![("a".into(), Value::Num(1.0))]));
    }

    #[wasm_bindgen_test]
    fn odd_params_get_a_plain_reason() {
        let cases = [
            ("{prompt: 7}", "prompt", "must be a string (got 7)"),
            ("{prompt: null}", "prompt", "is required"),
            ("{prompt: 'p', width: -3}", "width", "must be a whole number, 0 or more (got -3)"),
            ("{prompt: 'p', width: '64'}", "width", "(got a text)"),
            ("{prompt: 'p', width: 5000000000}", "width", "(got 5000000000)"),
            ("{prompt: 'p', seed: 1e21}", "seed", "(got 1e+21)"),
            ("{prompt: 'p', seed: 42n}", "seed", "(got a BigInt)"),
            ("{prompt: 'p', loras: new Uint8Array([1])}", "loras", "(got binary data)"),
            ("{prompt: 'p', loras: () => 1}", "loras", "(got a symbol or function)"),
            ("{prompt: 'p', safety_check: 1}", "safety_check", "must be true or false"),
            ("[1, 2]", "params", "must be an object (got a list)"),
        ];
        for (params, field, reason) in cases {
            let error = JobParams::read(Pipeline::TextToImage, &of(params)).unwrap_err();
            assert_eq!(error.field.as_deref(), Some(field), "{params}: {error}");
            assert!(error.message.contains(reason), "{params}: {error}");
        }
    }

    #[wasm_bindgen_test]
    fn decimals_are_written_as_javascript_writes_them() {
        let cases = [
            (0.5, "0.5"),
            (-3.0, "-3"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e21, "1e+21"),
            (1.5e-7, "1.5e-7"),
            (f64::INFINITY, "Infinity"),
            (f64::NAN, "NaN"),
        ];
        for (value, text) in cases {
            assert_eq!(Decimal(value).to_string(), text);
        }
    }
}
