//! Parameters of the audio pipelines: audio-to-text (the audio file travels beside them)
//! and text-to-speech.

use super::check::not_blank;
use crate::error::JobError;
use crate::value::{self, Read, Value};

/// Which timestamps audio-to-text returns: `"true"` or `"sentence"` for sentence
/// chunks, `"word"` for word chunks, `"false"` for none. A JS boolean is accepted too.
#[derive(Clone, Debug, PartialEq)]
pub enum ReturnTimestamps {
    /// `true` or `false`, sent as the gateway's string form.
    Flag(bool),
    /// One of the gateway's words.
    Word(String),
}

impl Read for ReturnTimestamps {
    fn read(value: &Value) -> value::Result<Self> {
        match value {
            Value::Bool(flag) => Ok(ReturnTimestamps::Flag(*flag)),
            Value::Str(word) => Ok(ReturnTimestamps::Word(word.clone())),
            other => Err(other.wrong("true, false or a word")),
        }
    }
}

/// Parameters of an audio-to-text job.
#[derive(Clone, Debug, PartialEq)]
pub struct AudioToTextParams {
    /// The Hugging Face model id; empty lets the gateway choose.
    pub model_id: String,
    /// Which timestamps to return (gateway default `"true"`, sentence chunks).
    pub return_timestamps: Option<ReturnTimestamps>,
}

impl AudioToTextParams {
    /// Checks the timestamp word; the error names the field and the reason.
    pub fn validate(&self) -> Result<(), JobError> {
        if let Some(ReturnTimestamps::Word(word)) = &self.return_timestamps {
            if !matches!(word.as_str(), "true" | "false" | "sentence" | "word") {
                let reason = format!(
                    "must be true, false, \"sentence\" or \"word\", not \"{}\"",
                    crate::words::clipped(word, 40)
                );
                return Err(JobError::invalid_input("return_timestamps", reason));
            }
        }
        Ok(())
    }
}

/// The longest text one text-to-speech job accepts, in characters.
pub const MAX_SPEECH_CHARS: usize = 10_000;

/// Parameters of a text-to-speech job.
#[derive(Clone, Debug, PartialEq)]
pub struct TextToSpeechParams {
    /// What to say.
    pub text: String,
    /// The Hugging Face model id; empty lets the gateway choose.
    pub model_id: String,
    /// The speaker to imitate, in words.
    pub description: Option<String>,
}

impl TextToSpeechParams {
    /// Checks what the types cannot; the error names the field and the reason.
    pub fn validate(&self) -> Result<(), JobError> {
        not_blank("text", &self.text)?;
        let length = self.text.chars().count();
        if length > MAX_SPEECH_CHARS {
            let reason = format!("must be at most {MAX_SPEECH_CHARS} characters, not {length}");
            return Err(JobError::invalid_input("text", reason));
        }
        Ok(())
    }
}

impl AudioToTextParams {
    /// The fields, by their gateway names (the audio file travels beside them).
    pub const FIELDS: &'static [&'static str] = &["model_id", "return_timestamps"];
}

impl Read for AudioToTextParams {
    fn read(value: &Value) -> value::Result<Self> {
        let fields = value.fields();
        fields.done(AudioToTextParams {
            model_id: fields.or_default("model_id"),
            return_timestamps: fields.opt("return_timestamps"),
        })
    }
}

impl TextToSpeechParams {
    /// The fields, by their gateway names.
    pub const FIELDS: &'static [&'static str] = &["text", "model_id", "description"];
}

impl Read for TextToSpeechParams {
    fn read(value: &Value) -> value::Result<Self> {
        let fields = value.fields();
        fields.done(TextToSpeechParams {
            text: fields.req("text"),
            model_id: fields.or_default("model_id"),
            description: fields.opt("description"),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::pipelines::{sent, Pipeline};

    fn read(pipeline: Pipeline, json: &str) -> Result<String, crate::error::JobError> {
        sent(pipeline, json).map(|body| body.to_string())
    }

    #[test]
    fn timestamps_accept_booleans_and_the_gateways_words() {
        let flag = read(Pipeline::AudioToText, r#"{"return_timestamps":false}"#).unwrap();
        assert_eq!(flag, r#"{"model_id":"","return_timestamps":"false"}"#);
        let word = read(Pipeline::AudioToText, r#"{"return_timestamps":"word"}"#).unwrap();
        assert!(word.contains(r#""return_timestamps":"word""#));
        let bad = read(Pipeline::AudioToText, r#"{"return_timestamps":"chars"}"#).unwrap_err();
        assert_eq!(bad.field.as_deref(), Some("return_timestamps"));
    }

    #[test]
    fn speech_needs_text_within_the_limit() {
        assert!(read(Pipeline::TextToSpeech, r#"{"text":"hello"}"#).is_ok());
        let empty = read(Pipeline::TextToSpeech, r#"{"text":" "}"#).unwrap_err();
        assert_eq!(empty.message, "text: must not be empty");
        let long = format!(r#"{{"text":"{}"}}"#, "a".repeat(10_001));
        assert!(read(Pipeline::TextToSpeech, &long).unwrap_err().message.contains("10000"));
        let missing = read(Pipeline::TextToSpeech, r#"{"description":"calm"}"#).unwrap_err();
        assert_eq!(missing.message, "text: is required");
    }
}
