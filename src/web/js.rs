//! Small JS helpers: the `LivepeerError` JS sees, setting a key, the clock and a seed.

use crate::error::JobError;
use std::future::Future;
use std::pin::Pin;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    /// `Array.isArray`, which throws for a revoked proxy. Anything JS hands the service
    /// is inspected through calls that catch: an exception thrown through the wasm would
    /// leave the service borrowed for good.
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    pub fn try_is_array(value: &JsValue) -> Result<bool, JsValue>;

    /// `Object.keys`, which runs a proxy's traps.
    #[wasm_bindgen(catch, js_namespace = Object, js_name = keys)]
    pub fn try_keys(object: &JsValue) -> Result<js_sys::Array, JsValue>;

    /// `Object.assign`, which runs the getters of `source`.
    #[wasm_bindgen(catch, js_namespace = Object, js_name = assign)]
    pub fn try_assign(target: &JsValue, source: &JsValue) -> Result<JsValue, JsValue>;
}

/// True when `value` is an array; false when it is not, or cannot be asked.
pub fn is_array(value: &JsValue) -> bool {
    try_is_array(value).unwrap_or(false)
}

/// The message of an exception JS threw, when it is an `Error`.
pub fn thrown_message(exception: &JsValue) -> Option<String> {
    exception.dyn_ref::<js_sys::Error>().map(|error| String::from(error.message()))
}

/// A JS `Error` named `LivepeerError` with the error's `kind`, and its `status`,
/// `field` and `jobId` when known. Never holds the API key or a request body.
pub fn error_to_js(error: &JobError, job_id: Option<&str>) -> JsValue {
    let js_error = js_sys::Error::new(&error.message);
    js_error.set_name("LivepeerError");
    let object: &JsValue = js_error.as_ref();
    set(object, "kind", &JsValue::from_str(error.kind.as_str()));
    if let Some(status) = error.status {
        set(object, "status", &JsValue::from(status));
    }
    if let Some(field) = &error.field {
        set(object, "field", &JsValue::from_str(field));
    }
    if let Some(id) = job_id {
        set(object, "jobId", &JsValue::from_str(id));
    }
    js_error.unchecked_into()
}

/// Sets `object[key] = value`; on a plain object this cannot fail.
pub fn set(object: &JsValue, key: &str, value: &JsValue) {
    let _ = js_sys::Reflect::set(object, &JsValue::from_str(key), value);
}

/// The current time in ms since the Unix epoch.
pub fn now() -> f64 {
    js_sys::Date::now()
}

/// A random `u64` from the browser's `Math.random`, to seed the service's generator.
pub fn random_seed() -> u64 {
    let high = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    let low = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    (high << 32) | low
}

/// A task to run in the background, boxed: the executor's code is then compiled once,
/// not once for each kind of task.
type Task<T> = Pin<Box<dyn Future<Output = T>>>;

/// Runs `task` in the background.
pub fn spawn(task: impl Future<Output = ()> + 'static) {
    wasm_bindgen_futures::spawn_local(Box::pin(task) as Task<()>);
}

/// A promise of what `task` gives.
pub fn promise(task: impl Future<Output = Result<JsValue, JsValue>> + 'static) -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(Box::pin(task) as Task<Result<JsValue, JsValue>>)
}
