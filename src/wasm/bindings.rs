//! Bindings to the host's globals, looked up on the global object so that they work outside `window`.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The engine's own `JSON.parse`, given the JS string as it is (no copy into wasm memory).
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    pub fn json_parse(text: &JsValue) -> Result<JsValue, JsValue>;

    /// `Array.isArray`, caught because it throws for a revoked proxy.
    #[wasm_bindgen(js_namespace = Array, js_name = isArray, catch)]
    pub fn is_array(value: &JsValue) -> Result<bool, JsValue>;

    /// `Reflect.get` without an exception guard, for objects whose reads cannot throw (see `convert::get_data`).
    #[wasm_bindgen(js_namespace = Reflect, js_name = get)]
    pub fn read_data(target: &JsValue, key: &JsValue) -> JsValue;

    /// The engine's own `JSON.stringify`.
    #[wasm_bindgen(js_namespace = JSON, js_name = stringify, catch)]
    pub fn json_stringify(value: &JsValue) -> Result<JsValue, JsValue>;
}

#[wasm_bindgen]
extern "C" {
    /// `globalThis`, read once. (`js_sys::global()` looks for it under four names, one import each, for engines
    /// older than every runtime this package supports.)
    #[wasm_bindgen(thread_local_v2, js_name = globalThis)]
    static GLOBAL_THIS: JsValue;
}

/// The global object.
pub fn global() -> JsValue {
    GLOBAL_THIS.with(JsValue::clone)
}

/// Whether the global object has a `fetch` function.
pub fn has_global_fetch() -> bool {
    GLOBAL_THIS.with(|global| js_sys::Reflect::get(global, &JsValue::from_str("fetch")).is_ok_and(|f| f.is_function()))
}

#[wasm_bindgen]
extern "C" {
    /// The builders of the objects a call hands back (`js/shapes.js`): each object is made by one call, with
    /// a fixed layout, instead of one property write across the boundary per field.
    pub type Shapes;

    /// `{ url, init, timeoutMs, maxRetries, facts, signal, offset, limit, firstKey }`: a call's plan.
    #[wasm_bindgen(method)]
    pub fn plan(this: &Shapes, url: &JsValue, init: &JsValue, timeout_ms: u32, max_retries: u32, facts: u32, signal: &JsValue, offset: &JsValue, limit: &JsValue, first_key: &JsValue) -> JsValue;

    /// `{ method, url, headers, body, timeoutMs, signal, checked }`: what one call sends, handed to the driver
    /// in one crossing (`body` is undefined for a request without one).
    #[wasm_bindgen(method)]
    pub fn request(this: &Shapes, method: &JsValue, url: &str, headers: &JsValue, body: Option<&str>, timeout_ms: u32, signal: &JsValue, checked: bool) -> JsValue;

    /// `{ method, headers, body }`, the `fetch` options (no `body` when it is undefined).
    #[wasm_bindgen(method)]
    pub fn init(this: &Shapes, method: &JsValue, headers: &JsValue, body: &JsValue) -> JsValue;

    /// `{ items, cardinality, offset, limit, next }`: one page of a list.
    #[wasm_bindgen(method)]
    pub fn page(this: &Shapes, items: &JsValue, cardinality: &JsValue, offset: f64, limit: u32, next: &JsValue) -> JsValue;

    /// `{ offset, limit, firstKey }`: where the next page starts.
    #[wasm_bindgen(method)]
    pub fn cursor(this: &Shapes, offset: f64, limit: u32, first_key: &JsValue) -> JsValue;

    /// The values of the named headers (`names` holds one per line), one per line, an empty line for each
    /// missing one; throws when `headers` has no working `get`.
    #[wasm_bindgen(method, catch, js_name = headerLines)]
    pub fn header_lines(this: &Shapes, headers: &JsValue, names: &JsValue) -> Result<JsValue, JsValue>;

    /// `{ limit, remaining, cost, fullInSeconds }`, with the undefined ones left out.
    #[wasm_bindgen(method, js_name = rateLimit)]
    pub fn rate_limit(this: &Shapes, limit: &JsValue, remaining: &JsValue, cost: &JsValue, full_in_seconds: &JsValue) -> JsValue;
}
