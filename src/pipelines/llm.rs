//! The llm pipeline: its request, its answer, and the stream of chunks it sends with
//! `stream: true`, gathered into the same answer while each token is reported.

use super::check::{int_in, number_in};
use crate::error::{ErrorKind, JobError};
use crate::value::{self, Read, ReadError, Value};

/// One message of the conversation.
#[derive(Clone, Debug, PartialEq)]
pub struct LlmMessage {
    /// `system`, `user` or `assistant`.
    pub role: String,
    /// What was said.
    pub content: String,
}

/// Parameters of an llm job.
#[derive(Clone, Debug, PartialEq)]
pub struct LlmParams {
    /// The conversation so far; at least one message.
    pub messages: Vec<LlmMessage>,
    /// The model; empty lets the gateway choose.
    pub model: Option<String>,
    /// Sampling temperature, 0 to 2 (gateway default 0.7).
    pub temperature: Option<f64>,
    /// The most tokens to generate (gateway default 256).
    pub max_tokens: Option<u32>,
    /// Nucleus sampling, 0 to 1 (gateway default 1).
    pub top_p: Option<f64>,
    /// Top-k sampling; -1 turns it off (the gateway's default).
    pub top_k: Option<i64>,
    /// Send tokens as they come, as server-sent events.
    pub stream: Option<bool>,
}

impl LlmParams {
    /// Checks what the types cannot; the error names the field and the reason.
    pub fn validate(&self) -> Result<(), JobError> {
        if self.messages.is_empty() {
            return Err(JobError::invalid_input("messages", "must hold at least one message"));
        }
        for (index, message) in self.messages.iter().enumerate() {
            if !matches!(message.role.as_str(), "system" | "user" | "assistant") {
                let field = format!("messages[{index}].role");
                let reason = format!(
                    "must be system, user or assistant, not \"{}\"",
                    crate::words::clipped(&message.role, 40)
                );
                return Err(JobError::invalid_input(&field, reason));
            }
        }
        number_in("temperature", self.temperature, 0.0, 2.0)?;
        number_in("top_p", self.top_p, 0.0, 1.0)?;
        int_in("max_tokens", self.max_tokens.map(i64::from), 1, 1 << 20)?;
        int_in("top_k", self.top_k, -1, 1 << 20)
    }
}

/// Token counts of an llm answer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LlmUsage {
    /// Tokens in the conversation sent.
    pub prompt_tokens: u64,
    /// Tokens generated.
    pub completion_tokens: u64,
    /// Both together.
    pub total_tokens: u64,
}

/// The result of an llm job.
#[derive(Clone, Debug, PartialEq)]
pub struct LlmOutput {
    /// The answer's text.
    pub text: String,
    /// Why generation stopped: `stop`, `length`, or empty when the gateway did not say.
    pub finish_reason: String,
    /// Token counts, when the gateway sent them.
    pub usage: Option<LlmUsage>,
    /// The gateway's id of the answer.
    pub id: String,
    /// The model that answered.
    pub model: String,
}

struct Delta {
    content: Option<String>,
}

struct Choice {
    finish_reason: Option<String>,
    message: Option<LlmMessage>,
    delta: Option<Delta>,
}

/// The gateway's `LLMResponse`.
pub struct LlmResponse {
    id: String,
    model: String,
    usage: LlmUsage,
    choices: Vec<Choice>,
}

impl TryFrom<LlmResponse> for LlmOutput {
    type Error = JobError;

    fn try_from(response: LlmResponse) -> Result<Self, JobError> {
        let choice = response
            .choices
            .into_iter()
            .next()
            .ok_or_else(|| JobError::invalid_response("choices", "the list is empty"))?;
        let message = choice
            .message
            .ok_or_else(|| JobError::invalid_response("choices[0].message", "missing"))?;
        Ok(LlmOutput {
            text: message.content,
            finish_reason: choice.finish_reason.unwrap_or_default(),
            usage: Some(response.usage),
            id: response.id,
            model: response.model,
        })
    }
}

/// One event of a streamed answer: a chunk, or the error that ends the stream.
pub struct StreamChunk {
    error: Option<super::ErrorText>,
    id: Option<String>,
    model: Option<String>,
    choices: Vec<Choice>,
    usage: Option<LlmUsage>,
}

/// Gathers a streamed answer chunk by chunk.
#[derive(Debug, Default)]
pub struct LlmStream {
    output: Option<LlmOutput>,
    done: bool,
}

impl LlmStream {
    /// An empty stream.
    pub fn new() -> Self {
        LlmStream::default()
    }

    /// True once `[DONE]` arrived.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Marks the end of the stream (`data: [DONE]`).
    pub fn finish(&mut self) {
        self.done = true;
    }

    /// Adds one chunk and returns the token it carried, if any. An error event ends the
    /// job with a `stream` error.
    pub fn push(&mut self, chunk: StreamChunk) -> Result<Option<String>, JobError> {
        if let Some(error) = chunk.error {
            let message = format!("the gateway's stream broke off: {}", error.into_message());
            return Err(JobError::new(ErrorKind::Stream, message));
        }
        let output = self.output.get_or_insert_with(|| LlmOutput {
            text: String::new(),
            finish_reason: String::new(),
            usage: None,
            id: String::new(),
            model: String::new(),
        });
        if let Some(id) = chunk.id {
            output.id = id;
        }
        if let Some(model) = chunk.model {
            output.model = model;
        }
        if chunk.usage.is_some() {
            output.usage = chunk.usage;
        }
        let Some(choice) = chunk.choices.into_iter().next() else { return Ok(None) };
        if let Some(reason) = choice.finish_reason.filter(|reason| !reason.is_empty()) {
            output.finish_reason = reason;
        }
        let token = choice.delta.and_then(|delta| delta.content).filter(|t| !t.is_empty());
        if let Some(token) = &token {
            output.text.push_str(token);
        }
        Ok(token)
    }

    /// The gathered answer. Fails when the stream ended before `[DONE]` or sent nothing.
    pub fn into_output(self) -> Result<LlmOutput, JobError> {
        if !self.done {
            let message = "the gateway's stream ended before [DONE]";
            return Err(JobError::new(ErrorKind::Stream, message));
        }
        self.output.ok_or_else(|| JobError::invalid_response("", "the stream held no chunk"))
    }
}

impl Read for LlmMessage {
    fn read(value: &Value) -> value::Result<Self> {
        let fields = value.fields();
        fields.done(LlmMessage { role: fields.req("role"), content: fields.req("content") })
    }
}

impl LlmParams {
    /// The fields, by their gateway names.
    pub const FIELDS: &'static [&'static str] =
        &["messages", "model", "temperature", "max_tokens", "top_p", "top_k", "stream"];
}

impl Read for LlmParams {
    fn read(value: &Value) -> value::Result<Self> {
        let fields = value.fields();
        // A message's fields are sent as given, so a misspelled one is refused here.
        if let Some(Value::List(messages)) = fields.get("messages") {
            for (index, message) in messages.iter().enumerate() {
                if let Some(key) = message.fields().stranger(&["role", "content"]) {
                    let error = ReadError::new("is not a field of a message; use role, content");
                    let key = crate::words::clipped(key, super::MAX_KEY_CHARS);
                    return Err(error.in_field(&key).in_item(index).in_field("messages"));
                }
            }
        }
        fields.done(LlmParams {
            messages: fields.req("messages"),
            model: fields.opt("model"),
            temperature: fields.opt("temperature"),
            max_tokens: fields.opt("max_tokens"),
            top_p: fields.opt("top_p"),
            top_k: fields.opt("top_k"),
            stream: fields.opt("stream"),
        })
    }
}

impl Read for LlmUsage {
    fn read(value: &Value) -> value::Result<Self> {
        let fields = value.fields();
        fields.done(LlmUsage {
            prompt_tokens: fields.req("prompt_tokens"),
            completion_tokens: fields.req("completion_tokens"),
            total_tokens: fields.req("total_tokens"),
        })
    }
}

impl Read for Choice {
    fn read(value: &Value) -> value::Result<Self> {
        let fields = value.fields();
        fields.done(Choice {
            finish_reason: fields.opt("finish_reason"),
            message: fields.opt("message"),
            delta: fields.opt("delta"),
        })
    }
}

impl Read for Delta {
    fn read(value: &Value) -> value::Result<Self> {
        let fields = value.fields();
        fields.done(Delta { content: fields.opt("content") })
    }
}

impl Read for LlmResponse {
    fn read(value: &Value) -> value::Result<Self> {
        let fields = value.fields();
        fields.done(LlmResponse {
            id: fields.req("id"),
            model: fields.req("model"),
            usage: fields.req("usage"),
            choices: fields.req("choices"),
        })
    }
}

impl Read for StreamChunk {
    fn read(value: &Value) -> value::Result<Self> {
        let fields = value.fields();
        fields.done(StreamChunk {
            error: fields.opt("error"),
            id: fields.opt("id"),
            model: fields.opt("model"),
            choices: fields.or_default("choices"),
            usage: fields.opt("usage"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipelines::{read_output, JobOutput, JobParams, Pipeline};

    fn chunk(json: &str) -> StreamChunk {
        StreamChunk::read(&Value::from_json(json).unwrap()).unwrap()
    }

    #[test]
    fn requests_are_checked() {
        let read = |json: &str| JobParams::read(Pipeline::Llm, &Value::from_json(json).unwrap());
        assert!(read(r#"{"messages":[{"role":"user","content":"hi"}],"stream":true}"#).is_ok());
        let cases = [
            (r#"{"messages":[]}"#, "messages"),
            (r#"{"messages":[{"role":"robot","content":"x"}]}"#, "messages[0].role"),
            (r#"{"messages":[{"role":"user"}]}"#, "messages[0].content"),
            (r#"{"messages":[{"role":"user","content":"x","nmae":"a"}]}"#, "messages[0].nmae"),
            (r#"{"messages":[{"role":"user","content":"x"}],"temperature":3}"#, "temperature"),
            (r#"{"messages":[{"role":"user","content":"x"}],"top_k":-2}"#, "top_k"),
        ];
        for (json, field) in cases {
            assert_eq!(read(json).unwrap_err().field.as_deref(), Some(field), "{json}");
        }
    }

    #[test]
    fn a_whole_answer_is_read() {
        let body = serde_json::json!({
            "id": "a1", "model": "m", "created": 1,
            "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
            "choices": [{"index": 0, "finish_reason": "stop",
                "message": {"role": "assistant", "content": "Hello there"}}]
        });
        let JobOutput::Llm(output) = read_output(Pipeline::Llm, body).unwrap() else {
            panic!("an llm output")
        };
        assert_eq!((output.text.as_str(), output.finish_reason.as_str()), ("Hello there", "stop"));
        assert_eq!(output.usage.unwrap().total_tokens, 5);
        let empty = serde_json::json!({"id": "a", "model": "m", "created": 1,
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            "choices": []});
        assert_eq!(
            read_output(Pipeline::Llm, empty).unwrap_err().field.as_deref(),
            Some("choices")
        );
    }

    #[test]
    fn a_stream_gathers_tokens_until_done() {
        let mut stream = LlmStream::new();
        let first = r#"{"id":"s1","model":"m",
            "choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"}}]}"#;
        assert_eq!(stream.push(chunk(first)).unwrap().as_deref(), Some("Hel"));
        let second = r#"{"choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":"stop"}],
            "usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}"#;
        assert_eq!(stream.push(chunk(second)).unwrap().as_deref(), Some("lo"));
        assert!(!stream.is_done());
        stream.finish();
        let output = stream.into_output().unwrap();
        assert_eq!((output.text.as_str(), output.id.as_str()), ("Hello", "s1"));
        assert_eq!(output.finish_reason, "stop");
        assert_eq!(output.usage.map(|u| u.total_tokens), Some(3));
    }

    #[test]
    fn a_stream_error_or_a_cut_stream_fails() {
        let mut stream = LlmStream::new();
        let error = stream.push(chunk(r#"{"error":"CUDA out of memory"}"#)).unwrap_err();
        assert_eq!(error.kind, ErrorKind::Stream);
        assert!(error.message.ends_with("CUDA out of memory"), "{error}");
        let nested = stream.push(chunk(r#"{"error":{"message":"boom"}}"#)).unwrap_err();
        assert!(nested.message.ends_with("boom"));

        let mut cut = LlmStream::new();
        cut.push(chunk(r#"{"choices":[{"index":0,"delta":{"content":"x"}}]}"#)).unwrap();
        assert_eq!(cut.into_output().unwrap_err().kind, ErrorKind::Stream);
    }
}
