//! The WebAssembly boundary of the edge toolkit: webhook payloads and URL secrets, Secure Mode signatures,
//! and the proxy's configuration and routing decision.

use crate::bindings::json_parse;
use crate::convert::{self, found, get, opt_string, options_object, set, string};
use crate::error::Error;
use crate::endpoints::OPS;
use crate::proxy::{self, Decision, ProxyConfig};
use crate::signature;
use crate::webhook::{self, Found};
use js_sys::{Array, Object};
use wasm_bindgen::prelude::*;

const PROXY_KEYS: &[&str] = &["apiKey", "siteToken", "baseUrl", "prefix", "allow", "authorize", "fetch"];

fn js_error(e: &Error) -> JsValue {
    JsValue::from(e.clone())
}

/// Reads what is at `path` below `root`; a throwing getter reads as something that is not a valid field.
fn found_at(root: &JsValue, path: &[&str]) -> Found {
    let mut current = root.clone();
    for key in path {
        if !convert::is_plain_object(&current) {
            return Found::Missing;
        }
        current = match get(&current, key) {
            Ok(v) => v,
            Err(_) => return Found::Other,
        };
    }
    found(&current)
}

/// The Secure Mode signature of a person: lowercase hex HMAC-SHA256 of `personId` keyed with `secret`.
#[wasm_bindgen(js_name = personSignature)]
pub fn person_signature(secret: JsValue, person_id: JsValue) -> Result<String, JsValue> {
    let secret = string(&secret, "secret").map_err(|e| js_error(&e))?;
    let person_id = string(&person_id, "personId").map_err(|e| js_error(&e))?;
    signature::person_signature(&secret, &person_id).map_err(|e| js_error(&e))
}

/// Checks a `chat_message` webhook body (the JSON text, or the object already parsed) and returns the object
/// as it is, unknown fields kept.
#[wasm_bindgen(js_name = parseChatMessageWebhook)]
pub fn parse_chat_message_webhook(body: JsValue) -> Result<JsValue, JsValue> {
    let payload = if body.is_string() {
        json_parse(&body).map_err(|_| js_error(&Error::invalid("Invalid chat_message webhook payload: the body is not valid JSON")))?
    } else {
        body
    };
    webhook::check_chat_message(|path| found_at(&payload, path)).map_err(|e| js_error(&e))?;
    Ok(payload)
}

/// Whether `url`'s query carries the webhook secret (parameter `param`, default `secret`), compared in
/// constant time.
#[wasm_bindgen(js_name = verifyWebhookSecretInUrl)]
pub fn verify_webhook_secret_in_url(url: JsValue, secret: JsValue, param: JsValue) -> Result<bool, JsValue> {
    let url = string(&url, "the request URL").map_err(|e| js_error(&e))?;
    let secret = string(&secret, "secret").map_err(|e| js_error(&e))?;
    webhook::check_secret(&secret).map_err(|e| js_error(&e))?;
    let param = if param.is_undefined() { webhook::DEFAULT_SECRET_PARAM.to_owned() } else { string(&param, "param").map_err(|e| js_error(&e))? };
    if param.is_empty() {
        return Err(js_error(&Error::invalid("param must be a non-empty string")));
    }
    Ok(webhook::url_secret_matches(&url, &param, &secret))
}

fn proxy_config(options: &JsValue) -> Result<(ProxyConfig, JsValue), Error> {
    let o = options_object(options, "proxy options", PROXY_KEYS)?
        .ok_or_else(|| Error::invalid("createProxy needs { apiKey, siteToken, allow, authorize }"))?;
    let api_key = opt_string(&o, "apiKey")?.ok_or_else(|| Error::invalid("apiKey is required"))?;
    let site_token = opt_string(&o, "siteToken")?.ok_or_else(|| Error::invalid("siteToken is required"))?;
    let allow_value = get(&o, "allow")?;
    if !Array::is_array(&allow_value) {
        return Err(Error::invalid("allow must be an array of operation names, such as [\"listChats\", \"getFeed\"]"));
    }
    let allow = allow_value.unchecked_into::<Array>().iter().map(|v| proxy::operation_name(&found(&v))).collect::<Result<Vec<_>, _>>()?;
    let config = ProxyConfig::new(api_key, site_token, opt_string(&o, "baseUrl")?.as_deref(), opt_string(&o, "prefix")?.as_deref(), &allow)?;
    let authorize = get(&o, "authorize")?;
    if !authorize.is_function() {
        return Err(Error::invalid("authorize must be a function (request) => boolean | Promise<boolean>; the proxy spends your API key for whoever it lets through"));
    }
    let fetch = get(&o, "fetch")?;
    if !fetch.is_undefined() && !fetch.is_function() {
        return Err(Error::invalid("fetch must be a function"));
    }
    Ok((config, o))
}

fn proxy_config_to_js(config: &ProxyConfig) -> JsValue {
    let o = Object::new();
    set(&o, "apiKey", &JsValue::from_str(&config.api_key));
    set(&o, "siteToken", &JsValue::from_str(&config.site_token));
    set(&o, "baseUrl", &JsValue::from_str(&config.base_url));
    if let Some(prefix) = &config.prefix {
        set(&o, "prefix", &JsValue::from_str(prefix));
    }
    let allow: Array = config.allow.iter().filter_map(|i| OPS.get(*i)).map(|op| JsValue::from_str(op.endpoint().name)).collect();
    set(&o, "allow", &allow);
    o.into()
}

/// Checks `createProxy`'s options and returns the normalised configuration (without `authorize` and `fetch`,
/// which the JS layer keeps).
#[wasm_bindgen(js_name = normalizeProxyConfig)]
pub fn normalize_proxy_config(options: JsValue) -> Result<JsValue, JsValue> {
    proxy_config(&options).map(|(c, _)| proxy_config_to_js(&c)).map_err(|e| js_error(&e))
}

/// Decides what the proxy does with one request: `{ forward: true, method, url, operation }` or
/// `{ forward: false, status, code, message }`.
#[wasm_bindgen(js_name = proxyDecide)]
pub fn proxy_decide(config: JsValue, method: JsValue, path: JsValue, query: JsValue) -> Result<JsValue, JsValue> {
    let read = || -> Result<(ProxyConfig, String, String, String), Error> {
        let allow_value = get(&config, "allow")?;
        let allow = if Array::is_array(&allow_value) {
            allow_value.unchecked_into::<Array>().iter().map(|v| proxy::operation_name(&found(&v))).collect::<Result<Vec<_>, _>>()?
        } else {
            Vec::new()
        };
        let need = |key: &str| opt_string(&config, key).and_then(|v| v.ok_or_else(|| Error::invalid(["proxy config lacks ", key].concat())));
        let c = ProxyConfig::new(need("apiKey")?, need("siteToken")?, Some(&need("baseUrl")?), opt_string(&config, "prefix")?.as_deref(), &allow)?;
        Ok((c, string(&method, "method")?, string(&path, "path")?, string(&query, "query")?))
    };
    let (c, method, path, query) = read().map_err(|e| js_error(&e))?;
    let o = Object::new();
    match proxy::decide(&c, &method, &path, &query) {
        Decision::Forward { method, url, operation } => {
            set(&o, "forward", &JsValue::TRUE);
            set(&o, "method", &JsValue::from_str(method));
            set(&o, "url", &JsValue::from_str(&url));
            set(&o, "operation", &JsValue::from_str(operation));
        }
        Decision::Refuse { status, code, message } => {
            set(&o, "forward", &JsValue::FALSE);
            set(&o, "status", &JsValue::from(status));
            set(&o, "code", &JsValue::from_str(code));
            set(&o, "message", &JsValue::from_str(&message));
        }
    }
    Ok(o.into())
}

/// Replaces the proxy's API key (raw or percent-encoded) in `text` with `[redacted]`.
#[wasm_bindgen(js_name = proxyRedact)]
pub fn proxy_redact(config: JsValue, text: JsValue) -> Result<String, JsValue> {
    let key = opt_string(&config, "apiKey").ok().flatten().unwrap_or_default();
    let text = string(&text, "text").map_err(|e| js_error(&e))?;
    Ok(crate::error::redact(&text, &[&key]))
}
