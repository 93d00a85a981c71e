//! Turns what JS passes to `run` and `submit` into checked parameters and a request
//! body: the media file is taken out and checked (a `Blob`, `File`, `Uint8Array` or
//! `ArrayBuffer`; not empty; not over the size limit), list fields given as JS arrays
//! become list text, free-form object fields are read with the same limits and passed on,
//! and the rest is read by the pipeline's parameter type, which also refuses unknown keys.
//! Nothing is sent and nothing is registered on an error.

use super::from_js::value_of;
use super::js::{is_array, set, thrown_message, try_assign, try_is_array};
use super::to_js::js_of;
use crate::decimal::Decimal;
use crate::error::JobError;
use crate::pipelines::{request_fields, BodyKind, JobParams, Pipeline};
use crate::value::Value;
use crate::words::clipped;
use js_sys::{Array, ArrayBuffer, Object, Reflect, Uint8Array, JSON};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, File, FormData};

/// A request body, ready to send as often as the retries need.
#[derive(Clone)]
pub enum Body {
    /// A JSON text.
    Json(String),
    /// A multipart form holding the fields and the media file.
    Form(FormData),
}

/// What a job sends, ready for every attempt.
pub struct Input {
    /// What is sent.
    pub body: Body,
    /// True when the answer comes as server-sent events (llm with `stream: true`).
    pub streams: bool,
    /// The stream id of a live-video-to-video job, whose status is polled by it.
    pub stream_id: Option<String>,
}

/// Reads `params` for the `pipeline` job `job_id`; `max_upload` bounds the media file in
/// bytes. A live-video-to-video job without a `stream_id` gets the job id as one, so its
/// status can be asked for.
pub fn read_input(
    pipeline: Pipeline,
    params: &JsValue,
    max_upload: f64,
    job_id: &str,
) -> Result<Input, JobError> {
    if !params.is_object() || try_is_array(params).unwrap_or(true) {
        return Err(JobError::invalid_input("params", "must be an object"));
    }
    // A copy without a prototype: nothing inherited (a polluted Object.prototype, or a
    // "__proto__" key that JSON.parse made) is read as if given, and such a key stays a
    // key, which `JobParams::read` refuses with any other unknown key.
    let bare: Object = Object::create(JsValue::NULL.unchecked_ref::<Object>());
    let fields = try_assign(&bare, params).map_err(|exception| {
        let reason = match thrown_message(&exception) {
            Some(message) => format!("could not be read: {}", clipped(&message, 200)),
            None => "could not be read".to_string(),
        };
        JobError::invalid_input("params", reason)
    })?;

    let media = match pipeline.media_input() {
        Some(field) => Some((field, take_media(&fields, field, max_upload)?)),
        None => None,
    };
    let mut objects = Vec::new();
    for &field in pipeline.object_fields() {
        if let Some(object) = take(&fields, field) {
            // Read like everything else, so a huge, deep or shared object is cut rather
            // than handed to JSON.stringify, and what JSON cannot hold is named.
            let value = value_of(&object);
            if !matches!(value, Value::Map(_)) {
                return Err(JobError::invalid_input(field, "must be an object"));
            }
            if let Some(error) = value.find_other() {
                let error = error.in_field(field);
                let reason = format!("cannot be sent as JSON: it is {}", error.reason);
                return Err(JobError::invalid_input(&error.path, reason));
            }
            objects.push((field, js_of(&value)));
        }
    }
    for &field in pipeline.list_fields() {
        let value = get(&fields, field);
        if is_array(&value) {
            if !holds_only_numbers(&value_of(&value)) {
                return Err(list_error(field));
            }
            let text = JSON::stringify(&value).map_err(|_| list_error(field))?;
            set(&fields, field, &text.into());
        }
    }

    let stream_id = get(&fields, "stream_id");
    if pipeline == Pipeline::LiveVideoToVideo && (stream_id.is_undefined() || stream_id.is_null())
    {
        set(&fields, "stream_id", &JsValue::from_str(job_id));
    }

    let given = value_of(&fields);
    let params = JobParams::read(pipeline, &given)?;
    let stream_id = match &params {
        JobParams::LiveVideoToVideo(live) => live.stream_id.clone(),
        _ => None,
    };
    let sent = js_of(&request_fields(pipeline, &given));
    for (field, object) in &objects {
        set(&sent, field, object);
    }
    let body = match pipeline.body_kind() {
        BodyKind::Json => Body::Json(json_text(&sent)?),
        BodyKind::Multipart => Body::Form(form(&sent, media)?),
    };
    Ok(Input { body, streams: params.streams(), stream_id })
}

fn get(object: &JsValue, field: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(field)).unwrap_or(JsValue::UNDEFINED)
}

/// Removes `field` from `object` and returns its value, if it had one.
fn take(object: &JsValue, field: &str) -> Option<JsValue> {
    let value = get(object, field);
    let _ = Reflect::delete_property(object.unchecked_ref::<Object>(), &JsValue::from_str(field));
    (!value.is_undefined() && !value.is_null()).then_some(value)
}

fn list_error(field: &str) -> JobError {
    JobError::invalid_input(field, "must be a list of finite numbers")
}

/// True for a number, or a list (of lists) of finite numbers only.
fn holds_only_numbers(value: &Value) -> bool {
    match value {
        Value::Num(number) => number.is_finite(),
        Value::List(items) => items.iter().all(holds_only_numbers),
        _ => false,
    }
}

/// A media file and the name it is sent under.
struct Media {
    blob: Blob,
    name: String,
}

fn take_media(fields: &JsValue, field: &str, max_upload: f64) -> Result<Media, JobError> {
    let kind = "a Blob, a File, a Uint8Array or an ArrayBuffer";
    let value = take(fields, field)
        .ok_or_else(|| JobError::invalid_input(field, format!("is required: give {kind}")))?;
    let blob = if let Some(blob) = value.dyn_ref::<Blob>() {
        blob.clone()
    } else if value.is_instance_of::<Uint8Array>() || value.is_instance_of::<ArrayBuffer>() {
        Blob::new_with_u8_array_sequence(&Array::of1(&value))
            .map_err(|_| JobError::invalid_input(field, "could not be read"))?
    } else {
        return Err(JobError::invalid_input(field, format!("must be {kind}")));
    };

    let size = blob.size();
    if size == 0.0 {
        return Err(JobError::invalid_input(field, "is empty"));
    }
    if size > max_upload {
        let (size, limit) = (Decimal(size), Decimal(max_upload));
        let reason = format!("is {size} bytes; the limit is {limit} bytes (maxUploadBytes)");
        return Err(JobError::invalid_input(field, reason));
    }
    let name = match value.dyn_ref::<File>() {
        Some(file) if !file.name().is_empty() => file.name(),
        _ => format!("{field}{}", extension(&blob.type_())),
    };
    Ok(Media { blob, name })
}

/// A file extension for a MIME type, so the gateway can tell the format by the name.
fn extension(mime: &str) -> &'static str {
    match mime {
        "image/png" => ".png",
        "image/jpeg" => ".jpg",
        "image/webp" => ".webp",
        "audio/wav" | "audio/x-wav" | "audio/wave" => ".wav",
        "audio/mpeg" => ".mp3",
        "audio/flac" => ".flac",
        "audio/ogg" => ".ogg",
        _ => "",
    }
}

fn json_text(value: &JsValue) -> Result<String, JobError> {
    JSON::stringify(value)
        .ok()
        .and_then(|text| text.as_string())
        .ok_or_else(|| JobError::invalid_input("params", "cannot be written as JSON"))
}

/// A multipart form of the fields, each as text, plus the media file.
fn form(fields: &JsValue, media: Option<(&str, Media)>) -> Result<FormData, JobError> {
    let broken = || JobError::invalid_input("params", "could not be put in a form");
    let form = FormData::new().map_err(|_| broken())?;
    for entry in Object::entries(fields.unchecked_ref()).iter() {
        let pair: Array = entry.unchecked_into();
        let key = pair.get(0).as_string().unwrap_or_default();
        let value = pair.get(1);
        let text = match value.as_string() {
            Some(text) => text,
            None => json_text(&value)?,
        };
        form.append_with_str(&key, &text).map_err(|_| broken())?;
    }
    if let Some((field, media)) = media {
        form.append_with_blob_and_filename(field, &media.blob, &media.name)
            .map_err(|_| broken())?;
    }
    Ok(form)
}
