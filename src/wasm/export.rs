//! The bulk export at the boundary: [`ExportRun`] wraps the export's state machine
//! ([`crate::export::machine::Export`]) for its JS driver (`js/export.js`). The driver asks it what to do,
//! sends each request through the client's own call path (`perform` in `js/driver.js`), feeds back what came
//! back, and writes the NDJSON text this class makes from the JS values it holds: the chats, and each page's
//! items and each failure while they are fed.

use crate::client::{call_options, Client};
use crate::convert::{self, get, get_data, json_stringify, opt_number, set};
use crate::endpoints::{Op, OPS};
use crate::error::Error;
use crate::export::machine::{Action, Chats, ChatsPage, Export, Failed, FeedPage, Options, Range, Token, WindowOptions, Write};
use crate::export::window::{Checkpoint, MAX_CHECKPOINT_CHARS};
use crate::export_plan::{self, LineKind, Tally};
use crate::call::RateLimit;
use js_sys::{Array, JsString, Object};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The builders the driver lends an export (`js/export.js`): each object or text is made by one call.
    pub type ExportHost;

    /// `{ token, operation, target, input, cursor }`: a request to start.
    #[wasm_bindgen(method)]
    fn request(this: &ExportHost, token: u32, operation: u32, target: &JsValue, input: &JsValue, cursor: &JsValue) -> JsValue;

    /// `{ token, text }`: lines to write (the summary).
    #[wasm_bindgen(method)]
    fn lines(this: &ExportHost, token: u32, text: &JsValue) -> JsValue;

    /// `{ chatsDone, chatsTotal, items, bytes, errors }`, after `type` when it is given.
    #[wasm_bindgen(method)]
    fn counts(this: &ExportHost, kind: &JsValue, chats_done: f64, chats_total: &JsValue, items: f64, bytes: f64, errors: f64) -> JsValue;

    /// `prefix + JSON.stringify(value) + "}\n"` for each value, joined; undefined when a value has no JSON text.
    #[wasm_bindgen(method, catch, js_name = splicedLines)]
    fn spliced_lines(this: &ExportHost, prefix: &JsValue, values: &JsValue) -> Result<JsValue, JsValue>;
}

const OPTION_KEYS: &[&str] =
    &["from", "to", "includeArchived", "chatIds", "concurrency", "pageSize", "onProgress", "signal", "timeoutMs", "maxRetries", "since", "resume"];

/// A chat as the export holds it.
struct HostChat {
    /// Its id as the API gave it (a string), or null when it had none; the target of its requests.
    id: JsValue,
    /// Its record: the chat from the list, or the answer of `getChat` (undefined until then).
    record: JsValue,
    /// `{"type":"item","chatId":<id>,"item":`, made with its first item lines.
    item_prefix: Option<JsString>,
}

impl HostChat {
    fn new(id: JsValue, record: JsValue) -> HostChat {
        HostChat { id, record, item_prefix: None }
    }
}

/// One export, from its checked options to its summary.
#[wasm_bindgen]
pub struct ExportRun {
    machine: Export<HostChat, JsValue>,
    budget: Rc<Cell<Option<RateLimit>>>,
    host: ExportHost,
    chat_params: JsValue,
    feed_params: JsValue,
    signal: JsValue,
    on_progress: JsValue,
    timeout_ms: u32,
    max_retries: u32,
    /// Window mode: the project the checkpoints are sealed for, the last checkpoint written, and the feed
    /// parameters once the window's `to` is fixed.
    site: String,
    last_checkpoint: Option<String>,
    window_feed: Option<(Option<i64>, JsValue)>,
    page_size: u32,
}

/// The project's site token, from the client's query (`…site_token=<encoded>`, always last).
fn site_of(auth_query: &str) -> String {
    crate::text::split_once(auth_query, "site_token=").map_or_else(String::new, |(_, site)| site.to_owned())
}

/// Reads `since` and `resume`: window mode, or none.
fn window_options(o: &JsValue, include_archived: Option<bool>, site: &str) -> Result<Option<WindowOptions>, Error> {
    let since = convert::time_value(&get(o, "since")?, "since")?;
    let resume = get(o, "resume")?;
    let resume = if resume.is_undefined() {
        None
    } else {
        if !resume.is_string() {
            return Err(Error::invalid("resume must be a checkpoint string (the value of a checkpoint line)"));
        }
        let text = convert::string_start(&resume, MAX_CHECKPOINT_CHARS as u32 + 1).unwrap_or_default();
        Some(Checkpoint::decode(&text, site)?)
    };
    if since.is_none() && resume.is_none() {
        return Ok(None);
    }
    for key in ["from", "to", "chatIds"] {
        if !get(o, key)?.is_undefined() {
            return Err(Error::invalid([key, " cannot be combined with since or resume"].concat()));
        }
    }
    if since.is_some() && resume.is_some() {
        return Err(Error::invalid("since and resume cannot be combined: a checkpoint carries its run's since"));
    }
    if let (Some(cp), Some(archived)) = (&resume, include_archived) {
        if cp.archived != archived {
            return Err(Error::invalid("includeArchived differs from the run the checkpoint belongs to"));
        }
    }
    Ok(Some(WindowOptions { since: since.unwrap_or(0), include_archived: include_archived.unwrap_or(false), resume }))
}

#[wasm_bindgen]
impl ExportRun {
    /// Checks the export's options at once (a bad one throws before any request) and sets the export up.
    #[wasm_bindgen(constructor)]
    pub fn new(client: &Client, options: JsValue, host: ExportHost) -> Result<ExportRun, JsValue> {
        let settings = client.settings();
        let o = convert::options_object(&options, "options", OPTION_KEYS)?.unwrap_or_else(|| Object::new().into());
        let page_size = opt_number(&o, "pageSize")?.map(export_plan::page_size).transpose()?.unwrap_or(crate::endpoints::MAX_LIMIT);
        let concurrency = opt_number(&o, "concurrency")?.map(export_plan::concurrency).transpose()?;
        let archived_option = match get(&o, "includeArchived")? {
            v if v.is_undefined() => None,
            v => Some(v.as_bool().ok_or_else(|| Error::invalid("includeArchived must be a boolean"))?),
        };
        let include_archived = archived_option.unwrap_or(false);
        let site = site_of(&settings.auth_query);
        let window = window_options(&o, archived_option, &site)?;
        let on_progress = get(&o, "onProgress")?;
        if !on_progress.is_undefined() && !on_progress.is_function() {
            return Err(Error::invalid("onProgress must be a function").into());
        }
        let (chat_params, feed_params) = (Object::new(), Object::new());
        for params in [&chat_params, &feed_params] {
            set(params, "limit", &JsValue::from(page_size));
            copy_defined(&o, params, "from")?;
        }
        copy_defined(&o, &feed_params, "to")?;
        crate::client::list_params(&feed_params, &JsValue::UNDEFINED)?;
        let call_keys = Object::new();
        for key in ["signal", "timeoutMs", "maxRetries"] {
            copy_defined(&o, &call_keys, key)?;
        }
        let crate::client::CallOptions { timeout_ms, max_retries, signal, .. } = call_options(&call_keys)?;
        let chats = match read_chat_ids(&get(&o, "chatIds")?)? {
            Some(_) if include_archived => return Err(Error::invalid("includeArchived cannot be combined with chatIds").into()),
            Some(ids) => Chats::Given(ids.iter().map(|id| HostChat::new(JsValue::from_str(id), JsValue::UNDEFINED)).collect()),
            None => match window {
                Some(w) => Chats::Window(w),
                None => Chats::Listed { include_archived },
            },
        };
        let concurrency = concurrency.unwrap_or(export_plan::DEFAULT_CONCURRENCY);
        Ok(ExportRun {
            machine: Export::new(Options { concurrency, page_size, chats }),
            budget: client.budget_cell(),
            host,
            // Frozen, so that the core reads each of them once for the whole export.
            chat_params: Object::freeze(&chat_params).into(),
            feed_params: Object::freeze(&feed_params).into(),
            signal,
            on_progress,
            timeout_ms: timeout_ms.unwrap_or(settings.timeout_ms),
            max_retries: max_retries.unwrap_or(settings.max_retries),
            site,
            last_checkpoint: None,
            window_feed: None,
            page_size,
        })
    }

    /// The caller's abort signal, or undefined.
    #[wasm_bindgen(getter)]
    pub fn signal(&self) -> JsValue {
        self.signal.clone()
    }

    /// The caller's progress callback, or undefined.
    #[wasm_bindgen(getter, js_name = onProgress)]
    pub fn on_progress(&self) -> JsValue {
        self.on_progress.clone()
    }

    /// Each request's timeout (the export's option, else the client's).
    #[wasm_bindgen(getter, js_name = timeoutMs)]
    pub fn timeout_ms(&self) -> u32 {
        self.timeout_ms
    }

    /// Each request's retries (the export's option, else the client's).
    #[wasm_bindgen(getter, js_name = maxRetries)]
    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// How often progress is reported while the export runs.
    #[wasm_bindgen(getter, js_name = progressIntervalMs)]
    pub fn progress_interval_ms(&self) -> f64 {
        export_plan::PROGRESS_INTERVAL_MS
    }

    /// What to do next, at `now` (epoch ms): a request to start (`{ token, operation, target, input, cursor }`),
    /// the summary to write (`{ token, text }`), a number of milliseconds to wait before asking again (unless
    /// a result comes first), undefined to wait for a result or a write, or null once the export is over and
    /// nothing is in flight.
    pub fn next(&mut self, now: f64) -> Result<JsValue, JsValue> {
        let budget = self.budget.get().unwrap_or_default();
        let (token, tally) = match self.machine.poll(now, &budget) {
            Action::Request(r) => {
                let operation = OPS.iter().position(|op| *op == r.op).unwrap_or(0) as u32;
                let id = r.chat.map_or(JsValue::UNDEFINED, |chat| chat.id.clone());
                let (target, input) = match r.op {
                    Op::GetChat => (id, JsValue::UNDEFINED),
                    Op::GetFeed => (id, self.feed_params.clone()),
                    _ => (JsValue::UNDEFINED, self.chat_params.clone()),
                };
                let cursor = r.cursor.cloned().unwrap_or(JsValue::UNDEFINED);
                let input = match r.range {
                    Some(range) if r.op == Op::GetFeed => window_feed_params(&mut self.window_feed, self.page_size, range),
                    Some(range) => window_params(self.page_size, range, true).into(),
                    None => input,
                };
                return Ok(self.host.request(r.token, operation, &target, &input, &cursor));
            }
            Action::Checkpoint(token, checkpoint) => {
                let text = checkpoint.encode(&self.site);
                let record = Object::new();
                set(&record, "type", &JsValue::from_str(LineKind::Checkpoint.as_str()));
                set(&record, "checkpoint", &JsValue::from_str(&text));
                self.last_checkpoint = Some(text);
                return match ndjson(&record) {
                    Ok(text) => Ok(self.host.lines(token, &text)),
                    Err(e) => {
                        self.machine.on_write_failed(token);
                        Err(e)
                    }
                };
            }
            Action::Summary(token, tally) => (token, tally),
            Action::Wait(ms) => return Ok(JsValue::from(ms)),
            Action::Idle => return Ok(JsValue::UNDEFINED),
            Action::Done(_) => return Ok(JsValue::NULL),
        };
        match ndjson(&self.counts(&tally, Some(LineKind::Summary))) {
            Ok(text) => Ok(self.host.lines(token, &text)),
            Err(e) => {
                self.machine.on_write_failed(token);
                Err(e)
            }
        }
    }

    /// Takes the result of worker `token`'s request: a page of chats, a chat's record, or a page of its feed.
    /// Returns the NDJSON text to write for it, or undefined; throws what kept the text from being made, which
    /// ends the export.
    pub fn result(&mut self, token: Token, value: JsValue) -> Result<JsValue, JsValue> {
        match self.machine.expecting(token) {
            Some(Op::GetFeed) => {
                let items = get_data(&value, "items");
                // The page the call handed back: `items` is an array.
                let count = items.unchecked_ref::<Array>().length();
                let next = Some(get_data(&value, "next")).filter(|next| !next.is_undefined());
                match self.machine.on_feed(token, FeedPage { items: count.into(), next }) {
                    Some(write) => self.render(token, write, &items, &JsValue::UNDEFINED),
                    None => Ok(JsValue::UNDEFINED),
                }
            }
            Some(Op::GetChat) => {
                let id = self.machine.chat(token).map_or(JsValue::NULL, |chat| chat.id.clone());
                self.machine.on_chat(token, HostChat::new(id, value));
                Ok(JsValue::UNDEFINED)
            }
            Some(_) => {
                let items = get_data(&value, "items");
                let chats: Vec<(Option<String>, HostChat)> = items.dyn_ref::<Array>().map(|items| items.iter().map(listed_chat).collect()).unwrap_or_default();
                let updated = if self.machine.watermark().is_some() { chats.iter().map(|(_, chat)| updated_time(&chat.record)).collect() } else { Vec::new() };
                let cardinality = get_data(&value, "cardinality").as_f64();
                let next = Some(get_data(&value, "next")).filter(|next| !next.is_undefined());
                if self.machine.on_chats(token, ChatsPage { chats, cardinality, next, updated }) {
                    return Ok(JsValue::UNDEFINED);
                }
                let error = Error::new(
                    crate::error::ErrorKind::ResponseFormat,
                    "the chat list gave a chat without an id or a numeric updated time, which since and resume page by",
                );
                Err(error.into())
            }
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// Takes the failure of worker `token`'s request (the call's error, or the abort reason). Returns the
    /// chat's error line to write, or undefined; throws the error back when it ends the export.
    pub fn failure(&mut self, token: Token, error: JsValue) -> Result<JsValue, JsValue> {
        let name = get(&error, "name").ok().and_then(|n| convert::string_start(&n, 64)).unwrap_or_default();
        match self.machine.on_failure(token, &name) {
            Failed::Write(write) => self.render(token, write, &JsValue::UNDEFINED, &error),
            Failed::Ends => Err(error),
            Failed::Ignored => Ok(JsValue::UNDEFINED),
        }
    }

    /// Takes the news that worker `token`'s text was written, `bytes` long (the reader had room for it).
    pub fn written(&mut self, token: Token, bytes: f64) {
        self.machine.on_written(token, bytes);
    }

    /// Stops the export: nothing new starts, and `next` says null once what is in flight has been fed back.
    pub fn stop(&mut self) {
        self.machine.stop();
    }

    /// The counts so far: `{ chatsDone, chatsTotal, items, bytes, errors }`.
    pub fn progress(&self) -> JsValue {
        self.counts(self.machine.tally(), None)
    }
}

impl ExportRun {
    /// The counts, with `type` first for the summary line.
    fn counts(&self, t: &Tally, kind: Option<LineKind>) -> JsValue {
        let kind = kind.map_or(JsValue::UNDEFINED, |kind| convert::name(kind.as_str()));
        let total = t.chats_total.map_or(JsValue::NULL, JsValue::from);
        let counts = self.host.counts(&kind, t.chats_done as f64, &total, t.items as f64, t.bytes, t.errors as f64);
        if let Some(watermark) = self.machine.watermark() {
            if let Some(o) = counts.dyn_ref::<Object>() {
                set(o, "watermark", &JsValue::from(watermark as f64));
                if kind.is_undefined() {
                    let checkpoint = self.last_checkpoint.as_deref().map_or(JsValue::NULL, JsValue::from_str);
                    set(o, "checkpoint", &checkpoint);
                }
            }
        }
        counts
    }

}
impl ExportRun {
    /// Makes the text of `write` for worker `token`'s chat from the page's `items` or the failure's `error`;
    /// lines that cannot be made end the export.
    fn render(&mut self, token: Token, write: Write, items: &JsValue, error: &JsValue) -> Result<JsValue, JsValue> {
        let text = self.lines(token, write, items, error);
        if text.is_err() {
            self.machine.on_write_failed(token);
        }
        text.map(JsValue::from)
    }

    fn lines(&mut self, token: Token, write: Write, items: &JsValue, error: &JsValue) -> Result<JsString, JsValue> {
        let repeat = self.machine.is_repeat(token);
        let host = &self.host;
        let Some(chat) = self.machine.chat_mut(token) else { return Ok(JsString::from("")) };
        let mut text: Option<JsString> = None;
        // The id's JSON, for the prefixes: made when the chat's first lines are.
        let id_json = if write.chat_line || (write.items > 0 && chat.item_prefix.is_none()) { json_stringify(&chat.id)? } else { JsValue::UNDEFINED };
        if write.chat_line && repeat {
            let record = line(LineKind::Chat, &chat.id, "chat", &chat.record);
            set(&record, "repeat", &JsValue::TRUE);
            text = Some(ndjson(&record)?);
        } else if write.chat_line {
            text = Some(spliced(host, LineKind::Chat, &prefix(LineKind::Chat, &id_json), &chat.id, &Array::of1(&chat.record))?);
        }
        if write.items > 0 {
            let prefix = chat.item_prefix.get_or_insert_with(|| prefix(LineKind::Item, &id_json));
            text = Some(append(text, spliced(host, LineKind::Item, prefix, &chat.id, items.unchecked_ref())?));
        }
        if let Some(items_written) = write.error {
            let record = line(LineKind::Error, &chat.id, "error", &error_fields(error));
            set(&record, "itemsWritten", &JsValue::from(items_written as f64));
            text = Some(append(text, ndjson(&record)?));
        }
        Ok(text.unwrap_or_else(|| JsString::from("")))
    }
}

/// `text` followed by `more`.
fn append(text: Option<JsString>, more: JsString) -> JsString {
    match text {
        Some(text) => text.concat(&more),
        None => more,
    }
}

/// A listed chat's `updated` time, when it is a whole number of milliseconds.
fn updated_time(record: &JsValue) -> Option<i64> {
    let at = if record.is_object() { get_data(record, "updated").as_f64()? } else { return None };
    (at.is_finite() && at.fract() == 0.0 && (0.0..=crate::time::MAX_EPOCH_MS).contains(&at)).then_some(at as i64)
}

/// A chat from a list page, with its id when that is a string (the key the list's repeats are found by).
fn listed_chat(chat: JsValue) -> (Option<String>, HostChat) {
    // List items are parsed JSON: reading one cannot throw, and one that is not an object has no id.
    let id = if chat.is_object() { get_data(&chat, "id") } else { JsValue::UNDEFINED };
    // An id too long to be a chat id is not copied (nor remembered); its chat's calls refuse it.
    let key = id.dyn_ref::<JsString>().filter(|id| !convert::surely_longer(id, crate::endpoints::MAX_CHAT_ID_CHARS)).and_then(|id| id.as_string());
    let id = if id.is_string() { id } else { JsValue::NULL };
    (key, HostChat::new(id, chat))
}

fn copy_defined(from: &JsValue, to: &Object, key: &str) -> Result<(), Error> {
    let value = get(from, key)?;
    if !value.is_undefined() {
        set(to, key, &value);
    }
    Ok(())
}

/// The most chat ids one export may be given.
const MAX_CHAT_IDS: usize = 100_000;
/// The most UTF-16 code units all of an export's chat ids may hold together.
const MAX_CHAT_IDS_UNITS: usize = 4_000_000;

fn read_chat_ids(v: &JsValue) -> Result<Option<Vec<String>>, Error> {
    if v.is_undefined() {
        return Ok(None);
    }
    if !Array::is_array(v) {
        return Err(Error::invalid("chatIds must be an array of chat ids"));
    }
    let ids = v.clone().unchecked_into::<Array>();
    if ids.length() as usize > MAX_CHAT_IDS {
        return Err(Error::invalid(format!("chatIds lists more than {MAX_CHAT_IDS} chats")));
    }
    // Each id is at most 1024 characters; the sum is bounded too, before anything is copied.
    let units: f64 = ids.iter().map(|id| id.dyn_ref::<JsString>().map_or(0.0, |s| f64::from(s.length()))).sum();
    if units > MAX_CHAT_IDS_UNITS as f64 {
        return Err(Error::invalid(format!("chatIds holds more than {MAX_CHAT_IDS_UNITS} characters in all")));
    }
    let ids = ids.iter().map(|id| crate::client::chat_id(&id)).collect::<Result<Vec<_>, _>>()?;
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    if let Some(twice) = export_plan::first_duplicate(&refs) {
        return Err(Error::invalid(format!("chatIds lists \"{}\" twice", crate::error::truncate(twice, 60))));
    }
    Ok(Some(ids))
}

/// One line's object: `{ type, chatId, <key>: value }`.
fn line(kind: LineKind, chat_id: &JsValue, key: &str, value: &JsValue) -> Object {
    let o = Object::new();
    set(&o, "type", &JsValue::from_str(kind.as_str()));
    set(&o, "chatId", chat_id);
    set(&o, key, value);
    o
}

/// `{"type":"<kind>","chatId":<id>,"<kind>":`, the start of a chat's lines of one kind.
fn prefix(kind: LineKind, id_json: &JsValue) -> JsString {
    let key = kind.as_str();
    JsString::from(format!("{{\"type\":\"{key}\",\"chatId\":")).concat(id_json).concat(&JsValue::from_str(&format!(",\"{key}\":")))
}

/// Lines of one kind for one chat as NDJSON (a chat line, or a feed page's item lines), each starting with
/// `prefix`, `{"type":…,"chatId":…,"<kind>":`.
///
/// The same text as stringifying each `{ type, chatId, <kind>: value }` object, but the prefix is made once
/// per chat and each value's JSON is spliced in by one call for
/// all of them, which takes far fewer calls across the boundary. Values with no JSON text (undefined, a
/// function) are written one line object at a time, which leaves that field out as `JSON.stringify` does.
fn spliced(host: &ExportHost, kind: LineKind, prefix: &JsString, chat_id: &JsValue, values: &Array) -> Result<JsString, JsValue> {
    if let Ok(text) = host.spliced_lines(prefix, values)?.dyn_into::<JsString>() {
        return Ok(text);
    }
    let key = kind.as_str();
    let close = JsValue::from_str("}\n");
    let texts = Array::new();
    for value in values.iter() {
        let json = json_stringify(&value)?;
        if json.is_string() {
            texts.push(&prefix.concat(&json).concat(&close));
        } else {
            texts.push(&json_stringify(&line(kind, chat_id, key, &value))?.unchecked_into::<JsString>().concat(&JsValue::from_str("\n")));
        }
    }
    Ok(texts.join(""))
}

/// One object as an NDJSON line, by the engine's `JSON.stringify`.
fn ndjson(value: &JsValue) -> Result<JsString, JsValue> {
    Ok(json_stringify(value)?.unchecked_into::<JsString>().concat(&JsValue::from_str("\n")))
}

/// The fields of a failure worth keeping in an error line: `{ name, message, status, code, attempts }`.
fn error_fields(error: &JsValue) -> JsValue {
    let o = Object::new();
    for key in ["name", "message", "status", "code", "attempts"] {
        if let Ok(v) = get(error, key) {
            if !v.is_undefined() {
                set(&o, key, &v);
            }
        }
    }
    if get(&o, "message").is_ok_and(|m| m.is_undefined()) {
        set(&o, "message", &JsValue::from_str("the export of this chat failed"));
    }
    o.into()
}

/// A window-mode chat list request's parameters: `{ limit, offset, from, to }`.
fn window_params(page_size: u32, range: Range, paged: bool) -> Object {
    let o = Object::new();
    set(&o, "limit", &JsValue::from(page_size));
    if paged && range.offset > 0 {
        set(&o, "offset", &JsValue::from(range.offset as f64));
    }
    set(&o, "from", &JsValue::from(range.from as f64));
    if let Some(to) = range.to {
        set(&o, "to", &JsValue::from(to as f64));
    }
    o
}

/// A window-mode feed's parameters (`{ limit, from, to }`), made once for the window and frozen.
fn window_feed_params(cache: &mut Option<(Option<i64>, JsValue)>, page_size: u32, range: Range) -> JsValue {
    if let Some((to, params)) = cache {
        if *to == range.to {
            return params.clone();
        }
    }
    let params: JsValue = Object::freeze(&window_params(page_size, range, false)).into();
    *cache = Some((range.to, params.clone()));
    params
}
