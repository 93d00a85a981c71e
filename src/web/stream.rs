//! Reads an llm answer sent as server-sent events: each chunk's token is reported as it
//! arrives, and the whole answer is gathered for the job's output.

use super::attempt::fatal;
use super::from_js::value_of;
use crate::error::JobError;
use crate::pipelines::{read_stream_chunk, JobOutput, LlmStream, StreamChunk};
use crate::requester::sse::SseParser;
use crate::requester::Failure;
use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{ReadableStreamDefaultReader, Response, TextDecodeOptions, TextDecoder};

/// Reads the event stream of `response` to its end, calling `on_token` with each token.
pub async fn read_llm_stream(
    response: Response,
    on_token: &dyn Fn(&str),
) -> Result<JobOutput, Failure> {
    let cut = |_| crate::requester::http::network_error();
    let body = response.body().ok_or_else(|| fatal(JobError::invalid_response("", "no body")))?;
    let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let decoder = TextDecoder::new().map_err(|e| Failure { error: cut(e), retry_after: None })?;
    let options = TextDecodeOptions::new();
    options.set_stream(true);
    let mut parser = SseParser::new();
    let mut stream = LlmStream::new();

    while !stream.is_done() {
        let read = JsFuture::from(reader.read()).await;
        let read = read.map_err(|e| Failure { error: cut(e), retry_after: None })?;
        if Reflect::get(&read, &"done".into()).ok().and_then(|d| d.as_bool()) == Some(true) {
            break;
        }
        let bytes: Uint8Array =
            Reflect::get(&read, &"value".into()).unwrap_or(JsValue::UNDEFINED).unchecked_into();
        let text = decoder
            .decode_with_js_u8_array_and_options(&bytes, &options)
            .map_err(|e| Failure { error: cut(e), retry_after: None })?;
        for data in parser.push(&text) {
            if data.trim() == "[DONE]" {
                stream.finish();
                break;
            }
            let chunk = read_chunk(&data).map_err(fatal)?;
            if let Some(token) = stream.push(chunk).map_err(fatal)? {
                on_token(&token);
            }
        }
    }
    let _ = reader.cancel();
    stream.into_output().map(JobOutput::Llm).map_err(fatal)
}

fn read_chunk(data: &str) -> Result<StreamChunk, JobError> {
    let value = js_sys::JSON::parse(data)
        .map_err(|_| JobError::invalid_response("", "a stream event is not JSON"))?;
    read_stream_chunk(value_of(&value))
}
