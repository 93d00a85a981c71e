//! Small checks shared by the pipelines' parameter validation. Each returns an
//! `invalid_input` error naming the field and the reason.

use crate::decimal::Decimal;
use crate::error::JobError;

/// The text must hold something other than white space.
pub fn not_blank(field: &str, value: &str) -> Result<(), JobError> {
    if value.trim().is_empty() {
        return Err(JobError::invalid_input(field, "must not be empty"));
    }
    Ok(())
}

/// An optional whole number must lie in `min..=max`.
pub fn int_in(field: &str, value: Option<i64>, min: i64, max: i64) -> Result<(), JobError> {
    match value {
        Some(v) if v < min || v > max => Err(JobError::invalid_input(
            field,
            format!("must be between {min} and {max}, not {v}"),
        )),
        _ => Ok(()),
    }
}

/// An optional number must be finite and lie in `min..=max`.
pub fn number_in(field: &str, value: Option<f64>, min: f64, max: f64) -> Result<(), JobError> {
    match value {
        Some(v) if !v.is_finite() => {
            Err(JobError::invalid_input(field, "must be a finite number"))
        }
        Some(v) if v < min || v > max => {
            let (min, max, v) = (Decimal(min), Decimal(max), Decimal(v));
            Err(JobError::invalid_input(
                field,
                format!("must be between {min} and {max}, not {v}"),
            ))
        }
        _ => Ok(()),
    }
}

/// The largest width or height accepted for generated images and videos.
/// The largest seed taken: 2^53 − 1, the largest whole number JS holds exactly (a larger
/// one typed in a page has already been rounded).
pub const MAX_SEED: u64 = (1 << 53) - 1;

/// Checks a seed against [`MAX_SEED`].
pub fn seed(value: Option<u64>) -> Result<(), JobError> {
    match value {
        Some(v) if v > MAX_SEED => {
            let reason = format!("must be at most {MAX_SEED}, not {}", Decimal(v as f64));
            Err(JobError::invalid_input("seed", reason))
        }
        _ => Ok(()),
    }
}

pub const MAX_SIDE: i64 = 4096;
/// The most images one job may ask for: the gateway keeps only the last 12 media of a
/// request, so asking for more loses the first ones.
pub const MAX_IMAGES: i64 = 12;

/// Width and height, when given, must be 1 to [`MAX_SIDE`] pixels.
pub fn size(width: Option<u32>, height: Option<u32>) -> Result<(), JobError> {
    int_in("width", width.map(i64::from), 1, MAX_SIDE)?;
    int_in("height", height.map(i64::from), 1, MAX_SIDE)
}

/// The fields most image pipelines share: steps, image count and guidance.
pub fn generation(
    steps: Option<u32>,
    images: Option<u32>,
    guidance_scale: Option<f64>,
) -> Result<(), JobError> {
    int_in("num_inference_steps", steps.map(i64::from), 1, 1000)?;
    int_in("num_images_per_prompt", images.map(i64::from), 1, MAX_IMAGES)?;
    number_in("guidance_scale", guidance_scale, 0.0, 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_name_the_field_and_the_bounds() {
        assert!(not_blank("prompt", "fox").is_ok());
        assert_eq!(not_blank("prompt", " \n").unwrap_err().message, "prompt: must not be empty");
        let error = int_in("fps", Some(0), 1, 60).unwrap_err();
        assert_eq!(error.message, "fps: must be between 1 and 60, not 0");
        assert!(int_in("fps", None, 1, 60).is_ok());
        let error = number_in("strength", Some(f64::INFINITY), 0.0, 1.0).unwrap_err();
        assert_eq!(error.field.as_deref(), Some("strength"));
        assert!(number_in("strength", Some(1.0), 0.0, 1.0).is_ok());
        assert_eq!(size(Some(64), Some(0)).unwrap_err().field.as_deref(), Some("height"));
    }
}
