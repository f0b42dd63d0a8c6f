//! The boundary of exactly-once sends ([`crate::call::reconcile`] decides): the `reconcile` and
//! `idempotencyStore` client options, the `reconcile` and `idempotencyKey` call options, a checked send's
//! state at the boundary ([`Checked`]: what it compares listed items with, the values it may resolve with),
//! the methods the driver runs a checked send with, and the in-memory idempotency store.
//!
//! Listed items are compared where they are: their `content` and `from` with `===` against JS strings made
//! once from what is sent, so no item's text is copied into wasm memory.

use crate::call::idempotency::{self, BoundedMap, MEMORY_KEYS, RECORD_VERSION};
use crate::call::machine::Step;
use crate::call::reconcile::{Action, Failure, Flow, ItemFacts, Record, Resolution, PAGE_SIZE};
use crate::client::{cause_chain, CallHandle, Operation};
use crate::convert::{self, get, get_data, is_plain_object, set};
use crate::endpoints::{Args, Op};
use crate::error::{Error, ErrorKind};
use crate::endpoints::Sender;
use js_sys::{Array, JsString, Object};
use std::cell::OnceCell;
use wasm_bindgen::prelude::*;

/// A client's settings for sends: checked by default or not, and the idempotency store it was given.
pub struct SendSettings {
    /// Whether sends are checked when a call does not say.
    pub(crate) reconcile: bool,
    /// The caller's store, or undefined.
    store: JsValue,
    /// The in-memory store, made on the first use of a key when no store was given.
    memory: OnceCell<JsValue>,
}

impl SendSettings {
    /// Reads `reconcile` and `idempotencyStore` from the client's options.
    pub fn read(options: &JsValue) -> Result<SendSettings, Error> {
        let reconcile = optional_bool(convert::opt_value(options, "reconcile")?.as_ref(), "reconcile")?.unwrap_or(false);
        let store = get(options, "idempotencyStore")?;
        if !store.is_undefined() {
            let is_store = is_plain_object(&store) && get(&store, "get")?.is_function() && get(&store, "set")?.is_function();
            if !is_store {
                return Err(Error::invalid("idempotencyStore must be an object with get(key) and set(key, value) functions"));
            }
        }
        Ok(SendSettings { reconcile, store, memory: OnceCell::new() })
    }

    fn store(&self) -> JsValue {
        if !self.store.is_undefined() {
            return self.store.clone();
        }
        self.memory.get_or_init(|| MemoryStore { entries: BoundedMap::new(MEMORY_KEYS) }.into()).clone()
    }

    /// A checked send's state when the call is one (a send with `reconcile` or an `idempotencyKey`), after
    /// checking those options; they are refused on every other operation. `Client::call` does not ask for a
    /// call with neither option on a client that does not reconcile by default: the answer would be None.
    pub fn checked(&self, op: Op, target: &JsValue, args: &Args, opts: &JsValue, reconcile: Option<&JsValue>, key: Option<&JsValue>) -> Result<Option<Box<Checked>>, Error> {
        // `opts` has been read by `call_options`, which hands over these two as given, when given.
        let (reconcile, key) = (optional_bool(reconcile, "reconcile")?, optional_key(key)?);
        let sends = matches!(op, Op::SendMessage | Op::AddNote);
        if !sends {
            if reconcile.is_some() || key.is_some() {
                return Err(Error::invalid("reconcile and idempotencyKey apply only to sendMessage and addNote"));
            }
            return Ok(None);
        }
        if key.is_some() && reconcile == Some(false) {
            return Err(Error::invalid("idempotencyKey implies reconcile: it cannot be combined with reconcile: false"));
        }
        if key.is_none() && !reconcile.unwrap_or(self.reconcile) {
            return Ok(None);
        }
        let Args::Content(content, from) = args else { return Ok(None) };
        let sender = match op {
            Op::SendMessage => Some(from.unwrap_or(Sender::Agent)),
            _ => None,
        };
        let (fingerprint, store) = match &key {
            Some(_) => (Some(idempotency::fingerprint(op, &crate::client::chat_id(target)?, sender, content)), self.store()),
            None => (None, JsValue::UNDEFINED),
        };
        let params = Object::new();
        set(&params, "limit", &JsValue::from(PAGE_SIZE));
        Ok(Some(Box::new(Checked {
            flow: Flow::new(fingerprint.clone()),
            fingerprint: fingerprint.unwrap_or_default(),
            list: if op == Op::AddNote { Operation::GetFeed } else { Operation::ListMessages },
            content: JsValue::from_str(content),
            sender: sender.map(|s| convert::name(s.as_str())),
            key: key.map_or(JsValue::UNDEFINED, |k| JsValue::from_str(&k)),
            store,
            params: Object::freeze(&params).into(),
            read_options: read_options(opts)?,
            cursor: JsValue::UNDEFINED,
            identical: Vec::new(),
            sent: JsValue::UNDEFINED,
            recorded: JsValue::UNDEFINED,
            read_error: JsValue::UNDEFINED,
            arg: JsValue::UNDEFINED,
        })))
    }
}

/// The longest fingerprint read back from a store: this client writes 64 hex digits.
const MAX_FINGERPRINT_UNITS: u32 = 256;

fn optional_bool(v: Option<&JsValue>, key: &str) -> Result<Option<bool>, Error> {
    let Some(v) = v else { return Ok(None) };
    v.as_bool().map(Some).ok_or_else(|| Error::invalid([key, " must be a boolean"].concat()))
}

fn optional_key(v: Option<&JsValue>) -> Result<Option<String>, Error> {
    let Some(v) = v else { return Ok(None) };
    if !v.is_string() {
        return Err(Error::invalid("idempotencyKey must be a string"));
    }
    let key = convert::string_within(v, "idempotencyKey", idempotency::MAX_KEY_CHARS)?;
    idempotency::key(&key)?;
    Ok(Some(key))
}

/// The options of the counting reads: the send's own signal, timeout, retries and headers.
fn read_options(opts: &JsValue) -> Result<JsValue, Error> {
    if !is_plain_object(opts) {
        return Ok(JsValue::UNDEFINED);
    }
    let o = Object::new();
    for key in ["signal", "timeoutMs", "maxRetries", "headers"] {
        let v = get(opts, key)?;
        if !v.is_undefined() {
            set(&o, key, &v);
        }
    }
    Ok(o.into())
}

/// A checked send at the boundary.
pub struct Checked {
    flow: Flow,
    /// The send's fingerprint, written into its records (empty without a key).
    fingerprint: String,
    /// The list that is counted: the messages, or the feed for a note.
    list: Operation,
    /// What is sent, as JS strings, to compare listed items with.
    content: JsValue,
    sender: Option<JsValue>,
    key: JsValue,
    store: JsValue,
    /// `{ limit: 250 }`, frozen.
    params: JsValue,
    read_options: JsValue,
    /// The cursor of the next page of the count under way.
    cursor: JsValue,
    /// The identical items of the count under way (or of the last one), in list order.
    identical: Vec<JsValue>,
    /// The send's own answer.
    sent: JsValue,
    /// The message of a `done` record.
    recorded: JsValue,
    /// The error the last read failed with.
    read_error: JsValue,
    /// The argument of the last action.
    arg: JsValue,
}

impl Checked {
    /// The value a resolution stands for.
    fn value(&self, resolution: Resolution) -> JsValue {
        match resolution {
            Resolution::Sent => self.sent.clone(),
            Resolution::Recorded => self.recorded.clone(),
            Resolution::Found => self.flow.newest().and_then(|i| self.identical.get(i)).cloned().unwrap_or(JsValue::UNDEFINED),
        }
    }

    /// What the boundary reads off one listed item.
    fn facts(&self, item: &JsValue) -> ItemFacts {
        if !is_plain_object(item) {
            return ItemFacts::default();
        }
        let ts = get_data(item, "timestamp");
        let timestamp = match ts.as_f64() {
            Some(n) => Some(n),
            None => convert::string_start(&ts, 64).and_then(|t| crate::number::parse_decimal(&t).or_else(|| crate::time::parse_iso(t.trim()).map(|ms| ms as f64))),
        }
        .filter(|n| n.is_finite());
        let identical = get_data(item, "content") == self.content && {
            let private = get_data(item, "private") == JsValue::TRUE;
            match &self.sender {
                None => private,
                Some(sender) => {
                    let from = get_data(item, "from");
                    // An item without a sender counts as the API's default sender, an agent.
                    !private && (from == *sender || (from.is_undefined() && sender.as_string().as_deref() == Some(Sender::Agent.as_str())))
                }
            }
        };
        ItemFacts { identical, timestamp }
    }

    /// A record as a plain object: `{ version, state, fingerprint, count }` or `{ version, state,
    /// fingerprint, message }`.
    fn record(&self, record: &Record) -> JsValue {
        let o = Object::new();
        set(&o, "version", &JsValue::from(RECORD_VERSION));
        match record {
            Record::Pending { count, .. } => {
                set(&o, "state", &convert::name("pending"));
                set(&o, "fingerprint", &JsValue::from_str(&self.fingerprint));
                set(&o, "count", &count.map_or(JsValue::NULL, |c| JsValue::from(c as f64)));
            }
            Record::Done { .. } => {
                set(&o, "state", &convert::name("done"));
                set(&o, "fingerprint", &JsValue::from_str(&self.fingerprint));
                let message = self.flow.resolving().map_or(JsValue::UNDEFINED, |r| self.value(r));
                set(&o, "message", &message);
            }
        }
        o.into()
    }

    /// Reads a record the store gave back; `Ok(None)` when there is none.
    fn read_record(&mut self, value: &JsValue) -> Result<Option<Record>, Error> {
        if value.is_undefined() || value.is_null() {
            return Ok(None);
        }
        let unreadable = || Error::new(ErrorKind::Api, "idempotencyStore.get returned a value that is not a record this client wrote");
        if !is_plain_object(value) || get(value, "version")?.as_f64() != Some(RECORD_VERSION) {
            return Err(unreadable());
        }
        // What the store gives back is measured before it is copied: no record this client wrote is longer.
        let fingerprint = get(value, "fingerprint")?;
        let fingerprint = fingerprint.dyn_ref::<JsString>().filter(|f| f.length() <= MAX_FINGERPRINT_UNITS).and_then(|f| f.as_string()).ok_or_else(unreadable)?;
        match convert::string_start(&get(value, "state")?, 16).as_deref() {
            Some("pending") => {
                let count = get(value, "count")?;
                let count = match count.as_f64() {
                    Some(n) if n >= 0.0 && n.fract() == 0.0 && n <= crate::endpoints::MAX_SAFE_INTEGER => Some(n as u64),
                    None if count.is_null() => None,
                    _ => return Err(unreadable()),
                };
                Ok(Some(Record::Pending { fingerprint, count }))
            }
            Some("done") => {
                let message = get(value, "message")?;
                if !message.is_object() {
                    return Err(unreadable());
                }
                self.recorded = message;
                Ok(Some(Record::Done { fingerprint }))
            }
            _ => Err(unreadable()),
        }
    }
}

/// What the driver does next with a checked send, as [`CallHandle::next`] numbers it; the argument, when
/// there is one, is [`CallHandle::arg`].
#[wasm_bindgen(js_name = CheckedStep)]
#[derive(Clone, Copy)]
pub enum CheckedStep {
    /// `await store.get(key)`, then `takeRecord(value)` (or `storeFailed(thrown)`).
    GetRecord = 0,
    /// `await store.set(key, arg)`, then `recorded()` (or `storeFailed(thrown)`).
    SetRecord = 1,
    /// Read a page of `listOperation` with `listParams`, `readOptions` and the cursor `arg`, then `takePage(page)`
    /// (or `readFailed(error)`).
    ReadPage = 2,
    /// Wait `arg` milliseconds.
    Wait = 3,
    /// Make one attempt and hand its answer or failure to `answer` or `failure`.
    Attempt = 4,
    /// The call resolves with `arg`.
    Resolve = 5,
}

impl CallHandle {
    /// Whether this call is a checked send, which the driver runs step by step with [`CallHandle::next`]
    /// (handed to the driver as `request.checked`).
    pub fn checked(&self) -> bool {
        self.checked.is_some()
    }
}

#[wasm_bindgen(js_class = Call)]
impl CallHandle {
    /// The idempotency key, or undefined.
    #[wasm_bindgen(getter, js_name = idempotencyKey)]
    pub fn idempotency_key(&self) -> JsValue {
        self.checked.as_ref().map_or(JsValue::UNDEFINED, |c| c.key.clone())
    }

    /// The store the key's records are kept in (undefined without a key).
    #[wasm_bindgen(getter)]
    pub fn store(&self) -> JsValue {
        self.checked.as_ref().map_or(JsValue::UNDEFINED, |c| c.store.clone())
    }

    /// The operation a count reads (the messages, or the feed for a note).
    #[wasm_bindgen(getter, js_name = listOperation)]
    pub fn list_operation(&self) -> Operation {
        self.checked.as_ref().map_or(Operation::ListMessages, |c| c.list)
    }

    /// The list parameters of a count's reads, `{ limit: 250 }`.
    #[wasm_bindgen(getter, js_name = listParams)]
    pub fn list_params(&self) -> JsValue {
        self.checked.as_ref().map_or(JsValue::UNDEFINED, |c| c.params.clone())
    }

    /// The options of a count's reads: the send's signal, timeout, retries and headers.
    #[wasm_bindgen(getter, js_name = readOptions)]
    pub fn read_options(&self) -> JsValue {
        self.checked.as_ref().map_or(JsValue::UNDEFINED, |c| c.read_options.clone())
    }

    /// The argument of the last step.
    #[wasm_bindgen(getter)]
    pub fn arg(&self) -> JsValue {
        self.checked.as_ref().map_or(JsValue::UNDEFINED, |c| c.arg.clone())
    }

    /// What to do next ([`CheckedStep`]); throws the error that ends the call.
    #[wasm_bindgen(js_name = next)]
    pub fn next_step(&mut self) -> Result<CheckedStep, JsValue> {
        let Some(c) = self.checked.as_mut() else { return Err(Error::invalid("not a checked send").into()) };
        let (step, arg) = match c.flow.next_action() {
            Action::GetRecord => (CheckedStep::GetRecord, JsValue::UNDEFINED),
            Action::SetRecord(record) => (CheckedStep::SetRecord, c.record(&record)),
            Action::ReadPage { first } => {
                if first {
                    c.cursor = JsValue::UNDEFINED;
                    c.identical.clear();
                }
                (CheckedStep::ReadPage, c.cursor.clone())
            }
            Action::Wait(ms) => (CheckedStep::Wait, JsValue::from(ms)),
            Action::Attempt => (CheckedStep::Attempt, JsValue::UNDEFINED),
            Action::Resolve(resolution) => (CheckedStep::Resolve, c.value(resolution)),
            Action::Fail(failure) => {
                let error = match failure {
                    Failure::Finished(e) => (*e).into(),
                    Failure::New(e) => (*self.call.fail(e)).into(),
                    Failure::Read { may_have_succeeded } => {
                        let error = c.read_error.clone();
                        if may_have_succeeded && error.is_object() && get(&error, "__gosquaredChatError")?.is_truthy() {
                            js_sys::Reflect::set(&error, &convert::name("mayHaveSucceeded"), &JsValue::TRUE)?;
                        }
                        error
                    }
                };
                return Err(error);
            }
        };
        c.arg = arg;
        Ok(step)
    }

    /// Takes the key's record as the store gave it.
    #[wasm_bindgen(js_name = takeRecord)]
    pub fn take_record(&mut self, value: &JsValue) {
        let Some(c) = self.checked.as_mut() else { return };
        match c.read_record(value) {
            Ok(record) => c.flow.on_record(record),
            Err(e) => c.flow.on_store_failed(e),
        }
    }

    /// Takes the end of a record's write.
    pub fn recorded(&mut self) {
        if let Some(c) = self.checked.as_mut() {
            c.flow.on_written();
        }
    }

    /// Takes what the store threw (or rejected with) on a read or a write.
    #[wasm_bindgen(js_name = storeFailed)]
    pub fn store_failed(&mut self, thrown: &JsValue) {
        let cause = cause_chain(thrown);
        let mut message = String::from("The idempotency store failed: ");
        message.push_str(cause.first().map_or("it threw a value that is not an Error", |(_, m)| m.as_str()));
        let error = Error { cause, ..Error::new(ErrorKind::Api, message) };
        if let Some(c) = self.checked.as_mut() {
            c.flow.on_store_failed(error);
        }
    }

    /// Takes a page of the counted list (`{ items, next }`).
    #[wasm_bindgen(js_name = takePage)]
    pub fn take_page(&mut self, page: &JsValue) {
        let Some(c) = self.checked.as_mut() else { return };
        if !c.flow.counting() {
            return;
        }
        let items = get_data(page, "items");
        let items: Array = if Array::is_array(&items) { items.unchecked_into() } else { Array::new() };
        let next = get_data(page, "next");
        let mut facts = Vec::with_capacity(items.length() as usize);
        for item in items.iter() {
            let f = c.facts(&item);
            if f.identical {
                c.identical.push(item);
            }
            facts.push(f);
        }
        c.cursor = next.clone();
        c.flow.on_page(facts, !next.is_undefined());
    }

    /// Takes the error a read of the counted list failed with.
    #[wasm_bindgen(js_name = readFailed)]
    pub fn read_failed(&mut self, error: &JsValue) {
        if let Some(c) = self.checked.as_mut() {
            c.read_error = error.clone();
            c.flow.on_read_failed();
        }
    }
}

impl CallHandle {
    /// Hands an attempt's step to the checked send's flow, with the send's result when it is done.
    pub(crate) fn checked_step(&mut self, step: Step, value: JsValue) -> JsValue {
        if let Some(c) = self.checked.as_mut() {
            if matches!(step, Step::Done(_)) {
                c.sent = value;
            }
            c.flow.on_step(step);
        }
        JsValue::UNDEFINED
    }
}

/// The idempotency store a client keeps in memory when it is given none: at most 10,000 keys, the oldest
/// written forgotten first. Values are kept as they are.
#[wasm_bindgen(js_name = IdempotencyMemory)]
pub struct MemoryStore {
    entries: BoundedMap<JsValue>,
}

#[wasm_bindgen(js_class = IdempotencyMemory)]
impl MemoryStore {
    /// The value kept under `key`, or undefined.
    pub fn get(&self, key: &JsValue) -> JsValue {
        key.as_string().and_then(|k| self.entries.get(&k).cloned()).unwrap_or(JsValue::UNDEFINED)
    }

    /// Keeps `value` under `key`.
    pub fn set(&mut self, key: &JsValue, value: JsValue) {
        if let Some(k) = key.as_string() {
            self.entries.set(k, value);
        }
    }
}
