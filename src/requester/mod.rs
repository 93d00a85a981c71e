//! The requester's decisions, free of I/O: what an answer means ([`http`]) and whether and
//! when to try again ([`retry`]). The browser layer performs the requests and the waits.

pub mod budget;
pub mod date;
pub mod http;
pub mod poll;
pub mod retry;
pub mod sse;

pub use retry::{Failure, RetryBudget, RetryPolicy};
