//! Livepeer AI jobs for ComfyUI: a job service compiled to WebAssembly.
//!
//! The crate is split the way the service works:
//! - [`jobs`]: the registry of jobs, their checked states and the node index;
//! - [`requester`]: what an answer means and when to retry;
//! - [`pipelines`]: each pipeline's parameters and results;
//! - [`value`]: values as JSON holds them, read so that an error names the field at
//!   fault;
//! - [`words`]: small helpers for the text of messages;
//! - [`decimal`]: numbers in messages, without Rust's float formatter in the wasm;
//! - `web` (wasm32 only): the browser layer that performs requests and waits and
//!   exposes the JS bindings.
//!
//! Everything outside `web` is sans-IO and tested natively with `cargo test`.

pub mod decimal;
pub mod error;
pub mod jobs;
pub mod pipelines;
pub mod requester;
pub mod value;
pub mod words;

#[cfg(target_arch = "wasm32")]
mod web;

pub use error::{ErrorKind, JobError};
#[cfg(target_arch = "wasm32")]
pub use web::JobService;

/// Talc instead of the default dlmalloc: 2 to 3 KB less gzipped wasm.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
