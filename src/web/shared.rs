//! What every job of a service shares: the registry, the gateway, the policies, the
//! connection slots, the listeners, the cancel switches and the fetched media. Its
//! methods apply registry changes and report them, so no caller forgets to.

use super::attempt::Gateway;
use super::events::Events;
use super::input::Input;
use super::js::now;
use super::persist::Store;
use super::saved::record_of;
use super::slots::Slots;
use crate::error::JobError;
use crate::jobs::requeue::RequeueGate;
use crate::jobs::{JobState, Registry, RegistryError, Transition};
use crate::requester::poll::PollSchedule;
use crate::requester::RetryPolicy;
use futures_channel::oneshot;
use gloo_timers::callback::Timeout;
use rustc_hash::FxHashMap as HashMap;
use std::cell::{RefCell, RefMut};
use std::rc::{Rc, Weak};
use wasm_bindgen::JsValue;
use web_sys::Blob;

/// What every job of a service shares.
pub struct Shared {
    /// Every job and the nodes that use them.
    pub registry: RefCell<Registry>,
    /// Where requests go.
    pub gateway: Gateway,
    /// How requests are retried.
    pub policy: RetryPolicy,
    /// When to poll, learned from the jobs that finished.
    pub schedule: RefCell<PollSchedule>,
    /// At most so many requests in flight to the gateway.
    pub slots: Slots,
    /// Whether image-to-video jobs ask the gateway to run them asynchronously.
    pub async_video: bool,
    /// Jitter and job ids.
    pub rng: RefCell<fastrand::Rng>,
    /// State-change listeners.
    pub events: Events,
    /// What the browser layer keeps of each job beside the registry, by job id.
    pub locals: RefCell<HashMap<String, Local>>,
    /// Where jobs are saved across reloads, when saving is on.
    pub store: Option<Store>,
    /// When the graph must be queued again.
    pub requeue: RefCell<RequeueGate>,
    /// The timer of a requeue that is due; dropping it cancels it.
    pub requeue_timer: RefCell<Option<Timeout>>,
    /// This state itself, for the timers it sets; set once it is shared.
    pub this: RefCell<Weak<Shared>>,
}

/// What the browser layer keeps of one job beside the registry; swept with the job.
#[derive(Default)]
pub struct Local {
    /// While the job is driven: dropping or firing it cancels the job.
    pub cancel: Option<oneshot::Sender<()>>,
    /// The fetched media, kept as long as the job.
    pub media: Vec<Blob>,
    /// The output of a job brought back after a reload, as saved (with its files).
    pub restored: Option<JsValue>,
    /// What the job sends, kept until it completes so a cut job can be sent again.
    pub input: Option<Rc<Input>>,
    /// While its live stream is watched: dropping or firing it stops the watch.
    pub monitor: Option<oneshot::Sender<()>>,
}

impl Shared {
    /// What the browser layer keeps of `job_id`, made empty first when there is nothing.
    pub fn local(&self, job_id: &str) -> RefMut<'_, Local> {
        RefMut::map(self.locals.borrow_mut(), |locals| {
            locals.entry(job_id.to_string()).or_default()
        })
    }

    /// The input kept for `job_id`, if any.
    pub fn input(&self, job_id: &str) -> Option<Rc<Input>> {
        self.locals.borrow().get(job_id).and_then(|local| local.input.clone())
    }

    /// Applies a registry change and tells the listeners. The registry borrow ends before
    /// any listener runs, so listeners may call back into the service.
    pub fn apply(
        &self,
        change: impl FnOnce(&mut Registry) -> Result<Transition, RegistryError>,
    ) -> Result<Transition, RegistryError> {
        let result = change(&mut self.registry.borrow_mut());
        match &result {
            Ok(transition) => {
                self.save(&transition.job_id);
                self.events.state(transition);
                if transition.to == JobState::Completed {
                    self.completed(&transition.job_id);
                }
            }
            Err(error) => report_bug(error),
        }
        result
    }

    /// A job completed: if a node uses it, a requeue may be due.
    fn completed(&self, job_id: &str) {
        let used = self.registry.borrow().job(job_id).is_some_and(|job| job.nodes().count() > 0);
        if !used {
            return;
        }
        let Some(due) = self.requeue.borrow_mut().completed(job_id, now()) else { return };
        let this = self.this.borrow().clone();
        let wait = (due - now()).clamp(0.0, i32::MAX as f64) as u32;
        let timer = Timeout::new(wait, move || {
            if let Some(shared) = this.upgrade() {
                shared.requeue_timer.borrow_mut().take();
                let jobs = shared.requeue.borrow_mut().fire(now());
                if let Some(jobs) = jobs {
                    shared.events.requeue(&jobs);
                }
            }
        });
        *self.requeue_timer.borrow_mut() = Some(timer);
    }

    /// Saves the job's current record, when saving is on.
    pub fn save(&self, job_id: &str) {
        if let Some(store) = &self.store {
            if let Some(record) = record_of(self, job_id) {
                store.save(record);
            }
        }
    }

    /// The state of a job, if it is still held.
    pub fn state(&self, job_id: &str) -> Option<JobState> {
        self.registry.borrow().job(job_id).map(|job| job.state)
    }

    /// Ends a pending job with `error` (cancelled, interrupted or failed) and fires its
    /// cancel switch, so its request is aborted and no other request follows.
    /// Returns false when the job was not pending.
    pub fn end(&self, job_id: &str, error: JobError) -> bool {
        if !self.state(job_id).is_some_and(JobState::is_pending) {
            return false;
        }
        let ended = self.apply(|registry| registry.fail(job_id, error, now())).is_ok();
        let switch = self.locals.borrow_mut().get_mut(job_id).and_then(|l| l.cancel.take());
        if let Some(switch) = switch {
            let _ = switch.send(());
        }
        ended
    }

    /// Removes finished, unused jobs older than `max_age_ms`, with their media.
    pub fn sweep(&self, max_age_ms: f64) -> usize {
        let removed = self.registry.borrow_mut().sweep(now(), max_age_ms);
        for id in &removed {
            self.locals.borrow_mut().remove(id);
            if let Some(store) = &self.store {
                store.delete(id);
            }
        }
        removed.len()
    }
}

/// Removes a job's cancel switch when its driver returns, however it returns.
pub struct SwitchGuard<'a> {
    /// The service.
    pub shared: &'a Shared,
    /// The job.
    pub job_id: &'a str,
}

impl Drop for SwitchGuard<'_> {
    fn drop(&mut self) {
        self.shared.local(self.job_id).cancel = None;
    }
}

/// Reports a misuse of the registry: a bug in this service, never the user's fault.
pub fn report_bug(error: &RegistryError) {
    let line = format!("livepeer: this is a bug in the job service: {error}");
    web_sys::console::error_1(&line.into());
}
