//! How an error crosses into JS: once, through `From<Error> for JsValue`, as a plain descriptor that
//! `js/errors.js` turns into the class its `name` names.

use crate::convert::set;
use crate::error::{ApiCode, Error};
use js_sys::Object;
use wasm_bindgen::JsValue;

/// The property that marks an error descriptor for the JS layer.
const BRAND: &str = "__gosquaredChatError";

impl From<Error> for JsValue {
    fn from(e: Error) -> JsValue {
        let o = Object::new();
        set(&o, BRAND, &JsValue::TRUE);
        set(&o, "name", &JsValue::from_str(e.kind.name()));
        set(&o, "message", &JsValue::from_str(&e.message));
        if let Some(s) = e.status {
            set(&o, "status", &JsValue::from(s));
        }
        match &e.code {
            Some(ApiCode::Number(n)) => set(&o, "code", &JsValue::from(*n)),
            Some(ApiCode::Text(t)) => set(&o, "code", &JsValue::from_str(t)),
            None => {}
        }
        if let Some(ms) = e.retry_after_ms {
            set(&o, "retryAfterMs", &JsValue::from(ms));
        }
        if let Some(m) = e.method {
            set(&o, "method", &JsValue::from_str(m));
        }
        if let Some(p) = &e.path {
            set(&o, "path", &JsValue::from_str(p));
        }
        set(&o, "attempts", &JsValue::from(e.attempts));
        set(&o, "mayHaveSucceeded", &JsValue::from_bool(e.may_have_succeeded));
        if !e.cause.is_empty() {
            let chain: js_sys::Array = e
                .cause
                .iter()
                .map(|(name, message)| {
                    let c = Object::new();
                    set(&c, "name", &JsValue::from_str(name));
                    set(&c, "message", &JsValue::from_str(message));
                    JsValue::from(c)
                })
                .collect();
            set(&o, "cause", &chain);
        }
        o.into()
    }
}
