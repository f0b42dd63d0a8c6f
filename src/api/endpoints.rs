//! One function per Live Chat endpoint, each turning checked arguments into an [`ApiRequest`].

use crate::encode;
use crate::error::Error;
use crate::time;
use crate::validate::Sender;

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
enum TimeFormat {
    /// ISO 8601 date-time (the documented `date-time` of chats and feed).
    Iso,
    /// Epoch milliseconds (the message cursors of the chat clients).
    EpochMs,
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

/// The parts of a request its answer is judged by, packed into one number that travels with the call's plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Facts {
    /// `GET`, `POST` or `DELETE`.
    pub method: &'static str,
    /// Whether and when the request may be repeated.
    pub retry: RetryClass,
    /// The shape a success must have.
    pub expect: Expect,
}

const METHODS: [&str; 3] = ["GET", "POST", "DELETE"];
const RETRY_CLASSES: [RetryClass; 3] = [RetryClass::Read, RetryClass::IdempotentWrite, RetryClass::NonIdempotentWrite];
const EXPECTS: [Expect; 3] = [Expect::List, Expect::Object, Expect::Write];

impl Facts {
    /// The facts as one small number.
    pub fn pack(self) -> u32 {
        let index = |found: Option<usize>| found.unwrap_or(0) as u32;
        index(METHODS.iter().position(|m| *m == self.method)) * 9
            + index(RETRY_CLASSES.iter().position(|r| *r == self.retry)) * 3
            + index(EXPECTS.iter().position(|e| *e == self.expect))
    }

    /// Reads what [`Facts::pack`] made; `None` for any other number.
    pub fn unpack(n: u32) -> Option<Facts> {
        let digit = |place: u32| usize::try_from(n / place % 3).ok();
        if n >= 27 {
            return None;
        }
        Some(Facts {
            method: METHODS.get(digit(9)?)?,
            retry: *RETRY_CLASSES.get(digit(3)?)?,
            expect: *EXPECTS.get(digit(1)?)?,
        })
    }
}

/// One request to the API, not yet authenticated.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiRequest {
    /// `GET` or `POST`.
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
    fn get(path: String) -> Self {
        ApiRequest { method: "GET", path, query: Vec::new(), body: None, retry: RetryClass::Read, expect: Expect::Object, list: None }
    }

    fn post(path: String, retry: RetryClass, body: Option<String>) -> Self {
        ApiRequest { method: "POST", path, query: Vec::new(), body, retry, expect: Expect::Write, list: None }
    }

    fn listing(path: String, paging: Paging, times: TimeFormat, params: &ListParams) -> Self {
        let mut req = ApiRequest::get(path);
        req.expect = Expect::List;
        match paging {
            Paging::Combined => {
                if let Some(count) = params.limit {
                    req.query.push(("limit", format!("{},{}", params.offset.unwrap_or(0), count)));
                } else if let Some(offset) = params.offset {
                    // The API's own default page size is 10; sending the offset needs a count.
                    req.query.push(("limit", format!("{offset},10")));
                }
            }
            Paging::Separate => {
                if let Some(count) = params.limit {
                    req.query.push(("limit", count.to_string()));
                }
                if let Some(offset) = params.offset {
                    req.query.push(("offset", offset.to_string()));
                }
            }
        }
        for (name, value) in [("from", params.from), ("to", params.to)] {
            if let Some(ms) = value {
                let text = match times {
                    TimeFormat::Iso => encode::component(&time::to_iso(ms)),
                    TimeFormat::EpochMs => ms.to_string(),
                };
                req.query.push((name, text));
            }
        }
        req.list = Some((paging, params.clone()));
        req
    }

    /// The facts its answer is judged by.
    pub fn facts(&self) -> Facts {
        Facts { method: self.method, retry: self.retry, expect: self.expect }
    }

    /// The full URL: base, path, credentials first, then the request's own query.
    pub fn url(&self, base: &str, api_key: Option<&str>, site_token: &str) -> String {
        format!("{base}{}?{}{}", self.path, auth_query(api_key, site_token), self.query_tail())
    }

    /// The request's own query parameters, each as `&name=value`, to follow the auth query.
    pub fn query_tail(&self) -> String {
        let mut tail = String::new();
        for (name, value) in &self.query {
            tail.push('&');
            tail.push_str(name);
            tail.push('=');
            tail.push_str(value);
        }
        tail
    }
}

/// The credentials as the first query parameters: `api_key=…&site_token=…` (no key behind a proxy).
pub fn auth_query(api_key: Option<&str>, site_token: &str) -> String {
    match api_key {
        Some(key) => format!("api_key={}&site_token={}", encode::component(key), encode::component(site_token)),
        None => format!("site_token={}", encode::component(site_token)),
    }
}

fn chat_path(chat_id: &str, tail: &str) -> String {
    format!("/chat/v1/chats/{}{}", encode::component(chat_id), tail)
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

/// `GET /chat/v1/chats`: the open conversations of the project.
pub fn list_chats(params: &ListParams) -> ApiRequest {
    ApiRequest::listing("/chat/v1/chats".into(), Paging::Combined, TimeFormat::Iso, params)
}

/// `GET /chat/v1/archivedChats`: the archived conversations.
pub fn list_archived_chats(params: &ListParams) -> ApiRequest {
    ApiRequest::listing("/chat/v1/archivedChats".into(), Paging::Combined, TimeFormat::Iso, params)
}

/// `GET /chat/v1/chats/{id}`: one conversation.
pub fn get_chat(chat_id: &str) -> ApiRequest {
    ApiRequest::get(chat_path(chat_id, ""))
}

/// `GET /chat/v1/chats/{id}/feed`: messages, notes and events of a conversation.
pub fn get_feed(chat_id: &str, params: &ListParams) -> ApiRequest {
    ApiRequest::listing(chat_path(chat_id, "/feed"), Paging::Combined, TimeFormat::Iso, params)
}

/// `GET /chat/v1/chats/{id}/messages`: the messages of a conversation.
pub fn list_messages(chat_id: &str, params: &ListParams) -> ApiRequest {
    ApiRequest::listing(chat_path(chat_id, "/messages"), Paging::Separate, TimeFormat::EpochMs, params)
}

/// `POST /chat/v1/chats/{id}/messages`: sends a message, as an agent unless `from` says otherwise.
pub fn send_message(chat_id: &str, content: &str, from: Option<Sender>) -> ApiRequest {
    ApiRequest::post(chat_path(chat_id, "/messages"), RetryClass::NonIdempotentWrite, Some(content_body(content, from)))
}

/// `POST /chat/v1/chats/{id}/notes`: leaves a private note for the team.
pub fn add_note(chat_id: &str, content: &str) -> ApiRequest {
    ApiRequest::post(chat_path(chat_id, "/notes"), RetryClass::NonIdempotentWrite, Some(content_body(content, None)))
}

/// `POST /chat/v1/chats/{id}/archive`: moves a conversation to the archive.
pub fn archive_chat(chat_id: &str) -> ApiRequest {
    ApiRequest::post(chat_path(chat_id, "/archive"), RetryClass::IdempotentWrite, None)
}

/// `POST /chat/v1/chats/{id}/unarchive`: brings a conversation back from the archive.
pub fn unarchive_chat(chat_id: &str) -> ApiRequest {
    ApiRequest::post(chat_path(chat_id, "/unarchive"), RetryClass::IdempotentWrite, None)
}

/// `GET /account/v1/webhooks`: the project's webhooks.
pub fn list_webhooks() -> ApiRequest {
    ApiRequest { expect: Expect::List, ..ApiRequest::get("/account/v1/webhooks".into()) }
}

/// `POST /account/v1/webhooks`: registers a webhook; not repeated, since a repeat would register it twice.
pub fn create_webhook(hook: &crate::webhook::NewWebhook) -> ApiRequest {
    ApiRequest::post("/account/v1/webhooks".into(), RetryClass::NonIdempotentWrite, Some(hook.to_json()))
}

/// `DELETE /account/v1/webhooks/{id}`: removes a webhook.
pub fn delete_webhook(webhook_id: &str) -> ApiRequest {
    let path = format!("/account/v1/webhooks/{}", encode::component(webhook_id));
    ApiRequest { method: "DELETE", ..ApiRequest::post(path, RetryClass::IdempotentWrite, None) }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn facts_pack_and_unpack() {
        let requests = [list_chats(&ListParams::default()), get_chat("a"), send_message("a", "hi", None), archive_chat("a"), delete_webhook("w"), list_webhooks()];
        for request in &requests {
            assert_eq!(Facts::unpack(request.facts().pack()), Some(request.facts()));
        }
        assert_eq!(Facts::unpack(27), None);
        assert_eq!(Facts::unpack(u32::MAX), None);
    }
}
