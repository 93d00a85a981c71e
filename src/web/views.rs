//! The JS shapes of what the service reports about a job: its status, its output (with
//! its files) and the result a `run` resolves with.

use super::js::{now, set, to_js};
use super::output::output_to_js;
use super::shared::Shared;
use crate::error::JobError;
use crate::jobs::Job;
use serde::Serialize;
use wasm_bindgen::JsValue;

/// `JobStatus` in the typings.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StatusView<'a> {
    job_id: &'a str,
    pipeline: &'static str,
    state: &'static str,
    attempt: u32,
    created_at: f64,
    updated_at: f64,
    elapsed_ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_at: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a JobError>,
    nodes: Vec<&'a str>,
}

/// The status of `job`.
pub fn status_to_js(job: &Job) -> JsValue {
    to_js(&StatusView {
        job_id: &job.id,
        pipeline: job.pipeline.as_str(),
        state: job.state.as_str(),
        attempt: job.attempt,
        created_at: job.created_at,
        updated_at: job.updated_at,
        elapsed_ms: job.elapsed_ms(now()),
        retry_at: job.retry_at,
        request_id: job.request_id.as_deref(),
        error: job.error.as_ref(),
        nodes: job.nodes().collect(),
    })
}

/// The output of job `job_id` with its files, or `undefined` when it has none (yet).
pub fn output_of(shared: &Shared, job_id: &str) -> JsValue {
    let registry = shared.registry.borrow();
    match registry.job(job_id).and_then(|job| job.output.as_ref()) {
        Some(output) => {
            let media = shared.media.borrow();
            output_to_js(output, media.get(job_id).map_or(&[][..], Vec::as_slice))
        }
        None => shared.restored.borrow().get(job_id).cloned().unwrap_or(JsValue::UNDEFINED),
    }
}

/// `{jobId, output}`: what a `run` resolves with.
pub fn result_of(shared: &Shared, job_id: &str) -> JsValue {
    let result: JsValue = js_sys::Object::new().into();
    set(&result, "jobId", &JsValue::from_str(job_id));
    set(&result, "output", &output_of(shared, job_id));
    result
}
