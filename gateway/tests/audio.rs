//! `POST /audio-to-text` and `POST /text-to-speech` end to end.

mod common;

use common::{fetch_media, problems, Gateway, Part};
use serde_json::{json, Value};

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("four bytes"))
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(bytes[at..at + 2].try_into().expect("two bytes"))
}

fn speak(gateway: &Gateway, path: &str, body: &str) -> Vec<u8> {
    let reply = gateway.post(path, body);
    assert_eq!(reply.status, 200, "{}", reply.text());
    let answer = reply.json();
    assert_eq!(answer.as_object().map(|o| o.len()), Some(1));
    let url = answer["audio"]["url"].as_str().expect("a string url");
    let media = fetch_media(gateway, url);
    assert_eq!(media.header("content-type"), Some("audio/wav"));
    media.body
}

#[test]
fn speech_is_a_16_bit_mono_wav() {
    let gateway = Gateway::start(&[]);
    let wav = speak(&gateway, "/text-to-speech", r#"{"text":"hello there little world"}"#);
    assert_eq!(&wav[..4], b"RIFF");
    assert_eq!(&wav[8..16], b"WAVEfmt ");
    assert_eq!(u32_at(&wav, 4) as usize, wav.len() - 8);
    assert_eq!(u16_at(&wav, 20), 1, "PCM");
    assert_eq!(u16_at(&wav, 22), 1, "mono");
    assert_eq!(u32_at(&wav, 24), 16_000);
    assert_eq!(u16_at(&wav, 34), 16);
    assert_eq!(&wav[36..40], b"data");
    let seconds = f64::from(u32_at(&wav, 40)) / 32_000.0;
    assert!((seconds - 1.2).abs() < 0.01, "{seconds} s for four words");

    let long = format!(r#"{{"text":"{}"}}"#, "word ".repeat(200));
    let wav = speak(&gateway, "/text-to-speech", &long);
    assert!(f64::from(u32_at(&wav, 40)) / 32_000.0 <= 10.0);
}

#[test]
fn empty_or_missing_text_is_422() {
    let gateway = Gateway::start(&[]);
    let reply = gateway.post("/text-to-speech", r#"{"text":""}"#);
    assert_eq!(problems(&reply), [("text".to_owned(), "string_too_short".to_owned())]);
    let reply = gateway.post("/text-to-speech", r#"{"model_id":"parler"}"#);
    assert_eq!(problems(&reply), [("text".to_owned(), "missing".to_owned())]);
}

fn transcribe(gateway: &Gateway, audio: &[u8], timestamps: Option<&str>) -> Value {
    let mut parts = vec![Part::File("audio", "in.wav", audio)];
    if let Some(mode) = timestamps {
        parts.push(Part::Text("return_timestamps", mode));
    }
    let reply = gateway.post_form("/audio-to-text", &parts);
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()
}

#[test]
fn transcripts_follow_return_timestamps() {
    let gateway = Gateway::start(&[]);
    let audio = b"ID3 some mp3 bytes for the test";
    let sentences = transcribe(&gateway, audio, None);
    let text = sentences["text"].as_str().expect("a text").to_owned();
    assert!(text.ends_with('.'), "{text}");
    let chunks = sentences["chunks"].as_array().expect("chunks");
    assert!(!chunks.is_empty());
    assert_eq!(chunks[0]["timestamp"][0], json!(0.0));
    let joined: Vec<&str> = chunks.iter().map(|c| c["text"].as_str().unwrap()).collect();
    assert_eq!(joined.join(" "), text);

    assert_eq!(transcribe(&gateway, audio, Some("sentence"))["chunks"], sentences["chunks"]);
    let words = transcribe(&gateway, audio, Some("word"));
    assert_eq!(words["text"], Value::from(text.clone()));
    assert_eq!(words["chunks"].as_array().unwrap().len(), text.split(' ').count());
    assert_eq!(transcribe(&gateway, audio, Some("false"))["chunks"], json!([]));

    let other = transcribe(&gateway, b"other audio", None);
    assert_ne!(other["text"], Value::from(text));
}

#[test]
fn speech_can_be_transcribed_by_its_length() {
    let gateway = Gateway::start(&[]);
    let wav = speak(&gateway, "/text-to-speech", r#"{"text":"one two three four five"}"#);
    let words = transcribe(&gateway, &wav, Some("word"));
    let chunks = words["chunks"].as_array().unwrap();
    assert_eq!(chunks.len(), 4, "1.5 s at 0.4 s a word");
    assert_eq!(chunks[3]["timestamp"], json!([1.2, 1.6]));
}

#[test]
fn bad_audio_fields_are_refused() {
    let gateway = Gateway::start(&[]);
    let reply = gateway.post_form("/audio-to-text", &[Part::File("audio", "a.wav", b"")]);
    assert_eq!(problems(&reply), [("audio".to_owned(), "value_error".to_owned())]);
    let reply = gateway.post_form("/audio-to-text", &[Part::Text("model_id", "whisper")]);
    assert_eq!(problems(&reply), [("audio".to_owned(), "missing".to_owned())]);
    let parts = [Part::File("audio", "a.wav", b"abc"), Part::Text("return_timestamps", "often")];
    let reply = gateway.post_form("/audio-to-text", &parts);
    assert_eq!(reply.status, 400);
}
