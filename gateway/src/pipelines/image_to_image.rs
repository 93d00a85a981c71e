//! `POST /image-to-image`: validates the multipart `Body_genImageToImage` and answers
//! an `ImageResponse` of PNGs derived from the uploaded image.
//!
//! A PNG upload (any colour type) gives pictures of the same size: the upload shifted
//! and tinted by a hash of the prompt and the seed, the tint as strong as `strength`
//! asks. Any other upload gives 512×512 pictures drawn from a hash of its bytes, treated
//! the same way. Image `n` uses seed `seed + n`; the same inputs and seed give the same
//! bytes.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::{image_response, Call, Pipeline};
use crate::digest::{fnv1a_parts, Bits};
use crate::form::FormFields;
use crate::http_error::http_error;
use crate::media::draw;
use crate::random;
use crate::raster::{decode_png, encode_png, mix, Rgb};
use crate::validate::Rejection;

/// The most images one request may ask for.
pub const MAX_IMAGES: i64 = 12;

/// The side of the picture made from an upload that is not a PNG.
pub const FALLBACK_SIDE: u32 = 512;

/// The image-to-image pipeline.
#[derive(Debug)]
pub struct ImageToImage;

#[derive(Debug, Clone)]
struct Params {
    prompt: String,
    image: Vec<u8>,
    strength: f64,
    seed: Option<i64>,
    count: u32,
}

impl Pipeline for ImageToImage {
    const PATH: &'static str = "image-to-image";

    async fn run(mut call: Call) -> Response {
        let fields = match call.read_form().await {
            Ok(fields) => fields,
            Err(response) => return response,
        };
        let params = match parse(fields) {
            Ok(params) => params,
            Err(rejection) => return rejection.into_response(),
        };
        let first_seed = params.seed.unwrap_or_else(random::seed);

        let made = tokio::task::spawn_blocking(move || make_all(&params, first_seed)).await;
        match made {
            Ok(Ok(pictures)) => image_response(&call, pictures, "png", "image/png"),
            _ => http_error(StatusCode::INTERNAL_SERVER_ERROR, "internal server error"),
        }
    }
}

/// Checks every field of `Body_genImageToImage`, in the spec's order.
fn parse(mut fields: FormFields) -> Result<Params, Rejection> {
    let prompt = fields.required_string("prompt");
    let image = fields.required_file("image");
    fields.string_or("model_id", "");
    fields.string_or("loras", "");
    let strength = fields.number_or("strength", 0.8);
    fields.number_or("guidance_scale", 7.5);
    fields.number_or("image_guidance_scale", 1.5);
    fields.string_or("negative_prompt", "");
    fields.bool_or("safety_check", true);
    let seed = fields.optional_int("seed");
    fields.int_or("num_inference_steps", 100);
    let count = fields.int_in("num_images_per_prompt", 1, 1..=MAX_IMAGES);
    fields.finish()?;

    let count = u32::try_from(count).unwrap_or(1);
    Ok(Params { prompt, image: image.to_vec(), strength, seed, count })
}

/// Makes every picture: pairs of (seed, PNG bytes).
fn make_all(params: &Params, first_seed: i64) -> Result<Vec<(i64, Vec<u8>)>, String> {
    let source = decode_png(&params.image)
        .unwrap_or_else(|_| draw(&params.image, 0, FALLBACK_SIDE, FALLBACK_SIDE));
    (0..params.count)
        .map(|n| {
            let seed = first_seed.wrapping_add(i64::from(n));
            let picture = transform(&source, &params.prompt, seed, params.strength);
            Ok((seed, encode_png(&picture)?))
        })
        .collect()
}

/// Shifts the picture by up to an eighth of each side and blends it towards a tint.
fn transform(source: &Rgb, prompt: &str, seed: i64, strength: f64) -> Rgb {
    let mut bits = Bits(fnv1a_parts(&[prompt.as_bytes(), &source.pixels], seed));
    let tint = bits.colour();
    let (width, height) = (source.width, source.height);
    let dx = bits.below(u64::from(width / 8) + 1) as u32;
    let dy = bits.below(u64::from(height / 8) + 1) as u32;
    let amount = (strength.clamp(0.0, 1.0) * 720.0) as u64;

    let mut pixels = Vec::with_capacity(source.pixels.len());
    for y in 0..height {
        for x in 0..width {
            let from = source.at((x + dx) % width, (y + dy) % height);
            pixels.extend_from_slice(&mix(from, tint, amount));
        }
    }
    Rgb { width, height, pixels }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(image: Vec<u8>, seed: i64) -> (Params, i64) {
        let params =
            Params { prompt: "a fox".into(), image, strength: 0.5, seed: Some(seed), count: 2 };
        (params, seed)
    }

    #[test]
    fn png_uploads_keep_their_size() {
        let upload = encode_png(&Rgb::filled(30, 20, [10, 200, 30])).unwrap();
        let (p, seed) = params(upload, 4);
        let pictures = make_all(&p, seed).unwrap();
        assert_eq!(pictures.iter().map(|p| p.0).collect::<Vec<_>>(), [4, 5]);
        let decoded = decode_png(&pictures[0].1).unwrap();
        assert_eq!((decoded.width, decoded.height), (30, 20));
        assert_ne!(pictures[0].1, pictures[1].1);
    }

    #[test]
    fn other_uploads_give_512_squares_and_repeat() {
        let (p, seed) = params(b"GIF89a-ish".to_vec(), 9);
        let first = make_all(&p, seed).unwrap();
        let again = make_all(&p, seed).unwrap();
        assert_eq!(first, again);
        let decoded = decode_png(&first[0].1).unwrap();
        assert_eq!((decoded.width, decoded.height), (512, 512));
    }
}
