//! The endpoint table: every operation of the API this client speaks, declared once. The client, the proxy,
//! the call machine and the declaration checks all read [`ENDPOINTS`]; a request is built from an entry and
//! its checked arguments by [`ApiRequest::new`]. The checks on every argument are here too, so that bad input
//! ends in an `InvalidRequestError` before any request.

use crate::encode;
use crate::error::Error;
use crate::number::{digits, integer_text, signed};
use crate::time;
use crate::webhook::NewWebhook;

/// The API's production address.
pub const DEFAULT_BASE_URL: &str = "https://api.gosquared.com";

/// How safe a request is to send again after a failure whose outcome is unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryClass {
    /// A GET: repeating it changes nothing.
    Read,
    /// A write whose repetition has the same effect as one (archive, unarchive).
    IdempotentWrite,
    /// A write that would be applied twice (send a message, add a note).
    NonIdempotentWrite,
}

/// What a 2xx body must look like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// A `{list, cardinality}` envelope or a bare array.
    List,
    /// One JSON object.
    Object,
    /// Any JSON object, or an empty body (read as `{}`).
    Write,
}

/// How a list endpoint takes its page window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paging {
    /// One value `limit=<offset>,<count>` (chats, archived chats, feed).
    Combined,
    /// Separate integers `limit=<count>&offset=<offset>` (messages).
    Separate,
}

/// The `from`/`to` format a list endpoint is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeFormat {
    /// ISO 8601 date-time (the documented `date-time` of chats and feed).
    Iso,
    /// Epoch milliseconds (the message cursors of the chat clients).
    EpochMs,
}

/// What the `{id}` of a path names, and so how the id argument is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The path has no id.
    None,
    /// A chat id (the person id).
    Chat,
    /// A webhook id.
    Webhook,
}

/// What an operation takes besides its id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    /// Nothing.
    None,
    /// List parameters `{ limit, offset, from, to }`, sent in the query.
    List(Paging, TimeFormat),
    /// `{ content, from? }`, sent as the JSON body.
    Message,
    /// `{ content }`, sent as the JSON body.
    Note,
    /// `{ url, name?, trigger?, value?, includeUnverified? }`, sent as the JSON body.
    Webhook,
}

/// What a call resolves to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// A page `{ items, cardinality, offset, limit }` with the cursor of the next one.
    Page,
    /// The array of the list, envelope or not.
    Array,
    /// The decoded object.
    Object,
}

/// One operation: everything about it that does not depend on its arguments.
#[derive(Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// The `ChatClient` method, also the name a proxy's `allow` list uses.
    pub name: &'static str,
    /// `GET`, `POST` or `DELETE`.
    pub method: &'static str,
    /// The path, with `{id}` standing for the one percent-encoded id segment.
    pub path: &'static str,
    /// What the id is.
    pub target: Target,
    /// What else it takes.
    pub input: Input,
    /// Whether and when it may be repeated.
    pub retry: RetryClass,
    /// The shape a success must have.
    pub expect: Expect,
    /// What the call resolves to.
    pub output: Output,
}

impl Endpoint {
    /// The path with `id` percent-encoded in place of `{id}` (the path as it is when it has none).
    pub fn path_for(&self, id: &str) -> String {
        match crate::text::split_once(self.path, "{id}") {
            Some((before, after)) => {
                let mut path = String::with_capacity(self.path.len() + id.len() * 3);
                path.push_str(before);
                path.push_str(&encode::component(id));
                path.push_str(after);
                path
            }
            None => self.path.to_owned(),
        }
    }
}

const fn read(name: &'static str, path: &'static str, target: Target, input: Input, expect: Expect, output: Output) -> Endpoint {
    Endpoint { name, method: "GET", path, target, input, retry: RetryClass::Read, expect, output }
}

const fn write(name: &'static str, method: &'static str, path: &'static str, target: Target, input: Input, retry: RetryClass) -> Endpoint {
    Endpoint { name, method, path, target, input, retry, expect: Expect::Write, output: Output::Object }
}

const CHATS_LIST: Input = Input::List(Paging::Combined, TimeFormat::Iso);

/// Every operation, in the order of [`Op`].
pub const ENDPOINTS: [Endpoint; 12] = [
    read("listChats", "/chat/v1/chats", Target::None, CHATS_LIST, Expect::List, Output::Page),
    read("listArchivedChats", "/chat/v1/archivedChats", Target::None, CHATS_LIST, Expect::List, Output::Page),
    read("getChat", "/chat/v1/chats/{id}", Target::Chat, Input::None, Expect::Object, Output::Object),
    read("getFeed", "/chat/v1/chats/{id}/feed", Target::Chat, CHATS_LIST, Expect::List, Output::Page),
    read("listMessages", "/chat/v1/chats/{id}/messages", Target::Chat, Input::List(Paging::Separate, TimeFormat::EpochMs), Expect::List, Output::Page),
    write("sendMessage", "POST", "/chat/v1/chats/{id}/messages", Target::Chat, Input::Message, RetryClass::NonIdempotentWrite),
    write("addNote", "POST", "/chat/v1/chats/{id}/notes", Target::Chat, Input::Note, RetryClass::NonIdempotentWrite),
    write("archiveChat", "POST", "/chat/v1/chats/{id}/archive", Target::Chat, Input::None, RetryClass::IdempotentWrite),
    write("unarchiveChat", "POST", "/chat/v1/chats/{id}/unarchive", Target::Chat, Input::None, RetryClass::IdempotentWrite),
    read("listWebhooks", "/account/v1/webhooks", Target::None, Input::None, Expect::List, Output::Array),
    // Not repeated: a repeat would register the webhook twice.
    write("createWebhook", "POST", "/account/v1/webhooks", Target::None, Input::Webhook, RetryClass::NonIdempotentWrite),
    write("deleteWebhook", "DELETE", "/account/v1/webhooks/{id}", Target::Webhook, Input::None, RetryClass::IdempotentWrite),
];

/// An operation: an index into [`ENDPOINTS`]. In the WebAssembly build it is also the JS driver's `Operation`,
/// numbered as the table orders it.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen::prelude::wasm_bindgen(js_name = Operation))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `listChats`
    ListChats,
    /// `listArchivedChats`
    ListArchivedChats,
    /// `getChat`
    GetChat,
    /// `getFeed`
    GetFeed,
    /// `listMessages`
    ListMessages,
    /// `sendMessage`
    SendMessage,
    /// `addNote`
    AddNote,
    /// `archiveChat`
    ArchiveChat,
    /// `unarchiveChat`
    UnarchiveChat,
    /// `listWebhooks`
    ListWebhooks,
    /// `createWebhook`
    CreateWebhook,
    /// `deleteWebhook`
    DeleteWebhook,
}

/// Every operation, in table order.
pub const OPS: [Op; 12] = [
    Op::ListChats,
    Op::ListArchivedChats,
    Op::GetChat,
    Op::GetFeed,
    Op::ListMessages,
    Op::SendMessage,
    Op::AddNote,
    Op::ArchiveChat,
    Op::UnarchiveChat,
    Op::ListWebhooks,
    Op::CreateWebhook,
    Op::DeleteWebhook,
];

impl Op {
    /// The operation's table entry.
    pub fn endpoint(self) -> &'static Endpoint {
        // The enum and the table have the same length and order (checked by a test), so the index is in range.
        let [first, ..] = &ENDPOINTS;
        ENDPOINTS.get(self as usize).unwrap_or(first)
    }

    /// The operation a `ChatClient` method name stands for.
    pub fn named(name: &str) -> Option<Op> {
        OPS.iter().copied().find(|op| op.endpoint().name == name)
    }
}

/// The window and time range of one list request; `None` values are not sent.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListParams {
    /// Page size, 1 to 250.
    pub limit: Option<u32>,
    /// Items to skip.
    pub offset: Option<u64>,
    /// Earliest time, epoch ms.
    pub from: Option<i64>,
    /// Latest time, epoch ms.
    pub to: Option<i64>,
}

impl ListParams {
    /// Checks that the time range is not reversed.
    pub fn check(self) -> Result<Self, Error> {
        match (self.from, self.to) {
            (Some(f), Some(t)) if f > t => Err(Error::invalid("from must not be later than to")),
            _ => Ok(self),
        }
    }
}

/// An operation's checked arguments besides its id, one variant per [`Input`].
#[derive(Clone, Debug, PartialEq)]
pub enum Args {
    /// For [`Input::None`].
    None,
    /// For [`Input::List`].
    List(ListParams),
    /// For [`Input::Message`] (`from` is `None`) and [`Input::Note`].
    Content(String, Option<Sender>),
    /// For [`Input::Webhook`].
    Webhook(NewWebhook),
}

/// One request to the API, not yet authenticated.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiRequest {
    /// The operation's table entry.
    pub endpoint: &'static Endpoint,
    /// `GET`, `POST` or `DELETE`.
    pub method: &'static str,
    /// The path from the base URL, every id percent-encoded.
    pub path: String,
    /// Query parameters besides the credentials, already encoded.
    pub query: Vec<(&'static str, String)>,
    /// The JSON body, for writes that have one.
    pub body: Option<String>,
    /// Whether and when the request may be repeated.
    pub retry: RetryClass,
    /// The shape a success must have.
    pub expect: Expect,
    /// For list requests: the paging style and the window asked for.
    pub list: Option<(Paging, ListParams)>,
}

impl ApiRequest {
    /// Builds `op`'s request from its id (ignored when its path has none) and arguments, which must be of the
    /// kind its [`Input`] says; other arguments are refused.
    pub fn new(op: Op, id: &str, args: &Args) -> Result<ApiRequest, Error> {
        let mut request = ApiRequest::route(op, id);
        match (request.endpoint.input, args) {
            (Input::None, Args::None) => {}
            (Input::List(paging, times), Args::List(params)) => request.add_list(paging, times, params),
            (Input::List(paging, times), Args::None) => request.add_list(paging, times, &ListParams::default()),
            (Input::Message, Args::Content(content, from)) => request.body = Some(content_body(content, *from)),
            (Input::Note, Args::Content(content, None)) => request.body = Some(content_body(content, None)),
            (Input::Webhook, Args::Webhook(hook)) => request.body = Some(hook.to_json()),
            _ => return Err(Error::invalid("these arguments do not fit the operation")),
        }
        Ok(request)
    }

    /// The request a proxy forwards for `op`: its route, and for a list its query from `params`; the body, if
    /// any, is the browser's own.
    pub fn forwarded(op: Op, id: &str, params: &ListParams) -> ApiRequest {
        let mut request = ApiRequest::route(op, id);
        if let Input::List(paging, times) = request.endpoint.input {
            request.add_list(paging, times, params);
        }
        request
    }

    /// `op`'s route with `id` in its path: no query and no body yet.
    fn route(op: Op, id: &str) -> ApiRequest {
        let endpoint = op.endpoint();
        ApiRequest {
            endpoint,
            method: endpoint.method,
            path: endpoint.path_for(id),
            query: Vec::new(),
            body: None,
            retry: endpoint.retry,
            expect: endpoint.expect,
            list: None,
        }
    }

    fn add_list(&mut self, paging: Paging, times: TimeFormat, params: &ListParams) {
        match paging {
            Paging::Combined => {
                if let Some(count) = params.limit {
                    self.query.push(("limit", [&digits(params.offset.unwrap_or(0)), ",", &digits(u64::from(count))].concat()));
                } else if let Some(offset) = params.offset {
                    // The API's own default page size is 10; sending the offset needs a count.
                    self.query.push(("limit", [&digits(offset), ",10"].concat()));
                }
            }
            Paging::Separate => {
                if let Some(count) = params.limit {
                    self.query.push(("limit", digits(u64::from(count))));
                }
                if let Some(offset) = params.offset {
                    self.query.push(("offset", digits(offset)));
                }
            }
        }
        for (name, value) in [("from", params.from), ("to", params.to)] {
            if let Some(ms) = value {
                let text = match times {
                    TimeFormat::Iso => encode::component(&time::to_iso(ms)),
                    TimeFormat::EpochMs => signed(ms),
                };
                self.query.push((name, text));
            }
        }
        self.list = Some((paging, params.clone()));
    }

    /// The full URL: base, path, credentials first, then the request's own query.
    pub fn url(&self, base: &str, api_key: Option<&str>, site_token: &str) -> String {
        self.url_with_auth(base, &auth_query(api_key, site_token))
    }

    /// The full URL with an auth query already built by [`auth_query`] (empty behind a proxy that adds the
    /// credentials).
    pub fn url_with_auth(&self, base: &str, auth: &str) -> String {
        self.url_from(base, &self.path, auth)
    }

    /// The URL for a client of `createProxy` mounted at `base`: the path without its API root
    /// (`/chats/…` for `/chat/v1/chats/…`, `/webhooks` for `/account/v1/webhooks`), which the proxy maps back.
    pub fn proxy_url_with_auth(&self, base: &str, auth: &str) -> String {
        let route = ["/chat/v1", "/account/v1"].iter().find_map(|root| self.path.strip_prefix(root)).unwrap_or(&self.path);
        self.url_from(base, route, auth)
    }

    fn url_from(&self, base: &str, path: &str, auth: &str) -> String {
        let mut url = String::with_capacity(base.len() + path.len() + auth.len() + 32);
        url.push_str(base);
        url.push_str(path);
        let mut separator = '?';
        if !auth.is_empty() {
            url.push('?');
            url.push_str(auth);
            separator = '&';
        }
        for (name, value) in &self.query {
            url.push(separator);
            url.push_str(name);
            url.push('=');
            url.push_str(value);
            separator = '&';
        }
        url
    }
}

/// The credentials as the first query parameters: `api_key=…&site_token=…` (no key behind a proxy).
pub fn auth_query(api_key: Option<&str>, site_token: &str) -> String {
    match api_key {
        Some(key) => ["api_key=", &encode::component(key), "&site_token=", &encode::component(site_token)].concat(),
        None => ["site_token=", &encode::component(site_token)].concat(),
    }
}

fn content_body(content: &str, from: Option<Sender>) -> String {
    let mut body = String::with_capacity(content.len() + 32);
    body.push_str("{\"content\":");
    encode::json_string(&mut body, content);
    if let Some(sender) = from {
        body.push_str(",\"from\":\"");
        body.push_str(sender.as_str());
        body.push('"');
    }
    body.push('}');
    body
}

// Checks on every argument, so that bad input ends in an `InvalidRequestError` before any request.

/// The largest page size the API serves.
pub const MAX_LIMIT: u32 = 250;
/// The longest chat id accepted, in characters.
pub const MAX_CHAT_ID_CHARS: usize = 1024;
/// The longest message or note accepted, in characters.
pub const MAX_CONTENT_CHARS: usize = 100_000;
/// The longest API key or site token accepted, in characters.
pub const MAX_CREDENTIAL_CHARS: usize = 1024;
/// The longest base URL accepted, in characters.
pub const MAX_BASE_URL_CHARS: usize = 2048;
/// The longest header name accepted, in characters.
pub const MAX_HEADER_NAME_CHARS: usize = 256;
/// The longest header value accepted, in characters.
pub const MAX_HEADER_VALUE_CHARS: usize = 8192;
/// The most extra headers a client may be given.
pub const MAX_HEADERS: usize = 100;
/// The most retries one call may ask for.
pub const MAX_RETRIES: u32 = 10;
/// The longest per-attempt timeout, the largest delay `setTimeout` honours.
pub const MAX_TIMEOUT_MS: f64 = 2_147_483_647.0;
/// JavaScript's largest exactly representable integer.
pub const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// A chat id (the person id): non-empty, at most 1024 characters, no control characters, no `/` or `\\`,
/// not `.` or `..`. A slash or a dot segment could move the request to another route once something between
/// the client and the API decodes `%2F` or normalises the path, so such ids are refused outright.
pub fn chat_id(id: &str) -> Result<(), Error> {
    path_segment_id("chatId", id)
}

/// An id sent as one segment of the request path (a chat id, a webhook id), named `name` in errors: the
/// rules of [`chat_id`].
pub fn path_segment_id(name: &str, id: &str) -> Result<(), Error> {
    if id.is_empty() {
        return Err(Error::invalid([name, " must be a non-empty string"].concat()));
    }
    if crate::text::char_count(id) > MAX_CHAT_ID_CHARS {
        return Err(Error::invalid([name, " is longer than ", &digits(MAX_CHAT_ID_CHARS as u64), " characters"].concat()));
    }
    if has_control(id) {
        return Err(Error::invalid([name, " must not contain control characters"].concat()));
    }
    if id.contains(['/', '\\']) {
        return Err(Error::invalid([name, " must not contain \"/\" or \"\\\""].concat()));
    }
    if id == "." || id == ".." {
        return Err(Error::invalid([name, " must not be \".\" or \"..\""].concat()));
    }
    Ok(())
}

/// Message or note text: not blank and at most 100,000 characters.
pub fn content(text: &str) -> Result<(), Error> {
    if text.trim().is_empty() {
        return Err(Error::invalid("content must be a non-empty string"));
    }
    if crate::text::char_count(text) > MAX_CONTENT_CHARS {
        return Err(Error::invalid(["content is longer than ", &digits(MAX_CONTENT_CHARS as u64), " characters"].concat()));
    }
    Ok(())
}

/// Who a message is sent as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sender {
    /// A team member (the default when `from` is omitted on the API side).
    Agent,
    /// The visitor or customer.
    Client,
    /// The chat bot.
    Bot,
}

impl Sender {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Sender::Agent => "agent",
            Sender::Client => "client",
            Sender::Bot => "bot",
        }
    }
}

/// The `from` of a message: `"agent"`, `"client"` or `"bot"`.
pub fn sender(from: &str) -> Result<Sender, Error> {
    match from {
        "agent" => Ok(Sender::Agent),
        "client" => Ok(Sender::Client),
        "bot" => Ok(Sender::Bot),
        _ => Err(Error::invalid("from must be \"agent\", \"client\" or \"bot\"")),
    }
}

fn whole(name: &str, n: f64, min: f64, max: f64) -> Result<f64, Error> {
    if !n.is_finite() || n.fract() != 0.0 || n < min || n > max {
        return Err(Error::invalid([name, " must be an integer from ", &integer_text(min), " to ", &integer_text(max)].concat()));
    }
    Ok(n)
}

/// A page size: an integer from 1 to 250.
pub fn limit(n: f64) -> Result<u32, Error> {
    whole("limit", n, 1.0, f64::from(MAX_LIMIT)).map(|v| v as u32)
}

/// A page offset: an integer from 0 up to `Number.MAX_SAFE_INTEGER`.
pub fn offset(n: f64) -> Result<u64, Error> {
    whole("offset", n, 0.0, MAX_SAFE_INTEGER).map(|v| v as u64)
}

/// A time given as epoch milliseconds: an integer within a JS `Date`'s range from 1970 on.
pub fn epoch_ms(name: &str, n: f64) -> Result<i64, Error> {
    whole(name, n, 0.0, crate::time::MAX_EPOCH_MS).map(|v| v as i64)
}

/// A per-attempt timeout in milliseconds: an integer from 1 to 2,147,483,647.
pub fn timeout_ms(n: f64) -> Result<u32, Error> {
    whole("timeoutMs", n, 1.0, MAX_TIMEOUT_MS).map(|v| v as u32)
}

/// A retry count: an integer from 0 to 10.
pub fn max_retries(n: f64) -> Result<u32, Error> {
    whole("maxRetries", n, 0.0, f64::from(MAX_RETRIES)).map(|v| v as u32)
}

/// An API key or site token: non-empty, no spaces or control characters.
pub fn credential(name: &str, value: &str) -> Result<(), Error> {
    if value.is_empty() || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid([name, " must be a non-empty string without spaces"].concat()));
    }
    Ok(())
}

/// The API's base URL, returned without a trailing slash: an absolute `http(s)://` URL, or a path from the
/// page's origin such as `/api/chat` (for a same-origin proxy); no query or fragment.
pub fn base_url(url: &str) -> Result<String, Error> {
    let bad = || Error::invalid("baseUrl must be an http(s) URL or a path starting with \"/\", without ? or #");
    if url.is_empty() || url.contains(['?', '#']) || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let lower = url.to_ascii_lowercase();
    let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(r) if r.is_empty() || r.starts_with('/') => return Err(bad()),
        Some(_) => {}
        None if url.starts_with('/') && !url.starts_with("//") => {}
        None => return Err(bad()),
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// An HTTP header name: one or more RFC 9110 token characters.
pub fn header_name(name: &str) -> Result<(), Error> {
    let ok = !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid("headers must have valid HTTP header names"))
    }
}

/// An HTTP header value: no CR, LF or NUL.
pub fn header_value(value: &str) -> Result<(), Error> {
    if value.contains(['\r', '\n', '\0']) {
        return Err(Error::invalid("header values must not contain CR, LF or NUL"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::panic)] // a test helper: a request that cannot be built fails the test
    fn build(op: Op, id: &str, args: Args) -> ApiRequest {
        ApiRequest::new(op, id, &args).unwrap_or_else(|e| panic!("{}", e.message))
    }
    fn list_chats(p: &ListParams) -> ApiRequest {
        build(Op::ListChats, "", Args::List(p.clone()))
    }
    fn list_archived_chats(p: &ListParams) -> ApiRequest {
        build(Op::ListArchivedChats, "", Args::List(p.clone()))
    }
    fn get_chat(id: &str) -> ApiRequest {
        build(Op::GetChat, id, Args::None)
    }
    fn get_feed(id: &str, p: &ListParams) -> ApiRequest {
        build(Op::GetFeed, id, Args::List(p.clone()))
    }
    fn list_messages(id: &str, p: &ListParams) -> ApiRequest {
        build(Op::ListMessages, id, Args::List(p.clone()))
    }
    fn send_message(id: &str, content: &str, from: Option<Sender>) -> ApiRequest {
        build(Op::SendMessage, id, Args::Content(content.into(), from))
    }
    fn add_note(id: &str, content: &str) -> ApiRequest {
        build(Op::AddNote, id, Args::Content(content.into(), None))
    }
    fn archive_chat(id: &str) -> ApiRequest {
        build(Op::ArchiveChat, id, Args::None)
    }
    fn unarchive_chat(id: &str) -> ApiRequest {
        build(Op::UnarchiveChat, id, Args::None)
    }
    fn list_webhooks() -> ApiRequest {
        build(Op::ListWebhooks, "", Args::None)
    }
    fn create_webhook(hook: &NewWebhook) -> ApiRequest {
        build(Op::CreateWebhook, "", Args::Webhook(hook.clone()))
    }
    fn delete_webhook(id: &str) -> ApiRequest {
        build(Op::DeleteWebhook, id, Args::None)
    }

    const BASE: &str = "https://api.gosquared.com";

    #[test]
    fn chats_take_a_combined_limit() {
        let p = ListParams { limit: Some(25), offset: Some(50), ..Default::default() };
        assert_eq!(
            list_chats(&p).url(BASE, Some("KEY"), "GSN-1-A"),
            "https://api.gosquared.com/chat/v1/chats?api_key=KEY&site_token=GSN-1-A&limit=50,25"
        );
        assert_eq!(list_archived_chats(&ListParams::default()).url(BASE, None, "T"), "https://api.gosquared.com/chat/v1/archivedChats?site_token=T");
        let only_offset = ListParams { offset: Some(30), ..Default::default() };
        assert_eq!(list_chats(&only_offset).query, vec![("limit", "30,10".to_owned())]);
    }

    #[test]
    fn messages_take_separate_integers_and_epoch_times() {
        let p = ListParams { limit: Some(20), offset: Some(0), from: Some(1_700_000_000_000), to: None };
        assert_eq!(
            list_messages("0", &p).url(BASE, Some("k"), "t"),
            "https://api.gosquared.com/chat/v1/chats/0/messages?api_key=k&site_token=t&limit=20&offset=0&from=1700000000000"
        );
    }

    #[test]
    fn feed_times_are_iso() {
        let p = ListParams { from: Some(0), to: Some(1_700_000_000_000), ..Default::default() };
        assert_eq!(
            get_feed("a", &p).query,
            vec![("from", "1970-01-01T00%3A00%3A00.000Z".to_owned()), ("to", "2023-11-14T22%3A13%3A20.000Z".to_owned())]
        );
    }

    #[test]
    fn ids_are_one_encoded_segment() {
        assert_eq!(get_chat("email:ada@example.com").path, "/chat/v1/chats/email%3Aada%40example.com");
        assert_eq!(archive_chat("../x").path, "/chat/v1/chats/..%2Fx/archive");
        assert_eq!(unarchive_chat("a?b#c").path, "/chat/v1/chats/a%3Fb%23c/unarchive");
    }

    #[test]
    fn writes_carry_json_bodies_and_retry_classes() {
        let m = send_message("c", "Hi \"there\"\n", Some(Sender::Client));
        assert_eq!(m.body.as_deref(), Some("{\"content\":\"Hi \\\"there\\\"\\n\",\"from\":\"client\"}"));
        assert_eq!(m.retry, RetryClass::NonIdempotentWrite);
        assert_eq!(add_note("c", "n").body.as_deref(), Some("{\"content\":\"n\"}"));
        assert_eq!(archive_chat("c").retry, RetryClass::IdempotentWrite);
        assert_eq!(archive_chat("c").body, None);
        assert_eq!(get_chat("c").retry, RetryClass::Read);
    }

    #[test]
    fn reversed_ranges_are_refused() {
        assert!(ListParams { from: Some(2), to: Some(1), ..Default::default() }.check().is_err());
        assert!(ListParams { from: Some(1), to: Some(1), ..Default::default() }.check().is_ok());
    }

    #[test]
    fn webhook_routes() {
        assert_eq!(list_webhooks().url(BASE, Some("k"), "t"), "https://api.gosquared.com/account/v1/webhooks?api_key=k&site_token=t");
        assert_eq!(list_webhooks().expect, Expect::List);
        let del = delete_webhook("a/b");
        assert_eq!((del.method, del.path.as_str(), del.retry), ("DELETE", "/account/v1/webhooks/a%2Fb", RetryClass::IdempotentWrite));
        let hook = crate::webhook::NewWebhook::new("https://x.example/h".into(), None, None, None, Some(false));
        let create = hook.map(|h| create_webhook(&h));
        assert_eq!(
            create.as_ref().map(|c| (c.method, c.retry, c.body.clone().unwrap_or_default())),
            Ok(("POST", RetryClass::NonIdempotentWrite, "{\"url\":\"https://x.example/h\",\"trigger\":\"chat_message\",\"include_unverified\":false}".to_owned()))
        );
    }

    #[test]
    fn the_table_and_the_op_enum_agree() {
        for (index, op) in OPS.iter().enumerate() {
            assert_eq!(*op as usize, index);
            assert_eq!(Op::named(op.endpoint().name), Some(*op));
        }
        assert_eq!(Op::named("listchats"), None);
        assert!(ApiRequest::new(Op::SendMessage, "c", &Args::None).is_err());
        assert!(ApiRequest::new(Op::AddNote, "c", &Args::Content("x".into(), Some(Sender::Bot))).is_err());
    }
}

#[cfg(test)]
mod validate_tests {
    use super::*;

    #[test]
    fn chat_ids() {
        assert!(chat_id("email:ada@example.com").is_ok());
        assert!(chat_id("Zoë 😀").is_ok());
        // Dots and percent signs are fine away from a slash: the id is one encoded segment.
        for ok in ["...", ".x", "a..b", "%2F", "%2e%2e", "%5C", "a%2Fb"] {
            assert!(chat_id(ok).is_ok(), "{ok:?}");
        }
        for bad in ["", ".", "..", "a\nb", "a\u{0}"] {
            assert!(chat_id(bad).is_err(), "{bad:?}");
        }
        assert!(chat_id(&"x".repeat(1025)).is_err());
        assert!(chat_id(&"x".repeat(1024)).is_ok());
    }

    #[test]
    fn chat_ids_with_slashes_are_refused() {
        for bad in ["/", "\\", "a/b", "a\\b", "../x", "..\\x", "./a", "a/..", "/chats", "x/../../account/v1/webhooks", "no/such chat"] {
            let message = chat_id(bad).err().map(|e| e.message).unwrap_or_default();
            assert!(message.contains("must not contain"), "{bad:?}: {message}");
        }
        for dots in [".", ".."] {
            let message = chat_id(dots).err().map(|e| e.message).unwrap_or_default();
            assert!(message.contains("must not be"), "{dots:?}: {message}");
        }
    }

    #[test]
    fn numbers() {
        assert_eq!(limit(1.0), Ok(1));
        assert_eq!(limit(250.0), Ok(250));
        for bad in [0.0, 251.0, 1.5, f64::NAN, f64::INFINITY, -1.0] {
            assert!(limit(bad).is_err());
        }
        assert_eq!(offset(0.0), Ok(0));
        assert!(offset(-1.0).is_err());
        assert!(offset(1e300).is_err());
        assert!(epoch_ms("from", 8.64e15).is_ok());
        assert!(epoch_ms("from", 8.64e15 + 1.0).is_err());
        assert!(timeout_ms(0.0).is_err());
        assert!(max_retries(11.0).is_err());
        assert_eq!(max_retries(0.0), Ok(0));
    }

    #[test]
    fn content_and_sender() {
        assert!(content("hi").is_ok());
        assert!(content("  \n").is_err());
        assert!(content("").is_err());
        assert!(content(&"x".repeat(MAX_CONTENT_CHARS + 1)).is_err());
        assert_eq!(sender("client"), Ok(Sender::Client));
        assert!(sender("Agent").is_err());
    }

    #[test]
    fn base_urls() {
        assert_eq!(base_url("https://api.gosquared.com/").as_deref(), Ok("https://api.gosquared.com"));
        assert_eq!(base_url("http://127.0.0.1:8787").as_deref(), Ok("http://127.0.0.1:8787"));
        assert_eq!(base_url("/api/chat/").as_deref(), Ok("/api/chat"));
        for bad in ["", "ftp://x", "https://", "https:///x", "//evil.com", "api.gosquared.com", "https://x?y", "https://x y"] {
            assert!(base_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn headers() {
        assert!(header_name("x-trace-id").is_ok());
        assert!(header_name("bad name").is_err());
        assert!(header_value("a\r\nb").is_err());
        assert!(credential("apiKey", "ABC123").is_ok());
        assert!(credential("apiKey", "A B").is_err());
    }
}
