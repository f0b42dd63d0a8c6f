//! The client at the boundary: [`Client`] holds a client's checked settings and its rate-limit reading,
//! and [`CallHandle`] wraps one call's state machine ([`crate::call::machine::Call`]) for the JS driver
//! (`js/driver.js`), which sends what it says and feeds it what came back.

use crate::call::machine::{AttemptFailure, BodyKind, BodyView, Call, Decoded, ListFacts, PageOutcome, RateLimit, Settings, Step, Success};
use crate::convert::{self, found_within, get, get_data, is_plain_object, js_string_within, json_parse, json_stringify, opt_number, opt_string_within, options_object, read_data, read_frozen, time_value, too_long, Remembered};
use crate::endpoints::{self, auth_query, ApiRequest, Args, Input, ListParams, Op, Target, DEFAULT_BASE_URL, OPS};
use crate::error::{ApiCode, Error};
use crate::webhook::{self, Found, NewWebhook, TriggerValue};
use js_sys::{Array, JsString, Object, Reflect};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// The default per-attempt timeout.
pub const DEFAULT_TIMEOUT_MS: u32 = 10_000;
/// The default number of retries after the first attempt.
pub const DEFAULT_MAX_RETRIES: u32 = 2;

const CLIENT_KEYS: &[&str] = &["apiKey", "siteToken", "baseUrl", "proxyUrl", "fetch", "timeoutMs", "maxRetries", "headers", "onEvent", "reconcile", "idempotencyStore"];
const CALL_KEYS: &[&str] = &["signal", "timeoutMs", "maxRetries", "headers", "reconcile", "idempotencyKey"];
/// How deep the chain of a thrown error's causes is read.
const MAX_CAUSES: usize = 3;

/// The answer headers the core reads, one name per line, in the order the driver hands their values over.
const ANSWER_HEADERS: &str = "x-ratelimit-limit\nx-ratelimit-remaining\nx-ratelimit-cost\nx-ratelimit-full\nretry-after";

/// The client's operations as the driver names them: the endpoint table's own [`Op`].
pub use crate::endpoints::Op as Operation;

/// The names of the operations, in table order: what `ChatClient` must have a method for.
#[wasm_bindgen(js_name = operationNames)]
pub fn operation_names() -> Array {
    OPS.iter().map(|op| JsValue::from_str(op.endpoint().name)).collect()
}

/// A client's settings and state.
#[wasm_bindgen]
pub struct Client {
    settings: Rc<Settings>,
    rate_limit: Rc<Cell<Option<RateLimit>>>,
    shapes: Shapes,
    fetch: JsValue,
    on_event: JsValue,
    /// The caller's own headers, checked and lowercased, for calls that add headers of their own.
    headers: Rc<Vec<(String, String)>>,
    read_headers: JsValue,
    write_headers: JsValue,
    /// Exactly-once sends: whether sends are checked by default, and where idempotency records are kept.
    sends: crate::wasm::reconcile::SendSettings,
    /// The last frozen per-call options object read without headers, and what it said.
    last_options: convert::Remembered<CallOptions>,
}

#[wasm_bindgen]
impl Client {
    /// Checks `new ChatClient(options)`'s options; `shapes` builds the objects calls hand back.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue, shapes: Shapes) -> Result<Client, JsValue> {
        let o = options_object(&options, "options", CLIENT_KEYS)?.ok_or_else(|| Error::invalid("options must be an object with apiKey and siteToken"))?;
        let base = opt_string_within(&o, "baseUrl", endpoints::MAX_BASE_URL_CHARS)?;
        let proxy = opt_string_within(&o, "proxyUrl", endpoints::MAX_BASE_URL_CHARS)?;
        let base_url = match (&base, &proxy) {
            (Some(_), Some(_)) => return Err(Error::invalid("baseUrl and proxyUrl exclude each other: proxyUrl is where createProxy is mounted, baseUrl any other API base").into()),
            (Some(b), None) => endpoints::base_url(b)?,
            (None, Some(p)) => endpoints::base_url(p).map_err(|e| Error::invalid(crate::text::replace(&e.message, "baseUrl", "proxyUrl")))?,
            (None, None) => DEFAULT_BASE_URL.to_owned(),
        };
        let api_key = opt_string_within(&o, "apiKey", endpoints::MAX_CREDENTIAL_CHARS)?;
        match &api_key {
            Some(_) if proxy.is_some() => return Err(Error::invalid("apiKey must not be given with proxyUrl: the proxy adds the credentials").into()),
            Some(k) => endpoints::credential("apiKey", k)?,
            None if base.is_none() && proxy.is_none() => {
                return Err(Error::invalid("apiKey is required unless baseUrl points at a proxy that adds it").into())
            }
            None => {}
        }
        // The site token goes with the key; a client without a key talks to a proxy, which adds its own.
        let site_token = opt_string_within(&o, "siteToken", endpoints::MAX_CREDENTIAL_CHARS)?;
        match &site_token {
            Some(t) => endpoints::credential("siteToken", t)?,
            None if api_key.is_some() => return Err(Error::invalid("siteToken is required").into()),
            None => {}
        }
        let fetch = get(&o, "fetch")?;
        if !fetch.is_undefined() && !fetch.is_function() {
            return Err(Error::invalid("fetch must be a function").into());
        }
        if fetch.is_undefined() && !convert::has_global_fetch() {
            return Err(Error::invalid("this runtime has no global fetch; pass options.fetch").into());
        }
        let timeout_ms = opt_number(&o, "timeoutMs")?.map(endpoints::timeout_ms).transpose()?.unwrap_or(DEFAULT_TIMEOUT_MS);
        let max_retries = opt_number(&o, "maxRetries")?.map(endpoints::max_retries).transpose()?.unwrap_or(DEFAULT_MAX_RETRIES);
        let on_event = get(&o, "onEvent")?;
        if !on_event.is_undefined() && !on_event.is_function() {
            return Err(Error::invalid("onEvent must be a function (event) => void").into());
        }
        let headers = read_headers(&get(&o, "headers")?)?;
        let sends = crate::wasm::reconcile::SendSettings::read(&o)?;
        let auth_query = site_token.map(|t| auth_query(api_key.as_deref(), &t)).unwrap_or_default();
        Ok(Client {
            settings: Rc::new(Settings { base_url, auth_query, api_key, timeout_ms, max_retries, proxy_routes: proxy.is_some() }),
            rate_limit: Rc::new(Cell::new(None)),
            shapes,
            fetch,
            on_event,
            read_headers: header_object(&headers, false),
            write_headers: header_object(&headers, true),
            headers: Rc::new(headers),
            sends,
            last_options: std::cell::RefCell::new(None),
        })
    }

    /// The `fetch` the caller injected, or undefined for the global one.
    #[wasm_bindgen(getter)]
    pub fn fetch(&self) -> JsValue {
        self.fetch.clone()
    }

    /// The caller's observer of requests and answers, or undefined.
    #[wasm_bindgen(getter, js_name = onEvent)]
    pub fn on_event(&self) -> JsValue {
        self.on_event.clone()
    }

    /// The budget from the last answer, `{ limit, remaining, cost, fullInSeconds }`, or undefined.
    #[wasm_bindgen(getter, js_name = rateLimit)]
    pub fn rate_limit(&self) -> JsValue {
        self.rate_limit.get().map_or(JsValue::UNDEFINED, |rl| rate_limit_to_js(&self.shapes, &rl))
    }

    /// Checks an operation's arguments and options and starts its call; nothing is sent yet.
    pub fn call(&self, operation: Operation, target: &JsValue, input: &JsValue, opts: &JsValue, cursor: &JsValue) -> Result<CallHandle, JsValue> {
        let op = operation;
        let CallOptions { timeout_ms, max_retries, signal, headers: own_headers, reconcile, idempotency_key } = self.options(opts)?;
        let (request, previous_first, args) = read_request(op, target, input, cursor)?;
        // A call without either option, on a client that does not reconcile by default, is not checked.
        let checked = match (&reconcile, &idempotency_key) {
            (None, None) if !self.sends.reconcile => None,
            _ => self.sends.checked(op, target, &args, opts, reconcile.as_ref(), idempotency_key.as_ref())?,
        };
        let with_body = request.body.is_some();
        let headers = match own_headers {
            None if with_body => self.write_headers.clone(),
            None => self.read_headers.clone(),
            Some(own) => {
                let mut merged: Vec<(String, String)> = self.headers.iter().filter(|(name, _)| !own.iter().any(|(n, _)| n == name)).cloned().collect();
                merged.extend(own);
                header_object(&merged, with_body)
            }
        };
        let call = Call::new(self.settings.clone(), request, timeout_ms, max_retries);
        Ok(CallHandle {
            headers,
            call: if checked.is_some() { call.checkable() } else { call },
            checked,
            client_rate_limit: self.rate_limit.clone(),
            shapes: self.shapes.clone().unchecked_into(),
            signal,
            previous_first,
        })
    }
}

impl Client {
    /// The settings, for the export.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The client's budget reading, shared with the export for its pacing.
    pub fn budget_cell(&self) -> Rc<Cell<Option<RateLimit>>> {
        self.rate_limit.clone()
    }
}

/// One call, alive from its start to its end; the driver frees it when the call ends.
#[wasm_bindgen(js_name = Call)]
pub struct CallHandle {
    pub(crate) call: Call,
    /// For a checked send (reconcile or an idempotency key): its flow and what it holds.
    pub(crate) checked: Option<Box<crate::wasm::reconcile::Checked>>,
    headers: JsValue,
    client_rate_limit: Rc<Cell<Option<RateLimit>>>,
    shapes: Shapes,
    signal: JsValue,
    /// For the next page of a list: the fingerprint of the page before (its first item's JSON).
    previous_first: Option<JsValue>,
}

#[wasm_bindgen(js_class = Call)]
impl CallHandle {
    /// What the driver sends, read in one crossing: `{ method, url, headers, body, timeoutMs, signal, checked }`,
    /// the values of the methods of the same names.
    #[wasm_bindgen(getter)]
    pub fn request(&self) -> JsValue {
        let request = self.call.request();
        self.shapes.request(&convert::name(request.method), &self.call.url(), &self.headers, request.body.as_deref(), self.call.timeout_ms(), &self.signal, self.checked.is_some())
    }

    /// The request path, percent-encoded, without the query (so without the credentials).
    #[wasm_bindgen(getter)]
    pub fn path(&self) -> String {
        self.call.request().path.clone()
    }

    /// How many attempts have ended so far.
    #[wasm_bindgen(getter)]
    pub fn attempts(&self) -> u32 {
        self.call.attempts()
    }

    /// Takes an answer: its status, the values of the headers named by `answerHeaders` (one per line), and
    /// its body text. Returns the result, or the milliseconds to wait before the next attempt (a number,
    /// which no result is); throws the error that ends the call. A checked send hands the step to its flow
    /// instead (and returns undefined): the driver asks it what next.
    pub fn answer(&mut self, status: f64, headers: &str, text: &JsValue) -> Result<JsValue, JsValue> {
        let random = js_sys::Math::random();
        if !text.is_string() {
            return self.failure(AttemptFailure::NotResponse as u32, &JsValue::UNDEFINED).map(JsValue::from);
        }
        let body = ParsedBody::new(text);
        let header = |name: &str| {
            let at = ANSWER_HEADERS.split('\n').position(|n| n == name)?;
            headers.split('\n').nth(at).filter(|v| !v.is_empty()).map(str::to_owned)
        };
        let previous_first = self.previous_first.clone();
        let list = || body.list_facts(previous_first.as_ref());
        let step = self.call.on_answer(status, header, &body, list, js_sys::Date::now(), random);
        if let Some(rl) = self.call.rate_limit() {
            self.client_rate_limit.set(Some(rl));
        }
        if self.checked.is_some() {
            let step = match step {
                Step::Done(success) => match self.result(&body, success) {
                    Ok(value) => return Ok(self.checked_step(Step::Done(success), value)),
                    Err(e) => Step::Failed(self.call.fail(e)),
                },
                other => other,
            };
            return Ok(self.checked_step(step, JsValue::UNDEFINED));
        }
        match step {
            Step::Done(success) => self.result(&body, success).map_err(|e| JsValue::from(*self.call.fail(e))),
            Step::Retry(ms) => Ok(JsValue::from(ms)),
            Step::Failed(e) | Step::Check { error: e, .. } => Err((*e).into()),
        }
    }

    /// Takes an attempt that ended without an answer (`how` numbers [`AttemptFailure`]); `thrown` is what
    /// `fetch` or the body read threw. Returns the milliseconds to wait before the next attempt, or throws.
    /// A checked send hands each step to its flow instead (and returns 0): the driver asks it what next.
    pub fn failure(&mut self, how: u32, thrown: &JsValue) -> Result<f64, JsValue> {
        let step = self.call.on_failure(AttemptFailure::from_number(how), cause_chain(thrown), js_sys::Math::random());
        if self.checked.is_some() {
            self.checked_step(step, JsValue::UNDEFINED);
            return Ok(0.0);
        }
        match step {
            Step::Retry(ms) => Ok(ms),
            Step::Failed(e) | Step::Check { error: e, .. } => Err((*e).into()),
            Step::Done(_) => Err(JsValue::UNDEFINED),
        }
    }
}

/// The request's parts one by one, for the boundary's tests; the driver reads them all at once from
/// [`CallHandle::request`].
impl CallHandle {
    /// The URL to send, credentials included.
    pub fn url(&self) -> String {
        self.call.url()
    }

    /// `GET`, `POST` or `DELETE`.
    pub fn method(&self) -> JsValue {
        convert::name(self.call.request().method)
    }

    /// The request's headers: the client's, this call's own, `accept`, and `content-type` with a body (frozen).
    pub fn headers(&self) -> JsValue {
        self.headers.clone()
    }

    /// The JSON body, or undefined.
    pub fn body(&self) -> Option<String> {
        self.call.request().body.clone()
    }

    /// How long one attempt may take.
    pub fn timeout_ms(&self) -> u32 {
        self.call.timeout_ms()
    }

    /// The caller's abort signal, or undefined.
    pub fn signal(&self) -> JsValue {
        self.signal.clone()
    }
}

impl CallHandle {
    fn result(&self, body: &ParsedBody, success: Success) -> Result<JsValue, Error> {
        let value = body.value.clone().unwrap_or(JsValue::UNDEFINED);
        Ok(match success {
            Success::Value(Decoded::Empty) => Object::new().into(),
            Success::Value(Decoded::Body | Decoded::BareList) => value,
            Success::Value(Decoded::ChatInside) => get_data(&value, "chat"),
            Success::Value(Decoded::ListEnvelope) => get_data(&value, "list"),
            Success::Page(page) => self.page(body, &value, page),
        })
    }

    /// Builds `{ items, cardinality, offset, limit, next }`.
    fn page(&self, body: &ParsedBody, value: &JsValue, page: PageOutcome) -> JsValue {
        let items = match (page.keep_items, page.bare) {
            (false, _) => Array::new(),
            (true, true) => value.clone().unchecked_into::<Array>(),
            (true, false) => get_data(value, "list").unchecked_into::<Array>(),
        };
        let next = match page.next {
            Some((offset, limit)) => {
                let key = body.first_key.take().or_else(|| fingerprint(&items)).unwrap_or(JsValue::UNDEFINED);
                self.shapes.cursor(offset as f64, limit, &key)
            }
            None => JsValue::UNDEFINED,
        };
        let cardinality = page.cardinality.map_or(JsValue::UNDEFINED, JsValue::from);
        self.shapes.page(&items, &cardinality, page.offset as f64, page.limit, &next)
    }
}

/// The first item's JSON: a JS string, compared with `===` and never copied into wasm memory.
fn fingerprint(items: &Array) -> Option<JsValue> {
    if items.length() == 0 {
        return None;
    }
    json_stringify(&items.get(0)).ok().filter(JsValue::is_string)
}

/// A body as the engine's `JSON.parse` made it, seen through [`BodyView`].
struct ParsedBody {
    kind: BodyKind,
    value: Option<JsValue>,
    /// The first item's fingerprint, once made.
    first_key: Cell<Option<JsValue>>,
}

impl ParsedBody {
    fn new(text: &JsValue) -> ParsedBody {
        if text.unchecked_ref::<JsString>().length() == 0 {
            return ParsedBody { kind: BodyKind::Empty, value: None, first_key: Cell::new(None) };
        }
        let Ok(value) = json_parse(text) else {
            return ParsedBody { kind: BodyKind::NotJson, value: None, first_key: Cell::new(None) };
        };
        let kind = if Array::is_array(&value) {
            BodyKind::Array
        } else if value.is_object() {
            BodyKind::Object
        } else {
            BodyKind::Other
        };
        ParsedBody { kind, value: Some(value), first_key: Cell::new(None) }
    }

    fn at(&self, key: &str) -> JsValue {
        match (&self.value, self.kind) {
            (Some(v), BodyKind::Object) => get_data(v, key),
            _ => JsValue::UNDEFINED,
        }
    }

    fn items(&self) -> Option<Array> {
        let value = self.value.as_ref()?;
        match self.kind {
            BodyKind::Array => Some(value.clone().unchecked_into()),
            BodyKind::Object => Some(get_data(value, "list")).filter(Array::is_array).map(JsCast::unchecked_into),
            _ => None,
        }
    }

    /// The page facts: length, a usable cardinality, and whether the first item repeats the previous page's.
    fn list_facts(&self, previous_first: Option<&JsValue>) -> ListFacts {
        let Some(items) = self.items() else { return ListFacts::default() };
        let c = self.at("cardinality");
        let cardinality = c.as_f64().or_else(|| convert::string_start(&c, 64).and_then(|s| crate::number::parse_decimal(&s))).filter(|c| c.is_finite() && *c >= 0.0);
        let mut repeats_previous = false;
        if let Some(previous) = previous_first {
            let key = fingerprint(&items);
            repeats_previous = key.as_ref().is_some_and(|k| k == previous);
            self.first_key.set(key);
        }
        ListFacts { len: items.length() as usize, cardinality, repeats_previous }
    }
}

fn is_data_object(v: &JsValue) -> bool {
    v.is_object() && !Array::is_array(v)
}

impl BodyView for ParsedBody {
    fn kind(&self) -> BodyKind {
        self.kind
    }

    fn has(&self, key: &str) -> bool {
        !self.at(key).is_undefined()
    }

    fn is_array_at(&self, key: &str) -> bool {
        Array::is_array(&self.at(key))
    }

    fn is_object_at(&self, key: &str) -> bool {
        is_data_object(&self.at(key))
    }

    fn error_fields(&self, inner: bool) -> (Option<ApiCode>, Option<String>) {
        let source = if inner { self.at("error") } else { self.value.clone().unwrap_or(JsValue::UNDEFINED) };
        if !source.is_object() {
            return (None, None);
        }
        // Only the start of each text is copied: the code is shown up to 60 characters, the message up to 300.
        let code = read_data(&source, &convert::name("code"));
        let code = match code.as_f64() {
            Some(n) => Some(ApiCode::Number(n)),
            None => convert::string_start(&code, 240).map(|s| ApiCode::Text(crate::error::truncate(&s, 60))),
        };
        (code, convert::string_start(&read_data(&source, &convert::name("message")), 1200))
    }
}

/// What was thrown and its causes, outermost first, as `(name, message)`: at most [`MAX_CAUSES`], each cut to
/// 200 characters; a value whose fields cannot be read ends the chain.
pub(crate) fn cause_chain(thrown: &JsValue) -> Vec<(String, String)> {
    let mut chain = Vec::new();
    let mut current = thrown.clone();
    while chain.len() < MAX_CAUSES && current.is_object() {
        // Only the start of each text is copied: whatever was thrown, it is shown shortened.
        let text = |key: &str| get(&current, key).ok().and_then(|v| convert::string_start(&v, 800)).map(|t| crate::error::truncate(&t, 200));
        let (Some(name), Some(message)) = (text("name").or_else(|| Some("Error".to_owned())), text("message")) else { break };
        chain.push((name, message));
        current = get(&current, "cause").unwrap_or(JsValue::UNDEFINED);
    }
    chain
}

/// The checked per-call options: timeout, retries, signal and headers (absent values fall back to the
/// client's), and the exactly-once options as given, which [`SendSettings::checked`] checks for the sends.
///
/// [`SendSettings::checked`]: crate::wasm::reconcile::SendSettings::checked
#[derive(Clone)]
pub struct CallOptions {
    pub timeout_ms: Option<u32>,
    pub max_retries: Option<u32>,
    pub signal: JsValue,
    pub headers: Option<Vec<(String, String)>>,
    /// `reconcile` and `idempotencyKey` as given, when given.
    pub reconcile: Option<JsValue>,
    pub idempotency_key: Option<JsValue>,
}

/// Reads `{ signal, timeoutMs, maxRetries, headers, reconcile, idempotencyKey }`.
pub fn call_options(v: &JsValue) -> Result<CallOptions, Error> {
    Ok(read_call_options(v)?.unwrap_or_else(CallOptions::none))
}

impl CallOptions {
    /// No options given: everything from the client.
    fn none() -> CallOptions {
        CallOptions { timeout_ms: None, max_retries: None, signal: JsValue::UNDEFINED, headers: None, reconcile: None, idempotency_key: None }
    }
}

impl Client {
    /// [`call_options`], except that a frozen object without headers passed again (the export passes one to all
    /// its requests) is not read again: the client keeps its last reading.
    fn options(&self, v: &JsValue) -> Result<CallOptions, Error> {
        convert::read_frozen(&self.last_options, v, || {
            Ok(match read_call_options(v)? {
                // The headers are an object of their own, which can change inside a frozen one.
                Some(options) => {
                    let keep = options.headers.is_none();
                    (options, keep)
                }
                None => (CallOptions::none(), false),
            })
        })
    }
}

/// Reads an options object; None when there is none.
fn read_call_options(v: &JsValue) -> Result<Option<CallOptions>, Error> {
    let Some(o) = options_object(v, "opts", CALL_KEYS)? else {
        return Ok(None);
    };
    let signal = get(&o, "signal")?;
    if !signal.is_undefined() {
        let looks_like_signal = convert::is_plain_object(&signal) && get(&signal, "aborted")?.as_bool().is_some() && get(&signal, "addEventListener")?.is_function();
        if !looks_like_signal {
            return Err(Error::invalid("signal must be an AbortSignal"));
        }
    }
    let timeout_ms = opt_number(&o, "timeoutMs")?.map(endpoints::timeout_ms).transpose()?;
    let max_retries = opt_number(&o, "maxRetries")?.map(endpoints::max_retries).transpose()?;
    let headers = get(&o, "headers")?;
    let headers = if headers.is_undefined() { None } else { Some(read_headers(&headers)?) };
    let (reconcile, idempotency_key) = (convert::opt_value(&o, "reconcile")?, convert::opt_value(&o, "idempotencyKey")?);
    Ok(Some(CallOptions { timeout_ms, max_retries, signal, headers, reconcile, idempotency_key }))
}

/// Reads an operation's id and arguments as its table entry says, and builds its request (returned with the
/// previous page's fingerprint and the arguments, which a checked send compares and fingerprints).
fn read_request(op: Op, target: &JsValue, input: &JsValue, cursor: &JsValue) -> Result<(ApiRequest, Option<JsValue>, Args), Error> {
    let endpoint = op.endpoint();
    let id = match endpoint.target {
        Target::None => String::new(),
        Target::Chat => chat_id(target)?,
        Target::Webhook => webhook_id(target)?,
    };
    let mut previous_first = None;
    let args = match endpoint.input {
        Input::None => Args::None,
        Input::List(..) => {
            let (params, first) = list_params(input, cursor)?;
            previous_first = first;
            Args::List(params)
        }
        Input::Message => {
            let (content, from) = content_input(input, true)?;
            Args::Content(content, from)
        }
        Input::Note => Args::Content(content_input(input, false)?.0, None),
        Input::Webhook => Args::Webhook(new_webhook(input)?),
    };
    Ok((ApiRequest::new(op, &id, &args)?, previous_first, args))
}

/// A frozen header object: the user's headers, then `accept`, and `content-type` for requests with a body.
fn header_object(headers: &[(String, String)], with_body: bool) -> JsValue {
    let h = Object::new();
    for (name, value) in headers {
        convert::set(&h, name, &JsValue::from_str(value));
    }
    convert::set(&h, "accept", &JsValue::from_str("application/json"));
    if with_body {
        convert::set(&h, "content-type", &JsValue::from_str("application/json"));
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
    if keys.length() as usize > endpoints::MAX_HEADERS {
        return Err(Error::invalid(["headers has more than ", &crate::number::digits(endpoints::MAX_HEADERS as u64), " entries"].concat()));
    }
    let mut out = Vec::new();
    for key in keys.iter() {
        if !key.is_string() {
            return Err(Error::invalid("headers must have string names"));
        }
        let name = convert::string_within(&key, "a header name", endpoints::MAX_HEADER_NAME_CHARS)?;
        endpoints::header_name(&name)?;
        let value = convert::string_within(&get(v, &name)?, "a header value", endpoints::MAX_HEADER_VALUE_CHARS)?;
        endpoints::header_value(&value)?;
        out.push((name.to_ascii_lowercase(), value));
    }
    Ok(out)
}

/// The names of the answer headers the driver reads for the core, one per line.
#[wasm_bindgen(js_name = answerHeaders)]
pub fn answer_headers() -> String {
    ANSWER_HEADERS.to_owned()
}

/// How an attempt ended without an answer, as the driver reports it to [`CallHandle::failure`].
#[wasm_bindgen(js_name = AttemptFailure)]
#[derive(Clone, Copy)]
pub enum AttemptFailureCode {
    /// `fetch` threw instead of returning a promise.
    FetchThrew = 0,
    /// The promise `fetch` returned rejected.
    RequestFailed = 1,
    /// Reading the body failed.
    ReadFailed = 2,
    /// The attempt's timer fired first.
    TimedOut = 3,
    /// `fetch` resolved to something that is not a Response.
    NotResponse = 4,
    /// Neither an injected nor a global `fetch` exists.
    NoFetch = 5,
    /// `fetch` resolved to an opaque redirect (a browser's answer to `redirect: "manual"`).
    Redirected = 6,
}

/// Throws the signal's abort reason if it has fired, as `AbortSignal.throwIfAborted` does; a signal-like
/// object whose getters throw ends the call with an `InvalidRequestError` instead.
#[wasm_bindgen(js_name = throwIfAborted)]
pub fn throw_if_aborted(signal: &JsValue) -> Result<(), JsValue> {
    if get(signal, "aborted")?.is_truthy() {
        return Err(get(signal, "reason")?);
    }
    Ok(())
}

// The arguments of the client's operations, read and checked.

thread_local! {
    static LAST_PARAMS: Remembered<ListParams> = const { RefCell::new(None) };
}

/// Reads list parameters `{ limit, offset, from, to }`, then applies a pagination cursor if one is given.
pub fn list_params(params: &JsValue, cursor: &JsValue) -> Result<(ListParams, Option<JsValue>), Error> {
    let read = || {
        let mut p = ListParams::default();
        let mut keep = false;
        if let Some(o) = options_object(params, "params", &["limit", "offset", "from", "to"])? {
            p.limit = opt_number(&o, "limit")?.map(endpoints::limit).transpose()?;
            p.offset = opt_number(&o, "offset")?.map(endpoints::offset).transpose()?;
            let (from, to) = (get(&o, "from")?, get(&o, "to")?);
            // A Date can change after the object holding it was frozen: such a reading is not kept.
            keep = !from.is_object() && !to.is_object();
            p.from = time_value(&from, "from")?;
            p.to = time_value(&to, "to")?;
        }
        Ok((p, keep))
    };
    let mut p = LAST_PARAMS.with(|slot| read_frozen(slot, params, read))?;
    let mut previous_first = None;
    if is_plain_object(cursor) {
        p.offset = opt_number(cursor, "offset")?.map(endpoints::offset).transpose()?;
        p.limit = opt_number(cursor, "limit")?.map(endpoints::limit).transpose()?;
        // Kept a JS string: it is only compared, with ===, against the next page's fingerprint.
        let key = get(cursor, "firstKey")?;
        if !key.is_undefined() {
            if !key.is_string() {
                return Err(Error::invalid("firstKey must be a string"));
            }
            previous_first = Some(key);
        }
    }
    Ok((p.check()?, previous_first))
}

/// Reads a chat id argument.
pub fn chat_id(v: &JsValue) -> Result<String, Error> {
    let Some(js) = v.dyn_ref::<JsString>() else {
        return Err(Error::invalid("chatId must be a non-empty string"));
    };
    let id = js_string_within(js, "chatId", endpoints::MAX_CHAT_ID_CHARS)?;
    endpoints::chat_id(&id)?;
    Ok(id)
}

/// The longest `from` read; every sender's name is shorter.
const MAX_SENDER_CHARS: usize = 16;

/// Reads `{ content, from? }` (or `{ content }` when `allow_from` is false).
pub fn content_input(v: &JsValue, allow_from: bool) -> Result<(String, Option<endpoints::Sender>), Error> {
    let allowed: &[&str] = if allow_from { &["content", "from"] } else { &["content"] };
    let what = if allow_from { "message" } else { "note" };
    let o = options_object(v, what, allowed)?.ok_or_else(|| Error::invalid([what, " must be an object with content"].concat()))?;
    let content = opt_string_within(&o, "content", endpoints::MAX_CONTENT_CHARS)?.ok_or_else(|| Error::invalid("content must be a non-empty string"))?;
    endpoints::content(&content)?;
    let from = if allow_from { opt_string_within(&o, "from", MAX_SENDER_CHARS)?.map(|f| endpoints::sender(&f)).transpose()? } else { None };
    Ok((content, from))
}

/// The rate-limit budget as `{ limit, remaining, cost, fullInSeconds }`, absent fields left out.
pub fn rate_limit_to_js(shapes: &Shapes, rl: &RateLimit) -> JsValue {
    let num = |v: Option<f64>| v.map_or(JsValue::UNDEFINED, JsValue::from);
    shapes.rate_limit(&num(rl.limit), &num(rl.remaining), &num(rl.cost), &num(rl.full_in_seconds))
}

const WEBHOOK_KEYS: &[&str] = &["url", "name", "trigger", "value", "includeUnverified"];

/// Reads `createWebhook`'s `{ url, name, trigger, value, includeUnverified }`.
pub fn new_webhook(v: &JsValue) -> Result<NewWebhook, Error> {
    let o = options_object(v, "webhook", WEBHOOK_KEYS)?.ok_or_else(|| Error::invalid("webhook must be an object with url"))?;
    let url = opt_string_within(&o, "url", webhook::MAX_URL_CHARS)?.ok_or_else(|| Error::invalid("url is required"))?;
    let value = match found_within(&get(&o, "value")?, webhook::MAX_VALUE_CHARS) {
        Found::Missing => None,
        Found::Text(t) => Some(TriggerValue::Text(t)),
        Found::Number(n) => Some(TriggerValue::Number(n)),
        Found::TooLong(max) => return Err(too_long("value", max)),
        _ => return Err(Error::invalid("value must be a string or an integer")),
    };
    let include = get(&o, "includeUnverified")?;
    let include_unverified = match include.as_bool() {
        Some(b) => Some(b),
        None if include.is_undefined() => None,
        None => return Err(Error::invalid("includeUnverified must be a boolean")),
    };
    let name = opt_string_within(&o, "name", webhook::MAX_NAME_CHARS)?;
    let trigger = opt_string_within(&o, "trigger", webhook::MAX_TRIGGER_CHARS)?;
    NewWebhook::new(url, name, trigger.as_deref(), value, include_unverified)
}

/// Reads a webhook id argument (a string or an integer).
pub fn webhook_id(v: &JsValue) -> Result<String, Error> {
    webhook::webhook_id(&found_within(v, crate::endpoints::MAX_CHAT_ID_CHARS))
}

#[wasm_bindgen]
extern "C" {
    /// The builders of the objects a call hands back (`shapes` in `js/wasm.js`): each object is made by one call, with
    /// a fixed layout, instead of one property write across the boundary per field.
    pub type Shapes;


    /// `{ method, url, headers, body, timeoutMs, signal, checked }`: what one call sends, handed to the driver
    /// in one crossing (`body` is undefined for a request without one).
    #[wasm_bindgen(method)]
    pub fn request(this: &Shapes, method: &JsValue, url: &str, headers: &JsValue, body: Option<&str>, timeout_ms: u32, signal: &JsValue, checked: bool) -> JsValue;


    /// `{ items, cardinality, offset, limit, next }`: one page of a list.
    #[wasm_bindgen(method)]
    pub fn page(this: &Shapes, items: &JsValue, cardinality: &JsValue, offset: f64, limit: u32, next: &JsValue) -> JsValue;

    /// `{ offset, limit, firstKey }`: where the next page starts.
    #[wasm_bindgen(method)]
    pub fn cursor(this: &Shapes, offset: f64, limit: u32, first_key: &JsValue) -> JsValue;


    /// `{ limit, remaining, cost, fullInSeconds }`, with the undefined ones left out.
    #[wasm_bindgen(method, js_name = rateLimit)]
    pub fn rate_limit(this: &Shapes, limit: &JsValue, remaining: &JsValue, cost: &JsValue, full_in_seconds: &JsValue) -> JsValue;
}
