//! `POST /text-to-speech`: validates `TextToSpeechParams` and answers an `AudioResponse`
//! whose URL serves a WAV file (16-bit PCM, mono, 16 kHz).
//!
//! Each word of the text becomes a tone of [`SECONDS_PER_WORD`] (a short silence
//! included) whose pitch depends on the word, around a base pitch that depends on the
//! speaker description; the audio stops at [`MAX_SECONDS`]. Text that is absent or
//! empty gets 422: the spec gives it a default of `""`, but the runner cannot speak
//! nothing.

use std::f64::consts::TAU;

use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::{Call, Pipeline};
use crate::digest::fnv1a;
use crate::faults::BrokenAnswers;
use crate::random;
use crate::validate::{BodyFields, FieldError, Rejection};
use crate::wav::encode_pcm16_mono;

/// Samples per second of the generated audio.
pub const SAMPLE_RATE: u32 = 16_000;

/// How long each word lasts, in seconds.
pub const SECONDS_PER_WORD: f64 = 0.3;

/// The longest audio generated, in seconds.
pub const MAX_SECONDS: f64 = 10.0;

/// The speaker description the spec uses when none is given.
pub const DEFAULT_DESCRIPTION: &str = "A male speaker delivers a slightly expressive and \
                                       animated speech with a moderate speed and pitch.";

/// The text-to-speech pipeline.
#[derive(Debug)]
pub struct TextToSpeech;

impl Pipeline for TextToSpeech {
    const PATH: &'static str = "text-to-speech";
    const BROKEN: BrokenAnswers = BrokenAnswers {
        truncated: r#"{"audio":{"url":"#,
        wrong_shape: r#"{"audio":{"url":12345}}"#,
    };

    async fn run(call: Call) -> Response {
        let (text, description) = match parse(&call.body) {
            Ok(parsed) => parsed,
            Err(rejection) => return rejection.into_response(),
        };
        let wav = encode_pcm16_mono(&speak(&text, &description), SAMPLE_RATE);
        let url = call.publish(&random::request_id(), "0.wav", "audio/wav", wav);
        Json(json!({ "audio": { "url": url } })).into_response()
    }
}

/// Checks every field of `TextToSpeechParams`, in the spec's order.
fn parse(body: &[u8]) -> Result<(String, String), Rejection> {
    let mut fields = BodyFields::parse(body)?;
    fields.string_or("model_id", "");
    let text = if fields.raw("text").is_some() {
        let text = fields.string_or("text", "");
        if text.is_empty() && fields.raw("text").is_some_and(serde_json::Value::is_string) {
            fields.push(FieldError::empty_string("text"));
        }
        text
    } else {
        fields.push(FieldError::missing("text"));
        String::new()
    };
    let description = fields.string_or("description", DEFAULT_DESCRIPTION);
    fields.finish()?;
    Ok((text, description))
}

/// The samples: one tone per word, cut at [`MAX_SECONDS`].
fn speak(text: &str, description: &str) -> Vec<i16> {
    let mut spoken: Vec<&str> = text.split_whitespace().collect();
    if spoken.is_empty() {
        spoken.push(text);
    }
    let max_words = (MAX_SECONDS / SECONDS_PER_WORD) as usize;
    spoken.truncate(max_words);

    let base = 140.0 + (fnv1a(description.as_bytes(), 0) % 160) as f64;
    let rate = f64::from(SAMPLE_RATE);
    let word_samples = (SECONDS_PER_WORD * rate) as usize;
    let tone_samples = word_samples * 5 / 6;
    let fade = (0.008 * rate) as usize;

    let mut samples = Vec::with_capacity(spoken.len() * word_samples);
    for word in spoken {
        let pitch = base + (fnv1a(word.as_bytes(), 1) % 400) as f64;
        for n in 0..word_samples {
            if n >= tone_samples {
                samples.push(0);
                continue;
            }
            let edge = n.min(tone_samples - 1 - n);
            let envelope = (edge as f64 / fade as f64).min(1.0);
            let value = (TAU * pitch * n as f64 / rate).sin() * envelope * 0.3;
            samples.push((value * f64::from(i16::MAX)) as i16);
        }
    }
    samples
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_word_takes_its_share_up_to_the_cap() {
        let three = speak("one two three", DEFAULT_DESCRIPTION);
        assert_eq!(three.len(), 3 * 4_800);
        assert!(three.iter().any(|s| s.unsigned_abs() > 5_000));
        let long = speak(&"word ".repeat(100), DEFAULT_DESCRIPTION);
        assert!(long.len() as f64 / f64::from(SAMPLE_RATE) <= MAX_SECONDS);
    }

    #[test]
    fn empty_or_missing_text_is_refused() {
        let kinds = |body: &[u8]| -> Vec<&'static str> {
            parse(body).unwrap_err().0.iter().map(|e| e.kind).collect()
        };
        assert_eq!(kinds(br#"{"text":""}"#), ["string_too_short"]);
        assert_eq!(kinds(br#"{"model_id":""}"#), ["missing"]);
        assert_eq!(kinds(br#"{"text":5}"#), ["string_type"]);
        assert!(parse(br#"{"text":"hi"}"#).is_ok());
    }
}
