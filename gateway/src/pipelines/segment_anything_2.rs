//! `POST /segment-anything-2`: validates the multipart `Body_genSegmentAnything2` and
//! answers a `MasksResponse` whose three fields are Python's text of nested lists.
//!
//! Masks are discs (for a point prompt) or ellipses (for a box) of three sizes around
//! the first point, the box's centre or, without a prompt, the image's centre: three
//! masks with `multimask_output`, else the middle one. They have the uploaded PNG's
//! height and width, scaled down so that neither passes [`MAX_MASK_SIDE`] (the real
//! runner uses the full size; this keeps the text small). With `return_logits` (the
//! default) masks are float logits, else booleans. `scores` has one float per mask, in
//! descending order, with the masks in the same order; `logits` is `(N, 64, 64)`.
//! Numbers are multiples of 1/8 so they print short (`-3.25`). The scope option
//! `nonfinite_logits` (see [`crate::control`]) makes the first three logits `nan`,
//! `inf` and `-inf`.
//!
//! Point coordinates are pixels of the uploaded image, as with `normalize_coords` on in
//! the runner; with it off they are fractions of the width and height. Prompts that are
//! not valid JSON get the runner's 400; only PNG uploads are read (422 otherwise).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::{Call, Pipeline};
use crate::digest::{fnv1a, Bits};
use crate::faults::BrokenAnswers;
use crate::form::FormFields;
use crate::http_error::http_error;
use crate::pyrepr;
use crate::raster::decode_png;
use crate::validate::Rejection;

/// The largest mask height or width.
pub const MAX_MASK_SIDE: u32 = 256;

/// The height and width of the low-resolution logits.
pub const LOGITS_SIDE: usize = 64;

/// The segment-anything-2 pipeline.
#[derive(Debug)]
pub struct SegmentAnything2;

#[derive(Debug, Clone)]
struct Params {
    image: Vec<u8>,
    width: u32,
    height: u32,
    point_coords: Option<String>,
    point_labels: Option<String>,
    box_prompt: Option<String>,
    mask_input: Option<String>,
    multimask: bool,
    return_logits: bool,
    normalize_coords: bool,
}

/// Where the masks are centred and how far they reach, as fractions of each side.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Target {
    x: f32,
    y: f32,
    reach_x: f32,
    reach_y: f32,
}

impl Pipeline for SegmentAnything2 {
    const PATH: &'static str = "segment-anything-2";
    const BROKEN: BrokenAnswers = BrokenAnswers {
        truncated: r#"{"masks":"[[[True, Fa"#,
        wrong_shape: r#"{"masks":12345,"scores":"[0.5]","logits":"[[[0.5]]]"}"#,
    };

    async fn run(mut call: Call) -> Response {
        let fields = match call.read_form().await {
            Ok(fields) => fields,
            Err(response) => return response,
        };
        let params = match parse(fields) {
            Ok(params) => params,
            Err(rejection) => return rejection.into_response(),
        };
        let target = match target(&params) {
            Ok(target) => target,
            Err(msg) => return http_error(StatusCode::BAD_REQUEST, &msg),
        };
        let nonfinite = call.options.nonfinite_logits;
        let answer = tokio::task::spawn_blocking(move || segment(&params, target, nonfinite));
        match answer.await {
            Ok(answer) => Json(answer).into_response(),
            Err(_) => http_error(StatusCode::INTERNAL_SERVER_ERROR, "internal server error"),
        }
    }
}

/// Checks every field of `Body_genSegmentAnything2`, in the spec's order.
fn parse(mut fields: FormFields) -> Result<Params, Rejection> {
    let image = fields.required_file("image");
    let size = if image.is_empty() {
        None
    } else {
        match decode_png(&image) {
            Ok(picture) => Some((picture.width, picture.height)),
            Err(why) => {
                let msg = format!("Value error, this gateway segments PNG images only: {why}");
                fields.reject("image", "value_error", msg);
                None
            }
        }
    };
    fields.string_or("model_id", "");
    let point_coords = fields.optional_string("point_coords");
    let point_labels = fields.optional_string("point_labels");
    let box_prompt = fields.optional_string("box");
    let mask_input = fields.optional_string("mask_input");
    let multimask = fields.bool_or("multimask_output", true);
    let return_logits = fields.bool_or("return_logits", true);
    let normalize_coords = fields.bool_or("normalize_coords", true);
    fields.finish()?;

    let (width, height) = size.unwrap_or((1, 1));
    Ok(Params {
        image: image.to_vec(),
        width,
        height,
        point_coords,
        point_labels,
        box_prompt,
        mask_input,
        multimask,
        return_logits,
        normalize_coords,
    })
}

/// Parses a JSON prompt the way the runner does, with its error message.
fn json_prompt(name: &str, text: Option<&str>) -> Result<Option<Value>, String> {
    match text {
        None | Some("") => Ok(None),
        Some(text) => serde_json::from_str(text)
            .map(Some)
            .map_err(|err| format!("Error parsing JSON for {name}: {err}")),
    }
}

/// Numbers from a JSON value, flattened.
fn numbers(value: &Value) -> Vec<f64> {
    match value {
        Value::Number(number) => number.as_f64().into_iter().collect(),
        Value::Array(items) => items.iter().flat_map(numbers).collect(),
        _ => Vec::new(),
    }
}

/// Where the masks go, from the box, else the first point, else the image's centre.
fn target(params: &Params) -> Result<Target, String> {
    let coords = json_prompt("point_coords", params.point_coords.as_deref())?;
    json_prompt("point_labels", params.point_labels.as_deref())?;
    let box_prompt = json_prompt("box", params.box_prompt.as_deref())?;
    json_prompt("mask_input", params.mask_input.as_deref())?;

    let (w, h) = (params.width.max(1) as f32, params.height.max(1) as f32);
    let scale = |x: f64, y: f64| -> (f32, f32) {
        if params.normalize_coords {
            (x as f32 / w, y as f32 / h)
        } else {
            (x as f32, y as f32)
        }
    };

    if let Some(corners) = box_prompt {
        let corners = numbers(&corners);
        let [x0, y0, x1, y1] = corners[..] else {
            return Err("box must be a list of 4 numbers: [x0, y0, x1, y1]".to_owned());
        };
        let (x0, y0) = scale(x0, y0);
        let (x1, y1) = scale(x1, y1);
        return Ok(Target {
            x: (x0 + x1) / 2.0,
            y: (y0 + y1) / 2.0,
            reach_x: ((x1 - x0).abs() / 2.0).max(0.02),
            reach_y: ((y1 - y0).abs() / 2.0).max(0.02),
        });
    }
    if let Some(points) = coords {
        let points = numbers(&points);
        if points.len() < 2 || !points.len().is_multiple_of(2) {
            return Err("point_coords must be a list of [x, y] pairs".to_owned());
        }
        let (x, y) = scale(points[0], points[1]);
        return Ok(Target { x, y, reach_x: 0.25, reach_y: 0.25 });
    }
    Ok(Target { x: 0.5, y: 0.5, reach_x: 0.25, reach_y: 0.25 })
}

/// The size of the masks: the image's, scaled to fit [`MAX_MASK_SIDE`].
fn mask_size(width: u32, height: u32) -> (usize, usize) {
    let longest = width.max(height).max(1);
    let fit = |side: u32| -> usize {
        let side = if longest > MAX_MASK_SIDE {
            u64::from(side) * u64::from(MAX_MASK_SIDE) / u64::from(longest)
        } else {
            u64::from(side)
        };
        side.max(1) as usize
    };
    (fit(width), fit(height))
}

/// The logit of a pixel at `(u, v)` (fractions of each side) for a mask of `size`.
fn logit(target: Target, size: f32, u: f32, v: f32) -> f32 {
    let dx = (u - target.x) / (target.reach_x * size);
    let dy = (v - target.y) / (target.reach_y * size);
    let distance = (dx * dx + dy * dy).sqrt();
    let value = ((1.0 - distance) * 8.0).clamp(-12.0, 12.0);
    (value * 8.0).round() / 8.0
}

/// Logits of every mask on a `width`×`height` grid, mask by mask, row by row.
fn grid(target: Target, sizes: &[f32], width: usize, height: usize) -> Vec<f32> {
    let mut values = Vec::with_capacity(sizes.len() * width * height);
    for &size in sizes {
        for row in 0..height {
            let v = (row as f32 + 0.5) / height as f32;
            for column in 0..width {
                let u = (column as f32 + 0.5) / width as f32;
                values.push(logit(target, size, u, v));
            }
        }
    }
    values
}

/// The `MasksResponse`.
fn segment(params: &Params, target: Target, nonfinite: bool) -> Value {
    let mut bits = Bits(fnv1a(&params.image, 0));
    let base = 0.5 + bits.below(128) as f32 / 1024.0;
    let turn = bits.below(3) as usize;
    let mut ranked: Vec<(f32, f32)> = [0.6f32, 1.0, 1.5]
        .into_iter()
        .enumerate()
        .map(|(n, size)| (size, base + 0.125 * ((n + turn) % 3) as f32))
        .collect();
    if !params.multimask {
        ranked = vec![(1.0, ranked[1].1)];
    }
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let sizes: Vec<f32> = ranked.iter().map(|r| r.0).collect();
    let scores: Vec<f32> = ranked.iter().map(|r| r.1).collect();
    let count = ranked.len();

    let (width, height) = mask_size(params.width, params.height);
    let masks = grid(target, &sizes, width, height);
    let masks = if params.return_logits {
        pyrepr::nested(&[count, height, width], &masks, pyrepr::f32_item)
    } else {
        let binary: Vec<bool> = masks.iter().map(|&value| value > 0.0).collect();
        pyrepr::nested(&[count, height, width], &binary, pyrepr::bool_item)
    };

    let mut logits = grid(target, &sizes, LOGITS_SIDE, LOGITS_SIDE);
    if nonfinite {
        logits[..3].copy_from_slice(&[f32::NAN, f32::INFINITY, f32::NEG_INFINITY]);
    }
    json!({
        "masks": masks,
        "scores": pyrepr::nested(&[count], &scores, pyrepr::f32_item),
        "logits": pyrepr::nested(&[count, LOGITS_SIDE, LOGITS_SIDE], &logits, pyrepr::f32_item),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(width: u32, height: u32) -> Params {
        Params {
            image: vec![1, 2, 3],
            width,
            height,
            point_coords: None,
            point_labels: None,
            box_prompt: None,
            mask_input: None,
            multimask: true,
            return_logits: true,
            normalize_coords: true,
        }
    }

    #[test]
    fn masks_are_scaled_to_the_cap() {
        assert_eq!(mask_size(40, 30), (40, 30));
        assert_eq!(mask_size(1024, 512), (256, 128));
        assert_eq!(mask_size(4000, 1), (256, 1));
    }

    #[test]
    fn prompts_place_the_target() {
        let mut p = params(200, 100);
        p.point_coords = Some("[[50, 25], [1, 1]]".into());
        let point = target(&p).unwrap();
        assert_eq!((point.x, point.y), (0.25, 0.25));
        p.box_prompt = Some("[0, 0, 100, 100]".into());
        let boxed = target(&p).unwrap();
        assert_eq!((boxed.x, boxed.y, boxed.reach_x), (0.25, 0.5, 0.25));
        p.normalize_coords = false;
        p.box_prompt = None;
        p.point_coords = Some("[[0.5, 0.5]]".into());
        assert_eq!(target(&p).unwrap().x, 0.5);
        p.point_coords = Some("[[1, 2".into());
        let err = target(&p).unwrap_err();
        assert!(err.starts_with("Error parsing JSON for point_coords: "), "{err}");
    }

    #[test]
    fn scores_descend_and_binary_masks_print_booleans() {
        let mut p = params(8, 4);
        p.return_logits = false;
        let answer = segment(&p, target(&p).unwrap(), false);
        let scores = answer["scores"].as_str().unwrap();
        let parsed: Vec<f64> = serde_json::from_str(scores).unwrap();
        assert_eq!(parsed.len(), 3);
        assert!(parsed.windows(2).all(|w| w[0] > w[1]), "{scores}");
        let masks = answer["masks"].as_str().unwrap();
        assert!(masks.starts_with("[[[") && masks.contains("True") && masks.contains("False"));
        assert_eq!(masks.matches("True").count() + masks.matches("False").count(), 3 * 8 * 4);
    }

    #[test]
    fn nonfinite_logits_print_like_python() {
        let mut p = params(8, 8);
        p.multimask = false;
        let answer = segment(&p, target(&p).unwrap(), true);
        assert!(answer["logits"].as_str().unwrap().starts_with("[[[nan, inf, -inf, "));
        assert_eq!(answer["scores"].as_str().unwrap().matches(", ").count(), 0);
    }
}
