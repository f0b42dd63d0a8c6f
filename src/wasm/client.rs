//! The two functions every endpoint's call goes through: `prepareCall` checks the arguments and plans the
//! request, and `settleResponse`/`settleFailure` judge each attempt (result, retry delay or error); the JS
//! transport (`js/transport.js`) sends and waits between them.

use crate::bindings::{json_parse, json_stringify, Shapes};
use crate::config::{CallOptions, Config};
use crate::convert::{self, get, get_data};
use crate::endpoints::{self, ApiRequest, Expect, Facts, ListParams};
use crate::error::{ApiCode, Error, ErrorKind};
use crate::pagination::{self, PageFacts, Verdict};
use crate::rate_limit::RateLimit;
use crate::retry::{self, Decision, Failure};
use js_sys::{Array, JsString, Object};
use wasm_bindgen::prelude::*;

/// Checks client options and returns them normalised, as a plain object to pass back on every call.
#[wasm_bindgen(js_name = normalizeConfig)]
pub fn normalize_config(options: JsValue) -> Result<JsValue, JsValue> {
    crate::config::normalize(&options).map_err(|e| convert::error_to_js(&e))
}

/// The client's operations, one per endpoint, as `request` takes them.
#[wasm_bindgen]
#[derive(Clone, Copy)]
pub enum Operation {
    ListChats,
    ListArchivedChats,
    GetChat,
    GetFeed,
    ListMessages,
    SendMessage,
    AddNote,
    ArchiveChat,
    UnarchiveChat,
    ListWebhooks,
    CreateWebhook,
    DeleteWebhook,
}

/// How an attempt ended without an answer to judge, as the JS transport reports it to [`settle_failure`].
#[wasm_bindgen]
#[derive(Clone, Copy)]
pub enum AttemptFailure {
    /// Neither an injected nor a global `fetch` exists.
    NoFetch,
    /// `fetch` threw instead of returning a promise.
    FetchThrew,
    /// The promise `fetch` returned rejected.
    RequestFailed,
    /// Reading the body failed.
    ReadFailed,
    /// The attempt's timer fired first.
    TimedOut,
    /// `fetch` resolved to something that is not a Response.
    NotResponse,
}

/// Checks an operation's arguments and options and plans its request, before anything is sent.
///
/// The plan is a plain object: `url` and `init` for `fetch`, the caller's `signal`, `timeoutMs`, and what
/// [`settle_response`] and [`settle_failure`] read back (`maxRetries`, `facts`, and for lists the window asked
/// for and the previous page's fingerprint).
#[wasm_bindgen(js_name = prepareCall)]
pub fn prepare_call(shapes: &Shapes, config: &JsValue, operation: Operation, target: &JsValue, input: &JsValue, opts: &JsValue, cursor: &JsValue) -> Result<JsValue, JsValue> {
    let fail = |e: Error| convert::error_to_js(&e);
    let config = Config::read(config).map_err(fail)?;
    let opts = CallOptions::read(opts, &config).map_err(fail)?;
    let (request, previous_first) = plan(operation, target, input, cursor).map_err(fail)?;
    let window = request.list.as_ref().map(|(_, p)| p);
    let offset = window.map_or(JsValue::UNDEFINED, |p| JsValue::from(p.offset.unwrap_or(0) as f64));
    let limit = window.and_then(|p| p.limit).map_or(JsValue::UNDEFINED, JsValue::from);
    let signal = opts.signal.map_or(JsValue::UNDEFINED, JsValue::from);
    let url = request_url(&config, &request);
    let init = request_init(shapes, &config, &request);
    let first_key = previous_first.unwrap_or(JsValue::UNDEFINED);
    Ok(shapes.plan(&url, &init, opts.timeout_ms, opts.max_retries, request.facts().pack(), &signal, &offset, &limit, &first_key))
}

/// Throws the signal's abort reason if it has fired, as `AbortSignal.throwIfAborted` does; a signal-like
/// object whose getters throw ends the call with an `InvalidRequestError` instead.
#[wasm_bindgen(js_name = throwIfAborted)]
pub fn throw_if_aborted(signal: &JsValue) -> Result<(), JsValue> {
    let fail = |e: Error| convert::error_to_js(&e);
    if get(signal, "aborted").map_err(fail)?.is_truthy() {
        return Err(get(signal, "reason").map_err(fail)?);
    }
    Ok(())
}

/// Judges an attempt's answer: resolves to the operation's result, or to the milliseconds to wait before
/// the next attempt (a number, which no result is), or throws the error that ends the call.
// Positional arguments, so that a call builds no object just to pass them.
#[allow(clippy::too_many_arguments)]
#[wasm_bindgen(js_name = settleResponse)]
pub fn settle_response(shapes: &Shapes, config: &JsValue, operation: Operation, plan: &JsValue, attempts: u32, status: &JsValue, headers: &JsValue, body: &JsValue, state: &JsValue) -> Result<JsValue, JsValue> {
    let facts = read_facts(plan)?;
    let status = status.as_f64().filter(|s| s.fract() == 0.0 && (100.0..=599.0).contains(s));
    let (Some(status), true) = (status, body.is_string()) else {
        return settle_failure(config, plan, attempts, AttemptFailure::NotResponse, &JsValue::UNDEFINED).map(JsValue::from);
    };
    let answer = Answer::new(shapes, status as u16, headers, body);
    record_rate_limit(shapes, state, &answer);
    let error = match decode(facts, &answer) {
        Ok(body) => return shape(shapes, operation, plan, body).map_err(|e| finish(config, plan, facts, Error { attempts, ..e })),
        Err(e) => e,
    };
    conclude(config, plan, facts, attempts, Failure::Status(answer.status), error).map(JsValue::from)
}

/// Judges an attempt that ended without an answer: resolves to the milliseconds to wait before the next
/// attempt, or throws the error that ends the call. `thrown` is what `fetch` or the body read threw.
#[wasm_bindgen(js_name = settleFailure)]
pub fn settle_failure(config: &JsValue, plan: &JsValue, attempts: u32, how: AttemptFailure, thrown: &JsValue) -> Result<f64, JsValue> {
    let facts = read_facts(plan)?;
    let timeout_ms = get_data(plan, "timeoutMs").as_f64().unwrap_or(0.0);
    let (failure, error) = match how {
        AttemptFailure::TimedOut => {
            let message = format!("The attempt timed out after {} ms", crate::number::integer_text(timeout_ms));
            (Failure::Timeout, Error::new(ErrorKind::Timeout, message))
        }
        AttemptFailure::NotResponse => (Failure::Connection, Error::new(ErrorKind::ResponseFormat, "fetch resolved to something that is not a Response")),
        AttemptFailure::NoFetch => (Failure::Connection, Error::new(ErrorKind::Connection, "no fetch function is available")),
        AttemptFailure::FetchThrew | AttemptFailure::RequestFailed | AttemptFailure::ReadFailed => {
            let what = match how {
                AttemptFailure::FetchThrew => "fetch threw",
                AttemptFailure::RequestFailed => "The request failed",
                _ => "Reading the response failed",
            };
            let detail = get(thrown, "message").ok().and_then(|m| m.as_string()).unwrap_or_else(|| "unknown error".into());
            (Failure::Connection, Error::new(ErrorKind::Connection, format!("{what}: {}", crate::error::truncate(&detail, 200))))
        }
    };
    conclude(config, plan, facts, attempts, failure, error)
}

fn read_facts(plan: &JsValue) -> Result<Facts, JsValue> {
    get_data(plan, "facts")
        .as_f64()
        .and_then(|f| Facts::unpack(f as u32))
        .ok_or_else(|| convert::error_to_js(&Error::invalid("the call's plan is not one made by prepareCall")))
}

/// Retries when the policy allows (the delay, in ms), otherwise the finished error.
fn conclude(config: &JsValue, plan: &JsValue, facts: Facts, attempts: u32, failure: Failure, mut error: Error) -> Result<f64, JsValue> {
    let max_retries = get_data(plan, "maxRetries").as_f64().unwrap_or(0.0) as u32;
    let random = js_sys::Math::random();
    match retry::decide(facts.retry, failure, attempts, max_retries, error.retry_after_ms, random) {
        Decision::Retry(delay) => Ok(delay),
        Decision::Stop => {
            error.attempts = attempts;
            error.may_have_succeeded = retry::may_have_succeeded(facts.retry, failure);
            Err(finish(config, plan, facts, error))
        }
    }
}

/// Adds the method and path to an error, takes every secret out of it and turns it into its JS descriptor.
fn finish(config: &JsValue, plan: &JsValue, facts: Facts, error: Error) -> JsValue {
    let Ok(config) = Config::read(config) else {
        return convert::error_to_js(&error);
    };
    let url = get_data(plan, "url").as_string().unwrap_or_default();
    let base_len = config.base_url.length() as usize;
    let rest = url.get(base_len..).unwrap_or_default();
    let path = rest.split('?').next().unwrap_or_default();
    convert::error_to_js(&error.at(facts.method, path).redact(&config.secrets()))
}

/// Gives a decoded body the operation's result shape.
fn shape(shapes: &Shapes, operation: Operation, plan: &JsValue, body: JsValue) -> Result<JsValue, Error> {
    match operation {
        Operation::ListChats | Operation::ListArchivedChats | Operation::GetFeed | Operation::ListMessages => list_page(shapes, plan, &body),
        Operation::ListWebhooks => Ok(if Array::is_array(&body) { body } else { get_data(&body, "list") }),
        _ => Ok(body),
    }
}

/// Checks an operation's arguments and builds its request, with the previous page's fingerprint for lists.
fn plan(operation: Operation, target: &JsValue, input: &JsValue, cursor: &JsValue) -> Result<(ApiRequest, Option<JsValue>), Error> {
    let page = |(params, previous_first): (ListParams, Option<JsValue>), build: &dyn Fn(&ListParams) -> ApiRequest| (build(&params), previous_first);
    let body = |request: ApiRequest| (request, None);
    Ok(match operation {
        Operation::ListChats => page(convert::list_params(input, cursor)?, &endpoints::list_chats),
        Operation::ListArchivedChats => page(convert::list_params(input, cursor)?, &endpoints::list_archived_chats),
        Operation::GetChat => body(endpoints::get_chat(&convert::chat_id(target)?)),
        Operation::GetFeed => {
            let id = convert::chat_id(target)?;
            page(convert::list_params(input, cursor)?, &|p| endpoints::get_feed(&id, p))
        }
        Operation::ListMessages => {
            let id = convert::chat_id(target)?;
            page(convert::list_params(input, cursor)?, &|p| endpoints::list_messages(&id, p))
        }
        Operation::SendMessage => {
            let id = convert::chat_id(target)?;
            let (content, from) = convert::content_input(input, true)?;
            body(endpoints::send_message(&id, &content, from))
        }
        Operation::AddNote => {
            let id = convert::chat_id(target)?;
            let (content, _) = convert::content_input(input, false)?;
            body(endpoints::add_note(&id, &content))
        }
        Operation::ArchiveChat => body(endpoints::archive_chat(&convert::chat_id(target)?)),
        Operation::UnarchiveChat => body(endpoints::unarchive_chat(&convert::chat_id(target)?)),
        Operation::ListWebhooks => body(endpoints::list_webhooks()),
        Operation::CreateWebhook => body(endpoints::create_webhook(&crate::wasm::edge::new_webhook(input)?)),
        Operation::DeleteWebhook => body(endpoints::delete_webhook(&crate::wasm::edge::webhook_id(target)?)),
    })
}

fn request_init(shapes: &Shapes, config: &Config, request: &ApiRequest) -> JsValue {
    let method = convert::name(request.method);
    match &request.body {
        Some(body) => shapes.init(&method, &config.write_headers, &JsValue::from_str(body)),
        None => shapes.init(&method, &config.read_headers, &JsValue::UNDEFINED),
    }
}

/// The request's URL as a JS string: the base and auth query stay JS strings, only the path is copied out.
fn request_url(config: &Config, request: &ApiRequest) -> JsString {
    let tail = format!("{}?", request.path);
    config
        .base_url
        .concat(&JsValue::from_str(&tail))
        .concat(&config.auth_query)
        .concat(&JsValue::from_str(&request.query_tail()))
}

/// The answer headers the core reads, one name per line, as `shapes.headerLines` takes them.
const ANSWER_HEADERS: &str = "x-ratelimit-limit\nx-ratelimit-remaining\nx-ratelimit-cost\nx-ratelimit-full\nretry-after";

/// What the API answered: status, the headers the core reads, and the body as a JS string (not copied into
/// wasm memory).
struct Answer {
    status: u16,
    /// The values of [`ANSWER_HEADERS`], in the same order (empty for a missing one).
    header_values: Vec<String>,
    body: JsValue,
}

impl Answer {
    /// Reads the headers the core needs in one call across the boundary; headers that cannot be read count as missing.
    fn new(shapes: &Shapes, status: u16, headers: &JsValue, body: &JsValue) -> Answer {
        let lines = shapes.header_lines(headers, &convert::name(ANSWER_HEADERS)).ok().and_then(|t| t.as_string()).unwrap_or_default();
        let header_values = lines.split('\n').map(str::to_owned).collect();
        Answer { status, header_values, body: body.clone() }
    }

    /// One of [`ANSWER_HEADERS`], when the answer carried it.
    fn header(&self, name: &str) -> Option<String> {
        let at = ANSWER_HEADERS.split('\n').position(|n| n == name)?;
        self.header_values.get(at).filter(|v| !v.is_empty()).cloned()
    }
}

fn record_rate_limit(shapes: &Shapes, state: &JsValue, answer: &Answer) {
    if let Some(rl) = RateLimit::from_headers(|name| answer.header(name)) {
        if convert::is_plain_object(state) {
            let _ = js_sys::Reflect::set(state, &convert::name("rateLimit"), &convert::rate_limit_to_js(shapes, &rl));
        }
    }
}

/// The API's `code` and `message` from an error body, also inside a legacy `{ error: {…} }` wrapper.
fn api_error_fields(body: &JsValue) -> (Option<ApiCode>, Option<String>) {
    let mut source = body.clone();
    let inner = get_data(body, "error");
    if is_data_object(&inner) {
        source = inner;
    }
    let code = get_data(&source, "code");
    let code = match code.as_f64() {
        Some(n) => Some(ApiCode::Number(n)),
        None => code.as_string().map(|s| ApiCode::Text(crate::error::truncate(&s, 60))),
    };
    let message = get_data(&source, "message").as_string();
    (code, message)
}

/// Turns an answer into the decoded body, or into the error it stands for.
fn decode(facts: Facts, answer: &Answer) -> Result<JsValue, Error> {
    let status = answer.status;
    let empty = answer.body.unchecked_ref::<JsString>().length() == 0;
    let parsed = if empty { None } else { json_parse(&answer.body).ok() };
    if !(200..300).contains(&status) {
        let (code, message) = parsed.as_ref().filter(|b| is_data_object(b)).map(api_error_fields).unwrap_or((None, None));
        let mut e = Error::from_answer(status, code, message.as_deref());
        e.retry_after_ms = answer.header("retry-after").and_then(|v| retry::parse_retry_after(&v, js_sys::Date::now()));
        return Err(e);
    }
    let format_error = |what: &str| Error { status: Some(status), ..Error::new(ErrorKind::ResponseFormat, format!("{what} (HTTP {status})")) };
    let body = match parsed {
        Some(b) => b,
        None if empty && facts.expect == Expect::Write => return Ok(Object::new().into()),
        None if empty => return Err(format_error("The API sent an empty body where JSON was expected")),
        None => return Err(format_error("The API sent a body that is not valid JSON")),
    };
    let is_object = is_data_object(&body);
    // A body with a list or an id is data; only one with neither is looked at as a possible error body.
    if is_object && !has(&body, "list") && !has(&body, "id") {
        if let (Some(code), Some(message)) = api_error_fields(&body) {
            return Err(Error::from_answer(status, Some(code), Some(&message)));
        }
    }
    match facts.expect {
        Expect::List if Array::is_array(&body) || (is_object && Array::is_array(&get_data(&body, "list"))) => Ok(body),
        Expect::List => Err(format_error("The API sent JSON without a list where a list was expected")),
        Expect::Object | Expect::Write if is_object => Ok(unwrap_chat(facts, body)),
        Expect::Object | Expect::Write => Err(format_error("The API sent JSON that is not an object")),
    }
}

/// Whether a value from `JSON.parse` is an object and not an array (nothing it makes can throw on the check).
fn is_data_object(v: &JsValue) -> bool {
    v.is_object() && !Array::is_array(v)
}

fn has(obj: &JsValue, key: &str) -> bool {
    !get_data(obj, key).is_undefined()
}

/// Unwraps a `{ chat: {…} }` envelope on reads of one chat, a shape the API might use instead of a bare chat.
fn unwrap_chat(facts: Facts, body: JsValue) -> JsValue {
    if facts.expect == Expect::Object && !has(&body, "id") {
        let inner = get_data(&body, "chat");
        if is_data_object(&inner) {
            return inner;
        }
    }
    body
}

/// Builds `{ items, cardinality, offset, limit, next }` from a list body and the window the plan asked for.
fn list_page(shapes: &Shapes, plan: &JsValue, body: &JsValue) -> Result<JsValue, Error> {
    let (items, cardinality) = if Array::is_array(body) {
        (body.clone().unchecked_into::<Array>(), None)
    } else {
        let items = get_data(body, "list").unchecked_into::<Array>();
        let c = get_data(body, "cardinality");
        let cardinality = c.as_f64().or_else(|| c.as_string().and_then(|s| crate::number::parse_decimal(&s)));
        (items, cardinality.filter(|c| c.is_finite() && *c >= 0.0))
    };
    let offset = get_data(plan, "offset").as_f64().unwrap_or(0.0) as u64;
    let limit = get_data(plan, "limit").as_f64().map(|l| l as u32);
    let previous_first = Some(get_data(plan, "firstKey")).filter(JsValue::is_string);
    let previous_first = previous_first.as_ref();
    let len = items.length() as usize;
    // The first item's JSON is its fingerprint; it stays a JS string, compared with ===, never copied in. It is
    // made only when needed: to compare with the page before, or to hand on with the cursor of a next page.
    let fingerprint = || if len > 0 { json_stringify(&items.get(0)).ok().filter(JsValue::is_string) } else { None };
    let mut first_key = previous_first.and_then(|_| fingerprint());
    let repeats_previous = matches!((&first_key, previous_first), (Some(key), Some(previous)) if key == previous);
    let verdict = pagination::judge(&PageFacts { offset, limit, len, cardinality, repeats_previous });
    if first_key.is_none() && matches!(verdict, Verdict::Next(Some(_))) {
        first_key = fingerprint();
    }
    let (items, next) = match verdict {
        Verdict::Repeated => (Array::new(), None),
        Verdict::Next(next) => (items, next),
    };
    let next = match next {
        Some((next_offset, next_limit)) => shapes.cursor(next_offset as f64, next_limit, first_key.as_ref().unwrap_or(&JsValue::UNDEFINED)),
        None => JsValue::UNDEFINED,
    };
    let cardinality = cardinality.map_or(JsValue::UNDEFINED, JsValue::from);
    Ok(shapes.page(&items, &cardinality, offset as f64, limit.unwrap_or(len as u32), &next))
}
