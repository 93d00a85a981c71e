//! The saved form of a job, as IndexedDB holds it: its state and times, its error, the
//! nodes that use it, its output with the files (once it has one), and, until it
//! completes, what it sends, so a request cut by a reload can be sent again. Never the
//! API key: that travels in a header, never in a job.

use super::input::{Body, Input};
use super::js::set;
use super::output::output_to_js;
use super::shared::Shared;
use super::to_js::js_of;
use crate::error::{ErrorKind, JobError};
use crate::jobs::{JobState, SavedJob};
use crate::pipelines::Pipeline;
use crate::value::Value;
use js_sys::{Array, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, File, FormData};

/// The saved record of job `job_id`, or `None` if there is no such job.
pub fn record_of(shared: &Shared, job_id: &str) -> Option<JsValue> {
    let registry = shared.registry.borrow();
    let job = registry.job(job_id)?;
    let record: JsValue = js_sys::Object::new().into();
    set(&record, "id", &job.id.as_str().into());
    set(&record, "pipeline", &job.pipeline.as_str().into());
    set(&record, "state", &job.state.as_str().into());
    set(&record, "attempt", &job.attempt.into());
    set(&record, "createdAt", &job.created_at.into());
    set(&record, "updatedAt", &job.updated_at.into());
    if let Some(request_id) = &job.request_id {
        set(&record, "requestId", &request_id.as_str().into());
    }
    if let Some(error) = &job.error {
        set(&record, "error", &js_of(&error.to_value()));
    }
    set(&record, "nodes", &js_of(&Value::from(job.nodes().collect::<Vec<_>>())));

    let locals = shared.locals.borrow();
    let local = locals.get(job_id);
    let output = match &job.output {
        Some(output) => Some(output_to_js(output, local.map_or(&[][..], |l| &l.media))),
        None => local.and_then(|local| local.restored.clone()),
    };
    if let Some(output) = output {
        set(&record, "output", &output);
    }
    if let Some(input) = local.and_then(|local| local.input.as_ref()) {
        set(&record, "input", &input_to_js(input));
    }
    Some(record)
}

/// A job read back from its saved record: the job, its output, and what it sends.
pub struct Restored {
    /// The job.
    pub job: SavedJob,
    /// Its output, as saved.
    pub output: Option<JsValue>,
    /// What it sends, if it had not completed.
    pub input: Option<Input>,
}

/// Reads a saved record; `None` for a record this version cannot read.
pub fn read_record(record: &JsValue) -> Option<Restored> {
    let text = |key: &str| get(record, key).as_string();
    let number = |key: &str| get(record, key).as_f64();
    let job = SavedJob {
        id: text("id")?,
        pipeline: Pipeline::from_name(&text("pipeline")?)?,
        state: JobState::from_name(&text("state")?)?,
        attempt: number("attempt").unwrap_or(0.0) as u32,
        created_at: number("createdAt")?,
        updated_at: number("updatedAt")?,
        request_id: text("requestId"),
        error: read_error(&get(record, "error")),
        nodes: Array::from(&get(record, "nodes")).iter().filter_map(|n| n.as_string()).collect(),
    };
    let output = Some(get(record, "output")).filter(|o| o.is_object());
    let input = read_input(&get(record, "input"));
    Some(Restored { job, output, input })
}

fn get(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

fn read_error(value: &JsValue) -> Option<JobError> {
    let kind = ErrorKind::from_name(&get(value, "kind").as_string()?)?;
    let mut error = JobError::new(kind, get(value, "message").as_string()?);
    error.status = get(value, "status").as_f64().map(|s| s as u16);
    error.field = get(value, "field").as_string();
    Some(error)
}

/// `{json, streams, streamId}` or `{form: [[name, value]…], …}`: a form's files stay
/// `File`s, which IndexedDB stores as they are.
fn input_to_js(input: &Input) -> JsValue {
    let value: JsValue = js_sys::Object::new().into();
    match &input.body {
        Body::Json(text) => set(&value, "json", &text.as_str().into()),
        Body::Form(form) => set(&value, "form", &Array::from(form).into()),
    }
    set(&value, "streams", &input.streams.into());
    if let Some(stream_id) = &input.stream_id {
        set(&value, "streamId", &stream_id.as_str().into());
    }
    value
}

fn read_input(value: &JsValue) -> Option<Input> {
    if !value.is_object() {
        return None;
    }
    let body = match get(value, "json").as_string() {
        Some(text) => Body::Json(text),
        None => Body::Form(read_form(&get(value, "form"))?),
    };
    let streams = get(value, "streams").as_bool().unwrap_or(false);
    Some(Input { body, streams, stream_id: get(value, "streamId").as_string() })
}

fn read_form(entries: &JsValue) -> Option<FormData> {
    if !Array::is_array(entries) {
        return None;
    }
    let form = FormData::new().ok()?;
    for entry in Array::from(entries).iter() {
        let pair = Array::from(&entry);
        let name = pair.get(0).as_string()?;
        let value = pair.get(1);
        if let Some(file) = value.dyn_ref::<File>() {
            form.append_with_blob_and_filename(&name, file, &file.name()).ok()?;
        } else if let Some(blob) = value.dyn_ref::<Blob>() {
            form.append_with_blob(&name, blob).ok()?;
        } else {
            form.append_with_str(&name, &value.as_string()?).ok()?;
        }
    }
    Some(form)
}
