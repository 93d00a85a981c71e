//! The connection budget's benchmark: 50 jobs submitted at once to a gateway that answers
//! each after 2 s, with at most 4 in flight. The ideal makespan is 50 × 2 s / 4 = 25 s;
//! whole jobs need 13 rounds of 4, so 26 s is the best 4 slots can do.
//! It runs in its own test binary, so no other test shares the browser's connections.

#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn fifty_jobs_stay_under_the_cap_and_finish_near_the_ideal_time() {
    let scope = "a-budget";
    faults(scope, "[]").await;
    configure(scope, r#"{"latency_ms":2000}"#).await;
    let service = polling_service(scope, r#","maxInFlight":4"#);
    let params = js(r#"{"prompt":"one of many","width":16,"height":16}"#);
    let started = js_sys::Date::now();
    let runs: Vec<_> = (0..50)
        .map(|_| {
            JsFuture::from(service.run("text-to-image".into(), params.clone(), JsValue::UNDEFINED))
        })
        .collect();
    for run in runs {
        run.await.expect("every job succeeds");
    }
    let makespan = js_sys::Date::now() - started;
    let stats = control_json(scope, "stats").await;
    let gateway_peak = stats["max_in_flight"].as_f64().unwrap();
    let ideal = 50.0 * 2000.0 / 4.0;
    let rounds = (50.0_f64 / 4.0).ceil() * 2000.0;
    console_log!(
        "50 jobs, 2 s each, cap 4: makespan {:.2} s; ideal {:.1} s (ratio {:.3}); \
         13 rounds of 4 at best {:.1} s (ratio {:.3}); most in flight: service {}, gateway {}",
        makespan / 1000.0,
        ideal / 1000.0,
        makespan / ideal,
        rounds / 1000.0,
        makespan / rounds,
        service.peak_in_flight(),
        gateway_peak
    );
    assert!(service.peak_in_flight() <= 4 && gateway_peak <= 4.0, "the cap holds");
    assert_eq!(gateway_peak, 4.0, "the cap is used");
    assert!(makespan / rounds <= 1.02, "within 2% of the best 4 slots can do");
}
