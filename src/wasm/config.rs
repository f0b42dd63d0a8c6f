//! The client's options, checked once by `normalizeConfig`, and the per-call options.
//!
//! `normalizeConfig` validates what the user passed and returns a plain object holding the pieces every
//! request needs, already built: the base URL and the encoded auth query as JS strings, and frozen header
//! objects. Each call then reads those few fields back without copying strings into wasm memory.

use crate::convert::{self, get, opt_number, opt_string, options_object, set};
use crate::endpoints::auth_query;
use crate::error::Error;
use crate::validate;
use js_sys::{JsString, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use std::cell::RefCell;
use std::rc::Rc;
use web_sys::AbortSignal;

pub use crate::endpoints::DEFAULT_BASE_URL;
/// The default per-attempt timeout.
pub const DEFAULT_TIMEOUT_MS: u32 = 10_000;
/// The default number of retries after the first attempt.
pub const DEFAULT_MAX_RETRIES: u32 = 2;

const CLIENT_KEYS: &[&str] = &["apiKey", "siteToken", "baseUrl", "fetch", "timeoutMs", "maxRetries", "headers"];
const CALL_KEYS: &[&str] = &["signal", "timeoutMs", "maxRetries"];

/// Checks `new ChatClient(options)`'s options and returns the normalised config object.
pub fn normalize(v: &JsValue) -> Result<JsValue, Error> {
    let o = options_object(v, "options", CLIENT_KEYS)?
        .ok_or_else(|| Error::invalid("options must be an object with apiKey and siteToken"))?;
    let base = opt_string(&o, "baseUrl")?;
    let base_url = match &base {
        Some(b) => validate::base_url(b)?,
        None => DEFAULT_BASE_URL.to_owned(),
    };
    let api_key = opt_string(&o, "apiKey")?;
    match &api_key {
        Some(k) => validate::credential("apiKey", k)?,
        None if base.is_none() => {
            return Err(Error::invalid("apiKey is required unless baseUrl points at a proxy that adds it"))
        }
        None => {}
    }
    let site_token = opt_string(&o, "siteToken")?.ok_or_else(|| Error::invalid("siteToken is required"))?;
    validate::credential("siteToken", &site_token)?;
    let fetch = get(&o, "fetch")?;
    if !fetch.is_undefined() && !fetch.is_function() {
        return Err(Error::invalid("fetch must be a function"));
    }
    if fetch.is_undefined() && !crate::bindings::has_global_fetch() {
        return Err(Error::invalid("this runtime has no global fetch; pass options.fetch"));
    }
    let timeout_ms = opt_number(&o, "timeoutMs")?.map(validate::timeout_ms).transpose()?.unwrap_or(DEFAULT_TIMEOUT_MS);
    let max_retries = opt_number(&o, "maxRetries")?.map(validate::max_retries).transpose()?.unwrap_or(DEFAULT_MAX_RETRIES);
    let headers = read_headers(&get(&o, "headers")?)?;

    let out = Object::new();
    if let Some(k) = &api_key {
        set(&out, "apiKey", &JsValue::from_str(k));
    }
    set(&out, "siteToken", &JsValue::from_str(&site_token));
    set(&out, "baseUrl", &JsValue::from_str(&base_url));
    set(&out, "authQuery", &JsValue::from_str(&auth_query(api_key.as_deref(), &site_token)));
    set(&out, "fetch", &fetch);
    set(&out, "timeoutMs", &JsValue::from(timeout_ms));
    set(&out, "maxRetries", &JsValue::from(max_retries));
    set(&out, "readHeaders", &header_object(&headers, false));
    set(&out, "writeHeaders", &header_object(&headers, true));
    // Frozen, so that a call can reuse what it read from the same object last time.
    Ok(Object::freeze(&out).into())
}

/// A frozen header object: the user's headers, then `accept`, and `content-type` for requests with a body.
fn header_object(headers: &[(String, String)], with_body: bool) -> JsValue {
    let h = Object::new();
    for (name, value) in headers {
        set(&h, name, &JsValue::from_str(value));
    }
    set(&h, "accept", &JsValue::from_str("application/json"));
    if with_body {
        set(&h, "content-type", &JsValue::from_str("application/json"));
    }
    Object::freeze(&h).into()
}

fn read_headers(v: &JsValue) -> Result<Vec<(String, String)>, Error> {
    if v.is_undefined() || v.is_null() {
        return Ok(Vec::new());
    }
    if !convert::is_plain_object(v) {
        return Err(Error::invalid("headers must be an object of strings"));
    }
    let keys = Reflect::own_keys(v).map_err(|_| Error::invalid("could not read headers"))?;
    let mut out = Vec::new();
    for key in keys.iter() {
        let name = key.as_string().ok_or_else(|| Error::invalid("headers must have string names"))?;
        validate::header_name(&name)?;
        let value = convert::string(&get(v, &name)?, "a header value")?;
        validate::header_value(&value)?;
        out.push((name.to_ascii_lowercase(), value));
    }
    Ok(out)
}

/// The normalised config as one call reads it: JS strings and objects, nothing copied into wasm memory.
pub struct Config {
    raw: JsValue,
    /// The base URL, without a trailing slash.
    pub base_url: JsString,
    /// `api_key=…&site_token=…`, encoded.
    pub auth_query: JsString,
    /// Per-attempt timeout.
    pub timeout_ms: u32,
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Headers for requests without a body.
    pub read_headers: JsValue,
    /// Headers for requests with a JSON body.
    pub write_headers: JsValue,
}

thread_local! {
    /// The config read last, with the object it came from: a client's calls all pass the same frozen object.
    static LAST_READ: convert::Remembered<Rc<Config>> = const { RefCell::new(None) };
}

impl Config {
    /// Reads a config object as [`Config::from_js`] does, reusing the last result when `v` is the same frozen object.
    pub fn read(v: &JsValue) -> Result<Rc<Config>, Error> {
        convert::read_frozen(&LAST_READ, v, &JsValue::UNDEFINED, || Config::from_js(v).map(|c| (Rc::new(c), true)))
    }

    /// Reads a config object made by [`normalize`]; anything else is refused with a clear error.
    pub fn from_js(v: &JsValue) -> Result<Config, Error> {
        let bad = || Error::invalid("the client's config is not one made by normalizeConfig");
        if !convert::is_plain_object(v) {
            return Err(bad());
        }
        let js_string = |key: &str| get(v, key).ok().and_then(|s| s.dyn_into::<JsString>().ok()).ok_or_else(bad);
        let whole = |key: &str| get(v, key).ok().and_then(|n| n.as_f64()).filter(|n| n.fract() == 0.0 && *n >= 0.0).ok_or_else(bad);
        let headers = |key: &str| get(v, key).ok().filter(convert::is_plain_object).ok_or_else(bad);
        Ok(Config {
            raw: v.clone(),
            base_url: js_string("baseUrl")?,
            auth_query: js_string("authQuery")?,
            timeout_ms: validate::timeout_ms(whole("timeoutMs")?)?,
            max_retries: validate::max_retries(whole("maxRetries")?)?,
            read_headers: headers("readHeaders")?,
            write_headers: headers("writeHeaders")?,
        })
    }

    /// The secrets that must never appear in an error, read only when an error is being built.
    pub fn secrets(&self) -> Vec<String> {
        get(&self.raw, "apiKey").ok().and_then(|k| k.as_string()).into_iter().collect()
    }
}

/// Checked per-call options.
#[derive(Clone)]
pub struct CallOptions {
    /// The caller's abort signal.
    pub signal: Option<AbortSignal>,
    /// Per-attempt timeout for this call.
    pub timeout_ms: u32,
    /// Retries for this call.
    pub max_retries: u32,
}

thread_local! {
    static LAST_OPTIONS: convert::Remembered<CallOptions> = const { RefCell::new(None) };
}

impl CallOptions {
    /// Reads call options as [`CallOptions::from_js`] does, reusing the last result for the same frozen object and config.
    pub fn read(v: &JsValue, config: &Config) -> Result<CallOptions, Error> {
        convert::read_frozen(&LAST_OPTIONS, v, &config.raw, || CallOptions::from_js(v, config).map(|o| (o, true)))
    }

    /// Reads `{ signal, timeoutMs, maxRetries }`, falling back to the client's settings.
    pub fn from_js(v: &JsValue, config: &Config) -> Result<CallOptions, Error> {
        let mut opts = CallOptions { signal: None, timeout_ms: config.timeout_ms, max_retries: config.max_retries };
        let Some(o) = options_object(v, "opts", CALL_KEYS)? else {
            return Ok(opts);
        };
        let signal = get(&o, "signal")?;
        if !signal.is_undefined() {
            let looks_like_signal = convert::is_plain_object(&signal)
                && get(&signal, "aborted")?.as_bool().is_some()
                && get(&signal, "addEventListener")?.is_function();
            if !looks_like_signal {
                return Err(Error::invalid("signal must be an AbortSignal"));
            }
            opts.signal = Some(signal.unchecked_into());
        }
        if let Some(t) = opt_number(&o, "timeoutMs")? {
            opts.timeout_ms = validate::timeout_ms(t)?;
        }
        if let Some(r) = opt_number(&o, "maxRetries")? {
            opts.max_retries = validate::max_retries(r)?;
        }
        Ok(opts)
    }
}
