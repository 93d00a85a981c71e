//! The getter side: each Livepeer pipeline's parameters (checked before any request) and
//! its response, read into one result shape per output kind. Read from [`Value`]s: the
//! browser layer feeds them from JS values, native tests from JSON text.

mod audio_params;
mod check;
mod image_params;
mod live_video;
mod llm;
mod media;
pub mod pylist;
mod remote;
mod segment;
mod text;

pub use audio_params::{AudioToTextParams, ReturnTimestamps, TextToSpeechParams};
pub use image_params::{
    ImageToImageParams, ImageToTextParams, ImageToVideoParams, TextToImageParams, UpscaleParams,
};
pub use live_video::{LiveVideoOutput, LiveVideoParams};
pub use llm::{LlmMessage, LlmOutput, LlmParams, LlmStream, LlmUsage, StreamChunk};
pub use media::{
    is_fetchable, is_plain_path, AudioOutput, ImageOutput, Media, MediaUrl, VideoOutput,
};
pub use remote::{read_accepted, read_poll_step, ErrorText, PollStep};
pub use segment::{MasksOutput, SegmentParams};
pub use text::{TextChunk, TextOutput};

use crate::error::JobError;
use crate::value::{Read, ReadError, Value};

/// The most characters of an unknown key that an error message quotes.
pub const MAX_KEY_CHARS: usize = 60;

/// A Livepeer AI pipeline the service can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pipeline {
    /// Images from a text prompt.
    TextToImage,
    /// An image changed by a prompt.
    ImageToImage,
    /// A short video from an image.
    ImageToVideo,
    /// An image at a higher resolution.
    Upscale,
    /// A transcript of an audio file.
    AudioToText,
    /// Object masks of an image, from point or box prompts.
    SegmentAnything2,
    /// Text from a language model.
    Llm,
    /// Text about an image.
    ImageToText,
    /// A live video stream transformed as it plays.
    LiveVideoToVideo,
    /// Speech from text.
    TextToSpeech,
}

/// How a pipeline's request body is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyKind {
    /// `application/json`.
    Json,
    /// `multipart/form-data`, with the media files as file parts.
    Multipart,
}

impl Pipeline {
    /// Every pipeline, in the gateway spec's order.
    pub const ALL: [Pipeline; 10] = [
        Pipeline::TextToImage,
        Pipeline::ImageToImage,
        Pipeline::ImageToVideo,
        Pipeline::Upscale,
        Pipeline::AudioToText,
        Pipeline::SegmentAnything2,
        Pipeline::Llm,
        Pipeline::ImageToText,
        Pipeline::LiveVideoToVideo,
        Pipeline::TextToSpeech,
    ];

    /// The pipeline's name, as the gateway's path and the events spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Pipeline::TextToImage => "text-to-image",
            Pipeline::ImageToImage => "image-to-image",
            Pipeline::ImageToVideo => "image-to-video",
            Pipeline::Upscale => "upscale",
            Pipeline::AudioToText => "audio-to-text",
            Pipeline::SegmentAnything2 => "segment-anything-2",
            Pipeline::Llm => "llm",
            Pipeline::ImageToText => "image-to-text",
            Pipeline::LiveVideoToVideo => "live-video-to-video",
            Pipeline::TextToSpeech => "text-to-speech",
        }
    }

    /// The pipeline named `name` (`"text-to-image"`), if the service knows it.
    pub fn from_name(name: &str) -> Option<Pipeline> {
        Pipeline::ALL.into_iter().find(|pipeline| pipeline.as_str() == name)
    }

    /// The gateway path a job of this pipeline is submitted to.
    pub fn path(self) -> String {
        format!("/{}", self.as_str())
    }

    /// True for live-video-to-video, whose stream lives on after the job completes.
    pub fn is_live(self) -> bool {
        self == Pipeline::LiveVideoToVideo
    }

    /// How the request body is sent.
    pub fn body_kind(self) -> BodyKind {
        match self {
            Pipeline::TextToImage
            | Pipeline::Llm
            | Pipeline::LiveVideoToVideo
            | Pipeline::TextToSpeech => BodyKind::Json,
            _ => BodyKind::Multipart,
        }
    }

    /// The file the pipeline takes, sent as a file part: `image`, `audio`, or none.
    pub fn media_input(self) -> Option<&'static str> {
        match self {
            Pipeline::ImageToImage
            | Pipeline::ImageToVideo
            | Pipeline::Upscale
            | Pipeline::SegmentAnything2
            | Pipeline::ImageToText => Some("image"),
            Pipeline::AudioToText => Some("audio"),
            _ => None,
        }
    }

    /// Fields whose value is a free-form JSON object, passed through unread.
    pub fn object_fields(self) -> &'static [&'static str] {
        match self {
            Pipeline::LiveVideoToVideo => &["params"],
            _ => &[],
        }
    }

    /// The parameter fields the pipeline accepts, by their gateway names; the media file
    /// and the free-form object fields are not among them.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Pipeline::TextToImage => TextToImageParams::FIELDS,
            Pipeline::ImageToImage => ImageToImageParams::FIELDS,
            Pipeline::ImageToVideo => ImageToVideoParams::FIELDS,
            Pipeline::Upscale => UpscaleParams::FIELDS,
            Pipeline::AudioToText => AudioToTextParams::FIELDS,
            Pipeline::SegmentAnything2 => SegmentParams::FIELDS,
            Pipeline::Llm => LlmParams::FIELDS,
            Pipeline::ImageToText => ImageToTextParams::FIELDS,
            Pipeline::LiveVideoToVideo => LiveVideoParams::FIELDS,
            Pipeline::TextToSpeech => TextToSpeechParams::FIELDS,
        }
    }

    /// Checks that every key given is a field of the pipeline, its media file, or one of
    /// its object fields; names the first stranger and lists what is accepted.
    pub fn check_keys<'a>(self, keys: impl IntoIterator<Item = &'a str>) -> Result<(), JobError> {
        let mut accepted: Vec<&str> = self.fields().to_vec();
        accepted.extend(self.media_input());
        accepted.extend(self.object_fields());
        match keys.into_iter().find(|key| !accepted.contains(key)) {
            None => Ok(()),
            Some(key) => {
                let reason = format!(
                    "is not a field of {}; use {}",
                    self.as_str(),
                    crate::words::joined(&accepted, ", ")
                );
                Err(JobError::invalid_input(&crate::words::clipped(key, MAX_KEY_CHARS), reason))
            }
        }
    }

    /// Fields holding the text of a nested list, which JS may give as an array.
    pub fn list_fields(self) -> &'static [&'static str] {
        match self {
            Pipeline::SegmentAnything2 => &["point_coords", "point_labels", "box", "mask_input"],
            _ => &[],
        }
    }
}

/// A job's parameters, checked (the media file travels beside them; what is sent is
/// [`request_fields`]).
#[derive(Clone, Debug, PartialEq)]
pub enum JobParams {
    /// Parameters of a text-to-image job.
    TextToImage(TextToImageParams),
    /// Parameters of an image-to-image job.
    ImageToImage(ImageToImageParams),
    /// Parameters of an image-to-video job.
    ImageToVideo(ImageToVideoParams),
    /// Parameters of an upscale job.
    Upscale(UpscaleParams),
    /// Parameters of an audio-to-text job.
    AudioToText(AudioToTextParams),
    /// Parameters of a segment-anything-2 job.
    SegmentAnything2(SegmentParams),
    /// Parameters of an llm job.
    Llm(LlmParams),
    /// Parameters of an image-to-text job.
    ImageToText(ImageToTextParams),
    /// Parameters of a live-video-to-video job.
    LiveVideoToVideo(LiveVideoParams),
    /// Parameters of a text-to-speech job.
    TextToSpeech(TextToSpeechParams),
}

impl JobParams {
    /// Reads and checks the parameters of a `pipeline` job: an object of its fields (and
    /// perhaps its media file and object fields, which are not read here). The error names
    /// the field (`width`) and the reason; nothing has been sent when it is returned.
    pub fn read(pipeline: Pipeline, input: &Value) -> Result<Self, JobError> {
        let fields = input.fields();
        if let Some(error) = fields.error() {
            return Err(params_error(*error));
        }
        pipeline.check_keys(fields.keys())?;
        let params = match pipeline {
            Pipeline::TextToImage => JobParams::TextToImage(read_params(input)?),
            Pipeline::ImageToImage => JobParams::ImageToImage(read_params(input)?),
            Pipeline::ImageToVideo => JobParams::ImageToVideo(read_params(input)?),
            Pipeline::Upscale => JobParams::Upscale(read_params(input)?),
            Pipeline::AudioToText => JobParams::AudioToText(read_params(input)?),
            Pipeline::SegmentAnything2 => JobParams::SegmentAnything2(read_params(input)?),
            Pipeline::Llm => JobParams::Llm(read_params(input)?),
            Pipeline::ImageToText => JobParams::ImageToText(read_params(input)?),
            Pipeline::LiveVideoToVideo => JobParams::LiveVideoToVideo(read_params(input)?),
            Pipeline::TextToSpeech => JobParams::TextToSpeech(read_params(input)?),
        };
        params.validate()?;
        Ok(params)
    }

    fn validate(&self) -> Result<(), JobError> {
        match self {
            JobParams::TextToImage(p) => p.validate(),
            JobParams::ImageToImage(p) => p.validate(),
            JobParams::ImageToVideo(p) => p.validate(),
            JobParams::Upscale(p) => p.validate(),
            JobParams::AudioToText(p) => p.validate(),
            JobParams::SegmentAnything2(p) => p.validate(),
            JobParams::Llm(p) => p.validate(),
            JobParams::ImageToText(_) => Ok(()),
            JobParams::LiveVideoToVideo(p) => p.validate(),
            JobParams::TextToSpeech(p) => p.validate(),
        }
    }

    /// True when the answer comes as server-sent events (llm with `stream: true`).
    pub fn streams(&self) -> bool {
        matches!(self, JobParams::Llm(LlmParams { stream: Some(true), .. }))
    }
}

/// The fields sent for the parameters `input` of a `pipeline` job, once
/// [`JobParams::read`] has checked them: those given, less the `null` ones, with an empty
/// `model_id` (the gateway chooses) when the pipeline has one and none was given, and a
/// `return_timestamps` flag as the text the gateway's form expects.
pub fn request_fields(pipeline: Pipeline, input: &Value) -> Value {
    let Value::Map(given) = input else { return Value::Map(Vec::new()) };
    let mut fields: Vec<(String, Value)> = Vec::with_capacity(given.len() + 1);
    for (key, value) in given {
        let value = match value {
            Value::Null => continue,
            Value::Bool(flag) if key == "return_timestamps" => Value::from(flag.to_string()),
            other => other.clone(),
        };
        fields.push((key.clone(), value));
    }
    let has_model_id = pipeline.fields().contains(&"model_id");
    if has_model_id && !fields.iter().any(|(key, _)| key == "model_id") {
        fields.push(("model_id".to_string(), Value::from("")));
    }
    Value::Map(fields)
}

/// What a finished job produced, one shape per output kind.
#[derive(Clone, Debug, PartialEq)]
pub enum JobOutput {
    /// Images with their seeds and NSFW flags.
    Images(ImageOutput),
    /// Videos with their seeds and NSFW flags.
    Video(VideoOutput),
    /// Speech audio.
    Audio(AudioOutput),
    /// Text, with timed chunks for transcripts.
    Text(TextOutput),
    /// Segmentation masks with their scores and logits.
    Masks(MasksOutput),
    /// A language model's answer.
    Llm(LlmOutput),
    /// The URLs of a live video stream.
    LiveVideo(LiveVideoOutput),
}

impl JobOutput {
    /// The output as a value: an object of its `kind` (`images`, `video`, `audio`,
    /// `text`, `masks`, `llm`, `live_video`) and the kind's fields, named as the gateway
    /// names them. Masks carry only their kind here: the browser layer adds their arrays
    /// as typed arrays.
    pub fn to_value(&self) -> Value {
        let media = |items: &[Media]| {
            let item = |m: &Media| {
                let url = ("url", m.url.as_str().into());
                Value::map(vec![url, ("seed", m.seed.into()), ("nsfw", m.nsfw.into())])
            };
            Value::List(items.iter().map(item).collect())
        };
        let (kind, fields) = match self {
            JobOutput::Images(output) => ("images", vec![("images", media(&output.images))]),
            JobOutput::Video(output) => ("video", vec![("videos", media(&output.videos))]),
            JobOutput::Audio(output) => {
                let audio = Value::map(vec![("url", output.audio.url.as_str().into())]);
                ("audio", vec![("audio", audio)])
            }
            JobOutput::Text(output) => {
                let chunk = |c: &TextChunk| {
                    let text = ("text", c.text.as_str().into());
                    Value::map(vec![text, ("start", c.start.into()), ("end", c.end.into())])
                };
                let chunks = Value::List(output.chunks.iter().map(chunk).collect());
                ("text", vec![("text", output.text.as_str().into()), ("chunks", chunks)])
            }
            JobOutput::Masks(_) => ("masks", Vec::new()),
            JobOutput::Llm(output) => {
                let usage = output.usage.as_ref().map(|usage| {
                    Value::map(vec![
                        ("prompt_tokens", usage.prompt_tokens.into()),
                        ("completion_tokens", usage.completion_tokens.into()),
                        ("total_tokens", usage.total_tokens.into()),
                    ])
                });
                let fields = vec![
                    ("text", output.text.as_str().into()),
                    ("finish_reason", output.finish_reason.as_str().into()),
                    ("usage", usage.into()),
                    ("id", output.id.as_str().into()),
                    ("model", output.model.as_str().into()),
                ];
                ("llm", fields)
            }
            JobOutput::LiveVideo(live) => {
                let fields = vec![
                    ("subscribe_url", live.subscribe_url.as_str().into()),
                    ("publish_url", live.publish_url.as_str().into()),
                    ("control_url", live.control_url.as_str().into()),
                    ("events_url", live.events_url.as_str().into()),
                    ("request_id", live.request_id.as_str().into()),
                    ("manifest_id", live.manifest_id.as_str().into()),
                ];
                ("live_video", fields)
            }
        };
        Value::map([vec![("kind", kind.into())], fields].concat())
    }

    /// The URLs of the media this output holds, to fetch at once: the gateway keeps
    /// only the last few results of a request.
    pub fn media_urls(&self) -> Vec<&str> {
        match self {
            JobOutput::Images(output) => output.images.iter().map(|m| m.url.as_str()).collect(),
            JobOutput::Video(output) => output.videos.iter().map(|m| m.url.as_str()).collect(),
            JobOutput::Audio(output) => vec![output.audio.url.as_str()],
            _ => Vec::new(),
        }
    }
}

/// Reads a 2xx response body of a `pipeline` job. A missing or mistyped field gives an
/// `invalid_response` error naming its path (`images[0].url`).
pub fn read_output(pipeline: Pipeline, body: impl Into<Value>) -> Result<JobOutput, JobError> {
    let body = &body.into();
    let output = match pipeline {
        Pipeline::TextToImage | Pipeline::ImageToImage | Pipeline::Upscale => {
            let output: ImageOutput = read_response(body)?;
            output.check()?;
            JobOutput::Images(output)
        }
        Pipeline::ImageToVideo => {
            let output: VideoOutput = read_response(body)?;
            output.check()?;
            JobOutput::Video(output)
        }
        Pipeline::TextToSpeech => {
            let output: AudioOutput = read_response(body)?;
            output.check()?;
            JobOutput::Audio(output)
        }
        Pipeline::AudioToText | Pipeline::ImageToText => {
            JobOutput::Text(read_response::<text::TextResponse>(body)?.into())
        }
        Pipeline::SegmentAnything2 => {
            JobOutput::Masks(read_response::<segment::MasksResponse>(body)?.try_into()?)
        }
        Pipeline::Llm => JobOutput::Llm(read_response::<llm::LlmResponse>(body)?.try_into()?),
        Pipeline::LiveVideoToVideo => JobOutput::LiveVideo(read_response(body)?),
    };
    Ok(output)
}

/// Reads one event of an llm answer stream; a broken one gives an `invalid_response`
/// error naming the field.
pub fn read_stream_chunk(event: impl Into<Value>) -> Result<StreamChunk, JobError> {
    read_response(&event.into())
}

fn read_params<T: Read>(input: &Value) -> Result<T, JobError> {
    T::read(input).map_err(|error| params_error(*error))
}

/// A parameter that could not be read, as an `invalid_input` error naming it.
fn params_error(error: ReadError) -> JobError {
    let reason = if error.missing { "is required".to_string() } else { error.reason };
    let field = if error.path.is_empty() { "params" } else { error.path.as_str() };
    JobError::invalid_input(field, reason)
}

fn read_response<T: Read>(body: &Value) -> Result<T, JobError> {
    T::read(body).map_err(|error| response_error(*error))
}

/// A response that could not be read, as an `invalid_response` error naming the field.
pub fn response_error(error: ReadError) -> JobError {
    let reason = if error.missing { "is missing".to_string() } else { error.reason };
    JobError::invalid_response(&error.path, reason)
}

/// What a `pipeline` job with the parameters `json` sends, once checked, as JSON.
#[cfg(test)]
pub(crate) fn sent(pipeline: Pipeline, json: &str) -> Result<serde_json::Value, JobError> {
    let input = Value::from_json(json).map_err(|error| params_error(*error))?;
    JobParams::read(pipeline, &input)?;
    Ok(request_fields(pipeline, &input).to_json())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use serde_json::json;

    #[test]
    fn pipeline_names_round_trip() {
        for pipeline in Pipeline::ALL {
            assert_eq!(Pipeline::from_name(pipeline.as_str()), Some(pipeline));
            assert_eq!(pipeline.path(), format!("/{}", pipeline.as_str()));
        }
        assert_eq!(Pipeline::from_name("text_to_image"), None);
        assert_eq!(Pipeline::Upscale.body_kind(), BodyKind::Multipart);
        assert_eq!(Pipeline::Llm.body_kind(), BodyKind::Json);
        assert_eq!(Pipeline::AudioToText.media_input(), Some("audio"));
        assert_eq!(Pipeline::TextToSpeech.media_input(), None);
    }

    #[test]
    fn unknown_keys_are_named_with_what_is_accepted() {
        assert!(Pipeline::ImageToImage.check_keys(["prompt", "image", "seed"]).is_ok());
        assert!(Pipeline::LiveVideoToVideo.check_keys(["params", "publish_url"]).is_ok());
        let error = Pipeline::TextToImage.check_keys(["prompt", "steps"]).unwrap_err();
        assert_eq!(error.field.as_deref(), Some("steps"));
        assert!(error.message.starts_with("steps: is not a field of text-to-image; use prompt,"));
        let error = Pipeline::TextToSpeech.check_keys(["text", "image"]).unwrap_err();
        assert_eq!(error.field.as_deref(), Some("image"));
    }

    #[test]
    fn each_output_kind_is_read() {
        let media = json!({"url": "http://127.0.0.1:9/a.png", "seed": 7, "nsfw": false});
        let images = read_output(Pipeline::Upscale, json!({"images": [media]})).unwrap();
        assert_eq!(images.media_urls(), ["http://127.0.0.1:9/a.png"]);
        let video = read_output(Pipeline::ImageToVideo, json!({"images": [media]})).unwrap();
        assert!(matches!(&video, JobOutput::Video(v) if v.videos[0].seed == 7));
        let speech = read_output(Pipeline::TextToSpeech, json!({"audio": {"url": "data:,x"}}));
        assert_eq!(speech.unwrap().media_urls(), ["data:,x"]);

        let transcript = json!({"text": "hi there", "chunks": [
            {"timestamp": [0.0, 1.5], "text": "hi"},
            {"timestamp": [1.5, null], "text": "there"}]});
        let JobOutput::Text(text) = read_output(Pipeline::AudioToText, transcript).unwrap() else {
            panic!("a text output")
        };
        assert_eq!(text.chunks[1], TextChunk { text: "there".into(), start: 1.5, end: None });
        let caption = read_output(Pipeline::ImageToText, json!({"text": "a cat"})).unwrap();
        assert!(matches!(caption, JobOutput::Text(t) if t.chunks.is_empty()));

        let live = json!({"subscribe_url": "http://g/in", "publish_url": "http://g/out"});
        let JobOutput::LiveVideo(live) = read_output(Pipeline::LiveVideoToVideo, live).unwrap()
        else {
            panic!("a live output")
        };
        assert_eq!((live.publish_url.as_str(), live.control_url.as_str()), ("http://g/out", ""));
    }

    #[test]
    fn a_bad_response_names_the_field_path() {
        let body =
            json!({"images": [{"url": "http://x/a.png", "seed": 1, "nsfw": false}, {"url": 5}]});
        let error = read_output(Pipeline::TextToImage, body).unwrap_err();
        assert_eq!(error.kind, ErrorKind::InvalidResponse);
        assert_eq!(error.field.as_deref(), Some("images[1].url"), "{error}");

        let cases = [
            (Pipeline::TextToImage, json!({"data": []}), "images", "is missing"),
            (Pipeline::TextToImage, json!("<html>"), "", "must be an object"),
            (Pipeline::AudioToText, json!({"text": 3}), "text", "must be a string (got 3)"),
            (
                Pipeline::AudioToText,
                json!({"text": "a", "chunks": [{"text": "a"}]}),
                "chunks[0].timestamp",
                "is missing",
            ),
            (Pipeline::TextToSpeech, json!({"audio": {"url": "file:///x"}}), "audio.url", "http"),
            (Pipeline::ImageToVideo, json!({"images": []}), "images", "empty"),
            (Pipeline::LiveVideoToVideo, json!({"publish_url": "x"}), "subscribe_url", "missing"),
        ];
        for (pipeline, body, field, reason) in cases {
            let error = read_output(pipeline, body).unwrap_err();
            assert_eq!(error.kind, ErrorKind::InvalidResponse);
            assert_eq!(error.field.as_deref(), Some(field), "{error}");
            assert!(error.message.contains(reason), "{error}");
        }
    }
}
