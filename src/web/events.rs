//! Who hears about state changes: the listeners JS subscribed, and, with `debug` on, one
//! console line per change (job id, pipeline, state, attempt, elapsed ms; never the key,
//! never a request body).

use super::js::{now, set, to_js};
use crate::jobs::Transition;
use std::cell::RefCell;
use wasm_bindgen::JsValue;

/// The subscribed listeners and the debug switch.
#[derive(Default)]
pub struct Events {
    listeners: RefCell<Vec<(u32, js_sys::Function)>>,
    next_id: RefCell<u32>,
    debug: bool,
}

impl Events {
    /// No listeners yet; `debug` turns the console log on.
    pub fn new(debug: bool) -> Self {
        Events { debug, ..Events::default() }
    }

    /// Adds a listener and returns the id that removes it.
    pub fn subscribe(&self, listener: js_sys::Function) -> u32 {
        let mut next = self.next_id.borrow_mut();
        *next += 1;
        self.listeners.borrow_mut().push((*next, listener));
        *next
    }

    /// Removes a listener; false if the id was unknown.
    pub fn unsubscribe(&self, id: u32) -> bool {
        let mut listeners = self.listeners.borrow_mut();
        let before = listeners.len();
        listeners.retain(|(key, _)| *key != id);
        listeners.len() != before
    }

    /// Tells every listener about `transition`. A listener that throws is reported on the
    /// console and does not stop the others. Listeners may call back into the service.
    pub fn emit(&self, transition: &Transition) {
        if self.debug {
            log_transition(transition);
        }
        let listeners = self.listeners.borrow().clone();
        if listeners.is_empty() {
            return;
        }
        let event = event_to_js(transition);
        for (_, listener) in listeners {
            if let Err(thrown) = listener.call1(&JsValue::NULL, &event) {
                web_sys::console::error_2(&"livepeer: a job event listener threw".into(), &thrown);
            }
        }
    }
}

/// The JS shape of a `JobEvent` (see the TypeScript declarations).
fn event_to_js(t: &Transition) -> JsValue {
    let event = js_sys::Object::new();
    let event: &JsValue = event.as_ref();
    set(event, "jobId", &JsValue::from_str(&t.job_id));
    set(event, "pipeline", &JsValue::from_str(t.pipeline.as_str()));
    let from = t.from.map_or(JsValue::NULL, |s| JsValue::from_str(s.as_str()));
    set(event, "from", &from);
    set(event, "to", &JsValue::from_str(t.to.as_str()));
    set(event, "attempt", &JsValue::from(t.attempt));
    set(event, "elapsedMs", &JsValue::from(t.elapsed_ms));
    set(event, "at", &JsValue::from(now()));
    if let Some(error) = &t.error {
        set(event, "error", &to_js(error));
    }
    event.clone()
}

fn log_transition(t: &Transition) {
    let line = format!(
        "livepeer: {} {} {} attempt={} elapsed={}ms{}",
        t.job_id,
        t.pipeline.as_str(),
        t.to.as_str(),
        t.attempt,
        t.elapsed_ms.round(),
        t.error.as_ref().map(|e| format!(" error={}", e.kind.as_str())).unwrap_or_default(),
    );
    web_sys::console::debug_1(&line.into());
}
