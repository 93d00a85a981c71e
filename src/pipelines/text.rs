//! Text results: transcripts from audio-to-text, with their timed chunks, and answers
//! from image-to-text.

use crate::value::{self, Read, Value};

/// One timed piece of a transcript.
#[derive(Clone, Debug, PartialEq)]
pub struct TextChunk {
    /// The words of this piece.
    pub text: String,
    /// Where it starts, in seconds.
    pub start: f64,
    /// Where it ends, in seconds; `None` when the model did not say.
    pub end: Option<f64>,
}

/// The result of audio-to-text and image-to-text.
#[derive(Clone, Debug, PartialEq)]
pub struct TextOutput {
    /// The whole text.
    pub text: String,
    /// The timed pieces; empty when none were asked for or the pipeline has none.
    pub chunks: Vec<TextChunk>,
}

/// The gateway's `TextResponse` (audio-to-text) and `ImageToTextResponse`.
pub struct TextResponse {
    text: String,
    chunks: Vec<RawChunk>,
}

/// A chunk as the gateway sends it: `timestamp` is `[start, end]`, `end` may be null.
struct RawChunk {
    text: String,
    timestamp: (f64, Option<f64>),
}

impl From<TextResponse> for TextOutput {
    fn from(response: TextResponse) -> Self {
        let chunks = response
            .chunks
            .into_iter()
            .map(|chunk| TextChunk {
                text: chunk.text,
                start: chunk.timestamp.0,
                end: chunk.timestamp.1,
            })
            .collect();
        TextOutput { text: response.text, chunks }
    }
}

impl Read for TextResponse {
    fn read(value: &Value) -> value::Result<Self> {
        let fields = value.fields();
        fields.done(TextResponse { text: fields.req("text"), chunks: fields.or_default("chunks") })
    }
}

impl Read for RawChunk {
    fn read(value: &Value) -> value::Result<Self> {
        let fields = value.fields();
        fields.done(RawChunk { text: fields.req("text"), timestamp: fields.req("timestamp") })
    }
}
