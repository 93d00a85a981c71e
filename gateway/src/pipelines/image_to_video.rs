//! `POST /image-to-video`: validates the multipart `Body_genImageToVideo` and answers a
//! `VideoResponse` whose one URL serves a two-second VP8 WebM video.
//!
//! The video shows the uploaded PNG (or, for any other upload, a picture drawn from a
//! hash of its bytes) panning sideways, crossed by a moving bar whose colour depends on
//! the seed; more `motion_bucket_id` means faster motion. It plays at the requested
//! `fps` for [`SECONDS`] seconds, at the requested aspect ratio but scaled to fit
//! [`MAX_VIDEO_SIDE`] pixels, so that encoding stays fast. Encoding runs the `ffmpeg`
//! program (see [`crate::video`]); without it the answer is 500 with a message naming
//! ffmpeg.
//!
//! With `Prefer: respond-async`, as in go-livepeer, a valid request is answered at once
//! with 202 `{"request_id": "<id>"}` and the video is made in the background. The job
//! lasts its scope's scripted duration (see [`crate::jobs`] and [`crate::control`]), or
//! longer if encoding takes longer; then its result, the same `images` list the
//! synchronous answer holds or `{"error": {"message": ...}}` when it failed, waits in the
//! scope for `POST /image-to-video/result` (see [`super::image_to_video_result`]). Its
//! media is stored under the job's id. A bad request is still refused before any job
//! exists.

use axum::http::header::{HeaderMap, HeaderName};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::{image_list, image_response, Call, Pipeline};
use crate::digest::{fnv1a_parts, Bits};
use crate::faults::BrokenAnswers;
use crate::form::FormFields;
use crate::http_error::http_error;
use crate::jobs::JobTicket;
use crate::media::draw;
use crate::random;
use crate::raster::{decode_png, mix, Rgb};
use crate::validate::Rejection;
use crate::video::encode_webm;

/// The largest width or height a request may ask for.
pub const MAX_SIDE: i64 = 2048;

/// The largest width or height of the video actually encoded.
pub const MAX_VIDEO_SIDE: u32 = 320;

/// The highest frame rate a request may ask for.
pub const MAX_FPS: i64 = 60;

/// How long every video is, in seconds.
pub const SECONDS: u32 = 2;

/// What `malformed_json` and `wrong_shape` answer to an async submission.
pub const ASYNC_BROKEN: BrokenAnswers =
    BrokenAnswers { truncated: r#"{"request_id":""#, wrong_shape: r#"{"request_id":12345}"# };

/// The image-to-video pipeline.
#[derive(Debug)]
pub struct ImageToVideo;

#[derive(Debug, Clone)]
struct Params {
    image: Vec<u8>,
    width: u32,
    height: u32,
    fps: u32,
    motion: i64,
    seed: Option<i64>,
}

impl Pipeline for ImageToVideo {
    const PATH: &'static str = "image-to-video";

    fn broken(head: &Parts) -> BrokenAnswers {
        if prefers_async(&head.headers) {
            ASYNC_BROKEN
        } else {
            Self::BROKEN
        }
    }

    async fn run(mut call: Call) -> Response {
        let respond_async = prefers_async(&call.head.headers);
        let fields = match call.read_form().await {
            Ok(fields) => fields,
            Err(response) => return response,
        };
        let params = match parse(fields) {
            Ok(params) => params,
            Err(rejection) => return rejection.into_response(),
        };
        let seed = params.seed.unwrap_or_else(random::seed);

        if respond_async {
            return submit(call, params, seed);
        }
        match make_video(params, seed).await {
            Ok(webm) => image_response(&call, vec![(seed, webm)], "webm", "video/webm"),
            Err(msg) => http_error(StatusCode::INTERNAL_SERVER_ERROR, &msg),
        }
    }
}

/// Whether the request asks for the async flow: a `Prefer` header that lists
/// `respond-async`, in any case.
pub fn prefers_async(headers: &HeaderMap) -> bool {
    headers
        .get_all(HeaderName::from_static("prefer"))
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|preference| preference.trim().eq_ignore_ascii_case("respond-async"))
}

/// Draws and encodes the video; fails with a message for people.
async fn make_video(params: Params, seed: i64) -> Result<Vec<u8>, String> {
    let fps = params.fps;
    let Ok(frames) = tokio::task::spawn_blocking(move || frames(&params, seed)).await else {
        return Err("internal server error".to_owned());
    };
    encode_webm(&frames, fps).await.map_err(|err| err.message())
}

/// Opens a job in the call's scope, starts it and answers 202 with its id.
fn submit(call: Call, params: Params, seed: i64) -> Response {
    let ticket = call.state.scopes.open_job(&call.scope);
    let answer = Json(json!({ "request_id": ticket.id }));
    tokio::spawn(run_job(call, params, seed, ticket));
    (StatusCode::ACCEPTED, answer).into_response()
}

/// Runs a job for at least its duration, then stores its result, errors included.
async fn run_job(call: Call, params: Params, seed: i64, ticket: JobTicket) {
    let JobTicket { id, duration, failure } = ticket;
    let work = async move {
        match failure {
            Some(msg) => Err(msg),
            None => make_video(params, seed).await,
        }
    };
    let (outcome, ()) = tokio::join!(work, tokio::time::sleep(duration));

    let result: Value = match outcome {
        Ok(webm) => {
            let images = image_list(&call, &id, vec![(seed, webm)], "webm", "video/webm");
            json!({ "images": images })
        }
        Err(msg) => json!({ "error": { "message": msg } }),
    };
    call.state.scopes.complete_job(&call.scope, &id, result);
}

/// Checks every field of `Body_genImageToVideo`, in the spec's order.
fn parse(mut fields: FormFields) -> Result<Params, Rejection> {
    let image = fields.required_file("image");
    fields.string_or("model_id", "");
    let height = fields.int_in("height", 576, 1..=MAX_SIDE);
    let width = fields.int_in("width", 1024, 1..=MAX_SIDE);
    let fps = fields.int_in("fps", 6, 1..=MAX_FPS);
    let motion = fields.int_or("motion_bucket_id", 127);
    fields.number_or("noise_aug_strength", 0.02);
    fields.bool_or("safety_check", true);
    let seed = fields.optional_int("seed");
    fields.int_or("num_inference_steps", 25);
    fields.finish()?;

    Ok(Params {
        image: image.to_vec(),
        width: u32::try_from(width).unwrap_or(1024),
        height: u32::try_from(height).unwrap_or(576),
        fps: u32::try_from(fps).unwrap_or(6),
        motion,
        seed,
    })
}

/// The encoded size: the requested aspect ratio within [`MAX_VIDEO_SIDE`], even sides.
fn video_size(width: u32, height: u32) -> (u32, u32) {
    let longest = width.max(height).max(1);
    let scale = |side: u32| -> u32 {
        let scaled = if longest > MAX_VIDEO_SIDE {
            (u64::from(side) * u64::from(MAX_VIDEO_SIDE) / u64::from(longest)) as u32
        } else {
            side
        };
        (scaled & !1).max(2)
    };
    (scale(width), scale(height))
}

/// Every frame of the video.
fn frames(params: &Params, seed: i64) -> Vec<Rgb> {
    let (width, height) = video_size(params.width, params.height);
    let base = match decode_png(&params.image) {
        Ok(picture) => picture.resized(width, height),
        Err(_) => draw(&params.image, seed, width, height),
    };
    let mut bits = Bits(fnv1a_parts(&[&params.image], seed));
    let bar_colour = bits.colour();
    let speed = 1 + params.motion.clamp(0, 1023) as u32 / 32;
    let bar_width = (width / 10).max(1);
    let count = params.fps * SECONDS;

    (0..count)
        .map(|t| {
            let pan = (t * speed) % width;
            let bar_start = (t * width / count.max(1) + bits.0 as u32 % width) % width;
            let mut pixels = Vec::with_capacity(base.pixels.len());
            for y in 0..height {
                for x in 0..width {
                    let colour = base.at((x + pan) % width, y);
                    let on_bar = (x + width - bar_start) % width < bar_width;
                    pixels.extend_from_slice(&if on_bar {
                        mix(colour, bar_colour, 700)
                    } else {
                        colour
                    });
                }
            }
            Rgb { width, height, pixels }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn videos_fit_the_cap_with_even_sides() {
        assert_eq!(video_size(1024, 576), (320, 180));
        assert_eq!(video_size(576, 1024), (180, 320));
        assert_eq!(video_size(64, 33), (64, 32));
        assert_eq!(video_size(1, 1), (2, 2));
    }

    #[test]
    fn the_prefer_header_may_list_several_preferences() {
        let mut headers = HeaderMap::new();
        assert!(!prefers_async(&headers));
        headers.insert("prefer", "wait=10, Respond-Async".parse().unwrap());
        assert!(prefers_async(&headers));
        headers.insert("prefer", "respond-asynchronously".parse().unwrap());
        assert!(!prefers_async(&headers));
    }

    #[test]
    fn frames_move_and_repeat() {
        let params = Params {
            image: b"not a png".to_vec(),
            width: 64,
            height: 32,
            fps: 4,
            motion: 127,
            seed: None,
        };
        let first = frames(&params, 3);
        assert_eq!(first.len(), 8);
        assert_ne!(first[0], first[1]);
        assert_eq!(first, frames(&params, 3));
    }
}
