//! `POST /upscale`: validates the multipart `Body_genUpscale` and answers an
//! `ImageResponse` with the uploaded PNG at twice its width and height.
//!
//! Each side is doubled with nearest-neighbour sampling and capped at [`MAX_OUTPUT_SIDE`].
//! Only PNG uploads are read: anything else gets a 422 on `image`, whereas the real
//! gateway's runner accepts every format that Pillow opens.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::{image_response, Call, Pipeline};
use crate::form::FormFields;
use crate::http_error::http_error;
use crate::random;
use crate::raster::{decode_png, encode_png, Rgb};
use crate::validate::Rejection;

/// The largest width or height of an upscaled picture.
pub const MAX_OUTPUT_SIDE: u32 = 4096;

/// The upscale pipeline.
#[derive(Debug)]
pub struct Upscale;

impl Pipeline for Upscale {
    const PATH: &'static str = "upscale";

    async fn run(mut call: Call) -> Response {
        let fields = match call.read_form().await {
            Ok(fields) => fields,
            Err(response) => return response,
        };
        let (picture, seed) = match parse(fields) {
            Ok(parsed) => parsed,
            Err(rejection) => return rejection.into_response(),
        };
        let seed = seed.unwrap_or_else(random::seed);

        let made = tokio::task::spawn_blocking(move || encode_png(&upscaled(&picture))).await;
        match made {
            Ok(Ok(png)) => image_response(&call, vec![(seed, png)], "png", "image/png"),
            _ => http_error(StatusCode::INTERNAL_SERVER_ERROR, "internal server error"),
        }
    }
}

/// Checks every field of `Body_genUpscale`, in the spec's order, and decodes the image.
fn parse(mut fields: FormFields) -> Result<(Rgb, Option<i64>), Rejection> {
    fields.required_string("prompt");
    let image = fields.required_file("image");
    let picture = if image.is_empty() {
        None
    } else {
        match decode_png(&image) {
            Ok(picture) => Some(picture),
            Err(why) => {
                let msg = format!("Value error, this gateway upscales PNG images only: {why}");
                fields.reject("image", "value_error", msg);
                None
            }
        }
    };
    fields.string_or("model_id", "");
    fields.bool_or("safety_check", true);
    let seed = fields.optional_int("seed");
    fields.int_or("num_inference_steps", 75);
    fields.finish()?;

    let picture = picture.unwrap_or_else(|| Rgb::filled(1, 1, [0, 0, 0]));
    Ok((picture, seed))
}

/// The picture at twice its size, each side capped at [`MAX_OUTPUT_SIDE`].
fn upscaled(picture: &Rgb) -> Rgb {
    let width = picture.width.saturating_mul(2).min(MAX_OUTPUT_SIDE);
    let height = picture.height.saturating_mul(2).min(MAX_OUTPUT_SIDE);
    picture.resized(width, height)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sides_double_up_to_the_cap() {
        let small = upscaled(&Rgb::filled(3, 5, [1, 2, 3]));
        assert_eq!((small.width, small.height), (6, 10));
        let wide = upscaled(&Rgb::filled(3000, 2, [1, 2, 3]));
        assert_eq!((wide.width, wide.height), (4096, 4));
    }
}
