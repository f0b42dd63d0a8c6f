//! The typed Rust API end to end over gloo-net's `fetch`, against the emulator: pages, a message sent and
//! read back, a note, archive and unarchive, webhooks, a 503 retried on a read, a 401, timeouts and a
//! cancelled call. Run by wasm-bindgen-test under Node and in headless Chromium; `scripts/test.sh` starts the
//! emulator, queues its faults and passes its URL in `GOSQUARED_EMULATOR_URL` at compile time:
//!
//! `GOSQUARED_EMULATOR_URL=http://127.0.0.1:PORT CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner cargo test --target wasm32-unknown-unknown --features gloo --test typed`
//!
//! The emulator runs with `--seed 3:5 --api-key sk_test_Q7wZ+secret/key --site-token GSN-424242-Z` and these
//! faults (see `scripts/test.sh`): two 503s on `GET /chat/v1/chats/person-2`, a hang on
//! `/chat/v1/chats/person-3/feed`, and a 1.5 s delay on `POST /chat/v1/chats/person-3/notes`.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use gosquared_chat::typed::{CallOptions, ChatClient, ErrorKind, FeedItem, GlooTransport, ListParams, NewMessage, NewWebhook, Sender, Transport};
use std::time::Duration;
use wasm_bindgen_test::wasm_bindgen_test;

const API_KEY: &str = "sk_test_Q7wZ+secret/key";
const SITE_TOKEN: &str = "GSN-424242-Z";
const ADA: &str = "email:ada@example.com";

fn base_url() -> &'static str {
    match option_env!("GOSQUARED_EMULATOR_URL") {
        Some(url) => url,
        None => panic!("GOSQUARED_EMULATOR_URL names the emulator at compile time (scripts/test.sh sets it)"),
    }
}

fn client() -> ChatClient<GlooTransport> {
    ChatClient::builder().api_key(API_KEY).site_token(SITE_TOKEN).base_url(base_url()).timeout(Duration::from_secs(5)).build(GlooTransport::new()).unwrap()
}

fn now() -> f64 {
    js_sys::Date::now()
}

fn page(limit: u32) -> ListParams {
    ListParams { limit: Some(limit), ..Default::default() }
}

#[wasm_bindgen_test]
async fn pages_of_chats_and_a_stream_of_them_all() {
    let c = client();
    let first = c.list_chats(page(2)).await.unwrap();
    assert_eq!((first.items().len(), first.cardinality(), first.has_next_page()), (2, Some(3), true));
    let second = first.next_page().await.unwrap().unwrap();
    assert_eq!((second.offset(), second.items().len(), second.has_next_page()), (2, 1, false));
    let mut all = Vec::new();
    let mut chats = c.list_chats(page(2)).await.unwrap().into_stream();
    while let Some(chat) = chats.next().await {
        all.push(chat.unwrap().id);
    }
    all.sort();
    assert_eq!(all, vec!["email:ada@example.com", "person-2", "person-3"]);
    let mut pages = c.list_chats(page(1)).await.unwrap().pages();
    let mut count = 0;
    while let Some(p) = pages.next().await {
        assert_eq!(p.unwrap().items().len(), 1);
        count += 1;
    }
    assert_eq!(count, 3);
    assert!(c.rate_limit().is_some_and(|r| r.limit.is_some()), "the emulator sends the X-RateLimit headers");
}

#[wasm_bindgen_test]
async fn a_message_and_a_note_are_sent_and_read_back() {
    let c = client();
    let content = format!("Your payment failed ({})", now());
    let sent = c.send_message(ADA, content.as_str()).await.unwrap();
    assert_eq!((sent.content.as_str(), sent.sender()), (content.as_str(), Some(Sender::Agent)));
    let as_client = c.send_message(ADA, NewMessage::new("Thanks, sorted").sent_as(Sender::Client)).await.unwrap();
    assert_eq!(as_client.sender(), Some(Sender::Client));
    let note = c.add_note(ADA, "Payment failed: invoice in_1").await.unwrap();
    assert!(note.is_note());
    let messages = c.list_messages(ADA, page(250)).await.unwrap();
    assert!(messages.items().iter().any(|m| m.id == sent.id && m.content == content));
    assert!(!messages.items().iter().any(|m| m.id == note.id), "notes are not messages");
    let feed = c.get_feed(ADA, page(250)).await.unwrap();
    assert!(feed.items().iter().any(|item| matches!(item, FeedItem::Message(m) if m.id == note.id && m.is_note())));
    c.archive_chat(ADA).await.unwrap();
    assert!(c.get_chat(ADA).await.unwrap().archived);
    let archived = c.list_archived_chats(ListParams::default()).await.unwrap();
    assert!(archived.items().iter().any(|chat| chat.id == ADA));
    let feed = c.get_feed(ADA, page(250)).await.unwrap();
    assert!(feed.items().iter().any(|item| matches!(item, FeedItem::Event(e) if e.event == "archived")));
    c.unarchive_chat(ADA).await.unwrap();
    let chat = c.get_chat(ADA).await.unwrap();
    assert!(!chat.archived);
    assert_eq!(chat.person.and_then(|p| p.name).as_deref(), Some("Ada Lovelace"));
}

#[wasm_bindgen_test]
async fn a_503_on_a_read_is_retried() {
    let c = client();
    // The first of the two queued 503s fails a call that may not retry...
    let once = c.with_options(CallOptions { max_retries: Some(0), ..Default::default() }).unwrap();
    let e = once.get_chat("person-2").await.unwrap_err();
    assert_eq!((e.kind(), e.status(), e.attempts(), e.may_have_succeeded()), (ErrorKind::Server, Some(503), 1, false));
    // ...and the second is retried after the machine's backoff (0.375 to 0.5 s).
    let started = now();
    let chat = c.get_chat("person-2").await.unwrap();
    assert_eq!(chat.id, "person-2");
    assert!(now() - started >= 350.0, "the retry waited {} ms", now() - started);
}

#[wasm_bindgen_test]
async fn a_wrong_key_is_an_authentication_error_without_the_key() {
    let key = "sk_wrong+key/WITH-secret";
    let c = ChatClient::builder().api_key(key).site_token(SITE_TOKEN).base_url(base_url()).build(GlooTransport::new()).unwrap();
    let e = c.list_chats(ListParams::default()).await.unwrap_err();
    assert_eq!((e.kind(), e.name(), e.status(), e.attempts()), (ErrorKind::Authentication, "AuthenticationError", Some(401), 1));
    assert_eq!(e.code(), Some(&gosquared_chat::typed::ApiCode::Number(4001.0)));
    for text in [e.to_string(), format!("{e:?}"), format!("{c:?}")] {
        assert!(!text.contains(key) && !text.contains("sk_wrong%2Bkey"), "{text}");
    }
    let e = client().get_chat("nobody-here").await.unwrap_err();
    assert_eq!((e.kind(), e.status()), (ErrorKind::NotFound, Some(404)));
}

#[wasm_bindgen_test]
async fn a_hung_read_times_out_and_a_slow_note_is_not_sent_again() {
    let quick = client().with_options(CallOptions { timeout: Some(Duration::from_millis(300)), max_retries: Some(0), ..Default::default() }).unwrap();
    let started = now();
    let e = quick.get_feed("person-3", ListParams::default()).await.unwrap_err();
    assert_eq!((e.kind(), e.name(), e.attempts(), e.may_have_succeeded()), (ErrorKind::Timeout, "TimeoutError", 1, false));
    assert!(now() - started < 3000.0);
    // A note the API processes but answers late: the outcome is unknown, so it is not retried.
    let patient = client().with_options(CallOptions { timeout: Some(Duration::from_millis(300)), max_retries: Some(3), ..Default::default() }).unwrap();
    let e = patient.add_note("person-3", "A slow note").await.unwrap_err();
    assert_eq!((e.kind(), e.attempts(), e.may_have_succeeded()), (ErrorKind::Timeout, 1, true));
    assert_eq!(e.message(), "The attempt timed out after 300 ms [POST /chat/v1/chats/person-3/notes]");
}

#[wasm_bindgen_test]
async fn dropping_a_call_cancels_it() {
    let c = client();
    let transport = GlooTransport::new();
    let call = c.get_feed("person-3", ListParams::default());
    let started = now();
    let outcome = futures_race(call, transport.sleep(Duration::from_millis(150))).await;
    assert!(outcome.is_none(), "the hung call cannot have finished");
    assert!(now() - started < 2000.0);
    // The client goes on working after the cancelled call.
    assert_eq!(c.get_chat("person-3").await.unwrap().id, "person-3");
}

/// Runs `call` until `deadline` ends, then drops it; `Some` with its result when it finished first.
async fn futures_race<F: std::future::Future>(call: F, deadline: impl std::future::Future<Output = ()>) -> Option<F::Output> {
    let mut call = std::pin::pin!(call);
    let mut deadline = std::pin::pin!(deadline);
    std::future::poll_fn(|cx| {
        if let std::task::Poll::Ready(v) = call.as_mut().poll(cx) {
            return std::task::Poll::Ready(Some(v));
        }
        deadline.as_mut().poll(cx).map(|()| None)
    })
    .await
}

#[wasm_bindgen_test]
async fn webhooks_are_created_listed_and_deleted() {
    let c = client();
    let spec = NewWebhook::new("https://hooks.example/gosquared?secret=0123456789abcdef".into(), Some("typed".into()), None, None, Some(true)).unwrap();
    let created = c.create_webhook(&spec).await.unwrap();
    assert_eq!((created.trigger.as_str(), created.include_unverified, created.name.as_deref()), ("chat_message", true, Some("typed")));
    assert!(c.list_webhooks().await.unwrap().iter().any(|h| h.id == created.id));
    c.delete_webhook(&created.id).await.unwrap();
    assert!(!c.list_webhooks().await.unwrap().iter().any(|h| h.id == created.id));
    let e = c.delete_webhook(&created.id).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}
