//! The router, the state every handler shares, and the CORS headers on every response.
//!
//! Routes: the pipelines and `POST /image-to-video/result` (see [`crate::pipelines`]),
//! with or without a `/s/<scope>` prefix; `GET /stream/<request-id>/<file>` for
//! generated media, with its own content type, each fetch logged in the media log of
//! the scope that created the item (see [`crate::media_log`]);
//! `GET /live/video-to-video/<stream>/status`, also with a scope prefix, for live
//! streams (see [`crate::pipelines::live_video_to_video`]); `/control/<scope>/...` for
//! tests (see [`crate::control`]). Any `OPTIONS` request is a CORS preflight and gets
//! 204 whatever its path.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Path, Request, State};
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::http::{Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;

use crate::auth;
use crate::http_error::http_error;
use crate::live::LiveStreams;
use crate::media::MediaStore;
use crate::media_log::MediaFetch;
use crate::pipelines::live_video_to_video;
use crate::scopes::Scopes;
use crate::{control, pipelines};

/// How many generated files the gateway keeps; the oldest is forgotten first.
pub const MEDIA_CAPACITY: usize = 256;

/// What the command line decides about a running gateway.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Bearer token required on pipeline requests of scopes that set none themselves.
    pub api_key: Option<String>,
    /// Whether to print one line per pipeline request to stderr.
    pub debug: bool,
    /// The address the listener is bound to; media URLs use it when `Host` is absent.
    pub local_addr: SocketAddr,
}

/// State shared by all handlers.
#[derive(Debug)]
pub struct Shared {
    /// The command-line settings.
    pub settings: Settings,
    /// Fault queues, logs, keys, options, jobs and counters, one set per scope.
    pub scopes: Scopes,
    /// Generated media, served under `/stream/`.
    pub media: MediaStore,
    /// Live-video-to-video streams that are still running.
    pub live: LiveStreams,
    /// When the gateway started; request log times count from here.
    pub started: Instant,
}

/// The handle every handler receives.
pub type AppState = Arc<Shared>;

impl Shared {
    /// Creates the shared state of a gateway that starts now.
    pub fn new(settings: Settings) -> AppState {
        Arc::new(Self {
            settings,
            scopes: Scopes::default(),
            media: MediaStore::new(MEDIA_CAPACITY),
            live: LiveStreams::default(),
            started: Instant::now(),
        })
    }

    /// Milliseconds since the gateway started.
    pub fn elapsed_ms(&self) -> f64 {
        self.started.elapsed().as_secs_f64() * 1000.0
    }
}

/// Serves the gateway on `listener` until the future is dropped or the socket fails.
pub async fn serve(listener: TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, router(state)).await
}

/// Builds the complete router, CORS included.
pub fn router(state: AppState) -> Router {
    let routes = Router::new()
        .route("/stream/{request_id}/{file}", get(serve_media))
        .merge(live_video_to_video::status_routes())
        .merge(control::routes());
    pipelines::mount(routes).fallback(not_found).layer(middleware::from_fn(cors)).with_state(state)
}

async fn serve_media(
    State(state): State<AppState>,
    Path((request_id, file)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let Some(media) = state.media.get(&request_id, &file) else {
        return http_error(StatusCode::NOT_FOUND, "media not found");
    };
    let fetch = MediaFetch {
        path: uri.path().to_owned(),
        at_ms: state.elapsed_ms(),
        authorization: auth::has_authorization(&headers),
    };
    state.scopes.record_media_fetch(&media.scope, fetch);
    ([(header::CONTENT_TYPE, media.content_type)], media.bytes).into_response()
}

async fn not_found() -> Response {
    http_error(StatusCode::NOT_FOUND, "not found")
}

/// Answers preflights with 204 and adds the CORS headers to every other response.
///
/// Every response also closes its connection. Browsers silently resend a request whose
/// reused connection closed without an answer, which would hide a `drop` fault from the
/// client under test; on a fresh connection the client sees the failure itself.
async fn cors(request: Request, next: Next) -> Response {
    let mut response = if request.method() == Method::OPTIONS {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(request).await
    };
    add_cors_headers(response.headers_mut());
    response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

fn add_cors_headers(headers: &mut HeaderMap) {
    let corp = HeaderName::from_static("cross-origin-resource-policy");
    let pairs = [
        (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        (header::ACCESS_CONTROL_ALLOW_HEADERS, "Authorization, Content-Type, Prefer"),
        (header::ACCESS_CONTROL_ALLOW_METHODS, "GET, POST, OPTIONS"),
        (header::ACCESS_CONTROL_EXPOSE_HEADERS, "Retry-After"),
        (corp, "cross-origin"),
    ];
    for (name, value) in pairs {
        headers.insert(name, HeaderValue::from_static(value));
    }
}
