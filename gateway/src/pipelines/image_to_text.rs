//! `POST /image-to-text`: validates the multipart `Body_genImageToText` and answers an
//! `ImageToTextResponse` describing the upload.
//!
//! For a PNG the text names its size and its mean colour; for other bytes it says only
//! that. A few words picked by a hash of the bytes and the prompt follow, and a prompt,
//! when given, starts the text, as captioning models continue their prompt.

use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::{Call, Pipeline};
use crate::digest::{fnv1a_parts, Bits};
use crate::faults::BrokenAnswers;
use crate::form::FormFields;
use crate::raster::decode_png;
use crate::text::{colour_name, words};
use crate::validate::Rejection;

/// The image-to-text pipeline.
#[derive(Debug)]
pub struct ImageToText;

impl Pipeline for ImageToText {
    const PATH: &'static str = "image-to-text";
    const BROKEN: BrokenAnswers =
        BrokenAnswers { truncated: r#"{"text":"a pic"#, wrong_shape: r#"{"text":12345}"# };

    async fn run(mut call: Call) -> Response {
        let fields = match call.read_form().await {
            Ok(fields) => fields,
            Err(response) => return response,
        };
        let (image, prompt) = match parse(fields) {
            Ok(parsed) => parsed,
            Err(rejection) => return rejection.into_response(),
        };
        let text = tokio::task::spawn_blocking(move || describe(&image, &prompt))
            .await
            .unwrap_or_else(|_| "a picture".to_owned());
        Json(json!({ "text": text })).into_response()
    }
}

/// Checks every field of `Body_genImageToText`, in the spec's order.
fn parse(mut fields: FormFields) -> Result<(Vec<u8>, String), Rejection> {
    let image = fields.required_file("image");
    let prompt = fields.string_or("prompt", "");
    fields.string_or("model_id", "");
    fields.finish()?;
    Ok((image.to_vec(), prompt))
}

/// The caption: the same for the same bytes and prompt.
fn describe(image: &[u8], prompt: &str) -> String {
    let mut bits = Bits(fnv1a_parts(&[image, prompt.as_bytes()], 0));
    let count = 2 + bits.below(3) as usize;
    let seen = words(&mut bits, count).join(" and ");
    let what = match decode_png(image) {
        Ok(picture) => format!(
            "a {} by {} picture, mostly {}, with {seen}",
            picture.width,
            picture.height,
            colour_name(picture.mean())
        ),
        Err(_) => format!("a picture with {seen}"),
    };
    let prompt = prompt.trim();
    if prompt.is_empty() {
        what
    } else {
        format!("{prompt} {what}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raster::{encode_png, Rgb};

    #[test]
    fn pngs_are_described_by_size_and_colour() {
        let png = encode_png(&Rgb::filled(40, 30, [230, 30, 30])).unwrap();
        let text = describe(&png, "");
        assert!(text.starts_with("a 40 by 30 picture, mostly red, with "), "{text}");
        assert_eq!(text, describe(&png, ""));
        assert!(describe(&png, "what is this?").starts_with("what is this? a 40 by 30"));
        assert!(describe(b"jpeg bytes", "").starts_with("a picture with "));
    }
}
