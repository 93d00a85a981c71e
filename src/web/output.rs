//! Turns a job's output into the JS value the bindings return: the gateway's fields,
//! plus the fetched media as `Blob`s beside their URLs, and masks as typed arrays.

use super::js::set;
use super::to_js::js_of;
use crate::pipelines::{pylist::Array, JobOutput, MasksOutput};
use crate::value::Value;
use js_sys::{Float32Array, Object, Reflect, Uint8Array};
use wasm_bindgen::JsValue;
use web_sys::Blob;

/// The JS shape of `output` (see `JobOutput` in the typings). `blobs` are the fetched
/// media, in the order of [`JobOutput::media_urls`].
pub fn output_to_js(output: &JobOutput, blobs: &[Blob]) -> JsValue {
    if let JobOutput::Masks(masks) = output {
        return masks_to_js(masks);
    }
    let value = js_of(&output.to_value());
    let items = match output {
        JobOutput::Images(_) => Reflect::get(&value, &"images".into()).ok(),
        JobOutput::Video(_) => Reflect::get(&value, &"videos".into()).ok(),
        JobOutput::Audio(_) => {
            let audio = Reflect::get(&value, &"audio".into()).ok();
            audio.map(|audio| js_sys::Array::of1(&audio).into())
        }
        _ => None,
    };
    if let Some(items) = items {
        let items: js_sys::Array = items.into();
        for (item, blob) in items.iter().zip(blobs) {
            set(&item, "blob", blob);
        }
    }
    value
}

fn masks_to_js(masks: &MasksOutput) -> JsValue {
    let value: JsValue = Object::new().into();
    set(&value, "kind", &"masks".into());
    set(&value, "masks", &array_to_js(&masks.masks));
    set(&value, "scores", &array_to_js(&masks.scores));
    set(&value, "logits", &array_to_js(&masks.logits));
    value
}

/// `{shape, data}`: a `Uint8Array` of 0 and 1 for boolean arrays, else a `Float32Array`.
fn array_to_js(array: &Array) -> JsValue {
    let value: JsValue = Object::new().into();
    let shape = array.shape.iter().map(|&length| Value::Num(length as f64)).collect();
    set(&value, "shape", &js_of(&Value::List(shape)));
    let data: JsValue = if array.boolean {
        let bits: Vec<u8> = array.values.iter().map(|&v| u8::from(v != 0.0)).collect();
        Uint8Array::from(bits.as_slice()).into()
    } else {
        Float32Array::from(array.values.as_slice()).into()
    };
    set(&value, "data", &data);
    value
}
