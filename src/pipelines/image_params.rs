//! Parameters of the image pipelines: text-to-image, image-to-image, upscale,
//! image-to-video and image-to-text, as the gateway's schemas describe them, with the
//! checks made before anything is sent. Field names are the gateway's own; an absent
//! optional field is left out of the request so the gateway applies its default. The
//! input image itself is not a field here: the browser layer carries it as a file.

use super::check::{generation, int_in, not_blank, number_in, seed, size};
use crate::error::JobError;
use crate::value::{self, Read, Value};

/// Parameters of a text-to-image job.
#[derive(Clone, Debug, PartialEq)]
pub struct TextToImageParams {
    /// What to draw. Several prompts may be separated by `|` where the model supports it.
    pub prompt: String,
    /// The Hugging Face model id; empty lets the gateway choose.
    pub model_id: String,
    /// LoRA models and weights, as the gateway's JSON-in-a-string.
    pub loras: Option<String>,
    /// Image height in pixels (gateway default 576).
    pub height: Option<u32>,
    /// Image width in pixels (gateway default 1024).
    pub width: Option<u32>,
    /// How closely to follow the prompt (gateway default 7.5).
    pub guidance_scale: Option<f64>,
    /// What to keep out of the image.
    pub negative_prompt: Option<String>,
    /// Whether the gateway flags possibly offensive images (default true).
    pub safety_check: Option<bool>,
    /// The random seed; the same seed and prompt give the same image.
    pub seed: Option<u64>,
    /// Denoising steps (gateway default 50).
    pub num_inference_steps: Option<u32>,
    /// How many images to make (default 1, at most 12).
    pub num_images_per_prompt: Option<u32>,
}

impl TextToImageParams {
    /// Checks what the types cannot; the error names the field and the reason.
    pub fn validate(&self) -> Result<(), JobError> {
        not_blank("prompt", &self.prompt)?;
        size(self.width, self.height)?;
        seed(self.seed)?;
        generation(self.num_inference_steps, self.num_images_per_prompt, self.guidance_scale)
    }
}

/// Parameters of an image-to-image job (the input image travels beside them).
#[derive(Clone, Debug, PartialEq)]
pub struct ImageToImageParams {
    /// How to change the image.
    pub prompt: String,
    /// The Hugging Face model id; empty lets the gateway choose.
    pub model_id: String,
    /// LoRA models and weights, as the gateway's JSON-in-a-string.
    pub loras: Option<String>,
    /// How far from the input to move, 0 to 1 (gateway default 0.8).
    pub strength: Option<f64>,
    /// How closely to follow the prompt (gateway default 7.5).
    pub guidance_scale: Option<f64>,
    /// How closely to stay with the input image (gateway default 1.5).
    pub image_guidance_scale: Option<f64>,
    /// What to keep out of the image.
    pub negative_prompt: Option<String>,
    /// Whether the gateway flags possibly offensive images (default true).
    pub safety_check: Option<bool>,
    /// The random seed.
    pub seed: Option<u64>,
    /// Denoising steps (gateway default 100).
    pub num_inference_steps: Option<u32>,
    /// How many images to make (default 1, at most 12).
    pub num_images_per_prompt: Option<u32>,
}

impl ImageToImageParams {
    /// Checks what the types cannot; the error names the field and the reason.
    pub fn validate(&self) -> Result<(), JobError> {
        not_blank("prompt", &self.prompt)?;
        seed(self.seed)?;
        number_in("strength", self.strength, 0.0, 1.0)?;
        number_in("image_guidance_scale", self.image_guidance_scale, 0.0, 100.0)?;
        generation(self.num_inference_steps, self.num_images_per_prompt, self.guidance_scale)
    }
}

/// Parameters of an upscale job (the input image travels beside them).
#[derive(Clone, Debug, PartialEq)]
pub struct UpscaleParams {
    /// What the upscaled image shows, to guide the added detail.
    pub prompt: String,
    /// The Hugging Face model id; empty lets the gateway choose.
    pub model_id: String,
    /// Whether the gateway flags possibly offensive images (default true).
    pub safety_check: Option<bool>,
    /// The random seed.
    pub seed: Option<u64>,
    /// Denoising steps (gateway default 75).
    pub num_inference_steps: Option<u32>,
}

impl UpscaleParams {
    /// Checks what the types cannot; the error names the field and the reason.
    pub fn validate(&self) -> Result<(), JobError> {
        not_blank("prompt", &self.prompt)?;
        seed(self.seed)?;
        generation(self.num_inference_steps, None, None)
    }
}

/// Parameters of an image-to-video job (the input image travels beside them).
#[derive(Clone, Debug, PartialEq)]
pub struct ImageToVideoParams {
    /// The Hugging Face model id; empty lets the gateway choose.
    pub model_id: String,
    /// Video height in pixels (gateway default 576).
    pub height: Option<u32>,
    /// Video width in pixels (gateway default 1024).
    pub width: Option<u32>,
    /// Frames per second, 1 to 60 (gateway default 6).
    pub fps: Option<u32>,
    /// How much motion, 0 to 255 (gateway default 127).
    pub motion_bucket_id: Option<u32>,
    /// Noise added to the input, 0 to 1 (gateway default 0.02).
    pub noise_aug_strength: Option<f64>,
    /// Whether the gateway flags possibly offensive frames (default true).
    pub safety_check: Option<bool>,
    /// The random seed.
    pub seed: Option<u64>,
    /// Denoising steps (gateway default 25).
    pub num_inference_steps: Option<u32>,
}

impl ImageToVideoParams {
    /// Checks what the types cannot; the error names the field and the reason.
    pub fn validate(&self) -> Result<(), JobError> {
        size(self.width, self.height)?;
        seed(self.seed)?;
        int_in("fps", self.fps.map(i64::from), 1, 60)?;
        int_in("motion_bucket_id", self.motion_bucket_id.map(i64::from), 0, 255)?;
        number_in("noise_aug_strength", self.noise_aug_strength, 0.0, 1.0)?;
        generation(self.num_inference_steps, None, None)
    }
}

/// Parameters of an image-to-text job (the input image travels beside them).
#[derive(Clone, Debug, PartialEq)]
pub struct ImageToTextParams {
    /// What to ask about the image; empty asks for a caption.
    pub prompt: Option<String>,
    /// The Hugging Face model id; empty lets the gateway choose.
    pub model_id: String,
}

impl TextToImageParams {
    /// The fields, by their gateway names.
    pub const FIELDS: &'static [&'static str] = &[
        "prompt",
        "model_id",
        "loras",
        "height",
        "width",
        "guidance_scale",
        "negative_prompt",
        "safety_check",
        "seed",
        "num_inference_steps",
        "num_images_per_prompt",
    ];
}

impl Read for TextToImageParams {
    fn read(value: &Value) -> value::Result<Self> {
        let fields = value.fields();
        fields.done(TextToImageParams {
            prompt: fields.req("prompt"),
            model_id: fields.or_default("model_id"),
            loras: fields.opt("loras"),
            height: fields.opt("height"),
            width: fields.opt("width"),
            guidance_scale: fields.opt("guidance_scale"),
            negative_prompt: fields.opt("negative_prompt"),
            safety_check: fields.opt("safety_check"),
            seed: fields.opt("seed"),
            num_inference_steps: fields.opt("num_inference_steps"),
            num_images_per_prompt: fields.opt("num_images_per_prompt"),
        })
    }
}

impl ImageToImageParams {
    /// The fields, by their gateway names.
    pub const FIELDS: &'static [&'static str] = &[
        "prompt",
        "model_id",
        "loras",
        "strength",
        "guidance_scale",
        "image_guidance_scale",
        "negative_prompt",
        "safety_check",
        "seed",
        "num_inference_steps",
        "num_images_per_prompt",
    ];
}

impl Read for ImageToImageParams {
    fn read(value: &Value) -> value::Result<Self> {
        let fields = value.fields();
        fields.done(ImageToImageParams {
            prompt: fields.req("prompt"),
            model_id: fields.or_default("model_id"),
            loras: fields.opt("loras"),
            strength: fields.opt("strength"),
            guidance_scale: fields.opt("guidance_scale"),
            image_guidance_scale: fields.opt("image_guidance_scale"),
            negative_prompt: fields.opt("negative_prompt"),
            safety_check: fields.opt("safety_check"),
            seed: fields.opt("seed"),
            num_inference_steps: fields.opt("num_inference_steps"),
            num_images_per_prompt: fields.opt("num_images_per_prompt"),
        })
    }
}

impl UpscaleParams {
    /// The fields, by their gateway names.
    pub const FIELDS: &'static [&'static str] =
        &["prompt", "model_id", "safety_check", "seed", "num_inference_steps"];
}

impl Read for UpscaleParams {
    fn read(value: &Value) -> value::Result<Self> {
        let fields = value.fields();
        fields.done(UpscaleParams {
            prompt: fields.req("prompt"),
            model_id: fields.or_default("model_id"),
            safety_check: fields.opt("safety_check"),
            seed: fields.opt("seed"),
            num_inference_steps: fields.opt("num_inference_steps"),
        })
    }
}

impl ImageToVideoParams {
    /// The fields, by their gateway names.
    pub const FIELDS: &'static [&'static str] = &[
        "model_id",
        "height",
        "width",
        "fps",
        "motion_bucket_id",
        "noise_aug_strength",
        "safety_check",
        "seed",
        "num_inference_steps",
    ];
}

impl Read for ImageToVideoParams {
    fn read(value: &Value) -> value::Result<Self> {
        let fields = value.fields();
        fields.done(ImageToVideoParams {
            model_id: fields.or_default("model_id"),
            height: fields.opt("height"),
            width: fields.opt("width"),
            fps: fields.opt("fps"),
            motion_bucket_id: fields.opt("motion_bucket_id"),
            noise_aug_strength: fields.opt("noise_aug_strength"),
            safety_check: fields.opt("safety_check"),
            seed: fields.opt("seed"),
            num_inference_steps: fields.opt("num_inference_steps"),
        })
    }
}

impl ImageToTextParams {
    /// The fields, by their gateway names.
    pub const FIELDS: &'static [&'static str] = &["prompt", "model_id"];
}

impl Read for ImageToTextParams {
    fn read(value: &Value) -> value::Result<Self> {
        let fields = value.fields();
        fields.done(ImageToTextParams {
            prompt: fields.opt("prompt"),
            model_id: fields.or_default("model_id"),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::error::{ErrorKind, JobError};
    use crate::pipelines::{sent, JobParams, Pipeline};

    fn read(pipeline: Pipeline, json: &str) -> Result<JobParams, JobError> {
        JobParams::read(pipeline, &crate::value::Value::from_json(json).unwrap())
    }

    #[test]
    fn the_smallest_request_is_the_required_fields_and_an_empty_model() {
        let body = sent(Pipeline::TextToImage, r#"{"prompt":"a red fox","seed":null}"#);
        assert_eq!(body.unwrap().to_string(), r#"{"model_id":"","prompt":"a red fox"}"#);
        let video = sent(Pipeline::ImageToVideo, "{}").unwrap();
        assert_eq!(video.to_string(), r#"{"model_id":""}"#);
        let caption = sent(Pipeline::ImageToText, r#"{"model_id":"m"}"#).unwrap();
        assert_eq!(caption.to_string(), r#"{"model_id":"m"}"#);
    }

    #[test]
    fn given_fields_are_sent_with_the_gateways_names() {
        let json = r#"{"prompt":"p","width":64,"height":32,"seed":9,"num_images_per_prompt":2}"#;
        let value = sent(Pipeline::TextToImage, json).unwrap();
        assert_eq!(value["width"], 64);
        assert_eq!(value["seed"], 9);
        assert_eq!(value["num_images_per_prompt"], 2);
        assert!(value.get("guidance_scale").is_none());
    }

    #[test]
    fn bad_inputs_name_the_field_and_the_reason() {
        use Pipeline::*;
        let cases = [
            (TextToImage, r#"{}"#, "prompt", "is required"),
            (TextToImage, r#"{"prompt":"  "}"#, "prompt", "must not be empty"),
            (TextToImage, r#"{"prompt":7}"#, "prompt", "must be a string (got 7)"),
            (TextToImage, r#"{"prompt":"p","width":0}"#, "width", "between 1 and 4096"),
            (TextToImage, r#"{"prompt":"p","height":5000}"#, "height", "not 5000"),
            (TextToImage, r#"{"prompt":"p","width":-3}"#, "width", "a whole number, 0 or more"),
            (TextToImage, r#"{"prompt":"p","width":"64"}"#, "width", "must be a whole number"),
            (
                TextToImage,
                r#"{"prompt":"p","num_images_per_prompt":13}"#,
                "num_images_per_prompt",
                "1 and 12",
            ),
            (
                TextToImage,
                r#"{"prompt":"p","num_inference_steps":0}"#,
                "num_inference_steps",
                "1 and 1000",
            ),
            (TextToImage, r#"{"prompt":"p","guidance_scale":-1}"#, "guidance_scale", "0 and 100"),
            (
                TextToImage,
                r#"{"prompt":"p","widht":64}"#,
                "widht",
                "is not a field of text-to-image",
            ),
            (TextToImage, r#"{"prompt":"p","seed":1.5}"#, "seed", "must be a whole number"),
            (TextToImage, r#"{"prompt":"p","seed":1e19}"#, "seed", "at most 9007199254740991"),
            (ImageToImage, r#"{"prompt":"p","seed":9007199254740992}"#, "seed", "at most"),
            (Upscale, r#"{"prompt":"p","seed":1e16}"#, "seed", "at most"),
            (ImageToVideo, r#"{"seed":1e16}"#, "seed", "at most"),
            (ImageToImage, r#"{"prompt":"p","strength":1.5}"#, "strength", "between 0 and 1"),
            (ImageToImage, r#"{"strength":0.5}"#, "prompt", "is required"),
            (Upscale, r#"{"prompt":""}"#, "prompt", "must not be empty"),
            (ImageToVideo, r#"{"fps":0}"#, "fps", "between 1 and 60"),
            (ImageToVideo, r#"{"motion_bucket_id":300}"#, "motion_bucket_id", "0 and 255"),
            (ImageToVideo, r#"{"noise_aug_strength":-0.1}"#, "noise_aug_strength", "0 and 1"),
            (ImageToText, r#"{"prompt":["x"]}"#, "prompt", "must be a string"),
        ];
        for (pipeline, json, field, reason) in cases {
            let error = read(pipeline, json).unwrap_err();
            assert_eq!(error.kind, ErrorKind::InvalidInput, "{json}");
            assert_eq!(error.field.as_deref(), Some(field), "{json}: {error}");
            assert!(error.message.contains(reason), "{json}: {error}");
        }
    }
}
