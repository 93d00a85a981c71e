//! The browser layer: performs the requests and waits the sans-IO core decides on, and
//! exposes the service to JavaScript. Thin on purpose; every decision lives elsewhere.
//!
//! - [`service`]: the `JobService` class JS sees;
//! - [`runner`]: drives one job through its attempts, waits and cancellation;
//! - [`attempt`]: one request, with its own `AbortController` and timeout;
//! - [`events`]: state-change listeners and the debug log;
//! - [`js`]: conversions between Rust values and JS values;
//! - [`types`]: the TypeScript declarations of the public API.

mod attempt;
mod events;
mod js;
mod runner;
mod service;
mod types;

pub use service::JobService;
