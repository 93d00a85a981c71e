//! Text results: transcripts from audio-to-text, with their timed chunks, and answers
//! from image-to-text.

use serde::{Deserialize, Serialize};

/// One timed piece of a transcript.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TextChunk {
    /// The words of this piece.
    pub text: String,
    /// Where it starts, in seconds.
    pub start: f64,
    /// Where it ends, in seconds; `None` when the model did not say.
    pub end: Option<f64>,
}

/// The result of audio-to-text and image-to-text.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TextOutput {
    /// The whole text.
    pub text: String,
    /// The timed pieces; empty when none were asked for or the pipeline has none.
    pub chunks: Vec<TextChunk>,
}

/// The gateway's `TextResponse` (audio-to-text) and `ImageToTextResponse`.
#[derive(Deserialize)]
pub struct TextResponse {
    text: String,
    #[serde(default)]
    chunks: Vec<RawChunk>,
}

/// A chunk as the gateway sends it: `timestamp` is `[start, end]`, `end` may be null.
#[derive(Deserialize)]
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
