//! Watches a live-video-to-video stream once it has started: its status is polled on a
//! timer and each answer is reported as a `live` event, until the gateway no longer
//! knows the stream (it ended), the watch is stopped, or the service goes away.

use super::attempt::{live_status, wait, AttemptEnd};
use super::js::{now, set};
use super::shared::Shared;
use super::to_js::js_of;
use crate::pipelines::Pipeline;
use crate::requester::budget::Lane;
use crate::requester::RetryBudget;
use futures_channel::oneshot;
use wasm_bindgen::JsValue;

/// How often a live stream's status is asked for. The gateway checks its streams every
/// 10 s, so faster polling would only repeat itself.
const STATUS_EVERY_MS: f64 = 2_000.0;
/// One status request is aborted after this long.
const STATUS_TIMEOUT_MS: f64 = 10_000.0;

/// Polls the status of `stream_id` until it ends or `stop` fires.
pub async fn watch(
    shared: &Shared,
    job_id: &str,
    stream_id: &str,
    mut stop: oneshot::Receiver<()>,
) {
    let mut failures = RetryBudget::new(now());
    let mut delay = STATUS_EVERY_MS;
    loop {
        if !wait(delay, &mut stop).await {
            return;
        }
        let Some(slot) = shared.slots.acquire(Lane::Poll, &mut stop).await else { return };
        let answer = live_status(&shared.gateway, stream_id, STATUS_TIMEOUT_MS, &mut stop).await;
        drop(slot);
        let answer = match answer {
            AttemptEnd::Done(answer) => answer,
            AttemptEnd::Cancelled => return,
        };
        delay = STATUS_EVERY_MS;
        match answer {
            Ok(Some(status)) => {
                failures = RetryBudget::new(now());
                report(shared, job_id, Some(&status), false, None);
            }
            Ok(None) => {
                report(shared, job_id, None, true, None);
                return;
            }
            Err(failure) => {
                let random = shared.rng.borrow_mut().f64();
                match shared.policy.decide(&mut failures, failure, now(), random) {
                    Ok(wait) => delay = wait.max(STATUS_EVERY_MS),
                    Err(error) => {
                        report(shared, job_id, None, true, Some(js_of(&error.to_value())));
                        return;
                    }
                }
            }
        }
    }
}

/// A `live` event: the stream's latest status, or its end (with the error that ended
/// the watch, if one did).
fn report(
    shared: &Shared,
    job_id: &str,
    status: Option<&JsValue>,
    ended: bool,
    error: Option<JsValue>,
) {
    shared.events.custom("live", job_id, Pipeline::LiveVideoToVideo, |event| {
        if let Some(status) = status {
            set(event, "status", status);
        }
        set(event, "ended", &JsValue::from_bool(ended));
        if let Some(error) = &error {
            set(event, "error", error);
        }
    });
}
