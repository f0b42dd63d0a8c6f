//! The function the JS `ChatClient` calls for every endpoint (`request`, told which by an `Operation`), and
//! the request loop they all share.

use crate::bindings::{json_parse, json_stringify};
use crate::config::{CallOptions, Config};
use crate::convert::{self, get, set};
use crate::endpoints::{self, ApiRequest, Expect, ListParams};
use crate::error::{ApiCode, Error, ErrorKind};
use crate::pagination::{self, PageFacts, Verdict};
use crate::rate_limit::RateLimit;
use crate::retry::{self, Decision, Failure};
use crate::transport::{self, Answer, AttemptError};
use js_sys::{Array, JsString, Object};
use std::rc::Rc;
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

/// Runs one operation: `target` is the chat or webhook it acts on, `input` its parameters or body.
#[wasm_bindgen]
pub async fn request(config: JsValue, operation: Operation, target: JsValue, input: JsValue, opts: JsValue, state: JsValue, cursor: JsValue) -> Result<JsValue, JsValue> {
    let (config, opts) = prepare(&config, &opts)?;
    let (request, shape) = plan(operation, &target, &input, &cursor).map_err(|e| convert::error_to_js(&e))?;
    let body = execute(&config, &opts, &state, &request).await?;
    match shape {
        Shape::Body => Ok(body),
        Shape::Page(previous_first) => list_page(&request, &body, previous_first.as_ref()).map_err(|e| {
            let e = e.at(request.method, &request.path).redact(&config.secrets());
            convert::error_to_js(&e)
        }),
        Shape::Webhooks => Ok(if Array::is_array(&body) { body } else { get(&body, "list").unwrap_or(body) }),
    }
}

/// How a decoded body becomes an operation's result.
enum Shape {
    /// The body itself.
    Body,
    /// `{ items, cardinality, offset, limit, next }`, given the fingerprint (a JS string) of the page before, if any.
    Page(Option<JsValue>),
    /// The array of webhooks, also when the API wraps it in `{ list }`.
    Webhooks,
}

/// Checks an operation's arguments and builds its request.
fn plan(operation: Operation, target: &JsValue, input: &JsValue, cursor: &JsValue) -> Result<(ApiRequest, Shape), Error> {
    let page = |(params, previous_first): (ListParams, Option<JsValue>), build: &dyn Fn(&ListParams) -> ApiRequest| (build(&params), Shape::Page(previous_first));
    let body = |request: ApiRequest| (request, Shape::Body);
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
        Operation::ListWebhooks => (endpoints::list_webhooks(), Shape::Webhooks),
        Operation::CreateWebhook => body(endpoints::create_webhook(&crate::edge::new_webhook(input)?)),
        Operation::DeleteWebhook => body(endpoints::delete_webhook(&crate::edge::webhook_id(target)?)),
    })
}

fn prepare(config: &JsValue, opts: &JsValue) -> Result<(Rc<Config>, CallOptions), JsValue> {
    let config = Config::read(config).map_err(|e| convert::error_to_js(&e))?;
    let opts = CallOptions::from_js(opts, &config).map_err(|e| convert::error_to_js(&e))?;
    Ok((config, opts))
}

fn request_init(config: &Config, request: &ApiRequest) -> Object {
    let init = Object::new();
    set(&init, "method", &convert::name(request.method));
    match &request.body {
        Some(body) => {
            set(&init, "headers", &config.write_headers);
            set(&init, "body", &JsValue::from_str(body));
        }
        None => set(&init, "headers", &config.read_headers),
    }
    init
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

/// Sends a request, retrying as the policy allows, and returns the decoded 2xx body.
async fn execute(config: &Config, opts: &CallOptions, state: &JsValue, request: &ApiRequest) -> Result<JsValue, JsValue> {
    let signal = opts.signal.as_ref();
    if let Some(reason) = transport::aborted_reason(signal) {
        return Err(reason);
    }
    let url = request_url(config, request);
    let mut attempts = 0u32;
    loop {
        attempts += 1;
        let init = request_init(config, request);
        let (failure, mut error) = match transport::attempt(config.fetch.as_ref(), &url, &init, opts.timeout_ms, signal).await {
            Err(AttemptError::Aborted(reason)) => return Err(reason),
            Err(AttemptError::Failed(e)) => {
                let failure = if e.kind == ErrorKind::Timeout { Failure::Timeout } else { Failure::Connection };
                (failure, e)
            }
            Ok(answer) => {
                record_rate_limit(state, &answer);
                match decode(request, &answer) {
                    Ok(body) => return Ok(body),
                    Err(e) => (Failure::Status(answer.status), e),
                }
            }
        };
        let random = js_sys::Math::random();
        match retry::decide(request.retry, failure, attempts, opts.max_retries, error.retry_after_ms, random) {
            Decision::Retry(delay) => transport::sleep(delay, signal).await?,
            Decision::Stop => {
                error.attempts = attempts;
                error.may_have_succeeded = retry::may_have_succeeded(request.retry, failure);
                let error = error.at(request.method, &request.path).redact(&config.secrets());
                return Err(convert::error_to_js(&error));
            }
        }
    }
}

fn record_rate_limit(state: &JsValue, answer: &Answer) {
    if let Some(rl) = RateLimit::from_headers(|name| answer.header(name)) {
        if convert::is_plain_object(state) {
            let _ = js_sys::Reflect::set(state, &convert::name("rateLimit"), &convert::rate_limit_to_js(&rl));
        }
    }
}

/// The API's `code` and `message` from an error body, also inside a legacy `{ error: {…} }` wrapper.
fn api_error_fields(body: &JsValue) -> (Option<ApiCode>, Option<String>) {
    let mut source = body.clone();
    if let Ok(inner) = get(body, "error") {
        if convert::is_plain_object(&inner) {
            source = inner;
        }
    }
    let code = get(&source, "code").ok().and_then(|c| match c.as_f64() {
        Some(n) => Some(ApiCode::Number(n)),
        None => c.as_string().map(|s| ApiCode::Text(crate::error::truncate(&s, 60))),
    });
    let message = get(&source, "message").ok().and_then(|m| m.as_string());
    (code, message)
}

/// Turns an answer into the decoded body, or into the error it stands for.
fn decode(request: &ApiRequest, answer: &Answer) -> Result<JsValue, Error> {
    let status = answer.status;
    let empty = answer.body.unchecked_ref::<JsString>().length() == 0;
    let parsed = if empty { None } else { json_parse(&answer.body).ok() };
    if !(200..300).contains(&status) {
        let (code, message) = parsed.as_ref().filter(|b| convert::is_plain_object(b)).map(api_error_fields).unwrap_or((None, None));
        let mut e = Error::from_answer(status, code, message.as_deref());
        e.retry_after_ms = answer.header("retry-after").and_then(|v| retry::parse_retry_after(&v, js_sys::Date::now()));
        return Err(e);
    }
    let format_error = |what: &str| Error { status: Some(status), ..Error::new(ErrorKind::ResponseFormat, format!("{what} (HTTP {status})")) };
    let body = match parsed {
        Some(b) => b,
        None if empty && request.expect == Expect::Write => return Ok(Object::new().into()),
        None if empty => return Err(format_error("The API sent an empty body where JSON was expected")),
        None => return Err(format_error("The API sent a body that is not valid JSON")),
    };
    let is_object = convert::is_plain_object(&body);
    if is_object {
        let (code, message) = api_error_fields(&body);
        let is_error_body = code.is_some() && message.is_some() && !has(&body, "list") && !has(&body, "id");
        if is_error_body {
            return Err(Error::from_answer(status, code, message.as_deref()));
        }
    }
    match request.expect {
        Expect::List if Array::is_array(&body) || (is_object && get(&body, "list").is_ok_and(|l| Array::is_array(&l))) => Ok(body),
        Expect::List => Err(format_error("The API sent JSON without a list where a list was expected")),
        Expect::Object | Expect::Write if is_object => Ok(unwrap_chat(request, body)),
        Expect::Object | Expect::Write => Err(format_error("The API sent JSON that is not an object")),
    }
}

fn has(obj: &JsValue, key: &str) -> bool {
    get(obj, key).is_ok_and(|v| !v.is_undefined())
}

/// Unwraps a `{ chat: {…} }` envelope on reads of one chat, a shape the API might use instead of a bare chat.
fn unwrap_chat(request: &ApiRequest, body: JsValue) -> JsValue {
    if request.expect == Expect::Object && !has(&body, "id") {
        if let Ok(inner) = get(&body, "chat") {
            if convert::is_plain_object(&inner) {
                return inner;
            }
        }
    }
    body
}

/// Builds `{ items, cardinality, offset, limit, next }` from a list body.
fn list_page(request: &ApiRequest, body: &JsValue, previous_first: Option<&JsValue>) -> Result<JsValue, Error> {
    let (items, cardinality) = if Array::is_array(body) {
        (body.clone().unchecked_into::<Array>(), None)
    } else {
        let items = get(body, "list")?.unchecked_into::<Array>();
        let cardinality = get(body, "cardinality").ok().and_then(|c| c.as_f64().or_else(|| c.as_string().and_then(|s| crate::number::parse_decimal(&s))));
        (items, cardinality.filter(|c| c.is_finite() && *c >= 0.0))
    };
    let (offset, limit) = match &request.list {
        Some((_, p)) => (p.offset.unwrap_or(0), p.limit),
        None => (0, None),
    };
    let len = items.length() as usize;
    // The first item's JSON is its fingerprint; it stays a JS string, compared with ===, never copied in.
    let first_key = if len > 0 { json_stringify(&items.get(0)).ok().filter(JsValue::is_string) } else { None };
    let repeats_previous = matches!((&first_key, previous_first), (Some(key), Some(previous)) if key == previous);
    let verdict = pagination::judge(&PageFacts { offset, limit, len, cardinality, repeats_previous });
    let page = Object::new();
    let (items, next) = match verdict {
        Verdict::Repeated => (Array::new(), None),
        Verdict::Next(next) => (items, next),
    };
    set(&page, "items", &items);
    set(&page, "cardinality", &cardinality.map_or(JsValue::UNDEFINED, JsValue::from));
    set(&page, "offset", &JsValue::from(offset as f64));
    set(&page, "limit", &JsValue::from(limit.unwrap_or(len as u32)));
    if let Some((next_offset, next_limit)) = next {
        let cursor = Object::new();
        set(&cursor, "offset", &JsValue::from(next_offset as f64));
        set(&cursor, "limit", &JsValue::from(next_limit));
        if let Some(key) = &first_key {
            set(&cursor, "firstKey", key);
        }
        set(&page, "next", &cursor);
    }
    Ok(page.into())
}
