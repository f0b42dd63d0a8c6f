//! One HTTP attempt over `fetch`, with the guard that owns its timer and abort controller, and the
//! cancellable wait between attempts.

use crate::bindings::{self, clear_timeout, fetch_function, set_timeout};
use crate::convert::{self, get, set};
use crate::error::{Error, ErrorKind};
use js_sys::{Array, Function, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal};

/// Owns one attempt's timeout timer and `AbortController`, and the link from the caller's signal;
/// dropping it clears the timer and unhooks the listener, whatever way the attempt ended.
///
/// The timer and the listener call the controller's own `abort`, bound in JS, so an attempt creates no
/// Rust closures: a timeout aborts with no reason, the caller's abort passes its event along.
struct AttemptGuard {
    controller: AbortController,
    /// Rejects when the attempt is stopped (its timeout, or the caller's abort), so that a `fetch` or a body
    /// that ignores the abort signal cannot hold the call.
    stopped: Promise,
    /// `stopped`'s reject, listening on the controller's signal until the guard is dropped.
    stop: Function,
    timer: JsValue,
    caller: Option<(AbortSignal, Function)>,
}

impl AttemptGuard {
    fn new(timeout_ms: u32, caller: Option<&AbortSignal>) -> Result<Self, Error> {
        let missing = || Error::new(ErrorKind::Connection, "this runtime has no AbortController");
        let controller = AbortController::new().map_err(|_| missing())?;
        let abort = get(&controller, "abort")
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
            .ok_or_else(missing)?;
        // The promise's own reject is the listener: it rejects when the controller aborts, for either cause.
        let mut stop = None;
        let stopped = Promise::new(&mut |_, reject| stop = Some(reject));
        let stop = stop.ok_or_else(missing)?;
        bindings::on_abort(&controller.signal(), &stop);
        let timer = set_timeout(&abort.bind0(&controller), f64::from(timeout_ms));
        let caller = caller.map(|signal| {
            let on_abort = abort.bind0(&controller);
            bindings::on_abort(signal, &on_abort);
            (signal.clone(), on_abort)
        });
        Ok(AttemptGuard { controller, stopped, stop, timer, caller })
    }

    /// Whether the attempt's own controller fired (checked after the caller's signal).
    fn timed_out(&self) -> bool {
        self.controller.signal().aborted()
    }

    /// Settles as `pending` does, or rejects as soon as the attempt is stopped, whichever comes first.
    fn race(&self, pending: &JsValue) -> JsFuture {
        JsFuture::from(Promise::race(&Array::of2(pending, &self.stopped)))
    }
}

impl Drop for AttemptGuard {
    fn drop(&mut self) {
        clear_timeout(&self.timer);
        // Unhooked so that nothing keeps `stopped`, and through it the race and its answer, alive.
        bindings::off_abort(&self.controller.signal(), &self.stop);
        if let Some((signal, on_abort)) = &self.caller {
            bindings::off_abort(signal, on_abort);
        }
    }
}

/// How an attempt ended when no usable answer came.
pub enum AttemptError {
    /// The caller's signal aborted: reject with its reason, as `fetch` does.
    Aborted(JsValue),
    /// The attempt failed: a connection error, a timeout, or a response that was not a Response.
    Failed(Error),
}

/// What the API answered: status, headers and the body as a JS string (not copied into wasm memory).
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The response's `headers` object.
    headers: JsValue,
    /// Its `get` method, looked up once for all the headers read.
    header_get: Option<Function>,
    /// The body text.
    pub body: JsValue,
}

impl Answer {
    /// Reads one header, case-insensitively, through the response's `headers.get`.
    pub fn header(&self, name: &str) -> Option<String> {
        let get_fn = self.header_get.as_ref()?;
        get_fn.call1(&self.headers, &convert::name(name)).ok()?.as_string()
    }
}

/// The caller's abort reason, when its signal has fired. The signal is read through `Reflect`, so that a
/// signal-like object whose getters throw ends the call with an `InvalidRequestError` instead of an
/// exception thrown through the module.
pub fn aborted_reason(signal: Option<&AbortSignal>) -> Option<JsValue> {
    let signal = signal?;
    match get(signal, "aborted") {
        Ok(flag) => flag.is_truthy().then(|| reason_of(signal)),
        Err(e) => Some(convert::error_to_js(&e)),
    }
}

fn reason_of(signal: &AbortSignal) -> JsValue {
    get(signal, "reason").unwrap_or_else(|e| convert::error_to_js(&e))
}

fn failure_of(guard: &AttemptGuard, caller: Option<&AbortSignal>, timeout_ms: u32, what: &str, thrown: &JsValue) -> AttemptError {
    if let Some(reason) = aborted_reason(caller) {
        return AttemptError::Aborted(reason);
    }
    if guard.timed_out() {
        return AttemptError::Failed(Error::new(ErrorKind::Timeout, format!("The attempt timed out after {timeout_ms} ms")));
    }
    let detail = get(thrown, "message").ok().and_then(|m| m.as_string()).unwrap_or_else(|| "unknown error".into());
    let detail = crate::error::truncate(&detail, 200);
    AttemptError::Failed(Error::new(ErrorKind::Connection, format!("{what}: {detail}")))
}

/// Sends one request and reads the whole body, all within `timeout_ms`.
pub async fn attempt(
    fetch: Option<&Function>,
    url: &JsValue,
    init: &Object,
    timeout_ms: u32,
    caller: Option<&AbortSignal>,
) -> Result<Answer, AttemptError> {
    let fetch = fetch_function(fetch)
        .ok_or_else(|| AttemptError::Failed(Error::new(ErrorKind::Connection, "no fetch function is available")))?;
    if let Some(reason) = aborted_reason(caller) {
        return Err(AttemptError::Aborted(reason));
    }
    let guard = AttemptGuard::new(timeout_ms, caller).map_err(AttemptError::Failed)?;
    set(init, "signal", &guard.controller.signal());
    let pending = fetch
        .call2(&JsValue::UNDEFINED, url, init)
        .map_err(|e| failure_of(&guard, caller, timeout_ms, "fetch threw", &e))?;
    let response = guard
        .race(&pending)
        .await
        .map_err(|e| failure_of(&guard, caller, timeout_ms, "The request failed", &e))?;
    let not_response = || AttemptError::Failed(Error::new(ErrorKind::ResponseFormat, "fetch resolved to something that is not a Response"));
    let status = get(&response, "status")
        .ok()
        .and_then(|s| s.as_f64())
        .filter(|s| s.fract() == 0.0 && (100.0..=599.0).contains(s))
        .ok_or_else(not_response)? as u16;
    let headers = get(&response, "headers").unwrap_or(JsValue::UNDEFINED);
    let text_fn = get(&response, "text")
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or_else(not_response)?;
    let reading = text_fn
        .call0(&response)
        .map_err(|e| failure_of(&guard, caller, timeout_ms, "Reading the response failed", &e))?;
    let body = guard
        .race(&reading)
        .await
        .map_err(|e| failure_of(&guard, caller, timeout_ms, "Reading the response failed", &e))?;
    if !body.is_string() {
        return Err(not_response());
    }
    drop(guard);
    let header_get = get(&headers, "get").ok().and_then(|f| f.dyn_into::<Function>().ok());
    Ok(Answer { status, headers, header_get, body })
}

/// Waits `ms` milliseconds; the caller's signal ends the wait at once with its reason.
pub async fn sleep(ms: f64, caller: Option<&AbortSignal>) -> Result<(), JsValue> {
    if let Some(reason) = aborted_reason(caller) {
        return Err(reason);
    }
    let mut settle: Option<(Function, Function)> = None;
    let promise = Promise::new(&mut |resolve, reject| settle = Some((resolve, reject)));
    let Some((resolve, reject)) = settle else {
        return Ok(());
    };
    let on_time = Closure::<dyn FnMut()>::new(move || {
        let _ = resolve.call0(&JsValue::UNDEFINED);
    });
    let timer = set_timeout(on_time.as_ref().unchecked_ref(), ms);
    let on_abort = caller.map(|signal| {
        let source = signal.clone();
        let cb = Closure::<dyn FnMut()>::new(move || {
            let _ = reject.call1(&JsValue::UNDEFINED, &reason_of(&source));
        });
        bindings::on_abort(signal, cb.as_ref().unchecked_ref());
        (signal, cb)
    });
    let result = JsFuture::from(promise).await.map(|_| ());
    clear_timeout(&timer);
    if let Some((signal, cb)) = &on_abort {
        bindings::off_abort(signal, cb.as_ref().unchecked_ref());
    }
    drop(on_time);
    result
}
