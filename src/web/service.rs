//! `JobService`, the class JavaScript uses: create jobs for nodes, watch them, cancel
//! them, ask whether a node must run again. Every method catches bad input and reports
//! it as a `LivepeerError`; none of them panics on anything JS passes.

use super::attempt::Gateway;
use super::events::Events;
use super::input::{read_input, Input};
use super::js::{error_to_js, now, random_seed, set, to_js};
use super::output::output_to_js;
use super::runner::{drive, Shared};
use crate::error::JobError;
use crate::jobs::{new_job_id, Job, DEFAULT_MAX_AGE_MS};
use crate::pipelines::{JobOutput, Pipeline};
use crate::requester::RetryPolicy;
use futures_channel::oneshot;
use gloo_timers::callback::Interval;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;

/// How often finished, unused jobs are swept by default: every minute.
const DEFAULT_SWEEP_INTERVAL_MS: f64 = 60_000.0;
/// The largest media file sent by default: 10 MiB, the hosted gateway's limit.
const DEFAULT_MAX_UPLOAD_BYTES: f64 = 10.0 * 1024.0 * 1024.0;

/// The service's configuration, as JS passes it (see `ServiceConfig` in the typings).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Config {
    gateway_url: String,
    #[serde(default)]
    api_key: Option<String>,
    #[serde(default)]
    retry: RetryPolicy,
    #[serde(default)]
    max_age_ms: Option<f64>,
    #[serde(default)]
    sweep_interval_ms: Option<f64>,
    #[serde(default)]
    max_upload_bytes: Option<f64>,
    #[serde(default)]
    debug: bool,
    #[serde(default)]
    seed: Option<u64>,
}

/// The Livepeer job service: one registry of jobs, run against one gateway.
#[wasm_bindgen]
pub struct JobService {
    shared: Rc<Shared>,
    max_age_ms: f64,
    max_upload_bytes: f64,
    _sweeper: Option<Interval>,
}

#[wasm_bindgen]
impl JobService {
    /// Creates a service from a `ServiceConfig`. Throws a `LivepeerError` naming the
    /// field when the configuration is wrong.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "ServiceConfig")] config: JsValue,
    ) -> Result<JobService, JsValue> {
        let config = read_config(config).map_err(|e| error_to_js(&e, None))?;
        config.retry.validate().map_err(|e| error_to_js(&e, None))?;
        let max_age_ms = config.max_age_ms.unwrap_or(DEFAULT_MAX_AGE_MS);
        let sweep_every = config.sweep_interval_ms.unwrap_or(DEFAULT_SWEEP_INTERVAL_MS);
        let max_upload_bytes = config.max_upload_bytes.unwrap_or(DEFAULT_MAX_UPLOAD_BYTES);
        for (field, value) in [
            ("maxAgeMs", max_age_ms),
            ("sweepIntervalMs", sweep_every),
            ("maxUploadBytes", max_upload_bytes),
        ] {
            if !(value.is_finite() && value >= 0.0) {
                let error = JobError::invalid_input(field, "must be a number of ms, 0 or more");
                return Err(error_to_js(&error, None));
            }
        }
        let gateway = Gateway::new(&config.gateway_url, config.api_key)
            .map_err(|e| error_to_js(&e, None))?;

        let shared = Rc::new(Shared {
            registry: RefCell::default(),
            gateway,
            policy: config.retry,
            rng: RefCell::new(fastrand::Rng::with_seed(config.seed.unwrap_or_else(random_seed))),
            events: Events::new(config.debug),
            cancels: RefCell::new(HashMap::new()),
            media: RefCell::new(HashMap::new()),
        });
        let sweeper = (sweep_every > 0.0).then(|| sweeper(&shared, sweep_every, max_age_ms));
        Ok(JobService { shared, max_age_ms, max_upload_bytes, _sweeper: sweeper })
    }

    /// Runs a job and resolves with `{jobId, output}` once it completes; the output then
    /// counts as delivered. Rejects with a `LivepeerError` on bad input (nothing is sent),
    /// when the job fails, or when it is cancelled.
    #[wasm_bindgen(skip_typescript)]
    pub fn run(&self, pipeline: JsValue, params: JsValue, options: JsValue) -> js_sys::Promise {
        let (job_id, pipeline, input, cancel) = match self.start(pipeline, params, options) {
            Ok(started) => started,
            Err(error) => return js_sys::Promise::reject(&error_to_js(&error, None)),
        };
        let shared = Rc::clone(&self.shared);
        wasm_bindgen_futures::future_to_promise(async move {
            match drive(&shared, &job_id, pipeline, &input, cancel).await {
                Ok(output) => {
                    let _ = shared.apply(|registry| registry.deliver(&job_id, now()));
                    Ok(result_to_js(&shared, &job_id, &output))
                }
                Err(error) => Err(error_to_js(&error, Some(&job_id))),
            }
        })
    }

    /// Starts a job in the background and returns its id at once. Its result waits in
    /// the service (state `completed`) until `deliver` is called. Throws a
    /// `LivepeerError` on bad input; nothing is sent then.
    #[wasm_bindgen(skip_typescript)]
    pub fn submit(
        &self,
        pipeline: JsValue,
        params: JsValue,
        options: JsValue,
    ) -> Result<String, JsValue> {
        let (job_id, pipeline, input, cancel) =
            self.start(pipeline, params, options).map_err(|e| error_to_js(&e, None))?;
        let shared = Rc::clone(&self.shared);
        let id = job_id.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let _ = drive(&shared, &id, pipeline, &input, cancel).await;
        });
        Ok(job_id)
    }

    /// The status of a job, or `undefined` if no job has this id.
    #[wasm_bindgen(unchecked_return_type = "JobStatus | undefined")]
    pub fn status(&self, job_id: &str) -> JsValue {
        let registry = self.shared.registry.borrow();
        registry.job(job_id).map_or(JsValue::UNDEFINED, status_to_js)
    }

    /// The status of the job a node uses, found in O(1), or `undefined`.
    #[wasm_bindgen(js_name = nodeStatus, unchecked_return_type = "JobStatus | undefined")]
    pub fn node_status(&self, node_id: &str) -> JsValue {
        let registry = self.shared.registry.borrow();
        registry.job_of_node(node_id).map_or(JsValue::UNDEFINED, status_to_js)
    }

    /// The output of a completed or delivered job, with its media as `Blob`s, or
    /// `undefined`.
    #[wasm_bindgen(unchecked_return_type = "JobOutput | undefined")]
    pub fn output(&self, job_id: &str) -> JsValue {
        let registry = self.shared.registry.borrow();
        let output = registry.job(job_id).and_then(|job| job.output.as_ref());
        output.map_or(JsValue::UNDEFINED, |output| output_js(&self.shared, job_id, output))
    }

    /// Marks a completed job's output as handed to its node. False if it was not
    /// completed.
    pub fn deliver(&self, job_id: &str) -> bool {
        let completed = self.shared.state(job_id) == Some(crate::jobs::JobState::Completed);
        completed && self.shared.apply(|registry| registry.deliver(job_id, now())).is_ok()
    }

    /// Calls `listener` with a `JobEvent` on every state change of every job. Returns
    /// the id to pass to `unsubscribe`.
    pub fn subscribe(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(event: JobEvent) => void")]
        listener: js_sys::Function,
    ) -> u32 {
        self.shared.events.subscribe(listener)
    }

    /// Stops a listener. False if the id was unknown.
    pub fn unsubscribe(&self, subscription: u32) -> bool {
        self.shared.events.unsubscribe(subscription)
    }

    /// Cancels a pending job at once: its request is aborted, a pending retry wait ends,
    /// and no request follows. False if the job is unknown or already ended.
    pub fn cancel(&self, job_id: &str) -> bool {
        self.shared.end(job_id, JobError::cancelled())
    }

    /// Forgets a node: its job no longer counts it as a user (the job keeps running and
    /// is swept once finished and unused). Returns the id of the job it used.
    #[wasm_bindgen(js_name = removeNode)]
    pub fn remove_node(&self, node_id: &str) -> Option<String> {
        self.shared.registry.borrow_mut().release_node(node_id)
    }

    /// Makes a node use a job (a node holds one job; its previous one is released and
    /// its id returned). Throws a `LivepeerError` if the job is unknown.
    #[wasm_bindgen(js_name = attachNode)]
    pub fn attach_node(&self, node_id: &str, job_id: &str) -> Result<Option<String>, JsValue> {
        let attached = self.shared.registry.borrow_mut().attach(node_id, job_id);
        attached.map_err(|_| {
            let error = JobError::invalid_input("jobId", format!("no job has the id {job_id:?}"));
            error_to_js(&error, None)
        })
    }

    /// ComfyUI's IS_CHANGED for a node: a new token on every call while its job is
    /// pending, the job id once it has ended, `""` for a node without a job.
    #[wasm_bindgen(js_name = isChanged)]
    pub fn is_changed(&self, node_id: &str) -> String {
        self.shared.registry.borrow_mut().is_changed(node_id)
    }

    /// Removes finished jobs that no node uses and that are older than `maxAgeMs`, now.
    /// (This also runs every `sweepIntervalMs`.) Returns how many were removed.
    pub fn sweep(&self) -> u32 {
        self.shared.sweep(self.max_age_ms) as u32
    }

    /// How many jobs the service holds.
    #[wasm_bindgen(getter, js_name = jobCount)]
    pub fn job_count(&self) -> u32 {
        self.shared.registry.borrow().len() as u32
    }
}

impl JobService {
    /// Checks the input and registers a queued job for it, attached to the node if one
    /// was named. Nothing is registered or sent when the input is wrong.
    fn start(
        &self,
        pipeline: JsValue,
        params: JsValue,
        options: JsValue,
    ) -> Result<(String, Pipeline, Input, oneshot::Receiver<()>), JobError> {
        let pipeline = read_pipeline(&pipeline)?;
        let node_id = read_node_id(&options)?;
        let input = read_input(pipeline, &params, self.max_upload_bytes)?;

        let job_id = loop {
            let id = new_job_id(self.shared.rng.borrow_mut().u64(..));
            if self.shared.registry.borrow().job(&id).is_none() {
                break id;
            }
        };
        let (switch, cancel) = oneshot::channel();
        self.shared.cancels.borrow_mut().insert(job_id.clone(), switch);
        let registered = self.shared.apply(|registry| registry.register(&job_id, pipeline, now()));
        if registered.is_err() {
            return Err(JobError::invalid_input("jobId", "could not register the job"));
        }
        if let Some(node) = node_id {
            let _ = self.shared.registry.borrow_mut().attach(&node, &job_id);
        }
        Ok((job_id, pipeline, input, cancel))
    }
}

impl Drop for JobService {
    /// Ends every pending job, which aborts its request and clears its timers.
    fn drop(&mut self) {
        let cancels: Vec<String> = self.shared.cancels.borrow().keys().cloned().collect();
        for job_id in cancels {
            self.shared.end(&job_id, JobError::cancelled());
        }
    }
}

fn read_config(config: JsValue) -> Result<Config, JobError> {
    serde_path_to_error::deserialize(serde_wasm_bindgen::Deserializer::from(config)).map_err(
        |error| {
            let field = error.path().to_string();
            if field == "apiKey" {
                return JobError::invalid_input("apiKey", "must be a string");
            }
            let field = if field == "." { "config".to_string() } else { field };
            JobError::invalid_input(&field, error.into_inner())
        },
    )
}

fn read_pipeline(pipeline: &JsValue) -> Result<Pipeline, JobError> {
    let name = pipeline.as_string().unwrap_or_default();
    Pipeline::from_name(&name).ok_or_else(|| {
        JobError::invalid_input(
            "pipeline",
            format!("{name:?} is not a pipeline this service runs"),
        )
    })
}

/// `options.nodeId`, as a string; ComfyUI's numeric node ids are accepted too.
fn read_node_id(options: &JsValue) -> Result<Option<String>, JobError> {
    if options.is_undefined() || options.is_null() {
        return Ok(None);
    }
    let value = js_sys::Reflect::get(options, &JsValue::from_str("nodeId"))
        .map_err(|_| JobError::invalid_input("options", "must be an object"))?;
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    if let Some(text) = value.as_string() {
        return Ok(Some(text));
    }
    match value.as_f64() {
        Some(number) if number.is_finite() && number.fract() == 0.0 => {
            Ok(Some(format!("{}", number as i64)))
        }
        _ => Err(JobError::invalid_input("options.nodeId", "must be a string or an integer")),
    }
}

/// The JS shape of a `JobStatus`.
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
    error: Option<&'a JobError>,
    nodes: Vec<&'a str>,
}

fn status_to_js(job: &Job) -> JsValue {
    to_js(&StatusView {
        job_id: &job.id,
        pipeline: job.pipeline.as_str(),
        state: job.state.as_str(),
        attempt: job.attempt,
        created_at: job.created_at,
        updated_at: job.updated_at,
        elapsed_ms: job.elapsed_ms(now()),
        retry_at: job.retry_at,
        error: job.error.as_ref(),
        nodes: job.nodes().collect(),
    })
}

fn output_js(shared: &Shared, job_id: &str, output: &JobOutput) -> JsValue {
    let media = shared.media.borrow();
    output_to_js(output, media.get(job_id).map_or(&[][..], Vec::as_slice))
}

fn result_to_js(shared: &Shared, job_id: &str, output: &JobOutput) -> JsValue {
    let result = js_sys::Object::new();
    set(&result, "jobId", &JsValue::from_str(job_id));
    set(&result, "output", &output_js(shared, job_id, output));
    result.into()
}

/// A timer that sweeps the service's old jobs; it holds the service weakly and stops
/// when dropped.
fn sweeper(shared: &Rc<Shared>, every_ms: f64, max_age_ms: f64) -> Interval {
    let weak: Weak<Shared> = Rc::downgrade(shared);
    let every = every_ms.min(i32::MAX as f64) as u32;
    Interval::new(every, move || {
        if let Some(shared) = weak.upgrade() {
            shared.sweep(max_age_ms);
        }
    })
}
