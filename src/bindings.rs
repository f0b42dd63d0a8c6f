//! Bindings to the host's globals, looked up on the global object so that they work outside `window`.

use js_sys::Function;
use web_sys::AbortSignal;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The global `setTimeout`; its handle is a number in browsers and an object in Node.
    #[wasm_bindgen(js_name = setTimeout)]
    pub fn set_timeout(handler: &Function, ms: f64) -> JsValue;

    /// The global `clearTimeout`.
    #[wasm_bindgen(js_name = clearTimeout)]
    pub fn clear_timeout(handle: &JsValue);

    /// The engine's own `JSON.parse`, given the JS string as it is (no copy into wasm memory).
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    pub fn json_parse(text: &JsValue) -> Result<JsValue, JsValue>;

    /// `Array.isArray`, caught because it throws for a revoked proxy.
    #[wasm_bindgen(js_namespace = Array, js_name = isArray, catch)]
    pub fn is_array(value: &JsValue) -> Result<bool, JsValue>;

    /// An event target seen only through its two listener methods.
    type Listenable;

    /// `signal.addEventListener(kind, listener)`, with the event name already a JS string.
    #[wasm_bindgen(method, catch, js_name = addEventListener)]
    fn add_listener(this: &Listenable, kind: &JsValue, listener: &Function) -> Result<(), JsValue>;

    /// `signal.removeEventListener(kind, listener)`, with the event name already a JS string.
    #[wasm_bindgen(method, catch, js_name = removeEventListener)]
    fn remove_listener(this: &Listenable, kind: &JsValue, listener: &Function) -> Result<(), JsValue>;

    /// The engine's own `JSON.stringify`.
    #[wasm_bindgen(js_namespace = JSON, js_name = stringify, catch)]
    pub fn json_stringify(value: &JsValue) -> Result<JsValue, JsValue>;
}

/// The `fetch` to call: the injected one, else the global `fetch` as it is at call time.
pub fn fetch_function(injected: Option<&Function>) -> Option<Function> {
    if let Some(f) = injected {
        return Some(f.clone());
    }
    js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("fetch"))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
}

/// Calls `listener` when `signal` aborts; a signal-like object whose method throws is left unhooked.
pub fn on_abort(signal: &AbortSignal, listener: &Function) {
    let _ = signal.unchecked_ref::<Listenable>().add_listener(&crate::convert::name("abort"), listener);
}

/// Undoes [`on_abort`].
pub fn off_abort(signal: &AbortSignal, listener: &Function) {
    let _ = signal.unchecked_ref::<Listenable>().remove_listener(&crate::convert::name("abort"), listener);
}
