//! Error responses in the spec's `HTTPError` shape: `{"detail":{"msg":"..."}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// A JSON response with `status` and the body `{"detail":{"msg": msg}}`.
pub fn http_error(status: StatusCode, msg: &str) -> Response {
    (status, Json(json!({ "detail": { "msg": msg } }))).into_response()
}
