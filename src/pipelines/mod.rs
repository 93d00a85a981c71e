//! The getter side: each Livepeer pipeline's parameters (checked before any request) and
//! its response, read into one result shape per output kind. Plain serde types: the
//! browser layer feeds them from JS values, native tests from JSON text.

mod media;
mod text_to_image;

pub use media::{ImageOutput, Media};
pub use text_to_image::TextToImageParams;

use crate::error::JobError;
use serde::{Deserialize, Deserializer, Serialize};

/// A Livepeer AI pipeline the service can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pipeline {
    /// Images from a text prompt: `POST /text-to-image`.
    TextToImage,
}

impl Pipeline {
    /// The pipeline's name, as the gateway's path and the events spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Pipeline::TextToImage => "text-to-image",
        }
    }

    /// The pipeline named `name` (`"text-to-image"`), if the service knows it.
    pub fn from_name(name: &str) -> Option<Pipeline> {
        match name {
            "text-to-image" => Some(Pipeline::TextToImage),
            _ => None,
        }
    }

    /// The gateway path a job of this pipeline is submitted to.
    pub fn path(self) -> &'static str {
        match self {
            Pipeline::TextToImage => "/text-to-image",
        }
    }
}

/// A job's parameters, checked and ready to send.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum JobParams {
    /// Parameters of a text-to-image job.
    TextToImage(TextToImageParams),
}

impl JobParams {
    /// Reads and checks the parameters of a `pipeline` job. The error names the field
    /// (`width`) and the reason; nothing has been sent when it is returned.
    pub fn read<'de, D: Deserializer<'de>>(
        pipeline: Pipeline,
        input: D,
    ) -> Result<Self, JobError> {
        match pipeline {
            Pipeline::TextToImage => {
                let params: TextToImageParams = read_params(input)?;
                params.validate()?;
                Ok(JobParams::TextToImage(params))
            }
        }
    }
}

/// What a finished job produced, one shape per output kind.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobOutput {
    /// Images with their seeds and NSFW flags.
    Images(ImageOutput),
}

/// Reads a 2xx response body of a `pipeline` job. A missing or mistyped field gives an
/// `invalid_response` error naming its path (`images[0].url`).
pub fn read_output<'de, D: Deserializer<'de>>(
    pipeline: Pipeline,
    body: D,
) -> Result<JobOutput, JobError> {
    match pipeline {
        Pipeline::TextToImage => {
            let output: ImageOutput = read_response(body)?;
            output.check()?;
            Ok(JobOutput::Images(output))
        }
    }
}

fn read_params<'de, T: Deserialize<'de>, D: Deserializer<'de>>(input: D) -> Result<T, JobError> {
    serde_path_to_error::deserialize(input).map_err(|error| {
        let field = field_path(error.path());
        let field = if field.is_empty() { "params" } else { field.as_str() };
        JobError::invalid_input(field, error.into_inner())
    })
}

fn read_response<'de, T: Deserialize<'de>, D: Deserializer<'de>>(body: D) -> Result<T, JobError> {
    serde_path_to_error::deserialize(body)
        .map_err(|error| JobError::invalid_response(&field_path(error.path()), error.into_inner()))
}

/// `images[0].url` rather than serde_path_to_error's `images.0.url`; empty at the root.
fn field_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Unknown => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn read_json(pipeline: Pipeline, json: &str) -> Result<JobOutput, JobError> {
        read_output(pipeline, &mut serde_json::Deserializer::from_str(json))
    }

    #[test]
    fn pipeline_names_round_trip() {
        let pipeline = Pipeline::TextToImage;
        assert_eq!(Pipeline::from_name(pipeline.as_str()), Some(pipeline));
        assert_eq!(Pipeline::from_name("text_to_image"), None);
        assert_eq!(pipeline.path(), "/text-to-image");
    }

    #[test]
    fn a_good_image_response_is_read() {
        let body = r#"{"images":[{"url":"http://127.0.0.1:9/a.png","seed":7,"nsfw":false}]}"#;
        let JobOutput::Images(output) = read_json(Pipeline::TextToImage, body).unwrap();
        assert_eq!(output.images[0].seed, 7);
    }

    #[test]
    fn a_bad_response_names_the_field_path() {
        let body = r#"{"images":[{"url":"http://x/a.png","seed":1,"nsfw":false},{"url":5}]}"#;
        let error = read_json(Pipeline::TextToImage, body).unwrap_err();
        assert_eq!(error.kind, ErrorKind::InvalidResponse);
        assert_eq!(error.field.as_deref(), Some("images[1].url"), "{error}");

        let error = read_json(Pipeline::TextToImage, r#"{"data":[]}"#).unwrap_err();
        assert!(error.message.contains("missing field `images`"), "{error}");
        let error = read_json(Pipeline::TextToImage, r#"[1,2]"#).unwrap_err();
        assert_eq!(error.kind, ErrorKind::InvalidResponse);
    }
}
