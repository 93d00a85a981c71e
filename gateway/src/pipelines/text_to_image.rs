//! `POST /text-to-image`: validates `TextToImageParams` and draws one PNG per image.
//!
//! Answers `{"images":[{"url","seed","nsfw"}]}` as the spec's `ImageResponse`, with
//! absolute URLs under `/stream/<request-id>/<n>.png` (or `data:` URLs, see
//! [`Call::publish`]). Image `n` uses seed `seed + n`; without a seed, one is drawn at
//! random. `nsfw` is always `false`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::{image_response, Call, Pipeline};
use crate::http_error::http_error;
use crate::media::draw_png;
use crate::random;
use crate::validate::{BodyFields, Rejection};

/// The largest width or height this gateway draws.
pub const MAX_SIDE: i64 = 2048;

/// The most images one request may ask for.
pub const MAX_IMAGES: i64 = 12;

/// The text-to-image pipeline.
#[derive(Debug)]
pub struct TextToImage;

/// The fields of `TextToImageParams` that change the answer.
#[derive(Debug, Clone, PartialEq)]
struct Params {
    prompt: String,
    width: u32,
    height: u32,
    seed: Option<i64>,
    count: u32,
}

impl Pipeline for TextToImage {
    const PATH: &'static str = "text-to-image";

    async fn run(call: Call) -> Response {
        let params = match parse(&call.body) {
            Ok(params) => params,
            Err(rejection) => return rejection.into_response(),
        };
        let first_seed = params.seed.unwrap_or_else(random::seed);

        let drawn = tokio::task::spawn_blocking(move || draw_all(&params, first_seed)).await;
        match drawn {
            Ok(Ok(pictures)) => image_response(&call, pictures, "png", "image/png"),
            _ => http_error(StatusCode::INTERNAL_SERVER_ERROR, "internal server error"),
        }
    }
}

/// Checks every field of `TextToImageParams`, in the spec's order.
fn parse(body: &[u8]) -> Result<Params, Rejection> {
    let mut fields = BodyFields::parse(body)?;
    fields.string_or("model_id", "");
    fields.string_or("loras", "");
    let prompt = fields.required_string("prompt");
    let height = fields.int_in("height", 576, 1..=MAX_SIDE);
    let width = fields.int_in("width", 1024, 1..=MAX_SIDE);
    fields.number_or("guidance_scale", 7.5);
    fields.string_or("negative_prompt", "");
    fields.bool_or("safety_check", true);
    let seed = fields.optional_int("seed");
    fields.int_or("num_inference_steps", 50);
    let count = fields.int_in("num_images_per_prompt", 1, 1..=MAX_IMAGES);
    fields.finish()?;

    Ok(Params {
        prompt,
        width: u32::try_from(width).unwrap_or(1024),
        height: u32::try_from(height).unwrap_or(576),
        seed,
        count: u32::try_from(count).unwrap_or(1),
    })
}

/// Draws every image: pairs of (seed, PNG bytes).
fn draw_all(params: &Params, first_seed: i64) -> Result<Vec<(i64, Vec<u8>)>, String> {
    (0..params.count)
        .map(|n| {
            let seed = first_seed.wrapping_add(i64::from(n));
            let png = draw_png(&params.prompt, seed, params.width, params.height)?;
            Ok((seed, png))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_spec() {
        let params = parse(br#"{"prompt":"a cat"}"#).unwrap();
        assert_eq!((params.width, params.height, params.count), (1024, 576, 1));
        assert_eq!(params.seed, None);
    }

    #[test]
    fn sizes_and_counts_are_bounded() {
        let errors =
            parse(br#"{"prompt":"x","width":0,"height":2049,"num_images_per_prompt":13}"#)
                .unwrap_err()
                .0;
        let locs: Vec<String> =
            errors.iter().map(|e| serde_json::to_string(&e.loc).unwrap()).collect();
        assert_eq!(
            locs,
            [r#"["body","height"]"#, r#"["body","width"]"#, r#"["body","num_images_per_prompt"]"#]
        );
    }

    #[test]
    fn wrong_types_are_each_reported() {
        let body = br#"{"prompt":"x","model_id":1,"guidance_scale":"high","safety_check":"yes"}"#;
        let kinds: Vec<&str> = parse(body).unwrap_err().0.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, ["string_type", "float_type", "bool_type"]);
    }

    #[test]
    fn images_use_consecutive_seeds() {
        let params =
            parse(br#"{"prompt":"x","width":8,"height":8,"num_images_per_prompt":3}"#).unwrap();
        let seeds: Vec<i64> = draw_all(&params, 41).unwrap().iter().map(|p| p.0).collect();
        assert_eq!(seeds, [41, 42, 43]);
    }
}
