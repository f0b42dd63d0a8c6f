//! The client's options and the per-call options, read and checked from JS.

use crate::convert::{self, get, opt_number, opt_string, options_object, set};
use crate::error::Error;
use crate::validate;
use js_sys::{Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::AbortSignal;

pub use crate::endpoints::DEFAULT_BASE_URL;
/// The default per-attempt timeout.
pub const DEFAULT_TIMEOUT_MS: u32 = 10_000;
/// The default number of retries after the first attempt.
pub const DEFAULT_MAX_RETRIES: u32 = 2;

const CLIENT_KEYS: &[&str] = &["apiKey", "siteToken", "baseUrl", "fetch", "timeoutMs", "maxRetries", "headers"];
const CALL_KEYS: &[&str] = &["signal", "timeoutMs", "maxRetries"];

/// Checked client options.
pub struct Config {
    /// The API key; absent only behind a proxy that adds it.
    pub api_key: Option<String>,
    /// The project's site token.
    pub site_token: String,
    /// The base URL without a trailing slash.
    pub base_url: String,
    /// An injected `fetch`, called unbound.
    pub fetch: Option<Function>,
    /// Per-attempt timeout.
    pub timeout_ms: u32,
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Extra headers sent with every request.
    pub headers: Vec<(String, String)>,
}

impl Config {
    /// Reads and checks `new ChatClient(options)`'s options.
    pub fn from_js(v: &JsValue) -> Result<Config, Error> {
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
        let fetch = match get(&o, "fetch")? {
            f if f.is_undefined() => None,
            f => Some(f.dyn_into::<Function>().map_err(|_| Error::invalid("fetch must be a function"))?),
        };
        if fetch.is_none() && crate::bindings::fetch_function(None).is_none() {
            return Err(Error::invalid("this runtime has no global fetch; pass options.fetch"));
        }
        let timeout_ms = opt_number(&o, "timeoutMs")?.map(validate::timeout_ms).transpose()?.unwrap_or(DEFAULT_TIMEOUT_MS);
        let max_retries = opt_number(&o, "maxRetries")?.map(validate::max_retries).transpose()?.unwrap_or(DEFAULT_MAX_RETRIES);
        let headers = read_headers(&get(&o, "headers")?)?;
        Ok(Config { api_key, site_token, base_url, fetch, timeout_ms, max_retries, headers })
    }

    /// The checked options as a plain object, which the JS layer keeps and passes back on each call.
    pub fn to_js(&self) -> JsValue {
        let o = Object::new();
        if let Some(k) = &self.api_key {
            set(&o, "apiKey", &JsValue::from_str(k));
        }
        set(&o, "siteToken", &JsValue::from_str(&self.site_token));
        set(&o, "baseUrl", &JsValue::from_str(&self.base_url));
        if let Some(f) = &self.fetch {
            set(&o, "fetch", f);
        }
        set(&o, "timeoutMs", &JsValue::from(self.timeout_ms));
        set(&o, "maxRetries", &JsValue::from(self.max_retries));
        let h = Object::new();
        for (name, value) in &self.headers {
            set(&h, name, &JsValue::from_str(value));
        }
        set(&o, "headers", &h);
        o.into()
    }

    /// The secrets that must never appear in an error.
    pub fn secrets(&self) -> Vec<&str> {
        self.api_key.iter().map(String::as_str).collect()
    }
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

/// Checked per-call options.
pub struct CallOptions {
    /// The caller's abort signal.
    pub signal: Option<AbortSignal>,
    /// Per-attempt timeout for this call.
    pub timeout_ms: u32,
    /// Retries for this call.
    pub max_retries: u32,
}

impl CallOptions {
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
