//! The client driven natively over a scripted transport: every decision is the core machine's, so these
//! check the wiring (requests built, answers fed, waits taken, values decoded, pages chained).
#![allow(clippy::panic)] // a step that goes the wrong way fails the test

use super::*;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::rc::Rc;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};
use std::time::Duration;

const KEY: &str = "sk_live+secret/KEY";

/// Answers from a script, in order, and records what was sent and every wait.
#[derive(Default)]
struct Script {
    answers: RefCell<VecDeque<Result<HttpResponse, TransportError>>>,
    sent: RefCell<Vec<HttpRequest>>,
    slept: RefCell<Vec<Duration>>,
}

#[derive(Clone, Default)]
struct Fake(Rc<Script>);

impl Fake {
    fn answer(&self, status: u16, body: &str) -> &Self {
        self.answer_with(status, &[], body)
    }
    fn answer_with(&self, status: u16, headers: &[(&str, &str)], body: &str) -> &Self {
        let headers = headers.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect();
        self.0.answers.borrow_mut().push_back(Ok(HttpResponse { status, headers, body: body.to_owned() }));
        self
    }
    fn fail(&self, e: TransportError) -> &Self {
        self.0.answers.borrow_mut().push_back(Err(e));
        self
    }
    fn sent(&self) -> Vec<HttpRequest> {
        self.0.sent.borrow().clone()
    }
    fn urls(&self) -> Vec<String> {
        self.sent().iter().map(|r| r.url.replace("api_key=sk_live%2Bsecret%2FKEY&site_token=GSN-1-A", "AUTH")).collect()
    }
    fn slept(&self) -> Vec<Duration> {
        self.0.slept.borrow().clone()
    }
}

impl Transport for Fake {
    fn send(&self, request: HttpRequest) -> LocalFuture<'_, Result<HttpResponse, TransportError>> {
        self.0.sent.borrow_mut().push(request);
        let next = self.0.answers.borrow_mut().pop_front();
        Box::pin(async move { next.unwrap_or_else(|| panic!("the script has no answer left")) })
    }
    fn sleep(&self, delay: Duration) -> LocalFuture<'_, ()> {
        self.0.slept.borrow_mut().push(delay);
        Box::pin(async {})
    }
    fn now_ms(&self) -> f64 {
        1_700_000_000_000.0
    }
    fn random(&self) -> f64 {
        0.0
    }
}

/// Runs a future that never waits for I/O (the scripted transport answers at once).
fn block_on<F: Future>(future: F) -> F::Output {
    fn clone(_: *const ()) -> RawWaker {
        RawWaker::new(std::ptr::null(), &VTABLE)
    }
    fn noop(_: *const ()) {}
    static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, noop, noop, noop);
    // SAFETY: the vtable's functions do nothing and never read the data pointer.
    let waker = unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &VTABLE)) };
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("a scripted call should never wait"),
    }
}

fn client(fake: &Fake) -> ChatClient<Fake> {
    ChatClient::builder().api_key(KEY).site_token("GSN-1-A").base_url("https://api.example").build(fake.clone()).unwrap_or_else(|e| panic!("{e}"))
}

fn ok<T>(result: Result<T, Error>) -> T {
    result.unwrap_or_else(|e| panic!("{} {e}", e.name()))
}

fn err<T: std::fmt::Debug>(result: Result<T, Error>) -> Error {
    match result {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e,
    }
}

const CHAT: &str = r#"{"id":"email:ada@example.com","person":{"id":"email:ada@example.com","name":"Ada Lovelace","email":"ada@example.com","avatar":null},"archived":false,"unread":1,"vip":true}"#;

#[test]
fn a_read_decodes_the_model_and_sends_the_tables_request() {
    let fake = Fake::default();
    fake.answer_with(200, &[("X-RateLimit-Remaining", "749"), ("x-ratelimit-limit", "750")], CHAT);
    let c = client(&fake);
    let chat = ok(block_on(c.get_chat("email:ada@example.com")));
    assert_eq!(chat.person.and_then(|p| p.name).as_deref(), Some("Ada Lovelace"));
    assert_eq!(chat.extra.get("vip"), Some(&serde_json::Value::Bool(true)));
    let sent = fake.sent();
    assert_eq!(fake.urls(), vec!["https://api.example/chat/v1/chats/email%3Aada%40example.com?AUTH"]);
    assert_eq!(sent.first().map(|r| (r.method, r.headers.clone(), r.body.clone(), r.timeout)), Some(("GET", vec![("accept".into(), "application/json".into())], None, DEFAULT_TIMEOUT)));
    assert_eq!(c.rate_limit().map(|r| (r.limit, r.remaining)), Some((Some(750.0), Some(749.0))));
}

#[test]
fn a_chat_envelope_is_unwrapped_and_writes_send_json() {
    let fake = Fake::default();
    fake.answer(200, &format!(r#"{{"chat":{CHAT}}}"#)).answer(200, r#"{"id":"m_9","timestamp":1,"from":"client","content":"Hi \"x\""}"#).answer(204, "");
    let c = client(&fake);
    assert_eq!(ok(block_on(c.get_chat("a"))).id, "email:ada@example.com");
    let m = ok(block_on(c.send_message("a", NewMessage::new("Hi \"x\"").sent_as(Sender::Client))));
    assert_eq!(m.sender(), Some(Sender::Client));
    ok(block_on(c.archive_chat("a")));
    let sent = fake.sent();
    let write = sent.get(1).map(|r| (r.method, r.body.clone(), r.headers.iter().any(|(n, v)| n == "content-type" && v == "application/json")));
    assert_eq!(write, Some(("POST", Some(r#"{"content":"Hi \"x\"","from":"client"}"#.to_owned()), true)));
    assert_eq!(fake.urls().get(2).map(String::as_str), Some("https://api.example/chat/v1/chats/a/archive?AUTH"));
}

#[test]
fn a_read_is_retried_after_a_503_with_the_machines_backoff() {
    let fake = Fake::default();
    fake.answer(503, r#"{"code":5000,"message":"down"}"#).fail(TransportError::timed_out()).answer(200, CHAT);
    let c = client(&fake);
    ok(block_on(c.get_chat("a")));
    assert_eq!(fake.slept(), vec![Duration::from_millis(500), Duration::from_millis(1000)]);
    assert_eq!(fake.sent().len(), 3);
}

#[test]
fn a_message_is_not_sent_again_after_an_unknown_outcome() {
    let fake = Fake::default();
    fake.answer(503, "");
    let e = err(block_on(client(&fake).send_message("a", "Hi")));
    assert_eq!((e.kind(), e.name(), e.status(), e.attempts(), e.may_have_succeeded()), (ErrorKind::Server, "ServerError", Some(503), 1, true));
    assert_eq!(e.to_string(), "The API failed on its side (HTTP 503) [POST /chat/v1/chats/a/messages]");
    let fake = Fake::default();
    fake.fail(TransportError::timed_out());
    let e = err(block_on(client(&fake).add_note("a", "n")));
    assert_eq!((e.kind(), e.may_have_succeeded(), fake.sent().len()), (ErrorKind::Timeout, true, 1));
    assert_eq!(e.message(), "The attempt timed out after 10000 ms [POST /chat/v1/chats/a/notes]");
    // A 429 is refused unprocessed: retried after Retry-After.
    let fake = Fake::default();
    fake.answer_with(429, &[("retry-after", "2")], r#"{"code":4002,"message":"slow"}"#).answer(200, r#"{"id":"m_1","content":"Hi","from":"agent","timestamp":1}"#);
    ok(block_on(client(&fake).send_message("a", "Hi")));
    assert_eq!(fake.slept(), vec![Duration::from_secs(2)]);
}

#[test]
fn errors_are_typed_and_never_carry_the_key() {
    let fake = Fake::default();
    fake.answer(401, r#"{"code":4001,"message":"Your API Key sk_live+secret/KEY is not authorised"}"#);
    let c = client(&fake);
    let e = err(block_on(c.list_chats(ListParams::default())));
    assert_eq!((e.kind(), e.code(), e.attempts(), e.path()), (ErrorKind::Authentication, Some(&ApiCode::Number(4001.0)), 1, Some("/chat/v1/chats")));
    let fake = Fake::default();
    let cause = TransportError::new(TransportFailure::Send, "TypeError", "fetch https://api.example/?api_key=sk_live%2Bsecret%2FKEY failed");
    fake.fail(cause.clone()).fail(cause.clone()).fail(cause);
    let c = client(&fake);
    let e = err(block_on(c.get_chat("a")));
    assert_eq!((e.kind(), e.attempts()), (ErrorKind::Connection, 3));
    for text in [e.to_string(), format!("{e:?}"), format!("{:?}", e.causes()), format!("{c:?}"), format!("{:?}", fake.sent())] {
        assert!(!text.contains(KEY) && !text.contains("sk_live%2Bsecret%2FKEY"), "{text}");
    }
    assert_eq!(e.causes().first().map(|(n, m)| (n.as_str(), m.as_str())), Some(("TypeError", "fetch https://api.example/?api_key=[redacted] failed")));
}

#[test]
fn arguments_are_checked_before_anything_is_sent() {
    let fake = Fake::default();
    let c = client(&fake);
    let bad = [
        err(block_on(c.get_chat(""))),
        err(block_on(c.get_chat(".."))),
        err(block_on(c.send_message("a", "  "))),
        err(block_on(c.list_chats(ListParams { limit: Some(0), ..Default::default() }))),
        err(block_on(c.list_chats(ListParams { limit: Some(251), ..Default::default() }))),
        err(block_on(c.get_feed("a", ListParams { from: Some(2), to: Some(1), ..Default::default() }))),
        err(block_on(c.list_messages("a", ListParams { from: Some(-1), ..Default::default() }))),
        err(block_on(c.delete_webhook(""))),
    ];
    for e in bad {
        assert_eq!((e.kind(), e.attempts()), (ErrorKind::InvalidRequest, 0), "{e}");
    }
    assert!(fake.sent().is_empty());
    let settings = [
        ChatClient::builder().site_token("GSN-1").build(Fake::default()).err(),
        ChatClient::builder().api_key("k").build(Fake::default()).err(),
        ChatClient::builder().api_key("k k").site_token("GSN-1").build(Fake::default()).err(),
        ChatClient::builder().api_key("k").site_token("GSN-1").base_url("ftp://x").build(Fake::default()).err(),
        ChatClient::builder().api_key("k").site_token("GSN-1").timeout(Duration::ZERO).build(Fake::default()).err(),
        ChatClient::builder().api_key("k").site_token("GSN-1").max_retries(11).build(Fake::default()).err(),
        ChatClient::builder().api_key("k").site_token("GSN-1").header("bad name", "v").build(Fake::default()).err(),
        c.with_options(CallOptions { headers: vec![("x".into(), "a\nb".into())], ..Default::default() }).err(),
    ];
    assert!(settings.iter().all(|e| e.as_ref().is_some_and(|e| e.kind() == ErrorKind::InvalidRequest)), "{settings:?}");
    // Behind a proxy the key is left out.
    let proxied = ChatClient::builder().site_token("GSN-1").base_url("/api/chat").build(Fake::default());
    assert!(proxied.is_ok());
}

#[test]
fn a_body_that_does_not_fit_the_model_is_a_response_format_error() {
    let fake = Fake::default();
    fake.answer(200, r#"{"id":5}"#).answer(200, r#"{"list":[{"id":"a"},{"nope":1}]}"#).answer(200, "[1]");
    let c = client(&fake);
    let e = err(block_on(c.get_chat("a")));
    assert_eq!((e.kind(), e.status(), e.attempts()), (ErrorKind::ResponseFormat, Some(200), 1));
    assert!(e.message().starts_with("The API sent a chat that does not fit the model: invalid type"), "{e}");
    assert!(e.message().ends_with("(HTTP 200) [GET /chat/v1/chats/a]"), "{e}");
    let e = err(block_on(c.list_chats(ListParams::default())));
    assert!(e.message().contains("a list item") && e.message().contains("missing field `id`"), "{e}");
    let e = err(block_on(c.get_chat("a")));
    assert!(e.message().contains("not an object"), "{e}");
}

fn chats(ids: &[&str], cardinality: Option<u64>) -> String {
    let list: Vec<String> = ids.iter().map(|id| format!(r#"{{"id":"{id}"}}"#)).collect();
    match cardinality {
        Some(c) => format!(r#"{{"list":[{}],"cardinality":{c}}}"#, list.join(",")),
        None => format!("[{}]", list.join(",")),
    }
}

#[test]
fn pages_chain_through_the_machines_cursor() {
    let fake = Fake::default();
    fake.answer(200, &chats(&["a", "b"], Some(5))).answer(200, &chats(&["c", "d"], Some(5))).answer(200, &chats(&["e"], Some(5)));
    let c = client(&fake);
    let first = ok(block_on(c.list_chats(ListParams { limit: Some(2), ..Default::default() })));
    assert_eq!((first.offset(), first.limit(), first.cardinality(), first.has_next_page()), (0, 2, Some(5), true));
    let second = ok(block_on(first.next_page())).unwrap_or_else(|| panic!("a second page"));
    assert_eq!(second.items().iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), vec!["c", "d"]);
    let third = ok(block_on(second.next_page())).unwrap_or_else(|| panic!("a third page"));
    assert!(!third.has_next_page());
    assert_eq!(ok(block_on(third.next_page())).map(|p| p.offset()), None);
    assert_eq!(fake.urls(), vec![
        "https://api.example/chat/v1/chats?AUTH&limit=0,2",
        "https://api.example/chat/v1/chats?AUTH&limit=2,2",
        "https://api.example/chat/v1/chats?AUTH&limit=4,2",
    ]);
}

#[test]
fn streams_walk_every_item_and_stop_on_a_repeated_page() {
    // A server that ignores the offset sends the first page again: the repeat is dropped and the list ends.
    let fake = Fake::default();
    fake.answer(200, &chats(&["m1", "m2"], None)).answer(200, &chats(&["m1", "m2"], None));
    let c = client(&fake);
    let mut items = ok(block_on(c.list_messages("a", ListParams { limit: Some(2), ..Default::default() }))).into_stream();
    let mut seen = Vec::new();
    while let Some(item) = block_on(items.next()) {
        seen.push(ok(item).id);
    }
    assert_eq!(seen, vec!["m1", "m2"]);
    assert_eq!(fake.urls().get(1).map(String::as_str), Some("https://api.example/chat/v1/chats/a/messages?AUTH&limit=2&offset=2"));
    // Pages, ending with the error that stopped them.
    let fake = Fake::default();
    fake.answer(200, &chats(&["a"], Some(3))).answer(404, r#"{"code":4004,"message":"gone"}"#);
    let c = client(&fake);
    let mut pages = ok(block_on(c.get_feed("x", ListParams { limit: Some(1), ..Default::default() }))).pages();
    assert_eq!(block_on(pages.next()).map(|p| p.map(|p| p.items().len())), Some(Ok(1)));
    assert_eq!(block_on(pages.next()).map(|p| p.map(|_| ()).map_err(|e| e.kind())), Some(Err(ErrorKind::NotFound)));
    assert!(block_on(pages.next()).is_none());
}

#[test]
fn call_options_override_the_clients_own() {
    let fake = Fake::default();
    fake.answer(503, "");
    let c = ChatClient::builder().api_key(KEY).site_token("GSN-1-A").header("X-Team", "a").header("accept", "text/plain").build(fake.clone());
    let c = ok(c);
    let once = ok(c.with_options(CallOptions { timeout: Some(Duration::from_millis(1500)), max_retries: Some(0), headers: vec![("x-team".into(), "b".into()), ("x-trace".into(), "t".into())] }));
    let e = err(block_on(once.get_chat("a")));
    assert_eq!((e.kind(), e.attempts()), (ErrorKind::Server, 1));
    let sent = fake.sent();
    let first = sent.first().map(|r| (r.timeout, r.headers.clone()));
    let headers = vec![("x-team".into(), "b".into()), ("x-trace".into(), "t".into()), ("accept".into(), "application/json".into())];
    assert_eq!(first, Some((Duration::from_millis(1500), headers)));
    assert!(format!("{once:?}").contains("timeout_ms: 1500"));
}

#[test]
fn webhooks() {
    let fake = Fake::default();
    fake.answer(200, r#"{"list":[{"id":1,"url":"https://h.example/w","name":null,"trigger":"chat_message","value":null,"include_unverified":false}]}"#)
        .answer(200, r#"{"id":2,"url":"https://h.example/w2","name":"n","trigger":"chat_message","value":null,"include_unverified":true}"#)
        .answer(204, "");
    let c = client(&fake);
    let hooks = ok(block_on(c.list_webhooks()));
    assert_eq!(hooks.first().map(|h| h.id.clone()), Some(WebhookId::Number(1)));
    let spec = ok(NewWebhook::new("https://h.example/w2".into(), Some("n".into()), None, None, Some(true)).map_err(Error::from));
    let created = ok(block_on(c.create_webhook(&spec)));
    ok(block_on(c.delete_webhook(&created.id)));
    let sent = fake.sent();
    assert_eq!(sent.get(1).and_then(|r| r.body.clone()).as_deref(), Some(r#"{"url":"https://h.example/w2","name":"n","trigger":"chat_message","include_unverified":true}"#));
    assert_eq!(sent.get(2).map(|r| (r.method, r.url_without_query())), Some(("DELETE", "https://api.example/account/v1/webhooks/2")));
}
