//! Who hears about jobs: the listeners JS subscribed, and, with `debug` on, one console
//! line per state change (job id, pipeline, state, attempt, elapsed ms; never the key,
//! never a request body).
//!
//! Five kinds of event, told apart by `type`: `state` (one per transition), `retry`
//! (a failed attempt will be retried after a wait), `token` (a piece of a streamed llm
//! answer), `live` (the status of a live video stream, until it ends) and `requeue`
//! (the graph must be queued again for jobs that completed).

use super::js::{now, set};
use super::to_js::js_of;
use crate::decimal::Decimal;
use crate::error::JobError;
use crate::jobs::Transition;
use crate::pipelines::Pipeline;
use crate::value::Value;
use std::cell::{Cell, RefCell};
use wasm_bindgen::JsValue;

/// The subscribed listeners and the debug switch.
#[derive(Default)]
pub struct Events {
    listeners: RefCell<Vec<(u32, js_sys::Function)>>,
    next_id: Cell<u32>,
    debug: bool,
}

impl Events {
    /// No listeners yet; `debug` turns the console log on.
    pub fn new(debug: bool) -> Self {
        Events { debug, ..Events::default() }
    }

    /// Adds a listener and returns the id that removes it.
    pub fn subscribe(&self, listener: js_sys::Function) -> u32 {
        let id = self.next_id.get() + 1;
        self.next_id.set(id);
        self.listeners.borrow_mut().push((id, listener));
        id
    }

    /// Removes a listener; false if the id was unknown.
    pub fn unsubscribe(&self, id: u32) -> bool {
        let mut listeners = self.listeners.borrow_mut();
        let before = listeners.len();
        listeners.retain(|(key, _)| *key != id);
        listeners.len() != before
    }

    /// Reports a state change.
    pub fn state(&self, t: &Transition) {
        if self.debug {
            log_transition(t);
        }
        self.emit(|| {
            let event = event("state", &t.job_id, t.pipeline);
            let from = t.from.map_or(JsValue::NULL, |s| JsValue::from_str(s.as_str()));
            set(&event, "from", &from);
            set(&event, "to", &JsValue::from_str(t.to.as_str()));
            set(&event, "attempt", &JsValue::from(t.attempt));
            set(&event, "elapsedMs", &JsValue::from(t.elapsed_ms));
            if let Some(error) = &t.error {
                set(&event, "error", &js_of(&error.to_value()));
            }
            event
        });
    }

    /// Reports that attempt `attempt` failed with `error` and the next starts at
    /// `retry_at`.
    pub fn retry(
        &self,
        job_id: &str,
        pipeline: Pipeline,
        attempt: u32,
        retry_at: f64,
        error: &JobError,
    ) {
        if self.debug {
            let line = format!(
                "livepeer: {job_id} {} retry after attempt={attempt} in {}ms error={}",
                pipeline.as_str(),
                Decimal((retry_at - now()).round()),
                error.kind.as_str()
            );
            web_sys::console::debug_1(&line.into());
        }
        self.emit(|| {
            let event = event("retry", job_id, pipeline);
            set(&event, "attempt", &JsValue::from(attempt));
            set(&event, "retryAt", &JsValue::from(retry_at));
            set(&event, "error", &js_of(&error.to_value()));
            event
        });
    }

    /// Reports one token of a streamed answer; `index` counts tokens from 0.
    pub fn token(&self, job_id: &str, pipeline: Pipeline, attempt: u32, index: u32, text: &str) {
        self.emit(|| {
            let event = event("token", job_id, pipeline);
            set(&event, "attempt", &JsValue::from(attempt));
            set(&event, "index", &JsValue::from(index));
            set(&event, "text", &JsValue::from_str(text));
            event
        });
    }

    /// Reports an event of another `kind`, whose own fields `fill` sets.
    pub fn custom(
        &self,
        kind: &str,
        job_id: &str,
        pipeline: Pipeline,
        fill: impl FnOnce(&JsValue),
    ) {
        self.emit(|| {
            let event = event(kind, job_id, pipeline);
            fill(&event);
            event
        });
    }

    /// Reports that the graph must be queued again, for the completed jobs `job_ids`.
    pub fn requeue(&self, job_ids: &[String]) {
        if self.debug {
            let line = format!("livepeer: requeue for {}", crate::words::joined(job_ids, ", "));
            web_sys::console::debug_1(&line.into());
        }
        self.emit(|| {
            let event: JsValue = js_sys::Object::new().into();
            set(&event, "type", &JsValue::from_str("requeue"));
            set(&event, "jobIds", &js_of(&Value::from(job_ids.to_vec())));
            set(&event, "at", &JsValue::from(now()));
            event
        });
    }

    /// Calls every listener with the event `build` makes (built only if someone
    /// listens). A listener that throws is reported on the console and does not stop the
    /// others. Listeners may call back into the service: no borrow is held meanwhile.
    fn emit(&self, build: impl FnOnce() -> JsValue) {
        let listeners = self.listeners.borrow().clone();
        if listeners.is_empty() {
            return;
        }
        let event = build();
        for (_, listener) in listeners {
            if let Err(thrown) = listener.call1(&JsValue::NULL, &event) {
                web_sys::console::error_2(&"livepeer: a job event listener threw".into(), &thrown);
            }
        }
    }
}

fn event(kind: &str, job_id: &str, pipeline: Pipeline) -> JsValue {
    let event: JsValue = js_sys::Object::new().into();
    set(&event, "type", &JsValue::from_str(kind));
    set(&event, "jobId", &JsValue::from_str(job_id));
    set(&event, "pipeline", &JsValue::from_str(pipeline.as_str()));
    set(&event, "at", &JsValue::from(now()));
    event
}

fn log_transition(t: &Transition) {
    let line = format!(
        "livepeer: {} {} {} attempt={} elapsed={}ms{}",
        t.job_id,
        t.pipeline.as_str(),
        t.to.as_str(),
        t.attempt,
        Decimal(t.elapsed_ms.round()),
        t.error.as_ref().map(|e| format!(" error={}", e.kind.as_str())).unwrap_or_default(),
    );
    web_sys::console::debug_1(&line.into());
}
