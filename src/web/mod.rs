//! The browser layer: performs the requests and waits the sans-IO core decides on, and
//! exposes the service to JavaScript. Thin on purpose; every decision lives elsewhere.
//!
//! - [`service`]: the `JobService` class JS sees;
//! - [`runner`]: drives one job through its attempts, waits and cancellation;
//! - [`attempt`]: one request, with its own `AbortController` and timeout, and the
//!   result's media fetched at once;
//! - [`stream`]: an llm answer read as server-sent events;
//! - [`input`]: JS parameters and media files read into a checked request body;
//! - [`output`]: outputs turned into JS values, with media `Blob`s and typed arrays;
//! - [`events`]: state, retry and token listeners and the debug log;
//! - [`from_js`]: JS values read as [`Value`](crate::value::Value)s;
//! - [`to_js`]: [`Value`](crate::value::Value)s written as plain JS values;
//! - [`js`]: the `LivepeerError` JS sees, and small JS helpers;
//! - [`types`]: the TypeScript declarations of the public API.

mod attempt;
mod config;
mod events;
mod from_js;
mod input;
mod js;
mod live;
mod output;
mod persist;
mod poller;
mod runner;
mod saved;
mod service;
mod shared;
mod slots;
mod stream;
mod tasks;
mod to_js;
mod types;
mod views;

pub use service::JobService;
