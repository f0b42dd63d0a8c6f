//! The bulk export: a few workers take chats from a lazily paged list, read each chat's feed through the
//! client's own list calls (with their retries, timeouts and pagination), pace themselves from the
//! rate-limit budget, and write NDJSON text to a sink that holds them back while the reader is behind.

use crate::bindings::{self, json_stringify, Shapes};
use crate::client::{Client, Operation};
use crate::convert::{self, get, get_data, opt_number, set};
use crate::error::Error;
use crate::export_plan::{self, LineKind, RecentIds, Tally};
use crate::rate_limit::RateLimit;
use js_sys::{Array, Function, JsString, Object, Promise};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::{AbortController, AbortSignal};

#[wasm_bindgen]
extern "C" {
    /// The JS end of an export's stream.
    pub type ExportSink;

    /// Queues NDJSON text and returns its size in bytes: a number when the reader has room for more, or a
    /// promise of it that resolves once the reader has caught up.
    #[wasm_bindgen(method, catch)]
    fn write(this: &ExportSink, text: &JsString) -> Result<JsValue, JsValue>;

    /// The signal that fires when the reader cancels the stream.
    #[wasm_bindgen(method, getter)]
    fn signal(this: &ExportSink) -> JsValue;

    /// Runs one of the client's operations (`operation` is its number) through the client's own call path.
    #[wasm_bindgen(method, catch)]
    fn request(this: &ExportSink, operation: u32, target: &JsValue, input: &JsValue, opts: &JsValue, cursor: &JsValue) -> Result<Promise, JsValue>;

    /// The builders of the objects and texts the export hands back.
    #[wasm_bindgen(method, getter)]
    fn shapes(this: &ExportSink) -> Shapes;

    /// Resolves after `ms` milliseconds, or rejects with the signal's reason as soon as it fires.
    #[wasm_bindgen(method, catch)]
    fn sleep(this: &ExportSink, ms: f64, signal: &AbortSignal) -> Result<Promise, JsValue>;
}

/// The caller's abort reason, when its signal has fired.
fn aborted_reason(signal: &AbortSignal) -> Option<JsValue> {
    signal.aborted().then(|| signal.reason())
}

const OPTION_KEYS: &[&str] =
    &["from", "to", "includeArchived", "chatIds", "concurrency", "pageSize", "onProgress", "signal", "timeoutMs", "maxRetries"];

/// Checks the export's options at once (a bad one throws before any request) and starts the export; the
/// promise resolves to the final counts once the summary line is written, or rejects with what ended it.
#[wasm_bindgen(js_name = exportChats)]
pub fn export_chats(client: &Client, options: JsValue, sink: JsValue) -> Result<Promise, JsValue> {
    let job = Job::new(client, &options, sink.unchecked_into())?;
    Ok(future_to_promise(run(Rc::new(job))))
}

/// One AbortController that stops the whole export: the caller's signal and the stream's cancel fire it,
/// and so does a failure that ends the export. The first reason is kept.
struct Halt {
    controller: AbortController,
    /// The controller's signal, looked up once.
    signal: AbortSignal,
    links: Vec<(AbortSignal, Closure<dyn FnMut()>)>,
}

impl Halt {
    fn new(sources: Vec<AbortSignal>) -> Result<Halt, Error> {
        let controller = AbortController::new().map_err(|_| Error::invalid("this runtime has no AbortController"))?;
        let mut links = Vec::new();
        for source in sources {
            if source.aborted() {
                controller.abort_with_reason(&source.reason());
                continue;
            }
            let (target, from) = (controller.clone(), source.clone());
            let on_abort = Closure::<dyn FnMut()>::new(move || target.abort_with_reason(&from.reason()));
            bindings::on_abort(&source, on_abort.as_ref().unchecked_ref());
            links.push((source, on_abort));
        }
        let signal = controller.signal();
        Ok(Halt { controller, signal, links })
    }

    fn signal(&self) -> AbortSignal {
        self.signal.clone()
    }

    fn halted(&self) -> bool {
        self.signal.aborted()
    }

    fn stop(&self, reason: &JsValue) {
        if !self.halted() {
            self.controller.abort_with_reason(reason);
        }
    }
}

impl Drop for Halt {
    fn drop(&mut self) {
        for (signal, on_abort) in &self.links {
            bindings::off_abort(signal, on_abort.as_ref().unchecked_ref());
        }
    }
}

/// A promise that other workers wait on while one of them reads the next page of chats; dropping it
/// resolves the promise, however the read ended.
struct Gate {
    promise: Promise,
    open: Option<Function>,
}

impl Gate {
    fn new() -> Gate {
        let mut open = None;
        let promise = Promise::new(&mut |resolve, _| open = Some(resolve));
        Gate { promise, open }
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        if let Some(open) = &self.open {
            let _ = open.call0(&JsValue::UNDEFINED);
        }
    }
}

/// Which list a page of chats comes from.
#[derive(Clone, Copy)]
enum Source {
    Open,
    Archived,
}

/// A chat to export: one from a list, or an id the caller gave.
enum Chat {
    Listed(JsValue),
    Given(String),
}

/// What a worker does next.
enum Next {
    Chat(Chat),
    /// Read the next page of this list from this cursor; the gate holds the other workers meanwhile.
    Fetch(Source, JsValue),
    Wait(Promise),
    Done,
}

/// The lists still to read and the chats read but not yet taken, at most a page plus one per worker.
struct Listing {
    sources: VecDeque<Source>,
    cursor: JsValue,
    queue: VecDeque<JsValue>,
    recent: RecentIds,
    reading: Option<Gate>,
}

/// Where the chats come from.
enum Chats {
    Listed(Listing),
    Given(VecDeque<String>),
}

impl Chats {
    /// Hands out the next chat, reading the next page early when fewer chats are queued than there are workers.
    fn next(&mut self, workers: usize) -> Next {
        let listing = match self {
            Chats::Given(ids) => return ids.pop_front().map_or(Next::Done, |id| Next::Chat(Chat::Given(id))),
            Chats::Listed(listing) => listing,
        };
        if listing.reading.is_none() && listing.queue.len() < workers {
            if let Some(source) = listing.sources.front() {
                listing.reading = Some(Gate::new());
                return Next::Fetch(*source, listing.cursor.clone());
            }
        }
        if let Some(chat) = listing.queue.pop_front() {
            return Next::Chat(Chat::Listed(chat));
        }
        match &listing.reading {
            Some(gate) => Next::Wait(gate.promise.clone()),
            None => Next::Done,
        }
    }

    /// Queues a page's chats (skipping ids just seen) and moves the cursor on, or to the next list.
    fn take_page(&mut self, page: &JsValue) {
        let Chats::Listed(listing) = self else { return };
        if let Ok(items) = get(page, "items") {
            for chat in items.unchecked_into::<Array>().iter() {
                // An id too long to be a chat id is not copied (nor remembered); its chat's calls refuse it.
                let id = get_data(&chat, "id").dyn_into::<JsString>().ok().filter(|id| !convert::surely_longer(id, crate::validate::MAX_CHAT_ID_CHARS)).and_then(|id| id.as_string());
                if id.is_none_or(|id| listing.recent.first_time(&id)) {
                    listing.queue.push_back(chat);
                }
            }
        }
        listing.cursor = get(page, "next").unwrap_or(JsValue::UNDEFINED);
        if listing.cursor.is_undefined() {
            listing.sources.pop_front();
        }
    }

    /// Ends the read of a page, which lets the waiting workers go on.
    fn page_read(&mut self) {
        if let Chats::Listed(listing) = self {
            listing.reading = None;
        }
    }
}

/// Everything one export shares between its workers.
struct Job {
    budget: Rc<std::cell::Cell<Option<RateLimit>>>,
    sink: ExportSink,
    on_progress: Option<Function>,
    /// The per-call options every request gets: the halt signal, the timeout and the retries.
    calls: JsValue,
    chat_params: JsValue,
    feed_params: JsValue,
    workers: u32,
    halt: Halt,
    chats: RefCell<Chats>,
    tally: RefCell<Tally>,
}

impl Job {
    fn new(client: &Client, options: &JsValue, sink: ExportSink) -> Result<Job, Error> {
        let settings = client.settings();
        let o = convert::options_object(options, "options", OPTION_KEYS)?.unwrap_or_else(|| Object::new().into());
        let page_size = opt_number(&o, "pageSize")?.map(export_plan::page_size).transpose()?.unwrap_or(crate::validate::MAX_LIMIT);
        let workers = opt_number(&o, "concurrency")?.map(export_plan::concurrency).transpose()?;
        let include_archived = match get(&o, "includeArchived")? {
            v if v.is_undefined() => false,
            v => v.as_bool().ok_or_else(|| Error::invalid("includeArchived must be a boolean"))?,
        };
        let on_progress = match get(&o, "onProgress")? {
            v if v.is_undefined() => None,
            v => Some(v.dyn_into::<Function>().map_err(|_| Error::invalid("onProgress must be a function"))?),
        };
        let (chat_params, feed_params) = (Object::new(), Object::new());
        for params in [&chat_params, &feed_params] {
            set(params, "limit", &JsValue::from(page_size));
            copy_defined(&o, params, "from")?;
        }
        copy_defined(&o, &feed_params, "to")?;
        convert::list_params(&feed_params, &JsValue::UNDEFINED)?;
        let call_keys = Object::new();
        for key in ["signal", "timeoutMs", "maxRetries"] {
            copy_defined(&o, &call_keys, key)?;
        }
        let (timeout_ms, max_retries, signal, _) = crate::client::call_options(&call_keys)?;
        let (timeout_ms, max_retries) = (timeout_ms.unwrap_or(settings.timeout_ms), max_retries.unwrap_or(settings.max_retries));
        let chats = match read_chat_ids(&get(&o, "chatIds")?)? {
            Some(_) if include_archived => return Err(Error::invalid("includeArchived cannot be combined with chatIds")),
            Some(ids) => Chats::Given(ids.into()),
            None => {
                let mut sources = VecDeque::from([Source::Open]);
                if include_archived {
                    sources.push_back(Source::Archived);
                }
                let recent = RecentIds::new(2 * page_size as usize);
                Chats::Listed(Listing { sources, cursor: JsValue::UNDEFINED, queue: VecDeque::new(), recent, reading: None })
            }
        };
        let mut tally = Tally::default();
        if let Chats::Given(ids) = &chats {
            tally.announce(Some(ids.len() as f64));
        }
        let stream_signal = sink.signal();
        let mut sources: Vec<AbortSignal> = if signal.is_object() { vec![signal.unchecked_into()] } else { Vec::new() };
        if stream_signal.is_object() {
            sources.push(stream_signal.unchecked_into());
        }
        let halt = Halt::new(sources)?;
        let calls = Object::new();
        set(&calls, "signal", &halt.signal());
        set(&calls, "timeoutMs", &JsValue::from(timeout_ms));
        set(&calls, "maxRetries", &JsValue::from(max_retries));
        Ok(Job {
            budget: client.budget_cell(),
            sink,
            on_progress,
            // Frozen, so that the core reads each of them once for the whole export.
            calls: Object::freeze(&calls).into(),
            chat_params: Object::freeze(&chat_params).into(),
            feed_params: Object::freeze(&feed_params).into(),
            workers: workers.unwrap_or(export_plan::DEFAULT_CONCURRENCY),
            halt,
            chats: RefCell::new(chats),
            tally: RefCell::new(tally),
        })
    }

    /// Ends the export with `reason`, unless it has already ended.
    fn fail(&self, reason: &JsValue) {
        self.halt.stop(reason);
    }

    /// Waits `ms` milliseconds; a halt ends the wait at once with its reason.
    async fn sleep(&self, ms: f64, signal: &AbortSignal) -> Result<(), JsValue> {
        JsFuture::from(self.sink.sleep(ms, signal)?).await.map(|_| ())
    }

    /// Waits as long as the rate-limit budget asks, then runs `operation`; a halt ends the wait at once.
    async fn call(&self, operation: Operation, target: &JsValue, input: &JsValue, cursor: &JsValue) -> Result<JsValue, JsValue> {
        let budget = self.budget.get().unwrap_or_default();
        let delay = export_plan::pace_delay_ms(&budget, self.workers);
        if delay > 0.0 {
            self.sleep(delay, &self.halt.signal).await?;
        } else if let Some(reason) = aborted_reason(&self.halt.signal) {
            return Err(reason);
        }
        JsFuture::from(self.sink.request(operation as u32, target, input, &self.calls, cursor)?).await
    }

    /// Writes `lines` as NDJSON text and counts `items` feed items; false once the export has ended.
    async fn write(&self, lines: &Array, items: u64) -> bool {
        self.write_text(ndjson(lines), items).await
    }

    /// Writes NDJSON text that holds `items` feed items; false once the export has ended.
    async fn write_text(&self, text: Result<JsString, JsValue>, items: u64) -> bool {
        let text = match text {
            Ok(text) => text,
            Err(e) => {
                self.fail(&e);
                return false;
            }
        };
        if self.halt.halted() {
            return false;
        }
        let written = match self.sink.write(&text) {
            // A promise only when the reader is behind: otherwise the export goes on without a wait.
            Ok(pending) if pending.is_instance_of::<Promise>() => JsFuture::from(pending.unchecked_into::<Promise>()).await,
            other => other,
        };
        match written {
            Ok(bytes) => {
                self.tally.borrow_mut().wrote(items, bytes.as_f64().unwrap_or(0.0));
                !self.halt.halted()
            }
            Err(e) => {
                self.fail(&e);
                false
            }
        }
    }

    /// Calls `onProgress` with the counts so far; a callback that throws ends the export with its error.
    fn report_progress(&self) {
        if let Some(on_progress) = &self.on_progress {
            let snapshot = counts(&self.tally.borrow(), None);
            if let Err(e) = on_progress.call1(&JsValue::UNDEFINED, &snapshot) {
                self.fail(&e);
            }
        }
    }
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
    let ids = ids.iter().map(|id| convert::chat_id(&id)).collect::<Result<Vec<_>, _>>()?;
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

/// Lines of one kind for one chat as NDJSON (a chat line, or a feed page's item lines): the same text as
/// stringifying each `{ type, chatId, <kind>: value }` object, but the `{"type":…,"chatId":…,"<kind>":` prefix
/// is made once and each value's JSON is spliced in by one call for all of them, which takes far fewer calls
/// across the boundary. Values with no JSON text (undefined, a function) are written one line object at a
/// time, which leaves that field out as `JSON.stringify` does.
fn spliced_lines(shapes: &Shapes, kind: LineKind, chat_id: &JsValue, id_json: &JsValue, values: &Array) -> Result<JsString, JsValue> {
    let key = kind.as_str();
    let prefix = JsString::from(format!("{{\"type\":\"{key}\",\"chatId\":")).concat(id_json).concat(&JsValue::from_str(&format!(",\"{key}\":")));
    if let Ok(text) = shapes.spliced_lines(&prefix, values)?.dyn_into::<JsString>() {
        return Ok(text);
    }
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

/// Serialises each object with the engine's `JSON.stringify`, one per line.
fn ndjson(lines: &Array) -> Result<JsString, JsValue> {
    let texts = Array::new();
    for value in lines.iter() {
        texts.push(&json_stringify(&value)?);
    }
    texts.push(&JsValue::from_str(""));
    Ok(texts.join("\n"))
}

/// The counts as `{ chatsDone, chatsTotal, items, bytes, errors }`, with `type: "summary"` for the last line.
fn counts(t: &Tally, kind: Option<LineKind>) -> JsValue {
    let o = Object::new();
    if let Some(kind) = kind {
        set(&o, "type", &JsValue::from_str(kind.as_str()));
    }
    set(&o, "chatsDone", &JsValue::from(t.chats_done as f64));
    set(&o, "chatsTotal", &t.chats_total.map_or(JsValue::NULL, JsValue::from));
    set(&o, "items", &JsValue::from(t.items as f64));
    set(&o, "bytes", &JsValue::from(t.bytes));
    set(&o, "errors", &JsValue::from(t.errors as f64));
    o.into()
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

/// Runs the workers (and the progress timer) to the end, then writes the summary line.
async fn run(job: Rc<Job>) -> Result<JsValue, JsValue> {
    let ticking = AbortController::new()?;
    let ticker = job.on_progress.is_some().then(|| future_to_promise(tick(job.clone(), ticking.signal())));
    let workers: Array = (0..job.workers).map(|_| future_to_promise(work(job.clone()))).collect();
    let _ = JsFuture::from(Promise::all(&workers)).await;
    ticking.abort();
    if let Some(ticker) = ticker {
        let _ = JsFuture::from(ticker).await;
    }
    if !job.halt.halted() {
        let summary = counts(&job.tally.borrow(), Some(LineKind::Summary));
        if job.write(&Array::of1(&summary), 0).await {
            job.report_progress();
        }
    }
    if let Some(reason) = aborted_reason(&job.halt.signal()) {
        return Err(reason);
    }
    let result = counts(&job.tally.borrow(), None);
    Ok(result)
}

/// Reports progress every [`export_plan::PROGRESS_INTERVAL_MS`] until `until` fires.
async fn tick(job: Rc<Job>, until: AbortSignal) -> Result<JsValue, JsValue> {
    while job.sleep(export_plan::PROGRESS_INTERVAL_MS, &until).await.is_ok() {
        job.report_progress();
    }
    Ok(JsValue::UNDEFINED)
}

/// One worker: takes chats and exports them until none are left or the export halts.
async fn work(job: Rc<Job>) -> Result<JsValue, JsValue> {
    while let Some(chat) = next_chat(&job).await {
        export_chat(&job, chat).await;
    }
    Ok(JsValue::UNDEFINED)
}

async fn next_chat(job: &Job) -> Option<Chat> {
    loop {
        if job.halt.halted() {
            return None;
        }
        let next = job.chats.borrow_mut().next(job.workers as usize);
        match next {
            Next::Chat(chat) => return Some(chat),
            Next::Done => return None,
            Next::Wait(gate) => {
                let _ = JsFuture::from(gate).await;
            }
            Next::Fetch(source, cursor) => read_chats(job, source, cursor).await,
        }
    }
}

/// Reads one page of a chat list into the queue; a list that fails after its retries ends the export,
/// since the chats it would have named are unknown.
async fn read_chats(job: &Job, source: Source, cursor: JsValue) {
    let first = cursor.is_undefined();
    let operation = match source {
        Source::Open => Operation::ListChats,
        Source::Archived => Operation::ListArchivedChats,
    };
    let page = job.call(operation, &JsValue::UNDEFINED, &job.chat_params, &cursor).await;
    match page {
        Ok(page) => {
            if first {
                let cardinality = get_data(&page, "cardinality").as_f64();
                job.tally.borrow_mut().announce(cardinality);
            }
            job.chats.borrow_mut().take_page(&page);
        }
        Err(e) => job.fail(&e),
    }
    job.chats.borrow_mut().page_read();
}

/// Exports one chat: its line, then its feed page by page; a failure after retries becomes an error line.
async fn export_chat(job: &Job, chat: Chat) {
    let (id, chat) = match chat {
        Chat::Listed(chat) => (Some(get_data(&chat, "id")).filter(JsValue::is_string).unwrap_or(JsValue::NULL), chat),
        Chat::Given(id) => {
            let id = JsValue::from_str(&id);
            match job.call(Operation::GetChat, &id, &JsValue::UNDEFINED, &JsValue::UNDEFINED).await {
                Ok(chat) => (id, chat),
                Err(e) => return chat_failed(job, &id, &e, 0, None).await,
            }
        }
    };
    // The chat's line goes out with its first page of items (or its error line): one write instead of two.
    let shapes = job.sink.shapes();
    let id_json = match json_stringify(&id) {
        Ok(json) => json,
        Err(e) => return job.fail(&e),
    };
    let mut chat_line = match spliced_lines(&shapes, LineKind::Chat, &id, &id_json, &Array::of1(&chat)) {
        Ok(text) => Some(text),
        Err(e) => return job.fail(&e),
    };
    let mut cursor = JsValue::UNDEFINED;
    let mut written = 0u64;
    loop {
        let page = match job.call(Operation::GetFeed, &id, &job.feed_params, &cursor).await {
            Ok(page) => page,
            Err(e) => return chat_failed(job, &id, &e, written, chat_line.take()).await,
        };
        let items = get_data(&page, "items").unchecked_into::<Array>();
        let count = u64::from(items.length());
        let text = match (chat_line.take(), count) {
            (first, 0) => first.map(Ok),
            (None, _) => Some(spliced_lines(&shapes, LineKind::Item, &id, &id_json, &items)),
            (Some(first), _) => Some(spliced_lines(&shapes, LineKind::Item, &id, &id_json, &items).map(|lines| first.concat(&lines))),
        };
        if let Some(text) = text {
            if !job.write_text(text, count).await {
                return;
            }
        }
        written += count;
        cursor = get_data(&page, "next");
        if cursor.is_undefined() {
            break;
        }
    }
    job.tally.borrow_mut().chat_done(false);
}

/// Writes a chat's error line (after its chat line, when that is still to be written), unless the export
/// has halted or the failure ends it.
async fn chat_failed(job: &Job, id: &JsValue, error: &JsValue, items_written: u64, chat_line: Option<JsString>) {
    if job.halt.halted() {
        return;
    }
    let name = get(error, "name").ok().and_then(|n| convert::string_start(&n, 64)).unwrap_or_default();
    if export_plan::ends_export(&name) {
        return job.fail(error);
    }
    let record = line(LineKind::Error, id, "error", &error_fields(error));
    set(&record, "itemsWritten", &JsValue::from(items_written as f64));
    let text = ndjson(&Array::of1(&record)).map(|error_line| match chat_line {
        Some(first) => first.concat(&error_line),
        None => error_line,
    });
    if job.write_text(text, 0).await {
        job.tally.borrow_mut().chat_done(true);
    }
}
