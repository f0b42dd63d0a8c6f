//! A diagnostic export for leak tests: how much memory the WebAssembly instance holds.

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

/// Reads `obj[key]` without the crate's property-name cache, so that measuring never adds to what is measured.
fn read(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// Returns `{ wasmMemoryBytes, liveJsValues }`: the instance's linear memory size and the JS values Rust holds.
#[wasm_bindgen(js_name = memoryDiagnostics)]
pub fn memory_diagnostics() -> JsValue {
    let bytes = read(&read(&wasm_bindgen::memory(), "buffer"), "byteLength").as_f64().unwrap_or(0.0);
    let live = wasm_bindgen::externref_heap_live_count();
    let out = Object::new();
    let _ = Reflect::set(&out, &JsValue::from_str("wasmMemoryBytes"), &JsValue::from(bytes));
    let _ = Reflect::set(&out, &JsValue::from_str("liveJsValues"), &JsValue::from(live));
    out.into()
}
