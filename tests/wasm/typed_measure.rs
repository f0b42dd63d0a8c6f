//! Measures where the typed API reads bodies: serde_json from the body's text (what the client does) against
//! the engine's `JSON.parse` followed by serde-wasm-bindgen's `from_value` (what a client built on
//! `response.json()` would do). Not part of `npm test`; run it by hand, figures in docs/rust.md:
//!
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner cargo test --release --target wasm32-unknown-unknown --features gloo --test typed-measure -- --nocapture`
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use gosquared_chat::typed::Chat;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

/// A list page of `n` chats as the emulator sends them, with a latest message each.
fn page(n: usize) -> String {
    let chats: Vec<String> = (1..=n)
        .map(|i| {
            format!(
                r#"{{"id":"person-{i}","person":{{"id":"person-{i}","name":"Person {i}","email":"person-{i}@example.com","avatar":"https://example.invalid/avatars/{i}.png"}},"archived":false,"latest":{{"message":{{"id":"m_{i}","timestamp":1700000001000,"from":"client","content":"Message {i} in chat person-{i}: my card was declined again, can you help?","entities":[],"person_id":"person-{i}"}}}},"unread":1,"last_read":{{"client":1700000014000,"agent":1700000013000}},"created":1700000010000,"updated":1700000014000}}"#
            )
        })
        .collect();
    format!(r#"{{"list":[{}],"cardinality":{n}}}"#, chats.join(","))
}

fn median_ms(mut run: impl FnMut(), rounds: usize) -> f64 {
    let mut times: Vec<f64> = (0..rounds)
        .map(|_| {
            let start = js_sys::Date::now();
            for _ in 0..20 {
                run();
            }
            (js_sys::Date::now() - start) / 20.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[rounds / 2]
}

#[derive(serde::Deserialize)]
struct Envelope {
    list: Vec<Chat>,
}

#[wasm_bindgen_test]
fn serde_json_from_text_against_json_parse_and_from_value() {
    for n in [10, 250] {
        let text = page(n);
        let js_text = JsValue::from_str(&text);
        let serde_json = median_ms(|| assert_eq!(serde_json::from_str::<Envelope>(&text).unwrap().list.len(), n), 15);
        let json_parse = median_ms(|| assert!(js_sys::JSON::parse(&text).unwrap().is_object()), 15);
        let both = median_ms(
            || {
                let value = js_sys::JSON::parse(js_text.as_string().as_deref().unwrap()).unwrap();
                assert_eq!(serde_wasm_bindgen::from_value::<Envelope>(value).unwrap().list.len(), n);
            },
            15,
        );
        wasm_bindgen_test::console_log!(
            "{n} chats, {} bytes: serde_json::from_str {serde_json:.3} ms; JSON.parse {json_parse:.3} ms; JSON.parse + serde_wasm_bindgen::from_value {both:.3} ms",
            text.len()
        );
    }
}
