//! A diagnostic export for leak tests: how much memory the WebAssembly instance holds.

use crate::convert::{get, set};
use js_sys::Object;
use wasm_bindgen::prelude::*;

/// Returns `{ wasmMemoryBytes, liveJsValues }`: the instance's linear memory size and the JS values Rust holds.
#[wasm_bindgen(js_name = memoryDiagnostics)]
pub fn memory_diagnostics() -> JsValue {
    let bytes = get(&wasm_bindgen::memory(), "buffer")
        .and_then(|buffer| get(&buffer, "byteLength"))
        .ok()
        .and_then(|n| n.as_f64())
        .unwrap_or(0.0);
    let out = Object::new();
    set(&out, "wasmMemoryBytes", &JsValue::from(bytes));
    set(&out, "liveJsValues", &JsValue::from(wasm_bindgen::externref_heap_live_count()));
    out.into()
}
