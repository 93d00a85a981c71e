//! segment-anything-2: its parameters (prompt points, labels, a box, a mask, each given
//! as the text of a nested list) and its result, whose masks, scores and logits arrive
//! as the text of Python lists and leave here as dense arrays with their shapes.

use super::pylist::{self, Array};
use crate::error::JobError;
use crate::value::{self, Read, Value};

/// Parameters of a segment-anything-2 job (the image travels beside them). The list
/// fields hold list text such as `[[120, 80]]`; the browser layer turns JS arrays into it.
#[derive(Clone, Debug, PartialEq)]
pub struct SegmentParams {
    /// The Hugging Face model id; empty lets the gateway choose.
    pub model_id: String,
    /// N×2 prompt points, `[[x, y], …]`, in pixels (or 0..1 with `normalize_coords`).
    pub point_coords: Option<String>,
    /// N labels, one per point: 1 for foreground, 0 for background.
    pub point_labels: Option<String>,
    /// A box prompt, `[x0, y0, x1, y1]`.
    pub bounding_box: Option<String>,
    /// A low-resolution mask from an earlier prediction, 1×H×W.
    pub mask_input: Option<String>,
    /// Three masks for ambiguous prompts instead of one (gateway default true).
    pub multimask_output: Option<bool>,
    /// Raw logits instead of binary masks (gateway default true).
    pub return_logits: Option<bool>,
    /// Points given in 0..1 of the image size (gateway default true).
    pub normalize_coords: Option<bool>,
}

impl SegmentParams {
    /// Checks that each list reads and has the shape the model needs, and that there is
    /// one label per point.
    pub fn validate(&self) -> Result<(), JobError> {
        let points = list("point_coords", &self.point_coords)?;
        if let Some(points) = &points {
            if points.shape.len() != 2 || points.shape[1] != 2 {
                return Err(JobError::invalid_input("point_coords", "must be a list of [x, y]"));
            }
        }
        if let Some(labels) = list("point_labels", &self.point_labels)? {
            let count = points.as_ref().map(|p| p.shape[0]);
            if labels.shape.len() != 1 || Some(labels.shape[0]) != count {
                let reason = "must hold one label per point of point_coords";
                return Err(JobError::invalid_input("point_labels", reason));
            }
            if labels.values.iter().any(|&v| v != 0.0 && v != 1.0) {
                return Err(JobError::invalid_input("point_labels", "each label must be 0 or 1"));
            }
        }
        if let Some(area) = list("box", &self.bounding_box)? {
            if area.shape != [4] {
                return Err(JobError::invalid_input("box", "must be [x0, y0, x1, y1]"));
            }
        }
        if let Some(mask) = list("mask_input", &self.mask_input)? {
            if mask.shape.len() != 3 || mask.shape[0] != 1 {
                return Err(JobError::invalid_input("mask_input", "must be a 1×H×W list"));
            }
        }
        Ok(())
    }
}

fn list(field: &str, text: &Option<String>) -> Result<Option<Array>, JobError> {
    let Some(text) = text else { return Ok(None) };
    let array = pylist::parse(text)
        .map_err(|error| JobError::invalid_input(field, format!("is not a list: {error}")))?;
    if array.values.iter().any(|v| !v.is_finite()) {
        return Err(JobError::invalid_input(field, "must hold finite numbers"));
    }
    Ok(Some(array))
}

/// The result of segment-anything-2, best mask first.
#[derive(Clone, Debug, PartialEq)]
pub struct MasksOutput {
    /// N masks of H×W: 0/1 values for binary masks (`boolean`), logits otherwise.
    pub masks: Array,
    /// N confidence scores, one per mask.
    pub scores: Array,
    /// N low-resolution logit maps.
    pub logits: Array,
}

/// The gateway's `MasksResponse`: three strings of list text.
pub struct MasksResponse {
    masks: String,
    scores: String,
    logits: String,
}

impl TryFrom<MasksResponse> for MasksOutput {
    type Error = JobError;

    /// Reads the three lists and checks that they agree: N scores, N×H×W masks and
    /// N×h×w logits.
    fn try_from(response: MasksResponse) -> Result<Self, JobError> {
        let read = |field: &str, text: &str| {
            pylist::parse(text).map_err(|error| {
                JobError::invalid_response(field, format!("not a nested list: {error}"))
            })
        };
        let scores = read("scores", &response.scores)?;
        let masks = read("masks", &response.masks)?;
        let logits = read("logits", &response.logits)?;
        let count = match scores.shape.as_slice() {
            [count] => *count,
            _ => return Err(JobError::invalid_response("scores", "must be a flat list")),
        };
        for (field, array) in [("masks", &masks), ("logits", &logits)] {
            if array.shape.len() != 3 || array.shape[0] != count {
                let shape: Vec<String> = array.shape.iter().map(usize::to_string).collect();
                let reason = format!(
                    "must be {count} maps of H×W, not {}",
                    crate::words::joined(&shape, "×")
                );
                return Err(JobError::invalid_response(field, reason));
            }
        }
        Ok(MasksOutput { masks, scores, logits })
    }
}

impl SegmentParams {
    /// The fields, by their gateway names (the image travels beside them).
    pub const FIELDS: &'static [&'static str] = &[
        "model_id",
        "point_coords",
        "point_labels",
        "box",
        "mask_input",
        "multimask_output",
        "return_logits",
        "normalize_coords",
    ];
}

impl Read for SegmentParams {
    fn read(value: &Value) -> value::Result<Self> {
        let fields = value.fields();
        fields.done(SegmentParams {
            model_id: fields.or_default("model_id"),
            point_coords: fields.opt("point_coords"),
            point_labels: fields.opt("point_labels"),
            bounding_box: fields.opt("box"),
            mask_input: fields.opt("mask_input"),
            multimask_output: fields.opt("multimask_output"),
            return_logits: fields.opt("return_logits"),
            normalize_coords: fields.opt("normalize_coords"),
        })
    }
}

impl Read for MasksResponse {
    fn read(value: &Value) -> value::Result<Self> {
        let fields = value.fields();
        fields.done(MasksResponse {
            masks: fields.req("masks"),
            scores: fields.req("scores"),
            logits: fields.req("logits"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipelines::{read_output, sent, JobOutput, JobParams, Pipeline};

    fn params(json: &str) -> Result<JobParams, JobError> {
        JobParams::read(Pipeline::SegmentAnything2, &crate::value::Value::from_json(json).unwrap())
    }

    #[test]
    fn prompts_are_checked_for_shape() {
        assert!(
            params(r#"{"point_coords":"[[10, 20], [30, 40]]","point_labels":"[1, 0]"}"#).is_ok()
        );
        assert!(params(r#"{"box":"[0, 0, 64, 64]","multimask_output":false}"#).is_ok());
        let cases = [
            (r#"{"point_coords":"[10, 20]"}"#, "point_coords"),
            (r#"{"point_coords":"[[10, 20]]","point_labels":"[1, 1]"}"#, "point_labels"),
            (r#"{"point_coords":"[[10, 20]]","point_labels":"[2]"}"#, "point_labels"),
            (r#"{"point_labels":"[1]"}"#, "point_labels"),
            (r#"{"box":"[0, 0, 64]"}"#, "box"),
            (r#"{"box":"[0, 0, 64, nan]"}"#, "box"),
            (r#"{"point_coords":"[[1, 2]"}"#, "point_coords"),
            (r#"{"mask_input":"[[1, 2]]"}"#, "mask_input"),
        ];
        for (json, field) in cases {
            assert_eq!(params(json).unwrap_err().field.as_deref(), Some(field), "{json}");
        }
        let body = sent(Pipeline::SegmentAnything2, r#"{"box":"[1, 2, 3, 4]"}"#).unwrap();
        assert_eq!(body.to_string(), r#"{"box":"[1, 2, 3, 4]","model_id":""}"#);
    }

    fn output(masks: &str, scores: &str, logits: &str) -> Result<JobOutput, JobError> {
        let body = serde_json::json!({"masks": masks, "scores": scores, "logits": logits});
        read_output(Pipeline::SegmentAnything2, body)
    }

    #[test]
    fn masks_scores_and_logits_become_arrays() {
        let masks = "[[[True, False], [False, True]], [[False, False], [True, True]]]";
        let logits = "[[[0.5, -1.0]], [[nan, inf]]]";
        let JobOutput::Masks(result) = output(masks, "[0.9, 0.25]", logits).unwrap() else {
            panic!("a masks output")
        };
        assert_eq!(result.masks.shape, [2, 2, 2]);
        assert!(result.masks.boolean);
        assert_eq!(result.masks.values[..4], [1.0, 0.0, 0.0, 1.0]);
        assert_eq!(result.scores.values, [0.9, 0.25]);
        assert_eq!(result.logits.shape, [2, 1, 2]);
        assert!(result.logits.values[2].is_nan());
    }

    #[test]
    fn disagreeing_or_broken_lists_name_the_field() {
        let cases = [
            ("[[[1]]]", "[0.5, 0.4]", "[[[1]]]", "masks"),
            ("[[[1]]]", "[[0.5]]", "[[[1]]]", "scores"),
            ("[[[1]]]", "[0.5]", "[[1]]", "logits"),
            ("[[[1]], [[2]", "[0.5]", "[[[1]]]", "masks"),
            ("[[[1]]]", "[0.5]", "tensor([1])", "logits"),
        ];
        for (masks, scores, logits, field) in cases {
            let error = output(masks, scores, logits).unwrap_err();
            assert_eq!(error.field.as_deref(), Some(field), "{error}");
        }
    }
}
