//! The WebAssembly boundary of the edge toolkit: webhook payloads and URL secrets, Secure Mode signatures,
//! the proxy's configuration and routing decision, and the input of the webhook management calls.

use crate::convert::{self, found, found_within, get, json_parse, opt_number, opt_string, options_object, set, string, string_within};
use crate::error::Error;
use crate::endpoints::OPS;
use crate::proxy::{self, Decision, Incoming, ProxyConfig};
use crate::signature;
use crate::webhook::{self, Found};
use js_sys::{Array, Object};
use wasm_bindgen::prelude::*;

const PROXY_KEYS: &[&str] = &["apiKey", "siteToken", "baseUrl", "prefix", "allow", "authorize", "fetch", "allowedOrigins", "timeoutMs", "bodyTimeoutMs"];

fn js_error(e: &Error) -> JsValue {
    JsValue::from(e.clone())
}

/// Reads what is at `path` below `root`; a throwing getter reads as something that is not a valid field, and a
/// string of more than [`webhook::MAX_PAYLOAD_TEXT_CHARS`] characters is not copied.
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
    found_within(&current, webhook::MAX_PAYLOAD_TEXT_CHARS)
}

/// The Secure Mode signature of a person: lowercase hex HMAC-SHA256 of `personId` keyed with `secret`.
#[wasm_bindgen(js_name = personSignature)]
pub fn person_signature(secret: JsValue, person_id: JsValue) -> Result<String, JsValue> {
    let secret = string_within(&secret, "secret", signature::MAX_SECRET_CHARS).map_err(|e| js_error(&e))?;
    let person_id = string_within(&person_id, "personId", crate::endpoints::MAX_CHAT_ID_CHARS).map_err(|e| js_error(&e))?;
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
    let url = string_within(&url, "the request URL", webhook::MAX_REQUEST_URL_CHARS).map_err(|e| js_error(&e))?;
    let secret = string_within(&secret, "secret", webhook::MAX_SECRET_CHARS).map_err(|e| js_error(&e))?;
    webhook::check_secret(&secret).map_err(|e| js_error(&e))?;
    let param = if param.is_undefined() {
        webhook::DEFAULT_SECRET_PARAM.to_owned()
    } else {
        string_within(&param, "param", webhook::MAX_PARAM_CHARS).map_err(|e| js_error(&e))?
    };
    if param.is_empty() {
        return Err(js_error(&Error::invalid("param must be a non-empty string")));
    }
    Ok(webhook::url_secret_matches(&url, &param, &secret))
}

/// Reads an array of strings (`allow`, `allowedOrigins`).
fn string_list(v: &JsValue, what: &str) -> Result<Vec<String>, Error> {
    if !Array::is_array(v) {
        return Err(Error::invalid([what, " must be an array of strings"].concat()));
    }
    v.clone()
        .unchecked_into::<Array>()
        .iter()
        .map(|item| match found(&item) {
            Found::Text(t) => Ok(t),
            _ => Err(Error::invalid([what, " must be an array of strings"].concat())),
        })
        .collect()
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
    let origins = get(&o, "allowedOrigins")?;
    let origins = if origins.is_undefined() { Vec::new() } else { string_list(&origins, "allowedOrigins")? };
    let config = ProxyConfig::new(api_key, site_token, opt_string(&o, "baseUrl")?.as_deref(), opt_string(&o, "prefix")?.as_deref(), &allow)?
        .with_allowed_origins(&origins)?
        .with_timeouts(opt_number(&o, "timeoutMs")?, opt_number(&o, "bodyTimeoutMs")?)?;
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
    let origins: Array = config.allowed_origins.iter().map(|o| JsValue::from_str(o)).collect();
    set(&o, "allowedOrigins", &origins);
    set(&o, "timeoutMs", &JsValue::from(config.timeout_ms));
    set(&o, "bodyTimeoutMs", &JsValue::from(config.body_timeout_ms));
    set(&o, "maxBodyBytes", &JsValue::from(proxy::MAX_BODY_BYTES));
    o.into()
}

/// Checks `createProxy`'s options and returns the normalised configuration (without `authorize` and `fetch`,
/// which the JS layer keeps).
#[wasm_bindgen(js_name = normalizeProxyConfig)]
pub fn normalize_proxy_config(options: JsValue) -> Result<JsValue, JsValue> {
    proxy_config(&options).map(|(c, _)| proxy_config_to_js(&c)).map_err(|e| js_error(&e))
}

/// Reads back the configuration [`normalize_proxy_config`] made.
fn read_proxy_config(config: &JsValue) -> Result<ProxyConfig, Error> {
    let allow_value = get(config, "allow")?;
    let allow = if Array::is_array(&allow_value) { string_list(&allow_value, "allow")? } else { Vec::new() };
    let origins_value = get(config, "allowedOrigins")?;
    let origins = if Array::is_array(&origins_value) { string_list(&origins_value, "allowedOrigins")? } else { Vec::new() };
    let need = |key: &str| opt_string(config, key).and_then(|v| v.ok_or_else(|| Error::invalid(["proxy config lacks ", key].concat())));
    ProxyConfig::new(need("apiKey")?, need("siteToken")?, Some(&need("baseUrl")?), opt_string(config, "prefix")?.as_deref(), &allow)?
        .with_allowed_origins(&origins)?
        .with_timeouts(opt_number(config, "timeoutMs")?, opt_number(config, "bodyTimeoutMs")?)
}

/// A header value as the JS layer passes it: a string, or `null` when the header is absent.
fn header(v: &JsValue, name: &str) -> Result<Option<String>, Error> {
    if v.is_null() || v.is_undefined() {
        return Ok(None);
    }
    string(v, name).map(Some)
}

/// Decides what the proxy does with one request: `{ forward: true, method, url, operation, body }` or
/// `{ forward: false, status, code, message, beforeAuthorize }`. The headers are strings, or `null` when absent.
#[wasm_bindgen(js_name = proxyDecide)]
#[allow(clippy::too_many_arguments)]
pub fn proxy_decide(
    config: JsValue,
    method: JsValue,
    path: JsValue,
    query: JsValue,
    own_origin: JsValue,
    origin: JsValue,
    fetch_site: JsValue,
    content_type: JsValue,
    content_length: JsValue,
) -> Result<JsValue, JsValue> {
    let read = || -> Result<_, Error> {
        Ok((
            read_proxy_config(&config)?,
            [string(&method, "method")?, string(&path, "path")?, string(&query, "query")?, string(&own_origin, "origin")?],
            [header(&origin, "Origin")?, header(&fetch_site, "Sec-Fetch-Site")?, header(&content_type, "Content-Type")?, header(&content_length, "Content-Length")?],
        ))
    };
    let (c, [method, path, query, own_origin], [origin, fetch_site, content_type, content_length]) = read().map_err(|e| js_error(&e))?;
    let incoming = Incoming {
        method: &method,
        path: &path,
        query: &query,
        own_origin: &own_origin,
        origin: origin.as_deref(),
        fetch_site: fetch_site.as_deref(),
        content_type: content_type.as_deref(),
        content_length: content_length.as_deref(),
    };
    Ok(decision_to_js(proxy::decide(&c, &incoming)))
}

fn decision_to_js(decision: Decision) -> JsValue {
    let o = Object::new();
    match decision {
        Decision::Forward { method, url, operation, body } => {
            set(&o, "forward", &JsValue::TRUE);
            set(&o, "method", &JsValue::from_str(method));
            set(&o, "url", &JsValue::from_str(&url));
            set(&o, "operation", &JsValue::from_str(operation));
            set(&o, "body", &JsValue::from_bool(body));
        }
        Decision::Refuse { status, code, message, before_authorize } => {
            set(&o, "forward", &JsValue::FALSE);
            set(&o, "status", &JsValue::from(status));
            set(&o, "code", &JsValue::from_str(code));
            set(&o, "message", &JsValue::from_str(&message));
            set(&o, "beforeAuthorize", &JsValue::from_bool(before_authorize));
        }
    }
    o.into()
}

/// Whether `path` is under the proxy's mount: a middleware hands any other request to the next handler.
#[wasm_bindgen(js_name = proxyServes)]
pub fn proxy_serves(config: JsValue, path: JsValue) -> Result<bool, JsValue> {
    let read = || -> Result<_, Error> { Ok((read_proxy_config(&config)?, string(&path, "path")?)) };
    let (c, path) = read().map_err(|e| js_error(&e))?;
    Ok(proxy::serves(&c, &path))
}

/// The refusal of a body over the limit, as [`proxy_decide`] shapes refusals.
#[wasm_bindgen(js_name = proxyBodyTooLarge)]
pub fn proxy_body_too_large() -> JsValue {
    decision_to_js(proxy::body_too_large())
}

/// The browser's answer to an upstream answer: `{ status, body, headers }`, where `body` is a JSON text (or
/// `null` for 204 and 205) and `headers` a flat `[name, value, …]` list of the passed-back headers that are
/// free of the key. `status` and `contentType` are read as the upstream gave them; anything unusable is a 502.
#[wasm_bindgen(js_name = proxyAnswer)]
pub fn proxy_answer(config: JsValue, status: JsValue, content_type: JsValue, body: JsValue, headers: JsValue) -> Result<JsValue, JsValue> {
    let c = read_proxy_config(&config).map_err(|e| js_error(&e))?;
    let status = status.as_f64().unwrap_or(f64::NAN);
    let content_type = match found(&content_type) {
        Found::Text(t) => Some(t),
        _ => None,
    };
    let body = match found(&body) {
        Found::Text(t) => t,
        _ => String::new(),
    };
    let mut pairs = Vec::new();
    if Array::is_array(&headers) {
        let list: Vec<JsValue> = headers.unchecked_into::<Array>().iter().collect();
        for pair in list.chunks_exact(2) {
            if let [name, value] = pair {
                if let (Found::Text(name), Found::Text(value)) = (found(name), found(value)) {
                    pairs.push((name, value));
                }
            }
        }
    }
    let answer = proxy::answer(&c, status, content_type.as_deref(), &body, &pairs);
    let o = Object::new();
    set(&o, "status", &JsValue::from(answer.status));
    set(&o, "body", &answer.body.map_or(JsValue::NULL, |b| JsValue::from_str(&b)));
    let out: Array = answer.headers.iter().flat_map(|(n, v)| [JsValue::from_str(n), JsValue::from_str(v)]).collect();
    set(&o, "headers", &out);
    Ok(o.into())
}

