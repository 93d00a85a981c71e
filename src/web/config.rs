//! The service's configuration as JS passes it (`ServiceConfig` in the typings): read,
//! checked field by field, and turned into the shared state every job uses. An unknown
//! key is refused with the list of known ones, so a misspelled option is never ignored.

use super::attempt::Gateway;
use super::events::Events;
use super::from_js::value_of;
use super::js::random_seed;
use super::persist::Store;
use super::shared::Shared;
use super::slots::Slots;
use crate::error::JobError;
use crate::jobs::requeue::{RequeueGate, RequeuePolicy};
use crate::jobs::DEFAULT_MAX_AGE_MS;
use crate::pipelines::MAX_KEY_CHARS;
use crate::requester::poll::{PollPolicy, PollSchedule};
use crate::requester::RetryPolicy;
use crate::value::{self, Read, ReadError, Value};
use crate::words::clipped;
use std::cell::RefCell;
use wasm_bindgen::JsValue;

/// How often finished, unused jobs are swept by default: every minute.
const DEFAULT_SWEEP_INTERVAL_MS: f64 = 60_000.0;
/// The largest media file sent by default: 10 MiB, the hosted gateway's limit.
const DEFAULT_MAX_UPLOAD_BYTES: f64 = 10.0 * 1024.0 * 1024.0;
/// Requests in flight to the gateway by default: a browser opens about six connections
/// per host over HTTP/1.1, and the ComfyUI page needs some for itself.
const DEFAULT_MAX_IN_FLIGHT: u32 = 4;

struct Config {
    gateway_url: String,
    api_key: Option<String>,
    retry: RetryPolicy,
    poll: PollPolicy,
    max_age_ms: Option<f64>,
    sweep_interval_ms: Option<f64>,
    max_upload_bytes: Option<f64>,
    max_in_flight: Option<u32>,
    async_image_to_video: Option<bool>,
    persist: Option<String>,
    requeue: RequeuePolicy,
    media_proxy: Option<String>,
    debug: bool,
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

/// The options of a configuration, by their names in JS.
const OPTIONS: &[&str] = &[
    "gatewayUrl",
    "apiKey",
    "retry",
    "poll",
    "maxAgeMs",
    "sweepIntervalMs",
    "maxUploadBytes",
    "maxInFlight",
    "asyncImageToVideo",
    "persist",
    "requeue",
    "mediaProxy",
    "debug",
    "seed",
];

impl Read for Config {
    fn read(value: &Value) -> value::Result<Self> {
        known(value, OPTIONS)?;
        let fields = value.fields();
        for (field, options) in [
            ("retry", RetryPolicy::FIELDS),
            ("poll", PollPolicy::FIELDS),
            ("requeue", RequeuePolicy::FIELDS),
        ] {
            if let Some(nested) = fields.get(field) {
                known(nested, options).map_err(|error| error.in_field(field))?;
            }
        }
        if matches!(fields.get("apiKey"), Some(key) if !matches!(key, Value::Str(_))) {
            return Err(ReadError::new("must be a string").in_field("apiKey"));
        }
        fields.done(Config {
            gateway_url: fields.req("gatewayUrl"),
            api_key: fields.opt("apiKey"),
            retry: fields.or_default("retry"),
            poll: fields.or_default("poll"),
            max_age_ms: fields.opt("maxAgeMs"),
            sweep_interval_ms: fields.opt("sweepIntervalMs"),
            max_upload_bytes: fields.opt("maxUploadBytes"),
            max_in_flight: fields.opt("maxInFlight"),
            async_image_to_video: fields.opt("asyncImageToVideo"),
            persist: fields.opt("persist"),
            requeue: fields.or_default("requeue"),
            media_proxy: fields.opt("mediaProxy"),
            debug: fields.or_default("debug"),
            seed: fields.opt("seed"),
        })
    }
}

/// Every key of `value`, if it is an object, must be one of `known`; the error names the
/// first stranger.
fn known(value: &Value, known: &[&str]) -> value::Result<()> {
    match value.fields().stranger(known) {
        None => Ok(()),
        Some(key) => {
            let reason = format!("is not an option; use {}", crate::words::joined(known, ", "));
            Err(ReadError::new(reason).in_field(&clipped(key, MAX_KEY_CHARS)))
        }
    }
}

/// An option that could not be read, as an `invalid_input` error naming it; `what` is
/// the name of the whole when the error is about it.
fn option_error(error: ReadError, what: &str) -> JobError {
    let reason = if error.missing { "is required".to_string() } else { error.reason };
    let field = if error.path.is_empty() { what } else { error.path.as_str() };
    JobError::invalid_input(field, reason)
}

/// Reads a configuration; the error names the field and the reason.
pub fn read_config(config: &JsValue) -> Result<(Shared, Settings), JobError> {
    let config =
        Config::read(&value_of(config)).map_err(|error| option_error(*error, "config"))?;
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
        locals: RefCell::default(),
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
    let options = value_of(options);
    let policy = known(&options, RequeuePolicy::FIELDS)
        .and_then(|()| RequeuePolicy::read(&options))
        .map_err(|error| option_error(*error, "options"))?;
    policy.validate()?;
    Ok(policy)
}
