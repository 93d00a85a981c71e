//! Browser tests of the job service: real fetches from headless Chromium to the local
//! gateway, which the test script starts and names in `TEST_GATEWAY_URL` at build time.
//!
//! Each test uses its own gateway scope (`/s/<scope>`), so its fault script and its
//! request log are its own. Waits are the gateway's log timestamps, not guesses.

#![cfg(target_arch = "wasm32")]

mod common;

use comfyui_livepeer::JobService;
use common::*;
use gloo_net::http::Request;
use js_sys::Promise;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_job_returns_real_png_images() {
    let service = service("success", "");
    faults("success", "[]").await;
    let params = r#"{"prompt":"a red fox","width":96,"height":64,"num_images_per_prompt":2}"#;
    let result = run(&service, params, Some("7")).await.expect("the job succeeds");
    let output = get(&result, "output");
    assert_eq!(text(&output, "kind"), "images");
    let images: js_sys::Array = get(&output, "images").unchecked_into();
    assert_eq!(images.length(), 2);

    let url = text(&images.get(0), "url");
    let bytes = Request::get(&url).send().await.unwrap().binary().await.unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG signature");
    let width = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
    let height = u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
    assert_eq!((width, height), (96, 64));

    let job_id = text(&result, "jobId");
    assert_eq!(text(&service.status(&job_id), "state"), "delivered");
    assert_eq!(text(&service.node_status("7"), "jobId"), job_id);
    assert_eq!(log("success").await.len(), 1);
}

/// One row of the fault matrix: the script, the end state, the error kind (if any) and
/// how many requests the gateway must have seen.
struct Case {
    name: &'static str,
    script: &'static str,
    state: &'static str,
    kind: &'static str,
    requests: usize,
}

#[wasm_bindgen_test]
async fn the_fault_matrix() {
    let cases = [
        Case {
            name: "429 Retry-After 1",
            script: r#"[{"kind":"status","status":429,"retry_after":"1"}]"#,
            state: "delivered",
            kind: "",
            requests: 2,
        },
        Case { name: "429 HTTP-date", script: "DATE", state: "delivered", kind: "", requests: 2 },
        Case {
            name: "503 no orchestrators",
            script: r#"[{"kind":"status","status":503}]"#,
            state: "delivered",
            kind: "",
            requests: 2,
        },
        Case {
            name: "500 four times",
            script: r#"[{"kind":"status","status":500},
            {"kind":"status","status":500},{"kind":"status","status":500},
            {"kind":"status","status":500}]"#,
            state: "failed",
            kind: "gateway",
            requests: 4,
        },
        Case {
            name: "delay past timeout",
            script: r#"[{"kind":"delay","ms":2500}]"#,
            state: "delivered",
            kind: "",
            requests: 2,
        },
        Case {
            name: "dropped connection",
            script: r#"[{"kind":"drop"}]"#,
            state: "delivered",
            kind: "",
            requests: 2,
        },
        Case {
            name: "malformed JSON",
            script: r#"[{"kind":"malformed_json"}]"#,
            state: "failed",
            kind: "invalid_response",
            requests: 1,
        },
        Case {
            name: "HTML 502 page",
            script: r#"[{"kind":"html"}]"#,
            state: "delivered",
            kind: "",
            requests: 2,
        },
        Case {
            name: "wrong shape",
            script: r#"[{"kind":"wrong_shape"}]"#,
            state: "failed",
            kind: "invalid_response",
            requests: 1,
        },
        Case {
            name: "400",
            script: r#"[{"kind":"status","status":400}]"#,
            state: "failed",
            kind: "bad_request",
            requests: 1,
        },
        Case {
            name: "401",
            script: r#"[{"kind":"status","status":401}]"#,
            state: "failed",
            kind: "unauthorized",
            requests: 1,
        },
        Case {
            name: "403",
            script: r#"[{"kind":"status","status":403}]"#,
            state: "failed",
            kind: "unauthorized",
            requests: 1,
        },
        Case {
            name: "404",
            script: r#"[{"kind":"status","status":404}]"#,
            state: "failed",
            kind: "not_found",
            requests: 1,
        },
        Case {
            name: "422",
            script: r#"[{"kind":"status","status":422}]"#,
            state: "failed",
            kind: "validation",
            requests: 1,
        },
    ];
    for (index, case) in cases.iter().enumerate() {
        let scope = format!("matrix-{index}");
        let script = if case.script == "DATE" {
            let date = js_sys::Date::new(&JsValue::from(js_sys::Date::now() + 2500.0));
            let http_date: String = date.to_utc_string().into();
            format!(r#"[{{"kind":"status","status":429,"retry_after":"{http_date}"}}]"#)
        } else {
            case.script.to_string()
        };
        faults(&scope, &script).await;
        let service = service(&scope, "");
        let outcome = run(&service, PARAMS, None).await;
        let kind = outcome.as_ref().err().map(|e| text(e, "kind")).unwrap_or_default();
        let job_id = match &outcome {
            Ok(result) => text(result, "jobId"),
            Err(error) => text(error, "jobId"),
        };
        let state = text(&service.status(&job_id), "state");
        let attempts = get(&service.status(&job_id), "attempt").as_f64().unwrap_or(0.0) as usize;
        sleep(300).await;
        let requests = log(&scope).await;
        console_log!(
            "fault {:<22} -> {:<9} {:<17} requests {} gaps ms {:?}",
            case.name,
            state,
            kind,
            requests.len(),
            gaps(&requests)
        );
        assert_eq!((state.as_str(), kind.as_str()), (case.state, case.kind), "{}", case.name);
        assert_eq!(requests.len(), case.requests, "{}", case.name);
        assert_eq!(attempts, case.requests, "{}: every request was the service's", case.name);
        if case.name.starts_with("429") {
            assert!(gaps(&requests)[0] >= 900.0, "{}: Retry-After honoured", case.name);
        }
    }
}

#[wasm_bindgen_test]
async fn cancel_during_a_backoff_sleep_ends_the_job_at_once_and_sends_nothing_more() {
    let scope = "cancel-backoff";
    faults(scope, r#"[{"kind":"status","status":503,"retry_after":"2"}]"#).await;
    let service = service(scope, "");
    let job_id = service.submit("text-to-image".into(), js(PARAMS), JsValue::UNDEFINED).unwrap();
    for _ in 0..200 {
        if get(&service.status(&job_id), "retryAt").as_f64().is_some() {
            break;
        }
        sleep(10).await;
    }
    assert!(get(&service.status(&job_id), "retryAt").as_f64().is_some(), "in a backoff wait");

    let before = js_sys::Date::now();
    assert!(service.cancel(&job_id));
    let state = text(&service.status(&job_id), "state");
    let took = js_sys::Date::now() - before;
    assert_eq!(state, "cancelled");
    assert!(!service.cancel(&job_id), "a second cancel does nothing");

    sleep(2500).await;
    let requests = log(scope).await;
    console_log!(
        "cancel during backoff: cancelled after {took} ms; requests {} (after cancel: {})",
        requests.len(),
        requests.iter().filter(|r| r.at_ms > requests[0].at_ms + 100.0).count()
    );
    assert_eq!(requests.len(), 1, "no request after the cancel");
}

#[wasm_bindgen_test]
async fn cancel_aborts_the_request_in_flight_and_rejects_the_run() {
    let scope = "cancel-flight";
    faults(scope, r#"[{"kind":"delay","ms":1000}]"#).await;
    let service = service(scope, "");
    let promise = service.run("text-to-image".into(), js(PARAMS), js(r#"{"nodeId":5}"#));
    sleep(200).await;
    let status = service.node_status("5");
    let job_id = text(&status, "jobId");
    assert_eq!(text(&status, "state"), "submitting");
    assert!(service.cancel(&job_id));
    let error = JsFuture::from(promise).await.expect_err("a cancelled run rejects");
    assert_eq!(text(&error, "kind"), "cancelled");
    assert_eq!(text(&error, "name"), "LivepeerError");
    sleep(1500).await;
    assert_eq!(log(scope).await.len(), 1, "one request, aborted, and nothing after it");
}

#[wasm_bindgen_test]
async fn no_request_follows_a_terminal_state() {
    let scope = "terminal";
    faults(scope, r#"[{"kind":"status","status":400}]"#).await;
    let service = service(scope, "");
    let error = run(&service, PARAMS, None).await.unwrap_err();
    assert_eq!(text(&error, "kind"), "bad_request");
    assert!(text(&error, "message").contains("(400)"), "{:?}", text(&error, "message"));
    sleep(1000).await;
    assert_eq!(log(scope).await.len(), 1);
}

#[wasm_bindgen_test]
async fn the_deadline_ends_a_job_that_keeps_timing_out() {
    let scope = "deadline";
    let slow = r#"{"kind":"delay","ms":3000}"#;
    faults(scope, &format!("[{slow},{slow},{slow}]")).await;
    let service = service(scope, r#","attemptTimeoutMs":600,"deadlineMs":1000"#);
    let error = run(&service, PARAMS, None).await.unwrap_err();
    let kind = text(&error, "kind");
    assert!(kind == "deadline" || kind == "timeout", "{kind}: {}", text(&error, "message"));
    let requests = log(scope).await;
    assert!((1..=2).contains(&requests.len()), "{} requests", requests.len());
}

#[wasm_bindgen_test]
async fn bad_input_sends_nothing_and_names_the_field() {
    let scope = "bad-input";
    faults(scope, "[]").await;
    let service = service(scope, "");
    for (params, field) in [
        (r#"{"width":64}"#, "prompt"),
        (r#"{"prompt":"p","width":0}"#, "width"),
        (r#"{"prompt":"p","height":"tall"}"#, "height"),
        (r#"{"prompt":"p","num_images_per_prompt":40}"#, "num_images_per_prompt"),
    ] {
        let error = run(&service, params, None).await.unwrap_err();
        assert_eq!(text(&error, "kind"), "invalid_input", "{params}");
        let message = text(&error, "message");
        assert!(message.contains(field), "{params}: {message}");
    }
    let wrong = service.run("text-to-video".into(), js(PARAMS), JsValue::UNDEFINED);
    let error = JsFuture::from(wrong).await.unwrap_err();
    assert_eq!(text(&error, "field"), "pipeline");
    let misspelled = service.run("text-to-image".into(), js(PARAMS), js(r#"{"nodeid":"7"}"#));
    let error = JsFuture::from(misspelled).await.unwrap_err();
    assert_eq!(text(&error, "field"), "options.nodeid", "a misspelled run option is refused");
    let throwing = [
        "({ get prompt() { throw new Error('no prompt today') } })",
        "(() => { const p = Proxy.revocable({}, {}); p.revoke(); return p.proxy })()",
        "new Proxy({}, { ownKeys() { throw new Error('no keys') } })",
        "({ prompt: 'p', loras: new Proxy({}, { ownKeys() { throw new Error('no') } }) })",
    ];
    let live = [
        (
            "({subscribe_url: 'http://a/in', publish_url: 'http://a/out', params: {n: 1n}})",
            "params.n",
        ),
        (
            "(() => { const o = {}; o.a = o; o.b = o; \
              return {subscribe_url: 'http://a/in', publish_url: 'http://a/out', params: o} })()",
            "params",
        ),
    ];
    for (params, field) in live {
        let run = service.run(
            "live-video-to-video".into(),
            js_sys::eval(params).unwrap(),
            JsValue::UNDEFINED,
        );
        let error = JsFuture::from(run).await.unwrap_err();
        let message = text(&error, "message");
        assert!(text(&error, "field").starts_with(field), "{params}: {message}");
        assert!(message.contains("cannot be sent as JSON"), "{message}");
    }
    for params in throwing {
        let params = js_sys::eval(params).unwrap();
        let run = service.run("text-to-image".into(), params, JsValue::UNDEFINED);
        let error = JsFuture::from(run).await.unwrap_err();
        assert_eq!(text(&error, "kind"), "invalid_input", "{}", text(&error, "message"));
    }
    assert_eq!(service.job_count(), 0, "no job was registered");
    assert_eq!(log(scope).await.len(), 0, "no request was sent");

    let config = js(r#"{"gatewayUrl":"ftp://x"}"#);
    let error = JobService::new(config).err().expect("a bad gateway URL is refused");
    assert_eq!(text(&error, "field"), "gatewayUrl");
    let config = js(r#"{"gatewayUrl":"/livepeer","apiKey":12345678}"#);
    let error = JobService::new(config).err().expect("a non-string key is refused");
    assert!(!text(&error, "message").contains("12345678"), "the key is never echoed");
    let config = js(r#"{"gatewayUrl":"/livepeer","retry":{"maxRetries":"sk-misplaced-key"}}"#);
    let error = JobService::new(config).err().expect("a text for a number is refused");
    assert_eq!(text(&error, "field"), "retry.maxRetries");
    assert!(!text(&error, "message").contains("sk-misplaced"), "a misplaced key is not echoed");
    for url in ["/\\127.0.0.1:9/x", "/livepeer?x=1", "/\t/127.0.0.1:9"] {
        let config = js(&serde_json::json!({ "gatewayUrl": url }).to_string());
        let error = JobService::new(config).err().expect("a disguised gateway URL is refused");
        assert_eq!(text(&error, "field"), "gatewayUrl", "{url}");
    }
}

#[wasm_bindgen_test]
async fn the_key_is_sent_in_direct_mode_and_a_missing_key_is_unauthorized() {
    let scope = "auth";
    faults(scope, "[]").await;
    post(&format!("/control/{scope}/config"), r#"{"api_key":"test-key-1"}"#).await;
    let without = service(scope, "");
    let error = run(&without, PARAMS, None).await.unwrap_err();
    assert_eq!(text(&error, "kind"), "unauthorized");
    assert!(!text(&error, "message").contains("test-key-1"));

    let config = format!(r#"{{"gatewayUrl":"{}/s/{scope}","apiKey":"test-key-1"}}"#, gateway());
    let with = JobService::new(js(&config)).unwrap();
    assert!(run(&with, PARAMS, None).await.is_ok());
    let requests = log(scope).await;
    let sent: Vec<bool> = requests.iter().map(|r| r.authorization).collect();
    assert_eq!(sent, [false, true]);
}

#[wasm_bindgen_test]
async fn events_report_each_transition_once_in_order() {
    let scope = "events";
    faults(scope, r#"[{"kind":"status","status":503}]"#).await;
    let service = service(scope, "");
    let seen = js_sys::Array::new();
    let sink = seen.clone();
    let listener = wasm_bindgen::closure::Closure::<dyn Fn(JsValue)>::new(move |event| {
        sink.push(&event);
    });
    let id = service.subscribe(listener.as_ref().clone()).unwrap();
    run(&service, PARAMS, None).await.unwrap();
    let kinds: Vec<String> = seen.iter().map(|event| text(&event, "type")).collect();
    assert_eq!(kinds, ["state", "state", "retry", "state", "state"]);
    let states: Vec<String> = seen.iter().map(|event| text(&event, "to")).collect();
    assert_eq!(states, ["queued", "submitting", "", "completed", "delivered"]);
    assert!(get(&seen.get(0), "from").is_null());
    let retry = seen.get(2);
    assert_eq!(get(&retry, "attempt").as_f64(), Some(1.0));
    assert_eq!(text(&get(&retry, "error"), "kind"), "gateway");
    assert!(get(&retry, "retryAt").as_f64().is_some());
    assert_eq!(get(&seen.get(3), "attempt").as_f64(), Some(2.0));
    assert!(service.unsubscribe(id));
    assert!(!service.unsubscribe(id));
}

#[wasm_bindgen_test]
async fn a_throwing_listener_does_not_break_the_job() {
    let scope = "throwing";
    faults(scope, "[]").await;
    let service = service(scope, "");
    let thrower = js_sys::Function::new_no_args("throw new Error('listener bug')");
    service.subscribe(thrower.into()).unwrap();
    let refused = service.subscribe(JsValue::NULL).unwrap_err();
    assert_eq!(text(&refused, "field"), "listener");
    assert!(run(&service, PARAMS, None).await.is_ok());
}

#[wasm_bindgen_test]
async fn async_jobs_wait_completed_until_delivered_and_is_changed_follows_them() {
    let scope = "async";
    faults(scope, r#"[{"kind":"delay","ms":300}]"#).await;
    let service = service(scope, "");
    let job_id =
        service.submit("text-to-image".into(), js(PARAMS), js(r#"{"nodeId":"n1"}"#)).unwrap();
    let first = service.is_changed("n1");
    assert_ne!(first, service.is_changed("n1"), "a pending job changes every call");
    wait_for_state(&service, &job_id, "completed", 3000).await;
    assert_eq!(service.is_changed("n1"), job_id);
    let image = get(&service.output(&job_id), "images").unchecked_into::<js_sys::Array>().get(0);
    assert!(get(&image, "blob").is_object(), "the file is there with the output");
    assert_eq!(text(&service.output(&job_id), "kind"), "images");
    assert!(service.deliver(&job_id));
    assert!(!service.deliver(&job_id), "delivered once");
    assert_eq!(service.is_changed("n1"), job_id);
    assert_eq!(service.is_changed("no-such-node"), "");
}

#[wasm_bindgen_test]
async fn nodes_hold_one_job_and_the_sweep_removes_unused_finished_ones() {
    let scope = "sweep";
    faults(scope, "[]").await;
    let config =
        format!(r#"{{"gatewayUrl":"{}/s/{scope}","maxAgeMs":0,"sweepIntervalMs":0}}"#, gateway());
    let service = JobService::new(js(&config)).unwrap();
    let first = text(&run(&service, PARAMS, Some("n")).await.unwrap(), "jobId");
    let second = text(&run(&service, PARAMS, Some("n")).await.unwrap(), "jobId");
    assert_eq!(text(&service.node_status("n"), "jobId"), second);
    let nodes: js_sys::Array = get(&service.status(&first), "nodes").unchecked_into();
    assert_eq!(nodes.length(), 0, "the node released its first job");

    assert_eq!(service.sweep(), 1, "the unused first job goes");
    assert!(service.status(&first).is_undefined());
    assert_eq!(service.remove_node("n"), Some(second.clone()));
    assert_eq!(service.sweep(), 1);
    assert_eq!(service.job_count(), 0);
}

#[wasm_bindgen_test]
async fn freeing_the_service_cancels_its_jobs() {
    let scope = "free";
    faults(scope, r#"[{"kind":"status","status":503,"retry_after":"1"}]"#).await;
    let service = service(scope, "");
    let promise: Promise = service.run("text-to-image".into(), js(PARAMS), JsValue::UNDEFINED);
    sleep(200).await;
    drop(service);
    let error = JsFuture::from(promise).await.unwrap_err();
    assert_eq!(text(&error, "kind"), "cancelled");
    sleep(1500).await;
    assert_eq!(log(scope).await.len(), 1, "no retry after the service is gone");
}

/// The requeue events a service emits, gathered.
fn requeues(service: &JobService) -> js_sys::Array {
    let seen = js_sys::Array::new();
    let sink = seen.clone();
    let listener =
        wasm_bindgen::closure::Closure::<dyn Fn(JsValue)>::new(move |event: JsValue| {
            if text(&event, "type") == "requeue" {
                sink.push(&get(&event, "jobIds"));
            }
        });
    service.subscribe(listener.as_ref().clone()).unwrap();
    listener.forget();
    seen
}

#[wasm_bindgen_test]
async fn completions_close_together_make_one_requeue_and_an_interrupt_stops_them() {
    let scope = "requeue";
    let slow =
        r#"[{"kind":"delay","ms":100},{"kind":"delay","ms":200},{"kind":"delay","ms":300}]"#;
    faults(scope, slow).await;
    let service = service(scope, "");
    service.set_auto_requeue(js(r#"{"windowMs":600,"maxInARow":2}"#)).unwrap();
    let seen = requeues(&service);
    let a = service.submit("text-to-image".into(), js(PARAMS), js(r#"{"nodeId":1}"#)).unwrap();
    let b = service.submit("text-to-image".into(), js(PARAMS), js(r#"{"nodeId":2}"#)).unwrap();
    service.submit("text-to-image".into(), js(PARAMS), JsValue::UNDEFINED).unwrap();
    sleep(1200).await;
    assert_eq!(seen.length(), 1, "one requeue for both");
    let mut ids: Vec<String> =
        js_sys::Array::from(&seen.get(0)).iter().filter_map(|v| v.as_string()).collect();
    ids.sort();
    let mut expected = [a, b];
    expected.sort();
    assert_eq!(ids, expected, "only jobs that nodes use");

    service.stop_requeue();
    service.submit("text-to-image".into(), js(PARAMS), js(r#"{"nodeId":3}"#)).unwrap();
    sleep(800).await;
    assert_eq!(seen.length(), 1, "no requeue after an interrupt");

    service.begin_run();
    faults(scope, r#"[{"kind":"status","status":400}]"#).await;
    service.submit("text-to-image".into(), js(PARAMS), js(r#"{"nodeId":4}"#)).unwrap();
    sleep(800).await;
    assert_eq!(seen.length(), 1, "no requeue after a failure");
    service.submit("text-to-image".into(), js(PARAMS), js(r#"{"nodeId":5}"#)).unwrap();
    sleep(800).await;
    assert_eq!(seen.length(), 2, "a run the user started may requeue again");

    let error = service.set_auto_requeue(js(r#"{"windowMS":5}"#)).unwrap_err();
    assert_eq!(text(&error, "field"), "windowMS");
}
