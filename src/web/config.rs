//! The service's configuration as JS passes it (`ServiceConfig` in the typings): read,
//! checked field by field, and turned into the shared state every job uses. An unknown
//! key is refused with the list of known ones, so a misspelled option is never ignored.

use super::attempt::Gateway;
use super::events::Events;
use super::from_js::JsSource;
use super::js::random_seed;
use super::persist::Store;
use super::shared::Shared;
use super::slots::Slots;
use crate::error::JobError;
use crate::fields::field_names;
use crate::jobs::requeue::{RequeueGate, RequeuePolicy};
use crate::jobs::DEFAULT_MAX_AGE_MS;
use crate::pipelines::plain_reason;
use crate::requester::poll::{PollPolicy, PollSchedule};
use crate::requester::RetryPolicy;
use crate::source::Source;
use serde::Deserialize;
use std::cell::RefCell;
use wasm_bindgen::{JsCast, JsValue};

/// How often finished, unused jobs are swept by default: every minute.
const DEFAULT_SWEEP_INTERVAL_MS: f64 = 60_000.0;
/// The largest media file sent by default: 10 MiB, the hosted gateway's limit.
const DEFAULT_MAX_UPLOAD_BYTES: f64 = 10.0 * 1024.0 * 1024.0;
/// Requests in flight to the gateway by default: a browser opens about six connections
/// per host over HTTP/1.1, and the ComfyUI page needs some for itself.
const DEFAULT_MAX_IN_FLIGHT: u32 = 4;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Config {
    gateway_url: String,
    #[serde(default)]
    api_key: Option<String>,
    #[serde(default)]
    retry: RetryPolicy,
    #[serde(default)]
    poll: PollPolicy,
    #[serde(default)]
    max_age_ms: Option<f64>,
    #[serde(default)]
    sweep_interval_ms: Option<f64>,
    #[serde(default)]
    max_upload_bytes: Option<f64>,
    #[serde(default)]
    max_in_flight: Option<u32>,
    #[serde(default)]
    async_image_to_video: Option<bool>,
    #[serde(default)]
    persist: Option<String>,
    #[serde(default)]
    requeue: RequeuePolicy,
    #[serde(default)]
    media_proxy: Option<String>,
    #[serde(default)]
    debug: bool,
    #[serde(default)]
    seed: Option<u64>,
}

/// The settings the service itself keeps, beside the shared state.
pub struct Settings {
    /// Finished, unused jobs older than this are swept.
    pub max_age_ms: f64,
    /// How often the sweep runs; 0 for never.
    pub sweep_every_ms: f64,
    /// The largest media file sent.
    pub max_upload_bytes: f64,
}

/// Reads a configuration; the error names the field and the reason.
pub fn read_config(config: &JsValue) -> Result<(Shared, Settings), JobError> {
    check_keys(config, "", field_names::<Config>())?;
    check_keys(&get(config, "retry"), "retry.", field_names::<RetryPolicy>())?;
    check_keys(&get(config, "poll"), "poll.", field_names::<PollPolicy>())?;
    check_keys(&get(config, "requeue"), "requeue.", field_names::<RequeuePolicy>())?;
    let config: Config = JsSource(config.clone()).read().map_err(|error| {
        let field = if error.path.is_empty() { "config" } else { error.path.as_str() };
        if field == "apiKey" {
            return JobError::invalid_input("apiKey", "must be a string");
        }
        JobError::invalid_input(field, plain_reason(&error.reason))
    })?;
    config.retry.validate()?;
    config.requeue.validate()?;

    let settings = Settings {
        max_age_ms: config.max_age_ms.unwrap_or(DEFAULT_MAX_AGE_MS),
        sweep_every_ms: config.sweep_interval_ms.unwrap_or(DEFAULT_SWEEP_INTERVAL_MS),
        max_upload_bytes: config.max_upload_bytes.unwrap_or(DEFAULT_MAX_UPLOAD_BYTES),
    };
    for (field, value) in [
        ("maxAgeMs", settings.max_age_ms),
        ("sweepIntervalMs", settings.sweep_every_ms),
        ("maxUploadBytes", settings.max_upload_bytes),
    ] {
        if !(value.is_finite() && value >= 0.0) {
            return Err(JobError::invalid_input(field, "must be a number, 0 or more"));
        }
    }
    let max_in_flight = config.max_in_flight.unwrap_or(DEFAULT_MAX_IN_FLIGHT);
    if max_in_flight == 0 {
        return Err(JobError::invalid_input("maxInFlight", "must be at least 1"));
    }
    let store = match config.persist.as_deref().map(str::trim) {
        Some("") => return Err(JobError::invalid_input("persist", "must name a database")),
        Some(name) => Some(Store::new(name)),
        None => None,
    };

    let shared = Shared {
        registry: RefCell::default(),
        gateway: Gateway::new(&config.gateway_url, config.api_key, config.media_proxy)?,
        policy: config.retry,
        schedule: RefCell::new(PollSchedule::new(config.poll)?),
        slots: Slots::new(max_in_flight as usize),
        async_video: config.async_image_to_video.unwrap_or(true),
        rng: RefCell::new(fastrand::Rng::with_seed(config.seed.unwrap_or_else(random_seed))),
        events: Events::new(config.debug),
        cancels: RefCell::default(),
        media: RefCell::default(),
        restored: RefCell::default(),
        inputs: RefCell::default(),
        monitors: RefCell::default(),
        store,
        requeue: RefCell::new(RequeueGate::new(config.requeue)),
        requeue_timer: RefCell::default(),
        this: RefCell::default(),
    };
    Ok((shared, settings))
}

/// Reads new requeue rules, given as `RequeuePolicy` options.
pub fn read_requeue_policy(options: &JsValue) -> Result<RequeuePolicy, JobError> {
    if !options.is_object() {
        return Err(JobError::invalid_input("options", "must be an object"));
    }
    check_keys(options, "", field_names::<RequeuePolicy>())?;
    let policy: RequeuePolicy = JsSource(options.clone()).read().map_err(|error| {
        let field = if error.path.is_empty() { "options" } else { error.path.as_str() };
        JobError::invalid_input(field, plain_reason(&error.reason))
    })?;
    policy.validate()?;
    Ok(policy)
}

fn get(object: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(object, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

/// Every key of `object` (if it is one) must be in `known`.
fn check_keys(object: &JsValue, prefix: &str, known: &[&str]) -> Result<(), JobError> {
    if !object.is_object() {
        return Ok(());
    }
    let keys = js_sys::Object::keys(object.unchecked_ref::<js_sys::Object>());
    for key in keys.iter().filter_map(|key| key.as_string()) {
        if !known.contains(&key.as_str()) {
            let field = format!("{prefix}{key}");
            let reason = format!("is not an option; use {}", known.join(", "));
            return Err(JobError::invalid_input(&field, reason));
        }
    }
    Ok(())
}
