//! Text-to-image parameters, as the gateway's `TextToImageParams` schema describes them,
//! with the checks made before a request is sent.

use crate::error::JobError;
use serde::{Deserialize, Serialize};

/// Parameters of a text-to-image job. Field names are the gateway's own; absent optional
/// fields are left out of the request so the gateway applies its defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextToImageParams {
    /// What to draw. Several prompts may be separated by `|` where the model supports it.
    pub prompt: String,
    /// The Hugging Face model id; empty lets the gateway choose.
    #[serde(default)]
    pub model_id: String,
    /// A LoRA model and weight, as the gateway's JSON-in-a-string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loras: Option<String>,
    /// Image height in pixels (gateway default 576).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Image width in pixels (gateway default 1024).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// How closely to follow the prompt (gateway default 7.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guidance_scale: Option<f64>,
    /// What to keep out of the image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub negative_prompt: Option<String>,
    /// Whether the gateway flags possibly offensive images (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safety_check: Option<bool>,
    /// The random seed; the same seed and prompt give the same image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Denoising steps (gateway default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_inference_steps: Option<u32>,
    /// How many images to make (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_images_per_prompt: Option<u32>,
}

/// The largest width or height accepted.
pub const MAX_SIDE: u32 = 4096;
/// The most images one job may ask for: the gateway keeps only the last 12 media of a
/// request, so asking for more loses the first ones.
pub const MAX_IMAGES: u32 = 12;

impl TextToImageParams {
    /// Checks what the types cannot; the error names the field and the reason.
    pub fn validate(&self) -> Result<(), JobError> {
        if self.prompt.trim().is_empty() {
            return Err(JobError::invalid_input("prompt", "must not be empty"));
        }
        for (field, value) in [("width", self.width), ("height", self.height)] {
            if let Some(side) = value {
                if side == 0 || side > MAX_SIDE {
                    let reason = format!("must be between 1 and {MAX_SIDE} pixels, not {side}");
                    return Err(JobError::invalid_input(field, reason));
                }
            }
        }
        if let Some(count) = self.num_images_per_prompt {
            if count == 0 || count > MAX_IMAGES {
                let reason = format!("must be between 1 and {MAX_IMAGES}, not {count}");
                return Err(JobError::invalid_input("num_images_per_prompt", reason));
            }
        }
        if self.num_inference_steps == Some(0) {
            return Err(JobError::invalid_input("num_inference_steps", "must be at least 1"));
        }
        if let Some(scale) = self.guidance_scale {
            if !scale.is_finite() || scale < 0.0 {
                let reason = "must be a finite number, 0 or more";
                return Err(JobError::invalid_input("guidance_scale", reason));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::error::ErrorKind;
    use crate::pipelines::{JobParams, Pipeline};

    fn read(json: &str) -> Result<JobParams, crate::error::JobError> {
        JobParams::read(Pipeline::TextToImage, &mut serde_json::Deserializer::from_str(json))
    }

    #[test]
    fn the_smallest_request_is_the_prompt_and_an_empty_model() {
        let params = read(r#"{"prompt":"a red fox"}"#).unwrap();
        let body = serde_json::to_string(&params).unwrap();
        assert_eq!(body, r#"{"prompt":"a red fox","model_id":""}"#);
    }

    #[test]
    fn given_fields_are_sent_with_the_gateways_names() {
        let json = r#"{"prompt":"p","width":64,"height":32,"seed":9,"num_images_per_prompt":2}"#;
        let value = serde_json::to_value(read(json).unwrap()).unwrap();
        assert_eq!(value["width"], 64);
        assert_eq!(value["seed"], 9);
        assert_eq!(value["num_images_per_prompt"], 2);
        assert!(value.get("guidance_scale").is_none());
    }

    #[test]
    fn bad_inputs_name_the_field_and_the_reason() {
        let cases = [
            (r#"{}"#, "params", "missing field `prompt`"),
            (r#"{"prompt":"  "}"#, "prompt", "must not be empty"),
            (r#"{"prompt":7}"#, "prompt", "invalid type"),
            (r#"{"prompt":"p","width":0}"#, "width", "between 1 and 4096"),
            (r#"{"prompt":"p","height":5000}"#, "height", "not 5000"),
            (r#"{"prompt":"p","width":-3}"#, "width", "invalid value"),
            (r#"{"prompt":"p","width":"64"}"#, "width", "invalid type"),
            (r#"{"prompt":"p","num_images_per_prompt":13}"#, "num_images_per_prompt", "1 and 12"),
            (r#"{"prompt":"p","num_inference_steps":0}"#, "num_inference_steps", "at least 1"),
            (r#"{"prompt":"p","guidance_scale":-1}"#, "guidance_scale", "0 or more"),
            (r#"{"prompt":"p","widht":64}"#, "widht", "unknown field `widht`"),
            (r#"{"prompt":"p","seed":1.5}"#, "seed", "invalid type"),
        ];
        for (json, field, reason) in cases {
            let error = read(json).unwrap_err();
            assert_eq!(error.kind, ErrorKind::InvalidInput, "{json}");
            assert_eq!(error.field.as_deref(), Some(field), "{json}: {error}");
            assert!(error.message.contains(reason), "{json}: {error}");
        }
    }
}
