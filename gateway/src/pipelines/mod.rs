//! The AI pipelines this gateway serves, one module each, and how they are mounted.
//!
//! A pipeline implements [`Pipeline`]: its path, what the `malformed_json` and
//! `wrong_shape` faults send in its place, and how it turns a request into an answer.
//! [`mount`] serves each one at `/<path>` (scope `default`) and at `/s/<scope>/<path>`;
//! the body limit, faults, latency, the request log, the in-flight count and the key
//! check are shared and live in [`crate::dispatch`]. Adding a pipeline means one module
//! here and one line in `mount`. The async result poll of image-to-video,
//! `POST /image-to-video/result`, is mounted the same way (see [`image_to_video_result`]).

pub mod audio_to_text;
pub mod image_to_image;
pub mod image_to_text;
pub mod image_to_video;
pub mod image_to_video_result;
pub mod live_video_to_video;
pub mod llm;
pub mod segment_anything_2;
pub mod text_to_image;
pub mod text_to_speech;
pub mod upscale;

use std::future::Future;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::app::AppState;
use crate::dispatch::{dispatch, PipelineRequest};
use crate::faults::BrokenAnswers;
use crate::form::FormFields;
use crate::http_error::http_error;
use crate::media::{data_url, Media, MediaMode};
use crate::random;
use crate::scopes::{ScopeName, ScopeOptions, SCOPE_NAME_RULE};

/// One AI pipeline, such as text-to-image.
pub trait Pipeline: 'static {
    /// The path without a leading slash, as in the spec: `text-to-image`.
    const PATH: &'static str;

    /// What the `malformed_json` and `wrong_shape` faults answer for this pipeline.
    const BROKEN: BrokenAnswers = BrokenAnswers::IMAGES;

    /// What those faults answer for the request with this head; [`Pipeline::BROKEN`]
    /// unless the pipeline answers some requests in another shape.
    fn broken(_head: &Parts) -> BrokenAnswers {
        Self::BROKEN
    }

    /// Answers a request that passed the fault script, the body limit and the key check.
    ///
    /// Validation errors are answered with 422 (see [`crate::validate`]), other
    /// failures with an `HTTPError` body.
    fn run(call: Call) -> impl Future<Output = Response> + Send;
}

/// What a pipeline gets to answer one request.
#[derive(Debug)]
pub struct Call {
    /// The shared gateway state, for the media store.
    pub state: AppState,
    /// The scope of the request.
    pub scope: ScopeName,
    /// `http://<host>` as the client reached the gateway.
    pub base_url: String,
    /// `http://<host>` for media URLs: `base_url`, or the scope's `media_host` on this
    /// gateway's port.
    pub media_base_url: String,
    /// The request's method, URI, headers and extensions.
    pub head: Parts,
    /// The whole request body.
    pub body: Bytes,
    /// The options of the request's scope.
    pub options: ScopeOptions,
    /// Set by an `sse_error` fault: a streaming answer ends after this many chunks.
    pub break_stream_after: Option<usize>,
}

impl Call {
    /// Reads the body as a multipart form; see [`crate::form`] for what fails.
    ///
    /// Takes the request head, so it is meant to be called once.
    pub async fn read_form(&mut self) -> Result<FormFields, Response> {
        let head = std::mem::replace(&mut self.head, Request::new(()).into_parts().0);
        FormFields::read(head, self.body.clone()).await
    }

    /// Hands out a generated file and returns its URL.
    ///
    /// In the scope's default media mode the file is stored, on behalf of the scope, and
    /// the URL is `<media base>/stream/<request-id>/<file>`, served with `content_type`;
    /// in `data` mode it is a `data:` URL and nothing is stored.
    pub fn publish(
        &self,
        request_id: &str,
        file: &str,
        content_type: &'static str,
        bytes: Vec<u8>,
    ) -> String {
        match self.options.media {
            MediaMode::Data => data_url(content_type, &bytes),
            MediaMode::Url => {
                let media = Media { content_type, bytes: bytes.into() };
                self.state.media.insert(&self.scope, request_id, file, media);
                format!("{}/stream/{request_id}/{file}", self.media_base_url)
            }
        }
    }
}

/// Answers an `ImageResponse` (or `VideoResponse`): one `{url, seed, nsfw}` per file.
///
/// File `n` is published as `<n>.<extension>` under a new request id; `nsfw` is always
/// `false`.
pub fn image_response(
    call: &Call,
    files: Vec<(i64, Vec<u8>)>,
    extension: &str,
    content_type: &'static str,
) -> Response {
    let images = image_list(call, &random::request_id(), files, extension, content_type);
    Json(json!({ "images": images })).into_response()
}

/// The `images` of an `ImageResponse`: file `n` is published as `<n>.<extension>` under
/// `request_id`, and `nsfw` is always `false`.
pub fn image_list(
    call: &Call,
    request_id: &str,
    files: Vec<(i64, Vec<u8>)>,
    extension: &str,
    content_type: &'static str,
) -> Vec<Value> {
    files
        .into_iter()
        .enumerate()
        .map(|(n, (seed, bytes))| {
            let url = call.publish(request_id, &format!("{n}.{extension}"), content_type, bytes);
            json!({ "url": url, "seed": seed, "nsfw": false })
        })
        .collect()
}

/// Adds every pipeline's routes to `router`.
pub fn mount(router: Router<AppState>) -> Router<AppState> {
    let pipelines = Router::new();
    let pipelines = add::<text_to_image::TextToImage>(pipelines);
    let pipelines = add::<image_to_image::ImageToImage>(pipelines);
    let pipelines = add::<image_to_video::ImageToVideo>(pipelines);
    let pipelines = add::<image_to_video_result::ImageToVideoResult>(pipelines);
    let pipelines = add::<upscale::Upscale>(pipelines);
    let pipelines = add::<audio_to_text::AudioToText>(pipelines);
    let pipelines = add::<segment_anything_2::SegmentAnything2>(pipelines);
    let pipelines = add::<llm::Llm>(pipelines);
    let pipelines = add::<image_to_text::ImageToText>(pipelines);
    let pipelines = add::<live_video_to_video::LiveVideoToVideo>(pipelines);
    let pipelines = add::<text_to_speech::TextToSpeech>(pipelines);
    router.merge(pipelines.layer(DefaultBodyLimit::disable()))
}

fn add<P: Pipeline>(router: Router<AppState>) -> Router<AppState> {
    router
        .route(&format!("/{}", P::PATH), post(unscoped::<P>))
        .route(&format!("/s/{{scope}}/{}", P::PATH), post(scoped::<P>))
}

async fn unscoped<P: Pipeline>(State(state): State<AppState>, request: Request) -> Response {
    let request = PipelineRequest::read(request).await;
    dispatch::<P>(state, ScopeName::default_scope(), request).await
}

async fn scoped<P: Pipeline>(
    State(state): State<AppState>,
    Path(scope): Path<String>,
    request: Request,
) -> Response {
    let Some(scope) = ScopeName::parse(&scope) else {
        return http_error(StatusCode::NOT_FOUND, SCOPE_NAME_RULE);
    };
    let request = PipelineRequest::read(request).await;
    dispatch::<P>(state, scope, request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn broken<P: Pipeline>() -> (&'static str, BrokenAnswers) {
        (P::PATH, P::BROKEN)
    }

    #[test]
    fn broken_answers_are_broken() {
        for (path, answers) in [
            broken::<text_to_image::TextToImage>(),
            broken::<image_to_image::ImageToImage>(),
            broken::<image_to_video::ImageToVideo>(),
            ("image-to-video async", image_to_video::ASYNC_BROKEN),
            broken::<image_to_video_result::ImageToVideoResult>(),
            ("live status", live_video_to_video::STATUS_BROKEN),
            broken::<upscale::Upscale>(),
            broken::<audio_to_text::AudioToText>(),
            broken::<segment_anything_2::SegmentAnything2>(),
            broken::<llm::Llm>(),
            broken::<image_to_text::ImageToText>(),
            broken::<live_video_to_video::LiveVideoToVideo>(),
            broken::<text_to_speech::TextToSpeech>(),
        ] {
            let truncated = serde_json::from_str::<serde_json::Value>(answers.truncated);
            assert!(truncated.is_err(), "{path}");
            let wrong = serde_json::from_str::<serde_json::Value>(answers.wrong_shape);
            assert!(wrong.unwrap().is_object(), "{path}");
            assert!(answers.wrong_shape.contains("12345"), "{path}");
        }
    }
}
