//! `POST /llm`: validates `LLMRequest` and answers an `LLMResponse`, or with
//! `"stream": true` a `text/event-stream` of chunks.
//!
//! The reply quotes the start of the last message and adds a few sentences picked by a
//! hash of all the messages, so the same conversation always gets the same reply. One
//! token is one word: the reply stops at `max_tokens` words with `finish_reason`
//! `"length"`, else it ends with `"stop"`; usage counts words the same way.
//!
//! A stream sends one `data: <chunk>` event per token, [`TOKEN_INTERVAL`] apart, each
//! chunk `{id, model, created, choices: [{index: 0, delta: {role, content}, finish_reason:
//! ""}]}`, with the running `usage` in every chunk as the runner sends it; the last chunk
//! also carries `finish_reason`; then `data: [DONE]`.
//! After an `sse_error` fault the stream sends only `after` chunks, then `data:
//! {"error": "..."}`, and ends without `[DONE]`, as the runner does when generation fails.

use std::convert::Infallible;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::stream;
use serde_json::{json, Value};

use super::{Call, Pipeline};
use crate::digest::{fnv1a, Bits};
use crate::faults::BrokenAnswers;
use crate::random;
use crate::text::{sentence, words};
use crate::validate::{BodyFields, FieldError, Loc, Rejection};

/// The model named in answers when the request names none.
pub const DEFAULT_MODEL: &str = "meta-llama/Meta-Llama-3.1-8B-Instruct";

/// The pause between two streamed chunks.
pub const TOKEN_INTERVAL: Duration = Duration::from_millis(20);

/// The most words of the last message that the reply quotes.
const QUOTED_WORDS: usize = 12;

/// The llm pipeline.
#[derive(Debug)]
pub struct Llm;

#[derive(Debug, Clone, PartialEq)]
struct Message {
    role: String,
    content: String,
}

#[derive(Debug, Clone, PartialEq)]
struct Params {
    messages: Vec<Message>,
    model: String,
    max_tokens: usize,
    stream: bool,
}

/// A generated reply, before it is sent whole or streamed.
#[derive(Debug, Clone, PartialEq)]
struct Reply {
    id: String,
    model: String,
    created: u64,
    tokens: Vec<String>,
    finish_reason: &'static str,
    prompt_tokens: usize,
}

impl Pipeline for Llm {
    const PATH: &'static str = "llm";
    const BROKEN: BrokenAnswers = BrokenAnswers {
        truncated: r#"{"id":"chatcmpl-1","model":"m","choices":[{"#,
        wrong_shape: r#"{"id":"chatcmpl-1","model":"m","created":1,
            "usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2},
            "choices":[{"index":0,"finish_reason":"stop",
            "message":{"role":"assistant","content":12345}}]}"#,
    };

    async fn run(call: Call) -> Response {
        let params = match parse(&call.body) {
            Ok(params) => params,
            Err(rejection) => return rejection.into_response(),
        };
        let reply = generate(&params);
        if params.stream {
            stream_response(&reply, call.break_stream_after)
        } else {
            Json(whole(&reply)).into_response()
        }
    }
}

/// Checks every field of `LLMRequest`, in the spec's order.
fn parse(body: &[u8]) -> Result<Params, Rejection> {
    let mut fields = BodyFields::parse(body)?;
    let messages = messages(&mut fields);
    let model = fields.string_or("model", "");
    fields.number_or("temperature", 0.7);
    let max_tokens = fields.int_in("max_tokens", 256, 1..=i64::from(u32::MAX));
    fields.number_or("top_p", 1.0);
    fields.int_or("top_k", -1);
    let stream = fields.bool_or("stream", false);
    fields.finish()?;

    let max_tokens = usize::try_from(max_tokens).unwrap_or(256);
    Ok(Params { messages, model, max_tokens, stream })
}

/// Reads `messages`: a non-empty list of `{role, content}` objects.
fn messages(fields: &mut BodyFields) -> Vec<Message> {
    let items = match fields.raw("messages") {
        None => {
            fields.push(FieldError::missing("messages"));
            return Vec::new();
        }
        Some(Value::Array(items)) => items.clone(),
        Some(_) => {
            fields.push(FieldError::field(
                "messages",
                "list_type",
                "Input should be a valid list",
            ));
            return Vec::new();
        }
    };
    if items.is_empty() {
        let mut error = FieldError::field(
            "messages",
            "too_short",
            "List should have at least 1 item after validation, not 0",
        );
        error.ctx = Some(json!({ "field_type": "List", "min_length": 1, "actual_length": 0 }));
        fields.push(error);
        return Vec::new();
    }

    let mut messages = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let at = |key: &'static str| {
            let mut loc = vec![Loc::Key("body"), Loc::Key("messages"), Loc::Index(index)];
            if !key.is_empty() {
                loc.push(Loc::Key(key));
            }
            loc
        };
        let Value::Object(object) = item else {
            let msg = "Input should be a valid dictionary or instance of LLMMessage";
            fields.push(FieldError::at(at(""), "model_type", msg));
            continue;
        };
        let mut text = |key: &'static str| match object.get(key) {
            Some(Value::String(text)) => Some(text.clone()),
            Some(_) => {
                let msg = "Input should be a valid string";
                fields.push(FieldError::at(at(key), "string_type", msg));
                None
            }
            None => {
                fields.push(FieldError::at(at(key), "missing", "Field required"));
                None
            }
        };
        let (role, content) = (text("role"), text("content"));
        if let (Some(role), Some(content)) = (role, content) {
            messages.push(Message { role, content });
        }
    }
    messages
}

/// Writes the reply to the conversation.
fn generate(params: &Params) -> Reply {
    let mut conversation = Vec::new();
    for message in &params.messages {
        conversation.extend_from_slice(message.role.as_bytes());
        conversation.push(0);
        conversation.extend_from_slice(message.content.as_bytes());
        conversation.push(0);
    }
    let mut bits = Bits(fnv1a(&conversation, 0));

    let last = params.messages.last().map_or("", |m| m.content.as_str());
    let quoted: Vec<&str> = last.split_whitespace().take(QUOTED_WORDS).collect();
    let mut text = if quoted.is_empty() {
        "You said nothing.".to_owned()
    } else {
        format!("You said: \"{}\".", quoted.join(" "))
    };
    for _ in 0..2 + bits.below(3) {
        let count = 5 + bits.below(6) as usize;
        text.push(' ');
        text.push_str(&sentence(&words(&mut bits, count)));
    }

    let mut tokens: Vec<String> = text.split(' ').map(str::to_owned).collect();
    let finish_reason = if tokens.len() > params.max_tokens {
        tokens.truncate(params.max_tokens);
        "length"
    } else {
        "stop"
    };
    let count = tokens.len();
    for token in tokens.iter_mut().take(count.saturating_sub(1)) {
        token.push(' ');
    }

    let prompt_tokens =
        params.messages.iter().map(|m| m.content.split_whitespace().count()).sum::<usize>();
    Reply {
        id: format!("chatcmpl-{}", random::request_id()),
        model: if params.model.is_empty() {
            DEFAULT_MODEL.to_owned()
        } else {
            params.model.clone()
        },
        created: SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()),
        tokens,
        finish_reason,
        prompt_tokens: prompt_tokens.max(1),
    }
}

/// Token counts after `completion` generated tokens.
fn usage(reply: &Reply, completion: usize) -> Value {
    json!({
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": completion,
        "total_tokens": reply.prompt_tokens + completion,
    })
}

/// The non-streaming `LLMResponse`.
fn whole(reply: &Reply) -> Value {
    json!({
        "id": reply.id,
        "model": reply.model,
        "created": reply.created,
        "usage": usage(reply, reply.tokens.len()),
        "choices": [{
            "index": 0,
            "finish_reason": reply.finish_reason,
            "message": { "role": "assistant", "content": reply.tokens.concat() },
        }],
    })
}

/// The events of a stream, each a complete `data: ...\n\n` frame.
fn events(reply: &Reply, break_after: Option<usize>) -> Vec<String> {
    let last = reply.tokens.len().saturating_sub(1);
    let mut events: Vec<String> = reply
        .tokens
        .iter()
        .enumerate()
        .map(|(n, token)| {
            let finish_reason = if n == last { reply.finish_reason } else { "" };
            let chunk = json!({
                "id": reply.id,
                "model": reply.model,
                "created": reply.created,
                "usage": usage(reply, n + 1),
                "choices": [{
                    "index": 0,
                    "delta": { "role": "assistant", "content": token },
                    "finish_reason": finish_reason,
                }],
            });
            format!("data: {chunk}\n\n")
        })
        .collect();

    match break_after {
        Some(after) => {
            events.truncate(after);
            let error = json!("generation failed: the stream was broken by the fault script");
            events.push(format!("data: {{\"error\": {error}}}\n\n"));
        }
        None => events.push("data: [DONE]\n\n".to_owned()),
    }
    events
}

/// A `text/event-stream` response that sends the events [`TOKEN_INTERVAL`] apart.
fn stream_response(reply: &Reply, break_after: Option<usize>) -> Response {
    let events = events(reply, break_after).into_iter().enumerate();
    let paced = stream::unfold(events, |mut events| async move {
        let (n, event) = events.next()?;
        if n > 0 {
            tokio::time::sleep(TOKEN_INTERVAL).await;
        }
        Some((Ok::<_, Infallible>(event), events))
    });
    let headers = [(CONTENT_TYPE, "text/event-stream"), (CACHE_CONTROL, "no-cache")];
    (headers, Body::from_stream(paced)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(body: &str) -> Params {
        parse(body.as_bytes()).unwrap()
    }

    #[test]
    fn messages_are_validated_item_by_item() {
        let errors =
            parse(br#"{"messages":[{"role":"user"},7,{"role":1,"content":"x"}]}"#).unwrap_err().0;
        let found: Vec<(String, &str)> =
            errors.iter().map(|e| (serde_json::to_string(&e.loc).unwrap(), e.kind)).collect();
        assert_eq!(
            found,
            [
                (r#"["body","messages",0,"content"]"#.to_owned(), "missing"),
                (r#"["body","messages",1]"#.to_owned(), "model_type"),
                (r#"["body","messages",2,"role"]"#.to_owned(), "string_type"),
            ]
        );
        assert_eq!(parse(br#"{"messages":[]}"#).unwrap_err().0[0].kind, "too_short");
        assert_eq!(parse(br#"{"model":"x"}"#).unwrap_err().0[0].kind, "missing");
    }

    #[test]
    fn replies_repeat_and_respect_max_tokens() {
        let body = r#"{"messages":[{"role":"user","content":"tell me about rivers"}]}"#;
        let a = generate(&params(body));
        let b = generate(&params(body));
        assert_eq!(a.tokens, b.tokens);
        assert_eq!(a.finish_reason, "stop");
        assert!(a.tokens.concat().starts_with("You said: \"tell me about rivers\". "));

        let short = r#"{"messages":[{"role":"user","content":"hi"}],"max_tokens":3}"#;
        let reply = generate(&params(short));
        assert_eq!(reply.tokens.len(), 3);
        assert_eq!(reply.finish_reason, "length");
        assert_eq!(whole(&reply)["usage"]["completion_tokens"], 3);
    }

    #[test]
    fn streams_end_with_done_or_an_error() {
        let reply = generate(&params(r#"{"messages":[{"role":"user","content":"hi"}]}"#));
        let normal = events(&reply, None);
        assert_eq!(normal.len(), reply.tokens.len() + 1);
        assert_eq!(normal.last().unwrap(), "data: [DONE]\n\n");
        let broken = events(&reply, Some(3));
        assert_eq!(broken.len(), 4);
        assert!(broken[3].starts_with("data: {\"error\": \""));
    }
}
