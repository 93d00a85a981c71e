//! The one error type of the job service: why a job failed, in words a user can act on.
//!
//! Every error names its kind (a stable, machine-readable word), carries a message for
//! people, and, where it applies, the HTTP status and the field at fault. No error ever
//! holds the API key or a request body.

use crate::value::Value;
use std::fmt;

/// What kind of failure a [`JobError`] is. JS sees it in snake case (`"rate_limited"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The parameters were refused before any request was sent.
    InvalidInput,
    /// The gateway answered 400: the request itself is wrong; retrying cannot help.
    BadRequest,
    /// The gateway answered 401 or 403: the API key is missing, wrong or not allowed.
    Unauthorized,
    /// The gateway answered 404: the pipeline or the job is unknown there.
    NotFound,
    /// The gateway answered 422: a parameter failed its validation.
    Validation,
    /// The gateway kept answering 429 until the retry budget for rate limits ran out.
    RateLimited,
    /// The gateway kept failing with 408 or a 5xx until the retry budget ran out.
    Gateway,
    /// The gateway could not be reached, or the connection dropped.
    Network,
    /// Every attempt ran past the per-attempt timeout.
    Timeout,
    /// The job's overall deadline passed.
    Deadline,
    /// The gateway answered 2xx with a body that is not what the API promises.
    InvalidResponse,
    /// The gateway answered a status this service does not know how to handle.
    Http,
    /// A streamed answer broke off with an error or before its end.
    Stream,
    /// The gateway no longer knows a job it had accepted.
    Vanished,
    /// The gateway answered, but a result file could not be fetched.
    Media,
    /// The job was cancelled.
    Cancelled,
    /// A page reload cut the job's request.
    Interrupted,
}

impl ErrorKind {
    /// Every kind.
    pub const ALL: [ErrorKind; 17] = [
        ErrorKind::InvalidInput,
        ErrorKind::BadRequest,
        ErrorKind::Unauthorized,
        ErrorKind::NotFound,
        ErrorKind::Validation,
        ErrorKind::RateLimited,
        ErrorKind::Gateway,
        ErrorKind::Network,
        ErrorKind::Timeout,
        ErrorKind::Deadline,
        ErrorKind::InvalidResponse,
        ErrorKind::Http,
        ErrorKind::Stream,
        ErrorKind::Vanished,
        ErrorKind::Media,
        ErrorKind::Cancelled,
        ErrorKind::Interrupted,
    ];

    /// The kind named `name` (`"rate_limited"`), if there is one.
    pub fn from_name(name: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|kind| kind.as_str() == name)
    }

    /// The kind's name as JS sees it.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::BadRequest => "bad_request",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Validation => "validation",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Gateway => "gateway",
            ErrorKind::Network => "network",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Deadline => "deadline",
            ErrorKind::InvalidResponse => "invalid_response",
            ErrorKind::Http => "http",
            ErrorKind::Stream => "stream",
            ErrorKind::Vanished => "vanished",
            ErrorKind::Media => "media",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Interrupted => "interrupted",
        }
    }
}

/// Why a job failed.
#[derive(Clone, Debug, PartialEq)]
pub struct JobError {
    /// The kind of failure.
    pub kind: ErrorKind,
    /// A sentence for the user: what went wrong and, where possible, what to do.
    pub message: String,
    /// The HTTP status of the last answer, when the failure came from one.
    pub status: Option<u16>,
    /// The parameter or response field at fault, as a path such as `images[0].url`.
    pub field: Option<String>,
}

impl JobError {
    /// The error as a value: `kind` (in snake case), `message`, and `status` and `field`
    /// when it has them.
    pub fn to_value(&self) -> Value {
        let mut fields =
            vec![("kind", self.kind.as_str().into()), ("message", self.message.as_str().into())];
        if let Some(status) = self.status {
            fields.push(("status", f64::from(status).into()));
        }
        if let Some(field) = &self.field {
            fields.push(("field", field.as_str().into()));
        }
        Value::map(fields)
    }

    /// An error of `kind` with `message` and no status or field.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        JobError { kind, message: message.into(), status: None, field: None }
    }

    /// The same error, naming the HTTP status it came from.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// The same error, naming the field at fault.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// A parameter refused before sending: names the field and the reason.
    pub fn invalid_input(field: &str, reason: impl fmt::Display) -> Self {
        JobError::new(ErrorKind::InvalidInput, format!("{field}: {reason}")).with_field(field)
    }

    /// A 2xx answer whose body broke the API's promise at `field`.
    pub fn invalid_response(field: &str, reason: impl fmt::Display) -> Self {
        let at = if field.is_empty() { "the body".to_string() } else { field.to_string() };
        JobError::new(
            ErrorKind::InvalidResponse,
            format!("the gateway sent an invalid response: {at}: {reason}"),
        )
        .with_field(field)
    }

    /// The error a cancelled job ends with.
    pub fn cancelled() -> Self {
        JobError::new(ErrorKind::Cancelled, "the job was cancelled")
    }
}

impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for JobError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_input_names_the_field_and_the_reason() {
        let error = JobError::invalid_input("width", "must be at least 1");
        assert_eq!(error.kind, ErrorKind::InvalidInput);
        assert_eq!(error.message, "width: must be at least 1");
        assert_eq!(error.field.as_deref(), Some("width"));
    }

    #[test]
    fn kind_names_round_trip() {
        for kind in ErrorKind::ALL {
            assert_eq!(ErrorKind::from_name(kind.as_str()), Some(kind));
        }
        assert_eq!(ErrorKind::from_name("oops"), None);
    }

    #[test]
    fn invalid_response_names_the_path() {
        let error = JobError::invalid_response("images[0].url", "expected a string");
        assert!(error.message.contains("images[0].url: expected a string"), "{error}");
        let whole = JobError::invalid_response("", "not JSON");
        assert!(whole.message.contains("the body: not JSON"), "{whole}");
    }
}
