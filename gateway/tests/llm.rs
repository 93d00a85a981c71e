//! `POST /llm` end to end: whole answers, event streams, and a stream that breaks.

mod common;

use std::time::{Duration, Instant};

use common::{problems, Gateway};
use serde_json::Value;

const HELLO: &str = r#"{"messages":[{"role":"system","content":"be brief"},
    {"role":"user","content":"what is a river?"}]}"#;

/// The `data:` payloads of an event stream, checking that each event is framed alone.
fn events(body: &str) -> Vec<String> {
    assert!(body.ends_with("\n\n"), "the stream ends with a blank line");
    body.trim_end_matches("\n\n")
        .split("\n\n")
        .map(|event| {
            let data =
                event.strip_prefix("data: ").unwrap_or_else(|| panic!("bad event {event:?}"));
            assert!(!data.contains('\n'), "one line per event");
            data.to_owned()
        })
        .collect()
}

#[test]
fn answers_follow_the_llm_response_shape() {
    let gateway = Gateway::start(&[]);
    let reply = gateway.post("/llm", HELLO);
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let answer = reply.json();
    assert!(answer["id"].as_str().unwrap().starts_with("chatcmpl-"));
    assert!(answer["model"].is_string());
    assert!(answer["created"].as_u64().unwrap() > 1_600_000_000);
    let choice = &answer["choices"][0];
    assert_eq!(choice["index"], 0);
    assert_eq!(choice["finish_reason"], "stop");
    assert_eq!(choice["message"]["role"], "assistant");
    let content = choice["message"]["content"].as_str().unwrap();
    assert!(content.starts_with("You said: \"what is a river?\"."), "{content}");
    let usage = &answer["usage"];
    assert_eq!(usage["prompt_tokens"], 6);
    assert_eq!(usage["completion_tokens"], content.split(' ').count());
    assert_eq!(
        usage["total_tokens"].as_u64(),
        Some(
            usage["prompt_tokens"].as_u64().unwrap()
                + usage["completion_tokens"].as_u64().unwrap()
        )
    );
    let again = gateway.post("/llm", HELLO).json();
    assert_eq!(again["choices"][0]["message"]["content"], content);
}

#[test]
fn max_tokens_cuts_the_answer() {
    let gateway = Gateway::start(&[]);
    let body = r#"{"messages":[{"role":"user","content":"hi"}],"max_tokens":3,"model":"m1"}"#;
    let answer = gateway.post("/llm", body).json();
    assert_eq!(answer["model"], "m1");
    assert_eq!(answer["choices"][0]["finish_reason"], "length");
    assert_eq!(answer["usage"]["completion_tokens"], 3);
    assert_eq!(answer["choices"][0]["message"]["content"].as_str().unwrap().split(' ').count(), 3);
}

#[test]
fn streams_send_one_chunk_per_token_then_done() {
    let gateway = Gateway::start(&[]);
    let whole = gateway.post("/llm", HELLO).json();
    let streaming = HELLO.replacen('{', r#"{"stream":true,"#, 1);
    let started = Instant::now();
    let reply = gateway.post("/llm", &streaming);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("text/event-stream"));
    let events = events(&reply.text());
    assert_eq!(events.last().map(String::as_str), Some("[DONE]"));
    let chunks: Vec<Value> =
        events[..events.len() - 1].iter().map(|e| serde_json::from_str(e).unwrap()).collect();
    assert!(started.elapsed() >= Duration::from_millis(20) * (chunks.len() as u32 - 1));

    let mut text = String::new();
    for (n, chunk) in chunks.iter().enumerate() {
        let choice = &chunk["choices"][0];
        assert_eq!(choice["index"], 0);
        assert_eq!(choice["delta"]["role"], "assistant");
        text.push_str(choice["delta"]["content"].as_str().unwrap());
        assert_eq!(chunk["id"], chunks[0]["id"]);
        assert_eq!(chunk["usage"]["completion_tokens"], n + 1, "the running usage");
        if n + 1 < chunks.len() {
            assert_eq!(choice["finish_reason"], "");
        }
    }
    let last = chunks.last().unwrap();
    assert_eq!(last["choices"][0]["finish_reason"], "stop");
    assert_eq!(last["usage"]["completion_tokens"], chunks.len());
    assert_eq!(text, whole["choices"][0]["message"]["content"].as_str().unwrap());
}

#[test]
fn an_sse_error_fault_breaks_the_stream() {
    let gateway = Gateway::start(&[]);
    gateway.script("se", r#"[{"kind":"sse_error","after":3},{"kind":"sse_error","after":1}]"#);
    let streaming = r#"{"messages":[{"role":"user","content":"hi"}],"stream":true}"#;
    let reply = gateway.post("/s/se/llm", streaming);
    assert_eq!(reply.status, 200);
    let events = events(&reply.text());
    assert_eq!(events.len(), 4);
    for chunk in &events[..3] {
        let chunk: Value = serde_json::from_str(chunk).unwrap();
        assert!(chunk["choices"][0]["delta"]["content"].is_string());
    }
    assert!(events[3].starts_with(r#"{"error": ""#), "{}", events[3]);
    let error: Value = serde_json::from_str(&events[3]).unwrap();
    assert!(error["error"].as_str().unwrap().len() > 5);

    let whole = gateway.post("/s/se/llm", r#"{"messages":[{"role":"user","content":"hi"}]}"#);
    assert_eq!(whole.json()["choices"][0]["finish_reason"], "stop");
    assert_eq!(gateway.log("se")[0]["fault"], "sse_error 3");
    assert_eq!(gateway.log("se")[1]["fault"], "sse_error 1");
}

#[test]
fn messages_are_required_and_checked() {
    let gateway = Gateway::start(&[]);
    let reply = gateway.post("/llm", r#"{"model":"x"}"#);
    assert_eq!(problems(&reply), [("messages".to_owned(), "missing".to_owned())]);
    let reply = gateway.post("/llm", r#"{"messages":[]}"#);
    assert_eq!(problems(&reply), [("messages".to_owned(), "too_short".to_owned())]);
    let reply = gateway.post("/llm", r#"{"messages":[{"role":"user"}],"stream":"yes"}"#);
    assert_eq!(
        reply.json()["detail"][0]["loc"],
        serde_json::json!(["body", "messages", 0, "content"])
    );
    assert_eq!(problems(&reply)[1], ("stream".to_owned(), "bool_type".to_owned()));
}
