//! The boundary's helpers, with no knowledge of the API: reading JS values into checked Rust values (property
//! names as cached JS strings, strings within a limit, options objects without unknown keys, times, frozen
//! objects read once), and the engine's own functions they use, looked up on the global object so that they
//! work outside `window`.

use crate::error::Error;
use crate::webhook::Found;
use crate::{endpoints, time};
use js_sys::{Function, JsString, Object, Reflect};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The most property names kept as ready JS strings.
const NAME_CACHE_SIZE: usize = 64;

/// A cached name: where the text was first seen, the text, and the JS string.
type CachedName = (usize, String, JsValue);

thread_local! {
    static NAMES: RefCell<Vec<CachedName>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with `key` as a JS string, made once and reused: decoding names from wasm memory on every
/// property access is a measurable share of a call.
///
/// Names are nearly always string literals, which keep their address: entries are matched by address
/// first (the text is still compared on that one entry), and by text only when that fails.
fn with_name<T>(key: &str, f: impl FnOnce(&JsValue) -> T) -> T {
    NAMES.with(|cache| {
        let Ok(mut cache) = cache.try_borrow_mut() else {
            return f(&JsValue::from_str(key));
        };
        let at = key.as_ptr() as usize;
        let hit = cache.iter().position(|(seen_at, k, _)| *seen_at == at && k == key).or_else(|| cache.iter().position(|(_, k, _)| k == key));
        if let Some((_, _, js)) = hit.and_then(|i| cache.get(i)) {
            return f(js);
        }
        let js = JsValue::from_str(key);
        let result = f(&js);
        if cache.len() < NAME_CACHE_SIZE {
            cache.push((at, key.to_owned(), js));
        }
        result
    })
}

/// A property name as a JS string, from the same cache.
pub fn name(key: &str) -> JsValue {
    with_name(key, JsValue::clone)
}

/// Reads `obj[key]`; a throwing getter or proxy trap reads as an invalid argument.
pub fn get(obj: &JsValue, key: &str) -> Result<JsValue, Error> {
    with_name(key, |k| Reflect::get(obj, k)).map_err(|_| Error::invalid(["could not read ", key].concat()))
}

/// Reads `obj[key]`, or None when it is undefined.
pub fn opt_value(obj: &JsValue, key: &str) -> Result<Option<JsValue>, Error> {
    get(obj, key).map(|v| Some(v).filter(|v| !v.is_undefined()))
}

/// Reads `obj[key]` from an object that cannot throw on a read: one the engine's `JSON.parse` made, or one
/// this crate's shapes built. Skips the exception guard a read of a caller's object needs.
pub fn get_data(obj: &JsValue, key: &str) -> JsValue {
    with_name(key, |k| read_data(obj, k))
}

/// One remembered reading of a frozen object: the object and the result.
pub type Remembered<T> = RefCell<Option<(JsValue, T)>>;

/// Reads `v` with `read`, or reuses the reading kept in `slot` when `v` is the very object read then (kept
/// only if `v` is frozen, so it cannot have changed): a caller passes the same frozen objects call after call.
/// `read` also says whether its result may be kept: only a reading of an object, and not when it came from a
/// mutable object inside `v`.
pub fn read_frozen<T: Clone>(slot: &Remembered<T>, v: &JsValue, read: impl FnOnce() -> Result<(T, bool), Error>) -> Result<T, Error> {
    let hit = slot.try_borrow().ok().and_then(|last| last.as_ref().filter(|(seen, _)| seen == v).map(|(_, value)| value.clone()));
    if let Some(value) = hit {
        return Ok(value);
    }
    let (value, keep) = read()?;
    if keep && Object::is_frozen(v.unchecked_ref::<Object>()) {
        if let Ok(mut last) = slot.try_borrow_mut() {
            *last = Some((v.clone(), value.clone()));
        }
    }
    Ok(value)
}

/// Sets `obj[key] = value` on an object this crate created.
pub fn set(obj: &Object, key: &str, value: &JsValue) {
    let _ = with_name(key, |k| Reflect::set(obj, k, value));
}

fn is_absent(v: &JsValue) -> bool {
    v.is_undefined() || v.is_null()
}

/// Whether `v` is an object that is neither an array nor a function (a revoked proxy is none of these).
pub fn is_plain_object(v: &JsValue) -> bool {
    v.is_object() && !v.is_function() && is_array(v) == Ok(false)
}

/// Reads an optional options object, refusing keys outside `allowed` so that typos are caught.
pub fn options_object(v: &JsValue, what: &str, allowed: &[&str]) -> Result<Option<JsValue>, Error> {
    if is_absent(v) {
        return Ok(None);
    }
    if !is_plain_object(v) {
        return Err(Error::invalid([what, " must be an object"].concat()));
    }
    let keys = Reflect::own_keys(v).map_err(|_| Error::invalid(["could not read ", what].concat()))?;
    for key in keys.iter() {
        // Only the start of a key is copied: no allowed name is longer, and a huge key must not be copied whole.
        // The key is asked whether it is a string once, and a short one is copied without slicing it first.
        let js = key.dyn_ref::<JsString>();
        let whole = js.is_some_and(|k| k.length() <= KEY_PREVIEW_UNITS);
        let start = js.and_then(|k| if whole { k.as_string() } else { k.slice(0, KEY_PREVIEW_UNITS).as_string() });
        let known = whole && start.as_deref().is_some_and(|k| allowed.contains(&k));
        if !known {
            let shown = start.map(|k| crate::error::truncate(&k, 40)).unwrap_or_else(|| "a symbol".into());
            return Err(Error::invalid([what, " has an unknown key \"", &shown, "\" (allowed: ", &crate::text::join(allowed, ", "), ")"].concat()));
        }
    }
    Ok(Some(v.clone()))
}

/// The UTF-16 code units of an option name read before it is judged.
const KEY_PREVIEW_UNITS: u32 = 64;

/// The most characters an option's string may hold unless its reader sets its own limit.
pub const MAX_OPTION_CHARS: usize = 8192;
/// The most characters any other string may hold unless its reader sets its own limit: a backstop so that
/// no single argument can make the module's memory grow without bound.
pub const MAX_TEXT_CHARS: usize = 16 * 1024 * 1024;

/// Reads an optional string property of at most [`MAX_OPTION_CHARS`] characters; a string with lone
/// surrogates is refused rather than altered.
pub fn opt_string(obj: &JsValue, key: &str) -> Result<Option<String>, Error> {
    opt_string_within(obj, key, MAX_OPTION_CHARS)
}

/// Reads an optional string property of at most `max_chars` characters.
pub fn opt_string_within(obj: &JsValue, key: &str, max_chars: usize) -> Result<Option<String>, Error> {
    let v = get(obj, key)?;
    if v.is_undefined() {
        return Ok(None);
    }
    string_within(&v, key, max_chars).map(Some)
}

/// Reads a JS string of at most [`MAX_TEXT_CHARS`] characters that must be well-formed UTF-16.
pub fn string(v: &JsValue, name: &str) -> Result<String, Error> {
    string_within(v, name, MAX_TEXT_CHARS)
}

/// The error for a string over its limit.
pub fn too_long(name: &str, max_chars: usize) -> Error {
    Error::invalid([name, " is longer than ", &crate::number::digits(max_chars as u64), " characters"].concat())
}

/// Whether a JS string is surely longer than `max_chars` characters, judged from its length in UTF-16 code
/// units without copying it (a character takes one or two).
pub fn surely_longer(js: &JsString, max_chars: usize) -> bool {
    js.length() as usize > max_chars.saturating_mul(2)
}

/// Reads a JS string of at most `max_chars` characters that must be well-formed UTF-16. The length is
/// checked before the text is copied into the module's memory, which is never given back.
pub fn string_within(v: &JsValue, name: &str, max_chars: usize) -> Result<String, Error> {
    let Some(js) = v.dyn_ref::<JsString>() else {
        return Err(Error::invalid([name, " must be a string"].concat()));
    };
    js_string_within(js, name, max_chars)
}

/// [`string_within`] for a value already known to be a string (so that it is not asked again).
pub fn js_string_within(js: &JsString, name: &str, max_chars: usize) -> Result<String, Error> {
    if surely_longer(js, max_chars) {
        return Err(too_long(name, max_chars));
    }
    let text = String::from(js);
    if crate::text::char_count(&text) > max_chars {
        return Err(too_long(name, max_chars));
    }
    // Copying turns an unpaired surrogate into U+FFFD, so only a text holding U+FFFD needs the UTF-16 scan,
    // which reads the string one code unit per call into JS.
    if crate::text::contains(&text, "\u{FFFD}") && !js.is_valid_utf16() {
        return Err(Error::invalid([name, " must not contain unpaired surrogates"].concat()));
    }
    Ok(text)
}

/// Reads an optional number property (undefined means absent).
pub fn opt_number(obj: &JsValue, key: &str) -> Result<Option<f64>, Error> {
    let v = get(obj, key)?;
    if v.is_undefined() {
        return Ok(None);
    }
    v.as_f64().map(Some).ok_or_else(|| Error::invalid([key, " must be a number"].concat()))
}

/// The longest time string read; an ISO 8601 date and time with an offset is far shorter.
const MAX_TIME_CHARS: usize = 64;

/// Reads a time given as a `Date`, an ISO 8601 string or epoch milliseconds.
pub fn time_value(v: &JsValue, name: &str) -> Result<Option<i64>, Error> {
    if v.is_undefined() {
        return Ok(None);
    }
    let bad = || Error::invalid([name, " must be a Date, an ISO 8601 string or epoch milliseconds"].concat());
    if let Some(n) = v.as_f64() {
        return endpoints::epoch_ms(name, n).map(Some);
    }
    if v.is_string() {
        let s = string_within(v, name, MAX_TIME_CHARS)?;
        return time::parse_iso(s.trim()).filter(|ms| *ms >= 0).map(Some).ok_or_else(bad);
    }
    if is_plain_object(v) {
        // A Date from any realm: anything with a callable getTime.
        let get_time = get(v, "getTime")?.dyn_into::<Function>().map_err(|_| bad())?;
        let n = get_time.call0(v).ok().and_then(|n| n.as_f64()).ok_or_else(bad)?;
        if n.is_nan() {
            return Err(Error::invalid([name, " is an invalid Date"].concat()));
        }
        return endpoints::epoch_ms(name, n).map(Some);
    }
    Err(bad())
}

/// The start of a JS string, at most `max_units` UTF-16 code units, copied out; for texts from an answer or a
/// thrown error that are only shown shortened. None for a value that is not a string.
pub fn string_start(v: &JsValue, max_units: u32) -> Option<String> {
    let js = v.dyn_ref::<JsString>()?;
    if js.length() <= max_units {
        return js.as_string();
    }
    js.slice(0, max_units).as_string()
}

/// What a JS value is, for the pure checks; a string of more than [`MAX_TEXT_CHARS`] is not copied.
pub fn found(v: &JsValue) -> Found {
    found_within(v, MAX_TEXT_CHARS)
}

/// What a JS value is, a string of more than `max_chars` characters being left uncopied as [`Found::TooLong`].
pub fn found_within(v: &JsValue, max_chars: usize) -> Found {
    if v.is_undefined() {
        Found::Missing
    } else if v.is_null() {
        Found::Null
    } else if let Some(n) = v.as_f64() {
        Found::Number(n)
    } else if let Some(js) = v.dyn_ref::<JsString>() {
        if surely_longer(js, max_chars) {
            return Found::TooLong(max_chars);
        }
        // At most twice `max_chars` code units, so the copy is bounded; only lone surrogates fail it.
        match string_within(v, "value", max_chars.saturating_mul(2)) {
            Ok(text) if crate::text::char_count(&text) > max_chars => Found::TooLong(max_chars),
            Ok(text) => Found::Text(text),
            Err(_) => Found::Other,
        }
    } else if is_plain_object(v) {
        Found::Object
    } else {
        Found::Other
    }
}

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
