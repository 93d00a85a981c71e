//! `POST /audio-to-text`: validates the multipart `Body_genAudioToText` and answers a
//! `TextResponse` transcribed from a hash of the audio bytes.
//!
//! The words come from [`crate::text`]: about one word per [`SECONDS_PER_WORD`] of a
//! WAV upload's duration, or 6 to 14 words for other formats, grouped into sentences of
//! 3 to 7 words. `return_timestamps` works as in the runner (case ignored): `true`, `1`
//! and `sentence` give one chunk per sentence, `word` one chunk per word, `false` and
//! `0` no chunks; any other value gets 400.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::{Call, Pipeline};
use crate::digest::{fnv1a, Bits};
use crate::faults::BrokenAnswers;
use crate::form::FormFields;
use crate::http_error::http_error;
use crate::text::{sentence, words};
use crate::validate::Rejection;
use crate::wav;

/// How long each transcribed word lasts.
pub const SECONDS_PER_WORD: f64 = 0.4;

/// The most words one transcription has.
pub const MAX_WORDS: usize = 60;

/// The audio-to-text pipeline.
#[derive(Debug)]
pub struct AudioToText;

/// Which chunks the answer carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timestamps {
    Sentence,
    Word,
    None,
}

impl Pipeline for AudioToText {
    const PATH: &'static str = "audio-to-text";
    const BROKEN: BrokenAnswers =
        BrokenAnswers { truncated: r#"{"text":"#, wrong_shape: r#"{"text":12345,"chunks":[]}"# };

    async fn run(mut call: Call) -> Response {
        let fields = match call.read_form().await {
            Ok(fields) => fields,
            Err(response) => return response,
        };
        let (audio, timestamps) = match parse(fields) {
            Ok(parsed) => parsed,
            Err(rejection) => return rejection.into_response(),
        };
        let Some(timestamps) = timestamps else {
            let msg = "return_timestamps must be one of true, sentence, word or false";
            return http_error(StatusCode::BAD_REQUEST, msg);
        };
        Json(transcribe(&audio, timestamps)).into_response()
    }
}

/// Checks every field of `Body_genAudioToText`, in the spec's order.
fn parse(mut fields: FormFields) -> Result<(Vec<u8>, Option<Timestamps>), Rejection> {
    let audio = fields.required_file("audio");
    fields.string_or("model_id", "");
    let timestamps = fields.string_or("return_timestamps", "true");
    fields.finish()?;

    let timestamps = match timestamps.to_ascii_lowercase().as_str() {
        "true" | "1" | "sentence" => Some(Timestamps::Sentence),
        "word" => Some(Timestamps::Word),
        "false" | "0" => Some(Timestamps::None),
        _ => None,
    };
    Ok((audio.to_vec(), timestamps))
}

/// The `TextResponse` for the audio.
fn transcribe(audio: &[u8], timestamps: Timestamps) -> Value {
    let mut bits = Bits(fnv1a(audio, 0));
    let count = match wav::duration_seconds(audio) {
        Some(seconds) => ((seconds / SECONDS_PER_WORD).round() as usize).clamp(1, MAX_WORDS),
        None => 6 + bits.below(9) as usize,
    };
    let picked = words(&mut bits, count);

    let mut sentences: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    while start < picked.len() {
        let end = (start + 3 + bits.below(5) as usize).min(picked.len());
        sentences.push((start, end));
        start = end;
    }
    let text: Vec<String> = sentences.iter().map(|&(a, b)| sentence(&picked[a..b])).collect();

    let at = |word: usize| (word as f64 * SECONDS_PER_WORD * 100.0).round() / 100.0;
    let chunks: Vec<Value> = match timestamps {
        Timestamps::None => Vec::new(),
        Timestamps::Sentence => sentences
            .iter()
            .zip(&text)
            .map(|(&(a, b), text)| json!({ "timestamp": [at(a), at(b)], "text": text }))
            .collect(),
        Timestamps::Word => {
            let spoken: Vec<&str> = text.iter().flat_map(|s| s.split(' ')).collect();
            spoken
                .iter()
                .enumerate()
                .map(|(n, word)| json!({ "timestamp": [at(n), at(n + 1)], "text": word }))
                .collect()
        }
    };
    json!({ "text": text.join(" "), "chunks": chunks })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_follow_return_timestamps() {
        let audio = b"some audio bytes";
        let sentences = transcribe(audio, Timestamps::Sentence);
        let words = transcribe(audio, Timestamps::Word);
        let none = transcribe(audio, Timestamps::None);
        assert_eq!(sentences["text"], words["text"]);
        assert_eq!(none["chunks"], json!([]));
        let word_count = sentences["text"].as_str().unwrap().split(' ').count();
        assert_eq!(words["chunks"].as_array().unwrap().len(), word_count);
        assert_eq!(sentences["chunks"][0]["timestamp"][0], json!(0.0));
    }

    #[test]
    fn wav_uploads_get_a_word_per_step() {
        let wav = wav::encode_pcm16_mono(&vec![0; 16_000 * 2], 16_000);
        let answer = transcribe(&wav, Timestamps::Word);
        assert_eq!(answer["chunks"].as_array().unwrap().len(), 5);
        assert_eq!(answer["chunks"][4]["timestamp"], json!([1.6, 2.0]));
    }
}
