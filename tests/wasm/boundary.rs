//! The WebAssembly boundary's tests: every `#[wasm_bindgen]` item of `src/wasm/` called as a Rust function
//! with real JS values, checking how it reads them and what it hands back (the results, the page and cursor
//! objects, the error descriptors). Run by wasm-bindgen-test under Node (`scripts/test.sh`), and in headless
//! Chromium with `WASM_BINDGEN_USE_BROWSER=1`:
//!
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner cargo test --target wasm32-unknown-unknown --features boundary-tests --test boundary`
//!
//! The pure modules behind the boundary have their own native tests (`cargo test --lib`).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use gosquared_chat::wasm::client::{answer_headers, operation_names, throw_if_aborted, AttemptFailureCode, CallHandle, Client, Operation, Shapes};
use gosquared_chat::wasm::edge::{normalize_proxy_config, parse_chat_message_webhook, person_signature, proxy_decide, verify_webhook_secret_in_url};
use js_sys::{Array, Function, Object, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;

/// The package's own builders of the objects calls hand back (what `js/wasm.js` passes to `new Client`).
#[wasm_bindgen(module = "/js/shapes.js")]
extern "C" {
    #[wasm_bindgen(thread_local_v2, js_name = shapes)]
    static SHAPES: Shapes;
}

/// A key with characters that percent-encoding changes, so that both of its forms can be looked for.
const KEY: &str = "sk_live+secret/KEY";
const KEY_ENCODED: &str = "sk_live%2Bsecret%2FKEY";
const TOKEN: &str = "GSN-123456-A";
const BASE: &str = "https://api.gosquared.com";

// ---- JS values ----

fn shapes() -> Shapes {
    SHAPES.with(|shapes| JsValue::clone(shapes).unchecked_into())
}

fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &JsValue::from_str(k), v).unwrap();
    }
    o.into()
}

fn s(text: &str) -> JsValue {
    JsValue::from_str(text)
}

fn n(v: f64) -> JsValue {
    JsValue::from_f64(v)
}

fn parse(text: &str) -> JsValue {
    JSON::parse(text).unwrap()
}

/// The value of a JS expression (for getters, proxies, AbortControllers).
fn eval(expression: &str) -> JsValue {
    function(&format!("return ({expression});")).call0(&JsValue::UNDEFINED).unwrap()
}

fn function(body: &str) -> Function {
    Function::new_with_args("", body)
}

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap()
}

fn text_of(v: &JsValue, key: &str) -> String {
    get(v, key).as_string().unwrap_or_else(|| panic!("{key} is not a string in {}", json(v)))
}

fn json(v: &JsValue) -> String {
    JSON::stringify(v).ok().and_then(|t| t.as_string()).unwrap_or_else(|| format!("{v:?}"))
}

fn never_called() -> JsValue {
    function("throw new Error('fetch must not be called by these tests')").into()
}

/// The error a `Result` holds; fails the test when there is none.
fn thrown<T>(r: Result<T, JsValue>, what: &str) -> JsValue {
    match r {
        Ok(_) => panic!("{what}: expected an error, got a result"),
        Err(e) => e,
    }
}

/// Checks that `e` is the core's error descriptor of class `name` and that the key appears nowhere in it
/// (raw or percent-encoded); returns its message.
fn descriptor(e: &JsValue, name: &str) -> String {
    let all = json(e);
    assert_eq!(get(e, "__gosquaredChatError"), JsValue::TRUE, "not a descriptor: {all}");
    assert_eq!(get(e, "name").as_string().as_deref(), Some(name), "{all}");
    assert!(get(e, "attempts").as_f64().is_some(), "no attempts in {all}");
    assert!(get(e, "mayHaveSucceeded").as_bool().is_some(), "no mayHaveSucceeded in {all}");
    assert!(!all.contains(KEY) && !all.contains(KEY_ENCODED) && !all.contains("secret/KEY"), "the key leaked: {all}");
    text_of(e, "message")
}

// ---- clients and calls ----

fn options(extra: &[(&str, JsValue)]) -> JsValue {
    let o = obj(&[("apiKey", s(KEY)), ("siteToken", s(TOKEN)), ("fetch", never_called())]);
    for (k, v) in extra {
        Reflect::set(&o, &s(k), v).unwrap();
    }
    o
}

fn client() -> Client {
    Client::new(options(&[]), shapes()).unwrap_or_else(|e| panic!("client: {}", json(&e)))
}

fn refused(options: JsValue) -> String {
    descriptor(&thrown(Client::new(options, shapes()), "Client::new"), "InvalidRequestError")
}

fn call(c: &Client, op: Operation, target: JsValue, input: JsValue, opts: JsValue) -> CallHandle {
    c.call(op, &target, &input, &opts, &JsValue::UNDEFINED).unwrap_or_else(|e| panic!("call: {}", json(&e)))
}

fn no_retries() -> JsValue {
    obj(&[("maxRetries", n(0.0))])
}

/// The header lines `answer` takes: the values of the headers `answerHeaders()` names, in its order.
fn header_lines(values: &[(&str, &str)]) -> String {
    answer_headers().split('\n').map(|name| values.iter().find(|(k, _)| *k == name).map_or("", |(_, v)| v)).collect::<Vec<_>>().join("\n")
}

fn answer(call: &mut CallHandle, status: f64, text: &str) -> Result<JsValue, JsValue> {
    call.answer(status, &header_lines(&[]), &s(text))
}

fn ok(r: Result<JsValue, JsValue>) -> JsValue {
    r.unwrap_or_else(|e| panic!("expected a result, got {}", json(&e)))
}

fn auth() -> String {
    format!("api_key={KEY_ENCODED}&site_token={TOKEN}")
}

// ---- Client::new ----

#[wasm_bindgen_test]
fn a_client_takes_good_options_and_exposes_its_headers_and_fetch() {
    let fetch = never_called();
    let headers = obj(&[("X-Trace", s("abc"))]);
    let c = Client::new(options(&[("fetch", fetch.clone()), ("timeoutMs", n(2500.0)), ("maxRetries", n(1.0)), ("headers", headers)]), shapes()).unwrap();
    assert!(Object::is(&c.fetch(), &fetch), "fetch is handed back as given");
    let read = call(&c, Operation::GetChat, s("c1"), JsValue::UNDEFINED, JsValue::UNDEFINED).headers();
    let write = call(&c, Operation::AddNote, s("c1"), obj(&[("content", s("n"))]), JsValue::UNDEFINED).headers();
    assert_eq!(json(&read), r#"{"x-trace":"abc","accept":"application/json"}"#);
    assert_eq!(json(&write), r#"{"x-trace":"abc","accept":"application/json","content-type":"application/json"}"#);
    assert!(Object::is_frozen(read.unchecked_ref::<Object>()) && Object::is_frozen(write.unchecked_ref::<Object>()));
    assert!(c.rate_limit().is_undefined(), "no budget before any answer");
    let call = call(&c, Operation::GetChat, s("c1"), JsValue::UNDEFINED, JsValue::UNDEFINED);
    assert_eq!(call.timeout_ms(), 2500);

    // No key behind a proxy: the base URL is a path and only the site token is sent.
    let proxied = Client::new(obj(&[("siteToken", s(TOKEN)), ("baseUrl", s("/api/chat")), ("fetch", never_called())]), shapes()).unwrap();
    let call = call_of(&proxied, Operation::ListWebhooks);
    assert_eq!(call.url(), format!("/api/chat/account/v1/webhooks?site_token={TOKEN}"));
    // Without `fetch` the global one is used (Node and browsers have one).
    let global = Client::new(obj(&[("apiKey", s(KEY)), ("siteToken", s(TOKEN))]), shapes()).unwrap();
    assert!(global.fetch().is_undefined());
}

fn call_of(c: &Client, op: Operation) -> CallHandle {
    call(c, op, JsValue::UNDEFINED, JsValue::UNDEFINED, JsValue::UNDEFINED)
}

#[wasm_bindgen_test]
fn a_client_refuses_bad_options_with_an_invalid_request_descriptor_that_never_holds_the_key() {
    let m = refused(options(&[("apiKye", s("x"))]));
    assert!(m.starts_with("options has an unknown key \"apiKye\" (allowed: apiKey, siteToken,"), "{m}");
    assert_eq!(refused(options(&[("apiKey", n(42.0))])), "apiKey must be a string");
    assert_eq!(refused(options(&[("apiKey", s("sk_live+secret/KEY with spaces"))])), "apiKey must be a non-empty string without spaces");
    for bad in ["ftp://example.com", "https://example.com/?q=1", "example.com"] {
        let m = refused(options(&[("baseUrl", s(bad))]));
        assert!(m.starts_with("baseUrl must be an http(s) URL"), "{bad}: {m}");
    }
    assert_eq!(refused(options(&[("fetch", s("fetch"))])), "fetch must be a function");
    assert_eq!(refused(options(&[("timeoutMs", s("100"))])), "timeoutMs must be a number");
    assert_eq!(refused(obj(&[("apiKey", s(KEY))])), "siteToken is required");
    assert_eq!(refused(obj(&[("siteToken", s(TOKEN))])), "apiKey is required unless baseUrl points at a proxy that adds it");
    assert_eq!(refused(JsValue::UNDEFINED), "options must be an object with apiKey and siteToken");
    assert_eq!(refused(s(KEY)), "options must be an object");
    assert_eq!(refused(Array::new().into()), "options must be an object");
    // A revoked Proxy throws on every operation, even Array.isArray.
    assert_eq!(refused(eval("(() => { const p = Proxy.revocable({}, {}); p.revoke(); return p.proxy; })()")), "options must be an object");
    // A throwing getter, whose error names the key: only the property's name is reported.
    let getter = eval("{ apiKey: 'sk_live+secret/KEY', get siteToken() { throw new Error('no token for sk_live+secret/KEY'); } }");
    assert_eq!(refused(getter), "could not read siteToken");
    // A Proxy whose ownKeys trap throws.
    let trap = eval("new Proxy({}, { ownKeys() { throw new Error('sk_live+secret/KEY'); } })");
    assert_eq!(refused(trap), "could not read options");
}

// ---- Client::call: the request ----

#[wasm_bindgen_test]
fn calls_build_their_url_method_body_and_timeout() {
    let c = client();
    let list = call(&c, Operation::ListChats, JsValue::UNDEFINED, obj(&[("limit", n(5.0)), ("offset", n(10.0)), ("from", s("2024-01-02T03:04:05Z"))]), JsValue::UNDEFINED);
    assert_eq!(list.url(), format!("{BASE}/chat/v1/chats?{}&limit=10,5&from=2024-01-02T03%3A04%3A05.000Z", auth()));
    assert_eq!(list.method(), s("GET"));
    assert_eq!(list.body(), None);
    assert_eq!(list.timeout_ms(), 10_000);
    assert!(list.signal().is_undefined());

    // A Date as `to`, and an offset alone (the API's page size of 10 goes with it).
    let dated = call(&c, Operation::ListArchivedChats, JsValue::UNDEFINED, obj(&[("offset", n(20.0)), ("to", eval("new Date(Date.UTC(2024, 5, 1))"))]), JsValue::UNDEFINED);
    assert_eq!(dated.url(), format!("{BASE}/chat/v1/archivedChats?{}&limit=20,10&to=2024-06-01T00%3A00%3A00.000Z", auth()));

    let id = "email:ada@example.com x y?#%";
    let chat = call(&c, Operation::GetChat, s(id), JsValue::UNDEFINED, JsValue::UNDEFINED);
    assert_eq!(chat.url(), format!("{BASE}/chat/v1/chats/email%3Aada%40example.com%20x%20y%3F%23%25?{}", auth()));

    let messages = call(&c, Operation::ListMessages, s("c1"), obj(&[("limit", n(20.0)), ("offset", n(40.0)), ("from", n(1_700_000_000_000.0))]), JsValue::UNDEFINED);
    assert_eq!(messages.url(), format!("{BASE}/chat/v1/chats/c1/messages?{}&limit=20&offset=40&from=1700000000000", auth()));

    let content = "Hi \"there\"\n\u{e9}\u{1F600}";
    let send = call(&c, Operation::SendMessage, s("c1"), obj(&[("content", s(content)), ("from", s("agent"))]), JsValue::UNDEFINED);
    assert_eq!(send.method(), s("POST"));
    assert_eq!(send.url(), format!("{BASE}/chat/v1/chats/c1/messages?{}", auth()));
    let body = send.body().unwrap();
    assert_eq!(text_of(&parse(&body), "content"), content);
    assert_eq!(text_of(&parse(&body), "from"), "agent");
    assert_eq!(body, "{\"content\":\"Hi \\\"there\\\"\\n\u{e9}\u{1F600}\",\"from\":\"agent\"}");

    let note = call(&c, Operation::AddNote, s("c1"), obj(&[("content", s("n"))]), JsValue::UNDEFINED);
    assert_eq!((note.url(), note.body()), (format!("{BASE}/chat/v1/chats/c1/notes?{}", auth()), Some("{\"content\":\"n\"}".to_owned())));

    let archive = call(&c, Operation::ArchiveChat, s("c 2"), JsValue::UNDEFINED, JsValue::UNDEFINED);
    assert_eq!((archive.method(), archive.url(), archive.body()), (s("POST"), format!("{BASE}/chat/v1/chats/c%202/archive?{}", auth()), None));

    let hook = call(&c, Operation::CreateWebhook, JsValue::UNDEFINED, obj(&[("url", s("https://example.com/hook?secret=abc")), ("name", s("Bot")), ("value", n(3.0)), ("includeUnverified", JsValue::TRUE)]), JsValue::UNDEFINED);
    assert_eq!(hook.body().as_deref(), Some("{\"url\":\"https://example.com/hook?secret=abc\",\"name\":\"Bot\",\"trigger\":\"chat_message\",\"value\":3,\"include_unverified\":true}"));

    let delete = call(&c, Operation::DeleteWebhook, n(42.0), JsValue::UNDEFINED, JsValue::UNDEFINED);
    assert_eq!((delete.method(), delete.url()), (s("DELETE"), format!("{BASE}/account/v1/webhooks/42?{}", auth())));

    // The call's own options, and its signal handed back as it came.
    let signal = eval("new AbortController().signal");
    let own = call(&c, Operation::GetChat, s("c1"), JsValue::UNDEFINED, obj(&[("timeoutMs", n(250.0)), ("maxRetries", n(0.0)), ("signal", signal.clone())]));
    assert_eq!(own.timeout_ms(), 250);
    assert!(Object::is(&own.signal(), &signal));
}

#[wasm_bindgen_test]
fn calls_refuse_bad_arguments_before_sending() {
    let c = client();
    let refuse = |op: Operation, target: JsValue, input: JsValue, opts: JsValue| descriptor(&thrown(c.call(op, &target, &input, &opts, &JsValue::UNDEFINED), "call"), "InvalidRequestError");
    assert_eq!(refuse(Operation::GetChat, s(""), JsValue::UNDEFINED, JsValue::UNDEFINED), "chatId must be a non-empty string");
    assert_eq!(refuse(Operation::GetChat, n(1.0), JsValue::UNDEFINED, JsValue::UNDEFINED), "chatId must be a non-empty string");
    for id in ["a/b", "a\\b", "../account/v1/webhooks"] {
        assert_eq!(refuse(Operation::GetChat, s(id), JsValue::UNDEFINED, JsValue::UNDEFINED), "chatId must not contain \"/\" or \"\\\"");
        assert_eq!(refuse(Operation::DeleteWebhook, s(id), JsValue::UNDEFINED, JsValue::UNDEFINED), "webhookId must not contain \"/\" or \"\\\"");
    }
    assert_eq!(refuse(Operation::ArchiveChat, s(".."), JsValue::UNDEFINED, JsValue::UNDEFINED), "chatId must not be \".\" or \"..\"");
    assert_eq!(refuse(Operation::ListChats, JsValue::UNDEFINED, obj(&[("limit", s("5"))]), JsValue::UNDEFINED), "limit must be a number");
    assert!(refuse(Operation::ListChats, JsValue::UNDEFINED, obj(&[("page", n(2.0))]), JsValue::UNDEFINED).starts_with("params has an unknown key \"page\""));
    assert_eq!(refuse(Operation::ListChats, JsValue::UNDEFINED, obj(&[("from", n(2000.0)), ("to", n(1000.0))]), JsValue::UNDEFINED), "from must not be later than to");
    assert_eq!(refuse(Operation::SendMessage, s("c1"), obj(&[("content", s(""))]), JsValue::UNDEFINED), "content must be a non-empty string");
    assert_eq!(refuse(Operation::SendMessage, s("c1"), obj(&[("content", s("x")), ("from", s("robot"))]), JsValue::UNDEFINED), "from must be \"agent\", \"client\" or \"bot\"");
    assert!(refuse(Operation::AddNote, s("c1"), obj(&[("content", s("x")), ("from", s("agent"))]), JsValue::UNDEFINED).starts_with("note has an unknown key \"from\""));
    assert!(refuse(Operation::GetChat, s("c1"), JsValue::UNDEFINED, obj(&[("retries", n(1.0))])).starts_with("opts has an unknown key \"retries\""));
    assert_eq!(refuse(Operation::GetChat, s("c1"), JsValue::UNDEFINED, obj(&[("signal", obj(&[("aborted", JsValue::FALSE)]))])), "signal must be an AbortSignal");
    let thrower = eval("{ get signal() { throw new Error('sk_live+secret/KEY'); } }");
    assert_eq!(refuse(Operation::GetChat, s("c1"), JsValue::UNDEFINED, thrower), "could not read signal");
    // Over-long strings are refused from their JS length, before they are copied into wasm memory.
    let before = wasm_bindgen::memory().unchecked_into::<js_sys::WebAssembly::Memory>().buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length();
    let huge = eval("'x'.repeat(50_000_000)");
    assert_eq!(refuse(Operation::SendMessage, s("c1"), obj(&[("content", huge.clone())]), JsValue::UNDEFINED), "content is longer than 100000 characters");
    assert_eq!(refuse(Operation::GetChat, huge.clone(), JsValue::UNDEFINED, JsValue::UNDEFINED), "chatId is longer than 1024 characters");
    assert_eq!(refuse(Operation::DeleteWebhook, huge.clone(), JsValue::UNDEFINED, JsValue::UNDEFINED), "webhookId is longer than 1024 characters");
    assert_eq!(refuse(Operation::CreateWebhook, JsValue::UNDEFINED, obj(&[("url", huge.clone())]), JsValue::UNDEFINED), "url is longer than 2048 characters");
    let after = wasm_bindgen::memory().unchecked_into::<js_sys::WebAssembly::Memory>().buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length();
    assert!(after - before < 1 << 20, "wasm memory grew by {} bytes", after - before);
}

// ---- Call::answer ----

#[wasm_bindgen_test]
fn a_200_object_is_the_result_as_parsed() {
    let c = client();
    let mut get_chat = call(&c, Operation::GetChat, s("c1"), JsValue::UNDEFINED, JsValue::UNDEFINED);
    let result = ok(answer(&mut get_chat, 200.0, r#"{"id":"c1","tags":[1,2],"n":null}"#));
    assert_eq!(json(&result), r#"{"id":"c1","tags":[1,2],"n":null}"#);
}

#[wasm_bindgen_test]
fn a_list_envelope_becomes_a_page_with_the_next_cursor() {
    let c = client();
    let mut first = call(&c, Operation::ListChats, JsValue::UNDEFINED, obj(&[("limit", n(2.0))]), JsValue::UNDEFINED);
    let page = ok(answer(&mut first, 200.0, r#"{"list":[{"id":"a"},{"id":"b"}],"cardinality":5}"#));
    assert_eq!(json(&page), r#"{"items":[{"id":"a"},{"id":"b"}],"cardinality":5,"offset":0,"limit":2,"next":{"offset":2,"limit":2,"firstKey":"{\"id\":\"a\"}"}}"#);
    assert!(Array::is_array(&get(&page, "items")));

    // The cursor starts the next page; a server that ignored the offset sends the same page: it is dropped.
    let cursor = get(&page, "next");
    let mut repeat = c.call(Operation::ListChats, &JsValue::UNDEFINED, &obj(&[("limit", n(2.0))]), &JsValue::UNDEFINED, &cursor).unwrap();
    assert_eq!(repeat.url(), format!("{BASE}/chat/v1/chats?{}&limit=2,2", auth()));
    let again = ok(answer(&mut repeat, 200.0, r#"{"list":[{"id":"a"},{"id":"b"}],"cardinality":"5"}"#));
    assert_eq!(json(&again), r#"{"items":[],"cardinality":5,"offset":2,"limit":2}"#);

    // A new second page: its cursor carries this page's first item, not the first page's.
    let mut second = c.call(Operation::ListChats, &JsValue::UNDEFINED, &obj(&[("limit", n(2.0))]), &JsValue::UNDEFINED, &cursor).unwrap();
    let page = ok(answer(&mut second, 200.0, r#"{"list":[{"id":"c"},{"id":"d"}],"cardinality":5}"#));
    assert_eq!(json(&page), r#"{"items":[{"id":"c"},{"id":"d"}],"cardinality":5,"offset":2,"limit":2,"next":{"offset":4,"limit":2,"firstKey":"{\"id\":\"c\"}"}}"#);
    let bad_cursor = obj(&[("offset", n(2.0)), ("firstKey", n(1.0))]);
    let e = thrown(c.call(Operation::ListChats, &JsValue::UNDEFINED, &JsValue::UNDEFINED, &JsValue::UNDEFINED, &bad_cursor), "bad cursor");
    assert_eq!(descriptor(&e, "InvalidRequestError"), "firstKey must be a string");

    // A new page at the end of the list (the cardinality as a string is read as a number): no next cursor.
    let mut last = c.call(Operation::ListChats, &JsValue::UNDEFINED, &JsValue::UNDEFINED, &JsValue::UNDEFINED, &obj(&[("offset", n(4.0)), ("limit", n(2.0))])).unwrap();
    let end = ok(answer(&mut last, 200.0, r#"{"list":[{"id":"e"}],"cardinality":"5"}"#));
    assert_eq!(json(&end), r#"{"items":[{"id":"e"}],"cardinality":5,"offset":4,"limit":2}"#);
    assert!(get(&end, "next").is_undefined());
}

#[wasm_bindgen_test]
fn a_bare_array_is_a_page_sized_by_its_length() {
    let c = client();
    let mut feed = call(&c, Operation::GetFeed, s("c1"), JsValue::UNDEFINED, JsValue::UNDEFINED);
    let page = ok(answer(&mut feed, 200.0, r#"[{"id":1},{"id":2},{"id":3}]"#));
    assert_eq!(json(&page), r#"{"items":[{"id":1},{"id":2},{"id":3}],"offset":0,"limit":3,"next":{"offset":3,"limit":3,"firstKey":"{\"id\":1}"}}"#);
    assert!(get(&page, "cardinality").is_undefined());
    // An empty array ends the list.
    let mut empty = call(&c, Operation::ListMessages, s("c1"), JsValue::UNDEFINED, JsValue::UNDEFINED);
    assert_eq!(json(&ok(answer(&mut empty, 200.0, "[]"))), r#"{"items":[],"offset":0,"limit":0}"#);
    // Webhooks come as a list that is not paged: the array itself.
    let mut hooks = call_of(&c, Operation::ListWebhooks);
    let list = ok(answer(&mut hooks, 200.0, r#"{"list":[{"id":7}]}"#));
    assert_eq!(json(&list), r#"[{"id":7}]"#);
}

#[wasm_bindgen_test]
fn a_chat_envelope_is_unwrapped_and_an_empty_write_is_an_empty_object() {
    let c = client();
    let mut get_chat = call(&c, Operation::GetChat, s("c9"), JsValue::UNDEFINED, JsValue::UNDEFINED);
    let chat = ok(answer(&mut get_chat, 200.0, r#"{"chat":{"id":"c9","status":"open"}}"#));
    assert_eq!(json(&chat), r#"{"id":"c9","status":"open"}"#);

    let mut archive = call(&c, Operation::ArchiveChat, s("c9"), JsValue::UNDEFINED, JsValue::UNDEFINED);
    let done = ok(answer(&mut archive, 204.0, ""));
    assert!(done.is_object() && !Array::is_array(&done));
    assert_eq!(Object::keys(done.unchecked_ref::<Object>()).length(), 0);
}

#[wasm_bindgen_test]
fn a_2xx_error_body_fails_the_call() {
    let c = client();
    let mut send = call(&c, Operation::SendMessage, s("c1"), obj(&[("content", s("hi"))]), JsValue::UNDEFINED);
    let e = thrown(answer(&mut send, 200.0, r#"{"code":4003,"message":"Content too long"}"#), "2xx error body");
    let m = descriptor(&e, "InvalidRequestError");
    assert_eq!(m, "Content too long (HTTP 200, code 4003) [POST /chat/v1/chats/c1/messages]");
    assert_eq!((get(&e, "status"), get(&e, "code"), get(&e, "attempts")), (n(200.0), n(4003.0), n(1.0)));
    assert_eq!(get(&e, "mayHaveSucceeded"), JsValue::TRUE, "a write answered 2xx may have been applied");
}

#[wasm_bindgen_test]
fn a_503_returns_the_wait_before_the_next_attempt() {
    let c = client();
    let mut get_chat = call(&c, Operation::GetChat, s("c1"), JsValue::UNDEFINED, JsValue::UNDEFINED);
    let wait = ok(answer(&mut get_chat, 503.0, "Service Unavailable")).as_f64().expect("a 503 on a read returns a number");
    assert!((375.0..=500.0).contains(&wait), "first backoff with jitter: {wait}");
    let wait = ok(get_chat.answer(503.0, &header_lines(&[("retry-after", "3")]), &s(""))).as_f64().unwrap();
    assert_eq!(wait, 3000.0, "Retry-After wins");
    // Retries spent (2 by default): the third 503 ends the call.
    let e = thrown(answer(&mut get_chat, 503.0, r#"{"message":"down"}"#), "third 503");
    assert_eq!(descriptor(&e, "ServerError"), "down (HTTP 503) [GET /chat/v1/chats/c1]");
    assert_eq!((get(&e, "attempts"), get(&e, "mayHaveSucceeded")), (n(3.0), JsValue::FALSE));
    // A message is never sent twice: a 503 ends it at once.
    let mut send = call(&c, Operation::SendMessage, s("c1"), obj(&[("content", s("hi"))]), JsValue::UNDEFINED);
    let e = thrown(answer(&mut send, 503.0, ""), "503 on a send");
    descriptor(&e, "ServerError");
    assert_eq!((get(&e, "attempts"), get(&e, "mayHaveSucceeded")), (n(1.0), JsValue::TRUE));
}

#[wasm_bindgen_test]
fn a_401_throws_an_authentication_descriptor_without_the_key() {
    let c = client();
    let mut get_chat = call(&c, Operation::GetChat, s("a b"), JsValue::UNDEFINED, JsValue::UNDEFINED);
    let body = format!(r#"{{"code":4001,"message":"Invalid API key {KEY} (sent as {KEY_ENCODED})"}}"#);
    let e = thrown(answer(&mut get_chat, 401.0, &body), "401");
    let m = descriptor(&e, "AuthenticationError");
    assert_eq!(m, "Invalid API key [redacted] (sent as [redacted]) (HTTP 401, code 4001) [GET /chat/v1/chats/a%20b]");
    assert_eq!(get(&e, "status"), n(401.0));
    assert_eq!(get(&e, "code"), n(4001.0));
    assert_eq!(get(&e, "method"), s("GET"));
    assert_eq!(get(&e, "path"), s("/chat/v1/chats/a%20b"));
    assert_eq!(get(&e, "attempts"), n(1.0));
    assert_eq!(get(&e, "mayHaveSucceeded"), JsValue::FALSE);
    assert!(get(&e, "retryAfterMs").is_undefined());
    // The legacy wrapper `{ error: { code, message } }`, and a text code holding the key.
    let mut wrapped = call(&c, Operation::GetChat, s("x"), JsValue::UNDEFINED, JsValue::UNDEFINED);
    let e = thrown(answer(&mut wrapped, 403.0, &format!(r#"{{"error":{{"code":"bad {KEY}","message":"no"}}}}"#)), "403");
    descriptor(&e, "AuthenticationError");
    assert_eq!(get(&e, "code"), s("bad [redacted]"));
}

#[wasm_bindgen_test]
fn a_body_that_is_not_json_or_not_a_string_is_a_format_error() {
    let c = client();
    let mut get_chat = call(&c, Operation::GetChat, s("c1"), JsValue::UNDEFINED, no_retries());
    let e = thrown(answer(&mut get_chat, 200.0, "<html>oops</html>"), "not JSON");
    assert_eq!(descriptor(&e, "ResponseFormatError"), "The API sent a body that is not valid JSON (HTTP 200) [GET /chat/v1/chats/c1]");
    assert_eq!(get(&e, "status"), n(200.0));

    let mut wrong = call(&c, Operation::GetChat, s("c1"), JsValue::UNDEFINED, no_retries());
    let e = thrown(answer(&mut wrong, 200.0, "[1,2]"), "an array for an object");
    assert!(descriptor(&e, "ResponseFormatError").starts_with("The API sent JSON that is not an object (HTTP 200)"));

    // A text that is not a string: what fetch resolved to was not a Response. A read retries it...
    let mut retried = call(&c, Operation::GetChat, s("c1"), JsValue::UNDEFINED, JsValue::UNDEFINED);
    let wait = ok(retried.answer(200.0, "", &n(42.0)));
    assert!(wait.as_f64().is_some_and(|w| (375.0..=500.0).contains(&w)), "{wait:?}");
    // ...and with no retries left it fails.
    let mut last = call(&c, Operation::GetChat, s("c1"), JsValue::UNDEFINED, no_retries());
    let e = thrown(last.answer(200.0, "", &obj(&[])), "an object as the text");
    assert_eq!(descriptor(&e, "ResponseFormatError"), "fetch resolved to something that is not a Response [GET /chat/v1/chats/c1]");
    assert!(get(&e, "status").is_undefined());
    // So is a status outside HTTP's.
    let mut odd = call(&c, Operation::GetChat, s("c1"), JsValue::UNDEFINED, no_retries());
    descriptor(&thrown(answer(&mut odd, 99.5, "{}"), "status 99.5"), "ResponseFormatError");
}

// ---- Call::failure ----

#[wasm_bindgen_test]
fn failures_time_out_and_redact_what_was_thrown() {
    let c = client();
    let mut get_chat = call(&c, Operation::GetChat, s("c1"), JsValue::UNDEFINED, obj(&[("timeoutMs", n(250.0)), ("maxRetries", n(0.0))]));
    let e = thrown(get_chat.failure(AttemptFailureCode::TimedOut as u32, &JsValue::UNDEFINED), "timeout");
    assert_eq!(descriptor(&e, "TimeoutError"), "The attempt timed out after 250 ms [GET /chat/v1/chats/c1]");
    assert_eq!((get(&e, "attempts"), get(&e, "mayHaveSucceeded")), (n(1.0), JsValue::FALSE));

    let mut send = call(&c, Operation::SendMessage, s("c1"), obj(&[("content", s("hi"))]), JsValue::UNDEFINED);
    let e = thrown(send.failure(AttemptFailureCode::TimedOut as u32, &JsValue::UNDEFINED), "timeout of a send");
    descriptor(&e, "TimeoutError");
    assert_eq!(get(&e, "mayHaveSucceeded"), JsValue::TRUE, "a timed-out send may have been delivered");

    // A read retries a failed request: the wait is a number.
    let mut read = call(&c, Operation::GetChat, s("c1"), JsValue::UNDEFINED, obj(&[("maxRetries", n(1.0))]));
    let error = eval(&format!("new TypeError('connect ECONNREFUSED https://api.gosquared.com/?api_key={KEY_ENCODED} for {KEY}')"));
    let wait = read.failure(AttemptFailureCode::RequestFailed as u32, &error).unwrap();
    assert!((375.0..=500.0).contains(&wait), "{wait}");
    let e = thrown(read.failure(AttemptFailureCode::RequestFailed as u32, &error), "second failure");
    assert_eq!(descriptor(&e, "ConnectionError"), "The request failed: connect ECONNREFUSED https://api.gosquared.com/?api_key=[redacted] for [redacted] [GET /chat/v1/chats/c1]");
    assert_eq!(get(&e, "attempts"), n(2.0));

    // What was thrown need not be an Error: a string, or an object whose message getter throws.
    let mut odd = call(&c, Operation::GetChat, s("c1"), JsValue::UNDEFINED, no_retries());
    let e = thrown(odd.failure(AttemptFailureCode::FetchThrew as u32, &eval("{ get message() { throw new Error('x'); } }")), "odd throw");
    assert_eq!(descriptor(&e, "ConnectionError"), "fetch threw: unknown error [GET /chat/v1/chats/c1]");
    let mut none = call(&c, Operation::GetChat, s("c1"), JsValue::UNDEFINED, no_retries());
    let e = thrown(none.failure(AttemptFailureCode::NoFetch as u32, &s("ignored")), "no fetch");
    assert_eq!(descriptor(&e, "ConnectionError"), "no fetch function is available [GET /chat/v1/chats/c1]");
}

#[wasm_bindgen_test]
fn a_redirect_ends_the_call_without_a_retry() {
    let c = client();
    // Retries are allowed, and a redirect still ends the call at its first answer.
    let mut get_chat = call(&c, Operation::GetChat, s("c1"), JsValue::UNDEFINED, obj(&[("maxRetries", n(2.0))]));
    let e = thrown(answer(&mut get_chat, 302.0, ""), "302");
    assert_eq!(descriptor(&e, "ResponseFormatError"), "The API answered with a redirect (HTTP 302), which the client does not follow [GET /chat/v1/chats/c1]");
    assert_eq!((get(&e, "status"), get(&e, "attempts"), get(&e, "mayHaveSucceeded")), (n(302.0), n(1.0), JsValue::FALSE));
    // A browser's opaque redirect has no status.
    let mut send = call(&c, Operation::SendMessage, s("c1"), obj(&[("content", s("hi"))]), JsValue::UNDEFINED);
    let e = thrown(send.failure(AttemptFailureCode::Redirected as u32, &JsValue::UNDEFINED), "opaque redirect");
    assert_eq!(descriptor(&e, "ResponseFormatError"), "The API answered with a redirect, which the client does not follow [POST /chat/v1/chats/c1/messages]");
    assert!(get(&e, "status").is_undefined());
}

// ---- the client's rate-limit reading ----

#[wasm_bindgen_test]
fn the_rate_limit_getter_reads_the_last_answers_headers() {
    let c = client();
    let mut get_chat = call(&c, Operation::GetChat, s("c1"), JsValue::UNDEFINED, JsValue::UNDEFINED);
    let headers = header_lines(&[("x-ratelimit-limit", "750"), ("x-ratelimit-remaining", "12"), ("x-ratelimit-cost", "1"), ("x-ratelimit-full", "57.5")]);
    ok(get_chat.answer(200.0, &headers, &s(r#"{"id":"c1"}"#)));
    assert_eq!(json(&c.rate_limit()), r#"{"limit":750,"remaining":12,"cost":1,"fullInSeconds":57.5}"#);
    // An error answer updates it too; headers it lacks are left out.
    let mut other = call(&c, Operation::GetChat, s("c2"), JsValue::UNDEFINED, no_retries());
    let _ = other.answer(429.0, &header_lines(&[("x-ratelimit-remaining", "0"), ("retry-after", "1")]), &s(""));
    assert_eq!(json(&c.rate_limit()), r#"{"remaining":0}"#);
    // An answer without them keeps the last reading.
    let mut plain = call(&c, Operation::GetChat, s("c3"), JsValue::UNDEFINED, JsValue::UNDEFINED);
    ok(answer(&mut plain, 200.0, r#"{"id":"c3"}"#));
    assert_eq!(json(&c.rate_limit()), r#"{"remaining":0}"#);
}

#[wasm_bindgen_test]
fn a_429_carries_its_retry_after_when_it_ends_the_call() {
    let c = client();
    let mut get_chat = call(&c, Operation::GetChat, s("c1"), JsValue::UNDEFINED, no_retries());
    let e = thrown(get_chat.answer(429.0, &header_lines(&[("retry-after", "2")]), &s(r#"{"code":4002,"message":"Slow down"}"#)), "429");
    assert_eq!(descriptor(&e, "RateLimitError"), "Slow down (HTTP 429, code 4002) [GET /chat/v1/chats/c1]");
    assert_eq!(get(&e, "retryAfterMs"), n(2000.0));
}

// ---- throwIfAborted, answerHeaders, operationNames ----

#[wasm_bindgen_test]
fn throw_if_aborted_throws_the_reason_of_a_fired_signal_only() {
    let live = eval("new AbortController().signal");
    assert!(throw_if_aborted(&live).is_ok());

    let reason = eval("new Error('stopped by the caller')");
    let abort = Function::new_with_args("reason", "const c = new AbortController(); c.abort(reason); return c.signal;");
    let signal = abort.call1(&JsValue::UNDEFINED, &reason).unwrap();
    let e = thrown(throw_if_aborted(&signal), "aborted");
    assert!(Object::is(&e, &reason), "the very reason is thrown");

    let default_reason = thrown(throw_if_aborted(&eval("AbortSignal.abort()")), "aborted without a reason");
    assert_eq!(get(&default_reason, "name"), s("AbortError"));

    // A signal-like object whose getter throws becomes a typed error, not the getter's exception.
    let hostile = eval("{ get aborted() { throw new Error('sk_live+secret/KEY'); }, addEventListener() {} }");
    let e = thrown(throw_if_aborted(&hostile), "throwing getter");
    assert_eq!(descriptor(&e, "InvalidRequestError"), "could not read aborted");
    let hostile_reason = eval("{ aborted: true, get reason() { throw new Error('x'); } }");
    assert_eq!(descriptor(&thrown(throw_if_aborted(&hostile_reason), "throwing reason"), "InvalidRequestError"), "could not read reason");
}

#[wasm_bindgen_test]
fn the_answer_headers_and_operation_names_are_the_tables() {
    assert_eq!(answer_headers(), "x-ratelimit-limit\nx-ratelimit-remaining\nx-ratelimit-cost\nx-ratelimit-full\nretry-after");
    let names: Vec<String> = operation_names().iter().map(|v| v.as_string().unwrap()).collect();
    assert_eq!(
        names,
        [
            "listChats", "listArchivedChats", "getChat", "getFeed", "listMessages", "sendMessage", "addNote", "archiveChat", "unarchiveChat",
            "listWebhooks", "createWebhook", "deleteWebhook"
        ]
    );
    // The Operation enum numbers them in the same order.
    assert_eq!(names[Operation::DeleteWebhook as usize], "deleteWebhook");
    assert_eq!(names[Operation::SendMessage as usize], "sendMessage");
    assert_eq!((AttemptFailureCode::FetchThrew as u32, AttemptFailureCode::TimedOut as u32, AttemptFailureCode::NoFetch as u32), (0, 3, 5));
}

// ---- the edge items ----

#[wasm_bindgen_test]
fn person_signature_is_hmac_sha256_in_lowercase_hex() {
    // RFC 4231, test case 2.
    assert_eq!(person_signature(s("Jefe"), s("what do ya want for nothing?")).unwrap(), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    // As node:crypto computes it (tests/edge.test.mjs).
    assert_eq!(person_signature(s("secure-mode-secret"), s("email:ada@example.com")).unwrap(), "33a63e9d1514293088045c9d99fffec574235a1945d1c9e80ccc57c3b0ea91d0");
    assert_eq!(descriptor(&thrown(person_signature(n(1.0), s("p")), "number secret"), "InvalidRequestError"), "secret must be a string");
    assert_eq!(descriptor(&thrown(person_signature(s("k"), JsValue::UNDEFINED), "no person"), "InvalidRequestError"), "personId must be a string");
}

#[wasm_bindgen_test]
fn verify_webhook_secret_in_url_compares_the_query_parameter() {
    let secret = "0123456789abcdef-long";
    let verify = |url: &str, param: JsValue| verify_webhook_secret_in_url(s(url), s(secret), param).unwrap();
    assert!(verify("https://example.com/hook?secret=0123456789abcdef-long", JsValue::UNDEFINED));
    assert!(verify("https://example.com/hook?a=1&secret=0123456789abcdef%2Dlong#f", JsValue::UNDEFINED));
    assert!(!verify("https://example.com/hook?secret=0123456789abcdef-lonG", JsValue::UNDEFINED));
    assert!(!verify("https://example.com/hook", JsValue::UNDEFINED));
    assert!(verify("https://example.com/hook?token=0123456789abcdef-long", s("token")));
    assert!(!verify("https://example.com/hook?secret=0123456789abcdef-long", s("token")));
    let short = thrown(verify_webhook_secret_in_url(s("https://x/?secret=short"), s("short"), JsValue::UNDEFINED), "short secret");
    assert!(descriptor(&short, "InvalidRequestError").starts_with("the webhook secret must be at least 16 characters"));
    let empty_param = thrown(verify_webhook_secret_in_url(s("https://x/"), s(secret), s("")), "empty param");
    assert_eq!(descriptor(&empty_param, "InvalidRequestError"), "param must be a non-empty string");
    descriptor(&thrown(verify_webhook_secret_in_url(JsValue::NULL, s(secret), JsValue::UNDEFINED), "null url"), "InvalidRequestError");
}

const PAYLOAD: &str = r#"{"version":"1.0.0","message":{"id":"m1","from":"client","person_id":"email:user@example.com","content":"Hey","timestamp":1464874471279,"extra":true},"person":{"id":"p1","name":"Ben","avatar":null}}"#;

#[wasm_bindgen_test]
fn parse_chat_message_webhook_takes_text_or_an_object() {
    let from_text = parse_chat_message_webhook(s(PAYLOAD)).unwrap();
    assert_eq!(json(&from_text), PAYLOAD, "unknown fields are kept");
    let object = parse(PAYLOAD);
    let from_object = parse_chat_message_webhook(object.clone()).unwrap();
    assert!(Object::is(&from_object, &object), "an object comes back as it is");

    let bad = |body: JsValue| descriptor(&thrown(parse_chat_message_webhook(body), "bad payload"), "InvalidRequestError");
    assert_eq!(bad(s("{not json")), "Invalid chat_message webhook payload: the body is not valid JSON");
    assert_eq!(bad(s("[]")), "Invalid chat_message webhook payload: the body must be a JSON object");
    assert_eq!(bad(JsValue::NULL), "Invalid chat_message webhook payload: the body must be a JSON object");
    assert_eq!(bad(s(&PAYLOAD.replace(r#""content":"Hey","#, ""))), "Invalid chat_message webhook payload: message.content must be a string");
    assert_eq!(bad(s(&PAYLOAD.replace(r#""timestamp":1464874471279"#, r#""timestamp":"now""#))), "Invalid chat_message webhook payload: message.timestamp must be a number");
    assert!(bad(s(&PAYLOAD.replace("1.0.0", "2.0.0"))).contains("major version 2"));
    // A getter that throws inside the payload reads as a field of the wrong kind.
    let hostile = eval(&format!("(() => {{ const p = {PAYLOAD}; Object.defineProperty(p.person, 'id', {{ get() {{ throw new Error('x'); }} }}); return p; }})()"));
    assert_eq!(bad(hostile), "Invalid chat_message webhook payload: person.id must be a non-empty string");
}

fn proxy_options(extra: &[(&str, JsValue)]) -> JsValue {
    let allow: Array = ["listChats", "getFeed"].iter().map(|v| s(v)).collect();
    let o = obj(&[
        ("apiKey", s(KEY)),
        ("siteToken", s(TOKEN)),
        ("baseUrl", s("https://api.gosquared.com/")),
        ("prefix", s("/api/chat")),
        ("allow", allow.into()),
        ("authorize", function("return true").into()),
    ]);
    for (k, v) in extra {
        Reflect::set(&o, &s(k), v).unwrap();
    }
    o
}

#[wasm_bindgen_test]
fn normalize_proxy_config_checks_and_normalises_the_options() {
    let config = normalize_proxy_config(proxy_options(&[])).unwrap();
    assert_eq!(
        json(&config),
        format!(r#"{{"apiKey":"{KEY}","siteToken":"{TOKEN}","baseUrl":"https://api.gosquared.com","prefix":"/api/chat","allow":["listChats","getFeed"],"allowedOrigins":[],"timeoutMs":10000,"bodyTimeoutMs":10000,"maxBodyBytes":1048576}}"#)
    );
    let refuse = |o: JsValue| descriptor(&thrown(normalize_proxy_config(o), "proxy options"), "InvalidRequestError");
    assert!(refuse(proxy_options(&[("authorize", JsValue::UNDEFINED)])).starts_with("authorize must be a function"));
    assert!(refuse(proxy_options(&[("allow", s("listChats"))])).starts_with("allow must be an array of operation names"));
    assert!(refuse(proxy_options(&[("allow", Array::of1(&s("dropTables")).into())])).starts_with("allow names an unknown operation \"dropTables\""));
    assert_eq!(refuse(proxy_options(&[("baseUrl", s("/relative"))])), "baseUrl of a proxy must be an absolute http(s) URL");
    assert!(refuse(proxy_options(&[("authorise", JsValue::TRUE)])).starts_with("proxy options has an unknown key \"authorise\""));
    assert_eq!(refuse(proxy_options(&[("fetch", n(1.0))])), "fetch must be a function");
}

#[wasm_bindgen_test]
fn proxy_decide_forwards_allowed_routes_and_refuses_the_rest() {
    let config = normalize_proxy_config(proxy_options(&[])).unwrap();
    let none = || JsValue::NULL;
    let decide = |method: &str, path: &str, query: &str| {
        let json_type = if method == "GET" { none() } else { s("application/json") };
        proxy_decide(config.clone(), s(method), s(path), s(query), s("https://dash.example"), none(), none(), json_type, none()).unwrap()
    };

    let forward = decide("GET", "/api/chat/chat/v1/chats", "?site_token=GSN-browser&limit=0,10");
    assert_eq!(
        json(&forward),
        format!(r#"{{"forward":true,"method":"GET","url":"{BASE}/chat/v1/chats?{}&limit=0,10","operation":"listChats","body":false}}"#, auth())
    );
    // The browser may not send a key of its own: the query is rebuilt, and anything else is refused.
    let smuggled = decide("GET", "/api/chat/chat/v1/chats", "?api_key=stolen&limit=0,10");
    assert_eq!((get(&smuggled, "status"), get(&smuggled, "code")), (n(400.0), s("proxy_bad_query")));
    let feed = decide("GET", "/api/chat/chat/v1/chats/email%3Aada%40example.com/feed", "");
    assert_eq!(text_of(&feed, "url"), format!("{BASE}/chat/v1/chats/email%3Aada%40example.com/feed?{}", auth()));
    assert_eq!(text_of(&feed, "operation"), "getFeed");

    let refused = |d: &JsValue| (get(d, "forward"), get(d, "status"), get(d, "code"));
    assert_eq!(refused(&decide("POST", "/api/chat/chat/v1/chats/c1/messages", "")), (JsValue::FALSE, n(403.0), s("proxy_operation_not_allowed")));
    assert_eq!(text_of(&decide("POST", "/api/chat/chat/v1/chats/c1/messages", ""), "message"), "sendMessage is not allowed by this proxy");
    assert_eq!(refused(&decide("GET", "/elsewhere/chat/v1/chats", "")), (JsValue::FALSE, n(404.0), s("proxy_unknown_route")));
    assert_eq!(refused(&decide("PUT", "/api/chat/chat/v1/chats", "")), (JsValue::FALSE, n(405.0), s("proxy_method_not_allowed")));
    assert_eq!(refused(&decide("GET", "/api/chat/chat/v1/chats/%ZZ/feed", "")), (JsValue::FALSE, n(400.0), s("proxy_bad_id")));
    // A refusal never carries the key.
    assert!(!json(&decide("POST", "/api/chat/chat/v1/chats/c1/notes", "")).contains(KEY_ENCODED));

    // A config that is not one: a typed error.
    let e = thrown(proxy_decide(obj(&[("allow", Array::new().into())]), s("GET"), s("/"), s(""), s("https://dash.example"), none(), none(), none(), none()), "bad config");
    assert_eq!(descriptor(&e, "InvalidRequestError"), "proxy config lacks apiKey");
}
