//! The live inbox at the boundary: [`WatchHandle`] checks `watch(options)`, reads the facts the machine
//! needs (ids, times) out of the JS bodies, keeps the bodies themselves as JS objects, and builds the events
//! handed out. `js/watch.js` does the sending, waiting and yielding.

use crate::client::{call_options, Client, Operation};
use crate::convert::{self, get, get_data, opt_number, options_object, set};
use crate::error::{Error, ErrorKind};
use crate::call::RateLimit;
use crate::endpoints;
use crate::watch::cursor::{Cursor, Mark, MAX_CURSOR_CHATS, MAX_MARK_IDS};
use crate::watch::machine::{Action, ChatFact, Event, ItemFact, ItemKind, List, Request, Settings, Start, Verdict, Watch};
use crate::watch::pace::{MAX_INTERVAL_MS, MIN_INTERVAL_MS};
use js_sys::{Array, JsString, Object};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

const OPTION_KEYS: &[&str] = &["since", "intervalMs", "archived", "pageSize", "relay", "signal", "timeoutMs", "maxRetries", "headers"];
const RELAY_KEYS: &[&str] = &["url", "intervalMs", "WebSocket"];
/// The rest between polls while a relay is connected, when none is given: pushes wake the watch sooner.
const DEFAULT_RELAY_INTERVAL_MS: f64 = 60_000.0;
// The refusals of an interval outside MIN_INTERVAL_MS..=MAX_INTERVAL_MS write the bounds out: formatting the two
// `f64` constants would bring the float formatter (about 14 KB) into the module.
/// The options a watch passes on to each of its calls.
const PER_CALL_KEYS: [&str; 3] = ["timeoutMs", "maxRetries", "headers"];
const CURSOR_KEYS: &[&str] = &["v", "watermark", "chats"];
const MARK_KEYS: &[&str] = &["id", "at", "ids", "announced", "read"];
/// The version a cursor carries, so that a future layout can tell an old one apart.
const CURSOR_VERSION: f64 = 1.0;

/// A watch, from `watch(options)` to its end; the driver frees it then.
#[wasm_bindgen(js_name = Watch)]
pub struct WatchHandle {
    machine: Watch,
    budget: Rc<Cell<Option<RateLimit>>>,
    /// The caller's signal, checked.
    signal: JsValue,
    /// `{ timeoutMs, maxRetries, headers }` as given (checked), for each call.
    per_call: JsValue,
    /// `{ url, intervalMs, WebSocket }` (checked, frozen), or undefined without a relay.
    relay: JsValue,
    /// The interval while no relay is connected.
    interval_ms: f64,
    /// The bodies of this poll's chats, at the positions the machine gives them.
    chats: Vec<JsValue>,
    /// The feed items of the chat being read, in the order they came.
    items: Vec<JsValue>,
    /// The `next` cursor of the last page, for the request of the page after it.
    next: JsValue,
}

#[wasm_bindgen(js_class = Watch)]
impl WatchHandle {
    /// Checks the options (a bad one throws before any request) and starts a watch on `client`.
    #[wasm_bindgen(constructor)]
    pub fn new(client: &Client, options: JsValue) -> Result<WatchHandle, JsValue> {
        let o = options_object(&options, "options", OPTION_KEYS)?;
        let mut settings = Settings::default();
        let mut start = Start::Now;
        let mut signal = JsValue::UNDEFINED;
        let mut relay = JsValue::UNDEFINED;
        let per_call = Object::new();
        if let Some(o) = &o {
            if let Some(ms) = opt_number(o, "intervalMs")? {
                if !ms.is_finite() || ms.fract() != 0.0 || !(MIN_INTERVAL_MS..=MAX_INTERVAL_MS).contains(&ms) {
                    return Err(Error::invalid("intervalMs must be an integer from 10 to 600000").into());
                }
                settings.interval_ms = ms;
            }
            let archived = get(o, "archived")?;
            if !archived.is_undefined() {
                settings.archived = archived.as_bool().ok_or_else(|| Error::invalid("archived must be a boolean"))?;
            }
            if let Some(n) = opt_number(o, "pageSize")? {
                settings.page_size = endpoints::limit(n).map_err(|_| Error::invalid("pageSize must be an integer from 1 to 250"))?;
            }
            start = read_since(&get(o, "since")?)?;
            relay = read_relay(&get(o, "relay")?)?;
            for key in PER_CALL_KEYS {
                let value = get(o, key)?;
                if !value.is_undefined() {
                    set(&per_call, key, &value);
                }
            }
            let checked = Object::assign(&Object::new(), &per_call);
            set(&checked, "signal", &get(o, "signal")?);
            signal = call_options(&checked.into())?.signal;
        }
        Ok(WatchHandle {
            machine: Watch::new(settings, start, js_sys::Date::now()),
            budget: client.budget_cell(),
            signal,
            per_call: Object::freeze(&per_call).into(),
            relay,
            interval_ms: settings.interval_ms,
            chats: Vec::new(),
            items: Vec::new(),
            next: JsValue::UNDEFINED,
        })
    }

    /// The caller's abort signal, or undefined.
    #[wasm_bindgen(getter)]
    pub fn signal(&self) -> JsValue {
        self.signal.clone()
    }

    /// `{ timeoutMs, maxRetries, headers }` as the watch was given them (frozen), for each of its calls.
    #[wasm_bindgen(getter, js_name = callOptions)]
    pub fn call_options(&self) -> JsValue {
        self.per_call.clone()
    }

    /// `{ url, intervalMs, WebSocket }`: the relay to connect to (checked), or undefined.
    #[wasm_bindgen(getter)]
    pub fn relay(&self) -> JsValue {
        self.relay.clone()
    }

    /// A relay pushed something: the watch polls soon (see [`Watch::wake`]).
    pub fn wake(&mut self, now: f64) {
        self.machine.wake(now);
    }

    /// Whether a relay is connected: its interval while it is, the watch's own while it is not.
    #[wasm_bindgen(js_name = relayConnected)]
    pub fn relay_connected(&mut self, connected: bool) {
        let relay_interval = get_data(&self.relay, "intervalMs").as_f64();
        let interval = match (connected, relay_interval) {
            (true, Some(ms)) => ms,
            _ => self.interval_ms,
        };
        self.machine.set_interval(interval);
    }

    /// What to do next: a number of milliseconds to wait; a request `{ operation, target, input, cursor }`
    /// to run through the client's call path and answer with [`WatchHandle::page`] or
    /// [`WatchHandle::failed`]; an event to hand out (it has a `type`); or `null` once the watch has ended.
    pub fn step(&mut self, now: f64) -> JsValue {
        let budget = self.budget.get();
        match self.machine.poll(now, budget.as_ref()) {
            Action::Wait(ms) => JsValue::from(ms as f64),
            Action::Stop => JsValue::NULL,
            Action::Request(request) => self.request(&request),
            Action::Emit(event) => self.event(event),
        }
    }

    /// Takes the page a request resolved to.
    pub fn page(&mut self, page: &JsValue, now: f64) {
        let items = get_data(page, "items");
        let items: Array = if Array::is_array(&items) { items.unchecked_into() } else { Array::new() };
        self.next = get_data(page, "next");
        let has_next = !self.next.is_undefined();
        if self.reading_feed() {
            let facts = items.iter().map(|item| item_fact(&item)).collect();
            self.items.extend(items.iter());
            self.machine.on_feed(facts, has_next);
            return;
        }
        let facts: Vec<ChatFact> = items.iter().map(|chat| chat_fact(&chat)).collect();
        let slots = self.machine.on_chats(&facts, has_next, now);
        for (slot, chat) in slots.into_iter().zip(items.iter()) {
            match slot {
                Some(at) if at < self.chats.len() => {
                    if let Some(kept) = self.chats.get_mut(at) {
                        *kept = chat;
                    }
                }
                Some(_) => self.chats.push(chat),
                None => {}
            }
        }
    }

    /// Takes the error a request failed with; returns true when it ends the watch.
    pub fn failed(&mut self, error: &JsValue, now: f64) -> bool {
        let name = get(error, "name").ok().and_then(|n| convert::string_start(&n, 64));
        let kind = name.as_deref().and_then(error_kind);
        let retry_after = get(error, "retryAfterMs").ok().and_then(|v| v.as_f64());
        self.machine.on_failure(kind, retry_after, now, js_sys::Math::random()) == Verdict::Fatal
    }

    /// Where the watch stands, as a JSON-ready object `{ v, watermark, chats }` that `watch({ since })`
    /// resumes from; undefined until the watch knows where it starts.
    #[wasm_bindgen(getter)]
    pub fn cursor(&self) -> JsValue {
        let Some(cursor) = self.machine.cursor() else { return JsValue::UNDEFINED };
        let out = Object::new();
        set(&out, "v", &JsValue::from(CURSOR_VERSION));
        set(&out, "watermark", &JsValue::from(cursor.watermark as f64));
        let chats = Array::new();
        for (id, mark) in cursor.marks.iter() {
            let entry = Object::new();
            set(&entry, "id", &JsValue::from_str(id));
            if let Some((at, ids)) = &mark.at {
                set(&entry, "at", &JsValue::from(*at as f64));
                set(&entry, "ids", &ids.iter().map(|i| JsValue::from_str(i)).collect::<Array>());
            }
            if let Some(t) = mark.announced {
                set(&entry, "announced", &JsValue::from(t as f64));
            }
            if let Some(t) = mark.read {
                set(&entry, "read", &JsValue::from(t as f64));
            }
            chats.push(&entry);
        }
        set(&out, "chats", &chats);
        out.into()
    }

    /// `{ polls, requests, events, failures, restMs }`: what the watch has done so far.
    #[wasm_bindgen(getter)]
    pub fn stats(&self) -> JsValue {
        let s = self.machine.stats();
        let out = Object::new();
        set(&out, "polls", &JsValue::from(s.polls as f64));
        set(&out, "requests", &JsValue::from(s.requests as f64));
        set(&out, "events", &JsValue::from(s.events as f64));
        set(&out, "failures", &JsValue::from(s.failures as f64));
        set(&out, "restMs", &JsValue::from(s.rest_ms));
        out.into()
    }
}

impl WatchHandle {
    fn reading_feed(&self) -> bool {
        self.machine.reading_feed()
    }

    fn request(&mut self, request: &Request) -> JsValue {
        let out = Object::new();
        let input = Object::new();
        let (operation, target, limit, from, more) = match request {
            Request::Chats { list, from, limit, more } => {
                if *list == List::Open && !more {
                    // A new poll (or the start): the last poll's chats are done with.
                    self.chats.clear();
                }
                let op = match list {
                    List::Open => Operation::ListChats,
                    List::Archived => Operation::ListArchivedChats,
                };
                (op, JsValue::UNDEFINED, *limit, *from, *more)
            }
            Request::Feed { chat, from, limit, more } => {
                if !more {
                    self.items.clear();
                }
                let id = self.machine.chat(*chat).map_or(JsValue::UNDEFINED, |(id, _)| JsValue::from_str(id));
                (Operation::GetFeed, id, *limit, Some(*from), *more)
            }
        };
        set(&out, "operation", &JsValue::from(operation as u32));
        set(&out, "target", &target);
        set(&input, "limit", &JsValue::from(limit));
        if let Some(from) = from {
            set(&input, "from", &JsValue::from(from as f64));
        }
        set(&out, "input", &input);
        set(&out, "cursor", &if more { self.next.clone() } else { JsValue::UNDEFINED });
        out.into()
    }

    fn event(&self, event: Event) -> JsValue {
        let out = Object::new();
        match event {
            Event::Chat { chat } => {
                let (id, list) = self.machine.chat(chat).unwrap_or(("", List::Open));
                set(&out, "type", &convert::name("chat"));
                set(&out, "chatId", &JsValue::from_str(id));
                set(&out, "chat", self.chats.get(chat).unwrap_or(&JsValue::UNDEFINED));
                set(&out, "archived", &JsValue::from(list == List::Archived));
            }
            Event::Message { chat, item } => {
                let id = self.machine.chat(chat).map_or("", |(id, _)| id);
                set(&out, "type", &convert::name("message"));
                set(&out, "chatId", &JsValue::from_str(id));
                set(&out, "message", self.items.get(item).unwrap_or(&JsValue::UNDEFINED));
            }
        }
        out.into()
    }
}

/// The error class a call failed with, by its name.
fn error_kind(name: &str) -> Option<ErrorKind> {
    [
        ErrorKind::Api,
        ErrorKind::Authentication,
        ErrorKind::NotFound,
        ErrorKind::RateLimit,
        ErrorKind::InvalidRequest,
        ErrorKind::Server,
        ErrorKind::Connection,
        ErrorKind::Timeout,
        ErrorKind::ResponseFormat,
    ]
    .into_iter()
    .find(|kind| kind.name() == name)
}

/// A time in a body: epoch ms as a number or numeric string, or an ISO 8601 string.
fn body_time(v: &JsValue) -> Option<i64> {
    let ms = match v.as_f64() {
        Some(n) => n,
        None => {
            // Only the start is copied: no time is longer.
            let text = convert::string_start(v, 64)?;
            let text = text.trim();
            match crate::number::parse_decimal(text) {
                Some(n) => n,
                None => return crate::time::parse_iso(text),
            }
        }
    };
    (0.0..=crate::time::MAX_EPOCH_MS).contains(&ms).then(|| ms.round() as i64)
}

/// An id in a body: a non-empty string, or a number written as one.
fn body_id(v: &JsValue) -> Option<String> {
    match v.as_string() {
        Some(s) if !s.is_empty() => Some(s),
        Some(_) => None,
        None => v.as_f64().filter(|n| n.is_finite()).map(crate::number::integer_text),
    }
}

/// A listed chat's id and activity: `updated`, else its latest message's time.
fn chat_fact(chat: &JsValue) -> ChatFact {
    if !convert::is_plain_object(chat) {
        return ChatFact::default();
    }
    let id = get_data(chat, "id").as_string().filter(|id| endpoints::chat_id(id).is_ok());
    let activity = body_time(&get_data(chat, "updated")).or_else(|| {
        let latest = get_data(chat, "latest");
        let message = if latest.is_object() { get_data(&latest, "message") } else { JsValue::UNDEFINED };
        if message.is_object() {
            body_time(&get_data(&message, "timestamp"))
        } else {
            None
        }
    });
    ChatFact { id, activity }
}

/// A feed item's id, time and kind: a message (or note) when its `type` says so, or, without a `type`,
/// when it has a `content` string.
fn item_fact(item: &JsValue) -> ItemFact {
    if !convert::is_plain_object(item) {
        return ItemFact { id: None, time: None, kind: ItemKind::Other };
    }
    let kind = match convert::string_start(&get_data(item, "type"), 64).as_deref() {
        Some("message") => ItemKind::Message,
        Some(_) => ItemKind::Other,
        None if get_data(item, "content").is_string() => ItemKind::Message,
        None => ItemKind::Other,
    };
    ItemFact { id: body_id(&get_data(item, "id")), time: body_time(&get_data(item, "timestamp")), kind }
}

/// The most item ids a cursor may hold in all.
const MAX_CURSOR_IDS: usize = 100_000;
/// The most UTF-16 code units a cursor's item ids may hold in all.
const MAX_CURSOR_ID_UNITS: usize = 4_000_000;

/// Reads `since`: nothing (start now), a time (a Date, an ISO 8601 string or epoch ms), or a cursor.
fn read_since(v: &JsValue) -> Result<Start, Error> {
    if v.is_undefined() || v.is_null() {
        return Ok(Start::Now);
    }
    let is_date = convert::is_plain_object(v) && get(v, "getTime")?.is_function();
    if !convert::is_plain_object(v) || is_date {
        let at = convert::time_value(v, "since")?;
        return at.map(Start::At).ok_or_else(|| Error::invalid("since must be a cursor, a Date, an ISO 8601 string or epoch milliseconds"));
    }
    let bad = |why: &str| Error::invalid(["since is not a cursor of this client: ", why].concat());
    let o = options_object(v, "since", CURSOR_KEYS)?.ok_or_else(|| bad("not an object"))?;
    if opt_number(&o, "v")? != Some(CURSOR_VERSION) {
        return Err(bad("its v must be 1"));
    }
    let watermark = cursor_time(&get(&o, "watermark")?, "watermark")?.ok_or_else(|| bad("the watermark is missing"))?;
    let chats = get(&o, "chats")?;
    if !Array::is_array(&chats) {
        return Err(bad("chats must be an array"));
    }
    let chats: Array = chats.unchecked_into();
    if chats.length() as usize > MAX_CURSOR_CHATS {
        return Err(bad("it holds too many chats"));
    }
    let mut marks = Vec::with_capacity(chats.length() as usize);
    // The ids are measured before they are copied, one by one and all together.
    let (mut id_count, mut id_units) = (0usize, 0usize);
    for entry in chats.iter() {
        let e = options_object(&entry, "a cursor's chat", MARK_KEYS)?.ok_or_else(|| bad("a chat is not an object"))?;
        let id = crate::client::chat_id(&get(&e, "id")?).map_err(|_| bad("a chat's id is not a chat id"))?;
        let at = cursor_time(&get(&e, "at")?, "at")?;
        let ids = get(&e, "ids")?;
        let at = match (at, ids.is_undefined()) {
            (None, true) => None,
            (Some(at), false) if Array::is_array(&ids) => {
                let ids: Array = ids.unchecked_into();
                if ids.length() as usize > MAX_MARK_IDS {
                    return Err(bad("a chat holds too many ids"));
                }
                let mut read = Vec::with_capacity(ids.length() as usize);
                for i in ids.iter() {
                    let text = i.dyn_ref::<JsString>().ok_or_else(|| bad("an id is not a string"))?;
                    id_count += 1;
                    id_units += text.length() as usize;
                    if convert::surely_longer(text, endpoints::MAX_CHAT_ID_CHARS) || id_count > MAX_CURSOR_IDS || id_units > MAX_CURSOR_ID_UNITS {
                        return Err(bad("its ids are too many or too long"));
                    }
                    read.push(String::from(text));
                }
                let ids = read;
                Some((at, ids))
            }
            _ => return Err(bad("a chat's at and ids go together")),
        };
        let mark = Mark { at, announced: cursor_time(&get(&e, "announced")?, "announced")?, read: cursor_time(&get(&e, "read")?, "read")? };
        marks.push((id, mark));
    }
    Ok(Start::Resume(Cursor::new(watermark, marks)?))
}

/// An optional time in a cursor: an integer number of epoch milliseconds.
fn cursor_time(v: &JsValue, name: &str) -> Result<Option<i64>, Error> {
    if v.is_undefined() {
        return Ok(None);
    }
    let n = v.as_f64().ok_or_else(|| Error::invalid(["since is not a cursor of this client: ", name, " must be a number"].concat()))?;
    endpoints::epoch_ms(name, n).map(Some).map_err(|_| Error::invalid(["since is not a cursor of this client: ", name, " is not a time"].concat()))
}

/// Reads `relay`: `{ url, intervalMs?, WebSocket? }`, a `ws:`/`wss:` URL whose pushes wake the watch.
fn read_relay(v: &JsValue) -> Result<JsValue, Error> {
    if v.is_undefined() {
        return Ok(JsValue::UNDEFINED);
    }
    let o = options_object(v, "relay", RELAY_KEYS)?.ok_or_else(|| Error::invalid("relay must be an object { url, intervalMs?, WebSocket? }"))?;
    let url = convert::opt_string(&o, "url")?.ok_or_else(|| Error::invalid("relay.url must be a ws: or wss: URL"))?;
    let lower = url.to_ascii_lowercase();
    let scheme_ok = lower.starts_with("ws://") || lower.starts_with("wss://");
    if !scheme_ok || url.len() > 2048 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid("relay.url must be a ws: or wss: URL"));
    }
    let interval = match opt_number(&o, "intervalMs")? {
        Some(ms) if ms.is_finite() && ms.fract() == 0.0 && (MIN_INTERVAL_MS..=MAX_INTERVAL_MS).contains(&ms) => ms,
        Some(_) => return Err(Error::invalid("relay.intervalMs must be an integer from 10 to 600000")),
        None => DEFAULT_RELAY_INTERVAL_MS,
    };
    let mut socket = get(&o, "WebSocket")?;
    if socket.is_undefined() {
        socket = js_sys::Reflect::get(&crate::convert::global(), &JsValue::from_str("WebSocket")).unwrap_or(JsValue::UNDEFINED);
        if !socket.is_function() {
            return Err(Error::invalid("this runtime has no WebSocket; pass relay.WebSocket"));
        }
    } else if !socket.is_function() {
        return Err(Error::invalid("relay.WebSocket must be a WebSocket constructor"));
    }
    let out = Object::new();
    set(&out, "url", &JsValue::from_str(&url));
    set(&out, "intervalMs", &JsValue::from(interval));
    set(&out, "WebSocket", &socket);
    Ok(Object::freeze(&out).into())
}
