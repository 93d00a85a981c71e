//! The JS shapes of what the service reports about a job: its status, its output (with
//! its files) and the result a `run` resolves with.

use super::js::{now, set};
use super::output::output_to_js;
use super::shared::Shared;
use super::to_js::js_of;
use crate::jobs::Job;
use crate::value::Value;
use wasm_bindgen::JsValue;

/// The status of `job` (see `JobStatus` in the typings).
pub fn status_to_js(job: &Job) -> JsValue {
    let mut fields = vec![
        ("jobId", job.id.as_str().into()),
        ("pipeline", job.pipeline.as_str().into()),
        ("state", job.state.as_str().into()),
        ("attempt", f64::from(job.attempt).into()),
        ("createdAt", job.created_at.into()),
        ("updatedAt", job.updated_at.into()),
        ("elapsedMs", job.elapsed_ms(now()).into()),
    ];
    if let Some(retry_at) = job.retry_at {
        fields.push(("retryAt", retry_at.into()));
    }
    if let Some(request_id) = &job.request_id {
        fields.push(("requestId", request_id.as_str().into()));
    }
    if let Some(error) = &job.error {
        fields.push(("error", error.to_value()));
    }
    fields.push(("nodes", job.nodes().collect::<Vec<_>>().into()));
    js_of(&Value::map(fields))
}

/// The output of job `job_id` with its files, or `undefined` when it has none (yet).
pub fn output_of(shared: &Shared, job_id: &str) -> JsValue {
    let registry = shared.registry.borrow();
    match registry.job(job_id).and_then(|job| job.output.as_ref()) {
        Some(output) => {
            let locals = shared.locals.borrow();
            output_to_js(output, locals.get(job_id).map_or(&[][..], |local| &local.media))
        }
        None => {
            let locals = shared.locals.borrow();
            let restored = locals.get(job_id).and_then(|local| local.restored.clone());
            restored.unwrap_or(JsValue::UNDEFINED)
        }
    }
}

/// `{jobId, output}`: what a `run` resolves with.
pub fn result_of(shared: &Shared, job_id: &str) -> JsValue {
    let result: JsValue = js_sys::Object::new().into();
    set(&result, "jobId", &JsValue::from_str(job_id));
    set(&result, "output", &output_of(shared, job_id));
    result
}
