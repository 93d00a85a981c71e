//! `JobService`, the class JavaScript uses: create jobs for nodes, watch them, cancel
//! them, ask whether a node must run again, bring jobs back after a reload. Every method
//! catches bad input and reports it as a `LivepeerError`; none of them panics on
//! anything JS passes.

use super::config::{read_config, read_requeue_policy};
use super::from_js::value_of;
use super::input::read_input;
use super::js::{error_to_js, now, promise, set, spawn};
use super::runner::still_pending;
use super::saved::read_record;
use super::shared::Shared;
use super::tasks::{cancel_switch, reload_error, resume_job, run_job};
use super::views::{output_of, result_of, status_to_js};
use crate::error::JobError;
use crate::jobs::{new_job_id, JobState};
use crate::pipelines::{Pipeline, MAX_KEY_CHARS};
use crate::value::Value;
use crate::words::clipped;
use futures_channel::oneshot;
use gloo_timers::callback::Interval;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;

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
    /// field when the configuration is wrong. With `persist`, the database opens in the
    /// background; call `restore()` to bring back the jobs of an earlier page.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "ServiceConfig")] config: JsValue,
    ) -> Result<JobService, JsValue> {
        let (shared, settings) = read_config(&config).map_err(|e| error_to_js(&e, None))?;
        let shared = Rc::new(shared);
        *shared.this.borrow_mut() = Rc::downgrade(&shared);
        if let Some(store) = shared.store.clone() {
            spawn(async move { store.open().await });
        }
        let every = settings.sweep_every_ms;
        let sweeper = (every > 0.0).then(|| sweeper(&shared, every, settings.max_age_ms));
        Ok(JobService {
            shared,
            max_age_ms: settings.max_age_ms,
            max_upload_bytes: settings.max_upload_bytes,
            _sweeper: sweeper,
        })
    }

    /// Runs a job and resolves with `{jobId, output}` once it completes; the output then
    /// counts as delivered. Rejects with a `LivepeerError` on bad input (nothing is sent),
    /// when the job fails, or when it is cancelled.
    #[wasm_bindgen(skip_typescript)]
    pub fn run(&self, pipeline: JsValue, params: JsValue, options: JsValue) -> js_sys::Promise {
        let (job_id, pipeline, cancel) = match self.start(pipeline, params, options) {
            Ok(started) => started,
            Err(error) => return js_sys::Promise::reject(&error_to_js(&error, None)),
        };
        let shared = Rc::clone(&self.shared);
        let Some(input) = shared.input(&job_id) else {
            let error = JobError::invalid_input("params", "were lost before the job started");
            return js_sys::Promise::reject(&error_to_js(&error, Some(&job_id)));
        };
        promise(async move {
            let run = run_job(Rc::clone(&shared), job_id.clone(), pipeline, input, cancel);
            match run.await {
                Ok(_) => {
                    let _ = shared.apply(|registry| registry.deliver(&job_id, now()));
                    Ok(result_of(&shared, &job_id))
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
        let (job_id, pipeline, cancel) =
            self.start(pipeline, params, options).map_err(|e| error_to_js(&e, None))?;
        self.spawn(&job_id, pipeline, cancel);
        Ok(job_id)
    }

    /// Sends an interrupted job again (one whose request a page reload cut), with the
    /// same parameters and files. Throws a `LivepeerError` when the job is unknown, not
    /// interrupted, or its parameters were not kept.
    pub fn resubmit(&self, job_id: &str) -> Result<(), JsValue> {
        let refuse = |reason: &str| error_to_js(&JobError::invalid_input("jobId", reason), None);
        let Some(job) = self.shared.registry.borrow().job(job_id).map(|job| job.pipeline) else {
            return Err(refuse("no job has this id"));
        };
        if self.shared.state(job_id) != Some(JobState::Interrupted) {
            return Err(refuse("only an interrupted job can be submitted again"));
        }
        if self.shared.input(job_id).is_none() {
            return Err(refuse("its parameters were not kept, so it cannot be sent again"));
        }
        let queued =
            self.shared.apply(|registry| registry.transition(job_id, JobState::Queued, now()));
        if queued.is_err() {
            return Err(refuse("it cannot be queued again"));
        }
        let cancel = cancel_switch(&self.shared, job_id);
        self.spawn(job_id, job, cancel);
        Ok(())
    }

    /// Brings back the jobs saved by an earlier page (with `persist`): finished results
    /// with their files, async jobs polled again by their request id, and jobs whose
    /// request the reload cut as `interrupted` (see `resubmit`). Resolves with
    /// `{restored, resumed, interrupted}` counts; never rejects: without storage it
    /// restores nothing.
    #[wasm_bindgen(unchecked_return_type = "Promise<RestoreSummary>")]
    pub fn restore(&self) -> js_sys::Promise {
        let shared = Rc::clone(&self.shared);
        promise(async move { Ok(restore(&shared).await) })
    }

    /// Changes the rules of automatic requeues (`RequeuePolicy` options; those not given
    /// keep their defaults). Throws a `LivepeerError` naming a bad option.
    #[wasm_bindgen(js_name = setAutoRequeue)]
    pub fn set_auto_requeue(
        &self,
        #[wasm_bindgen(unchecked_param_type = "RequeuePolicy")] options: JsValue,
    ) -> Result<(), JsValue> {
        let policy = read_requeue_policy(&options).map_err(|e| error_to_js(&e, None))?;
        self.shared.requeue.borrow_mut().set_policy(policy);
        if !self.shared.requeue.borrow().policy().enabled {
            self.shared.requeue_timer.borrow_mut().take();
        }
        Ok(())
    }

    /// Tells the service the user started a run: automatic requeues may follow it again.
    #[wasm_bindgen(js_name = beginRun)]
    pub fn begin_run(&self) {
        self.shared.requeue.borrow_mut().begin_run();
    }

    /// Tells the service the user interrupted the queue: no automatic requeue until the
    /// next run they start; a requeue that was due is dropped.
    #[wasm_bindgen(js_name = stopRequeue)]
    pub fn stop_requeue(&self) {
        self.shared.requeue.borrow_mut().stop();
        self.shared.requeue_timer.borrow_mut().take();
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
        output_of(&self.shared, job_id)
    }

    /// Marks a completed job's output as handed to its node. False if it was not
    /// completed.
    pub fn deliver(&self, job_id: &str) -> bool {
        let completed = self.shared.state(job_id) == Some(JobState::Completed);
        completed && self.shared.apply(|registry| registry.deliver(job_id, now())).is_ok()
    }

    /// Calls `listener` with a `JobEvent` on every state change, retry, streamed token
    /// and live status of every job. Returns the id to pass to `unsubscribe`.
    pub fn subscribe(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(event: JobEvent) => void")] listener: JsValue,
    ) -> Result<u32, JsValue> {
        let Some(listener) = listener.dyn_ref::<js_sys::Function>() else {
            let error = JobError::invalid_input("listener", "must be a function");
            return Err(error_to_js(&error, None));
        };
        Ok(self.shared.events.subscribe(listener.clone()))
    }

    /// Stops a listener. False if the id was unknown.
    pub fn unsubscribe(&self, subscription: u32) -> bool {
        self.shared.events.unsubscribe(subscription)
    }

    /// Cancels a pending job at once: its request is aborted, a pending wait ends, and no
    /// request follows. For a live-video-to-video job that already started, stops
    /// watching its stream. False if there was nothing to stop.
    pub fn cancel(&self, job_id: &str) -> bool {
        if self.shared.end(job_id, JobError::cancelled()) {
            return true;
        }
        let monitor = self.shared.local(job_id).monitor.take();
        monitor.is_some_and(|switch| switch.send(()).is_ok())
    }

    /// Forgets a node: its job no longer counts it as a user (the job keeps running and
    /// is swept once finished and unused). Returns the id of the job it used.
    #[wasm_bindgen(js_name = removeNode)]
    pub fn remove_node(&self, node_id: &str) -> Option<String> {
        let released = self.shared.registry.borrow_mut().release_node(node_id);
        if let Some(job_id) = &released {
            self.shared.save(job_id);
        }
        released
    }

    /// Makes a node use a job (a node holds one job; its previous one is released and
    /// its id returned). Throws a `LivepeerError` if the job is unknown.
    #[wasm_bindgen(js_name = attachNode)]
    pub fn attach_node(&self, node_id: &str, job_id: &str) -> Result<Option<String>, JsValue> {
        let attached = self.shared.registry.borrow_mut().attach(node_id, job_id);
        let released = attached.map_err(|_| {
            let error = JobError::invalid_input(
                "jobId",
                format!("no job has the id \"{}\"", clipped(job_id, MAX_KEY_CHARS)),
            );
            error_to_js(&error, None)
        })?;
        self.shared.save(job_id);
        if let Some(old) = &released {
            self.shared.save(old);
        }
        Ok(released)
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

    /// The most requests that were ever in flight to the gateway at once.
    #[wasm_bindgen(getter, js_name = peakInFlight)]
    pub fn peak_in_flight(&self) -> u32 {
        self.shared.slots.peak() as u32
    }
}

impl JobService {
    /// Checks the input and registers a queued job for it, attached to the node if one
    /// was named; its input is kept until it completes. Nothing is registered or sent
    /// when the input is wrong.
    fn start(
        &self,
        pipeline: JsValue,
        params: JsValue,
        options: JsValue,
    ) -> Result<(String, Pipeline, oneshot::Receiver<()>), JobError> {
        let pipeline = read_pipeline(&pipeline)?;
        let node_id = read_node_id(&options)?;
        let job_id = loop {
            let id = new_job_id(self.shared.rng.borrow_mut().u64(..));
            if self.shared.registry.borrow().job(&id).is_none() {
                break id;
            }
        };
        let input = read_input(pipeline, &params, self.max_upload_bytes, &job_id)?;

        self.shared.local(&job_id).input = Some(Rc::new(input));
        if let Some(node) = &node_id {
            let registered = self.shared.registry.borrow_mut().register(&job_id, pipeline, now());
            let _ = self.shared.registry.borrow_mut().attach(node, &job_id);
            if let Ok(transition) = registered {
                self.shared.save(&job_id);
                self.shared.events.state(&transition);
            }
        } else {
            let _ = self.shared.apply(|registry| registry.register(&job_id, pipeline, now()));
        }
        if self.shared.registry.borrow().job(&job_id).is_none() {
            self.shared.locals.borrow_mut().remove(&job_id);
            return Err(JobError::invalid_input("jobId", "could not register the job"));
        }
        Ok((job_id.clone(), pipeline, cancel_switch(&self.shared, &job_id)))
    }

    /// Runs a registered job in the background.
    fn spawn(&self, job_id: &str, pipeline: Pipeline, cancel: oneshot::Receiver<()>) {
        let shared = Rc::clone(&self.shared);
        let Some(input) = shared.input(job_id) else { return };
        let job_id = job_id.to_string();
        spawn(async move {
            let _ = run_job(shared, job_id, pipeline, input, cancel).await;
        });
    }
}

impl Drop for JobService {
    /// Ends every pending job, which aborts its request and clears its timers, and stops
    /// every live stream watch.
    fn drop(&mut self) {
        let job_ids: Vec<String> = self.shared.locals.borrow().keys().cloned().collect();
        for job_id in job_ids {
            self.shared.end(&job_id, JobError::cancelled());
            self.shared.local(&job_id).monitor = None;
        }
    }
}

/// Brings back saved jobs; see [`JobService::restore`].
async fn restore(shared: &Rc<Shared>) -> JsValue {
    let (mut restored, mut resumed, mut interrupted) = (0u32, 0u32, 0u32);
    if let Some(store) = &shared.store {
        store.open().await;
        for record in store.load().await {
            let Some(saved) = read_record(&record) else { continue };
            let (job_id, pipeline) = (saved.job.id.clone(), saved.job.pipeline);
            if shared.registry.borrow().job(&job_id).is_some() {
                continue;
            }
            let change = shared.registry.borrow_mut().restore(saved.job, reload_error(), now());
            let Ok(change) = change else { continue };
            restored += 1;
            if let Some(output) = saved.output {
                shared.local(&job_id).restored = Some(output);
            }
            if let Some(input) = saved.input {
                shared.local(&job_id).input = Some(Rc::new(input));
            }
            if let Some(transition) = change {
                interrupted += 1;
                shared.save(&job_id);
                shared.events.state(&transition);
            } else if still_pending(shared, &job_id) {
                let request_id =
                    shared.registry.borrow().job(&job_id).and_then(|j| j.request_id.clone());
                if let Some(request_id) = request_id {
                    resumed += 1;
                    let cancel = cancel_switch(shared, &job_id);
                    let task = resume_job(Rc::clone(shared), job_id, pipeline, request_id, cancel);
                    spawn(async move {
                        let _ = task.await;
                    });
                }
            }
        }
    }
    let summary: JsValue = js_sys::Object::new().into();
    set(&summary, "restored", &restored.into());
    set(&summary, "resumed", &resumed.into());
    set(&summary, "interrupted", &interrupted.into());
    summary
}

fn read_pipeline(pipeline: &JsValue) -> Result<Pipeline, JobError> {
    let Some(name) = pipeline.as_string() else {
        let reason = "must be a pipeline name such as \"text-to-image\"";
        return Err(JobError::invalid_input("pipeline", reason));
    };
    Pipeline::from_name(&name).ok_or_else(|| {
        JobError::invalid_input(
            "pipeline",
            format!("\"{}\" is not a pipeline this service runs", clipped(&name, MAX_KEY_CHARS)),
        )
    })
}

/// `options.nodeId`, as a string; ComfyUI's numeric node ids are accepted too. The
/// options may be absent; a key other than `nodeId` is refused.
fn read_node_id(options: &JsValue) -> Result<Option<String>, JobError> {
    let options = value_of(options);
    if options == Value::Null {
        return Ok(None);
    }
    let fields = options.fields();
    if let Some(error) = fields.error() {
        return Err(JobError::invalid_input("options", &error.reason));
    }
    if let Some(key) = fields.stranger(&["nodeId"]) {
        let field = format!("options.{}", clipped(key, MAX_KEY_CHARS));
        return Err(JobError::invalid_input(&field, "is not an option; use nodeId"));
    }
    match fields.get("nodeId") {
        None => Ok(None),
        Some(Value::Str(text)) => Ok(Some(text.clone())),
        Some(&Value::Num(number)) if number.is_finite() && number.fract() == 0.0 => {
            Ok(Some(format!("{}", number as i64)))
        }
        Some(_) => {
            Err(JobError::invalid_input("options.nodeId", "must be a string or an integer"))
        }
    }
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
