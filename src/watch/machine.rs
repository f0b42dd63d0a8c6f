//! A watch as a state machine. [`Watch::poll`] says what to do next — send a request, wait, or hand out an
//! event — and the driver reports each answer ([`Watch::on_chats`], [`Watch::on_feed`]) or failure
//! ([`Watch::on_failure`]). Time, the rate-limit reading and randomness come in as values.
//!
//! A poll lists the chats active since the watermark (`from`), open ones and, unless switched off, archived
//! ones; then, oldest activity first, reads the feed of each chat that has moved since it was last read,
//! from its mark (or the watermark), and hands out a `chat` event followed by each new message or note in
//! time order. Items already handled (before the mark, or at its time with a listed id) are skipped, so a
//! feed that returns more than asked is harmless. When the poll's lists each fitted in one page, the
//! watermark moves up to the newest activity listed: a chat that was not listed had nothing at or after
//! the old watermark when the list was read, and anything written later is stamped no earlier than the
//! activity the list showed.

use super::cursor::{Cursor, Mark, Marks};
use super::pace;
use crate::error::ErrorKind;
use crate::call::RateLimit;

/// The chat list and feed page size when none is given: the API's largest.
pub const DEFAULT_PAGE_SIZE: u32 = 250;

/// Which chat list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum List {
    /// `listChats`.
    Open,
    /// `listArchivedChats`.
    Archived,
}

/// A watch's checked options.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    /// The rest between polls while the budget is comfortable.
    pub interval_ms: f64,
    /// Whether archived chats are listed too (to see chats being archived, and their last items).
    pub archived: bool,
    /// Chats and feed items asked for per request.
    pub page_size: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { interval_ms: pace::DEFAULT_INTERVAL_MS, archived: true, page_size: DEFAULT_PAGE_SIZE }
    }
}

/// Where a watch starts.
#[derive(Clone, Debug, PartialEq)]
pub enum Start {
    /// After the newest activity the lists show now: nothing already there is handed out.
    Now,
    /// At this time (epoch ms): every item from it on is handed out.
    At(i64),
    /// Where a cursor left off.
    Resume(Cursor),
}

/// What a listed chat says about itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChatFact {
    /// Its id; a chat without one cannot be read and is passed over.
    pub id: Option<String>,
    /// When it was last active (epoch ms), when the list says.
    pub activity: Option<i64>,
}

/// What a feed item is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemKind {
    /// A message or a note: handed out as a `message` event.
    Message,
    /// Anything else (archive events): handled silently.
    Other,
}

/// What a feed item says about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemFact {
    /// Its id; an item without one cannot be told apart from others and is passed over.
    pub id: Option<String>,
    /// Its time (epoch ms); an item without one cannot be placed and is passed over.
    pub time: Option<i64>,
    /// Whether it is a message.
    pub kind: ItemKind,
}

/// A request to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// One page of a chat list.
    Chats {
        /// Which list.
        list: List,
        /// Only chats active at or after this time.
        from: Option<i64>,
        /// The page size.
        limit: u32,
        /// The page after the last one answered, rather than the first.
        more: bool,
    },
    /// One page of a chat's feed.
    Feed {
        /// The chat, as its position in this poll's chats (see [`Watch::chat`]).
        chat: usize,
        /// Only items at or after this time.
        from: i64,
        /// The page size.
        limit: u32,
        /// The page after the last one answered, rather than the first.
        more: bool,
    },
}

/// Something to hand out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A chat appeared or moved; `chat` is its position in this poll's chats.
    Chat {
        /// The chat's position.
        chat: usize,
    },
    /// A new message or note: `item` is its position among the items of the chat's feed read this poll.
    Message {
        /// The chat's position.
        chat: usize,
        /// The item's position.
        item: usize,
    },
}

/// What the driver does next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Send this request and report its answer or failure.
    Request(Request),
    /// Wait this many milliseconds, then poll again.
    Wait(u64),
    /// Hand out this event, then poll again.
    Emit(Event),
    /// The watch has ended (after a failure that repeating cannot cure).
    Stop,
}

/// What a failure does to the watch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The watch goes on: the request is sent again after a rest, or the chat is passed over.
    Continue,
    /// The watch ends with this failure.
    Fatal,
}

/// Counts of what a watch has done.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Stats {
    /// Polls started.
    pub polls: u64,
    /// Requests sent (each call counted once, whatever its retries).
    pub requests: u64,
    /// Events handed out.
    pub events: u64,
    /// Calls that failed after their retries.
    pub failures: u64,
    /// The last rest chosen between polls, in milliseconds.
    pub rest_ms: f64,
}

/// A chat listed in this poll.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Listed {
    id: String,
    activity: Option<i64>,
    list: List,
}

/// Where a watch is.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Phase {
    /// Reading the newest activity of this list, to start after it.
    Starting(List),
    /// Resting until this time, then polling.
    Resting(f64),
    /// Reading this list (the next page when `true`).
    Listing(List, bool),
    /// Reading this chat's feed (the next page when `true`).
    Reading(usize, bool),
    /// Handing out this chat's events: its `chat` event first when `announce`, then its items from `next`.
    Emitting { chat: usize, next: usize, announce: bool },
    /// Every chat of the poll is done: move the watermark and rest.
    Closing,
    /// Ended.
    Stopped,
}

/// One poll's working state.
#[derive(Clone, Debug, Default)]
struct Poll {
    started_at: f64,
    requests: u32,
    /// A list needed more than one page: the watermark stays where it is.
    paged: bool,
    chats: Vec<Listed>,
    /// `chats` positions sorted by id, to find a chat listed twice.
    by_id: Vec<usize>,
    /// `chats` positions in the order they are read: oldest activity first.
    order: Vec<usize>,
    next: usize,
    /// The feed of the chat being read: its items, the time it was asked from, and their order by time.
    items: Vec<ItemFact>,
    from: i64,
    item_order: Vec<usize>,
}

/// A watch.
#[derive(Clone, Debug)]
pub struct Watch {
    settings: Settings,
    /// `None` until a start at "now" has read where now is.
    watermark: Option<i64>,
    marks: Marks,
    phase: Phase,
    poll: Poll,
    newest_at_start: Option<i64>,
    retry_at: Option<f64>,
    failures_in_row: u32,
    /// A wake-up came while a poll ran: the next one starts as soon as the wake gap allows.
    wake_pending: bool,
    /// The last rest was stretched by a low budget: wake-ups wait for it.
    held_by_budget: bool,
    stats: Stats,
}

/// The shortest time from one poll's start to the next when a wake-up (a relay's push) cuts a rest short, so
/// that a burst of pushes costs at most one poll a second.
pub const WAKE_GAP_MS: f64 = 1_000.0;

impl Watch {
    /// A watch with these settings, starting there; `now` is the current time in ms.
    pub fn new(settings: Settings, start: Start, now: f64) -> Watch {
        let (watermark, marks, phase) = match start {
            Start::Now => (None, Marks::default(), Phase::Starting(List::Open)),
            Start::At(time) => (Some(time), Marks::default(), Phase::Resting(now)),
            Start::Resume(cursor) => (Some(cursor.watermark), cursor.marks, Phase::Resting(now)),
        };
        Watch {
            settings,
            watermark,
            marks,
            phase,
            poll: Poll::default(),
            newest_at_start: None,
            retry_at: None,
            failures_in_row: 0,
            wake_pending: false,
            held_by_budget: false,
            stats: Stats::default(),
        }
    }

    /// Where the watch stands, once it knows (a start at "now" knows after its first answers).
    pub fn cursor(&self) -> Option<Cursor> {
        self.watermark.map(|watermark| Cursor { watermark, marks: self.marks.clone() })
    }

    /// What the watch has done so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Something changed (a relay pushed an event): cut the rest short, so that the next poll starts now, or
    /// a second after the last one started, unless a low budget is what the watch is resting for. During a
    /// poll, the next one starts as soon as that one ends.
    pub fn wake(&mut self, now: f64) {
        match self.phase {
            Phase::Resting(at) => {
                if !self.held_by_budget && self.retry_at.is_none() {
                    let soonest = if self.stats.polls == 0 { now } else { self.poll.started_at + WAKE_GAP_MS };
                    self.phase = Phase::Resting(at.min(soonest.max(now)));
                }
            }
            Phase::Starting(_) | Phase::Stopped => {}
            _ => self.wake_pending = true,
        }
    }

    /// Changes the interval (a relay connected or went away); it applies from the next rest on.
    pub fn set_interval(&mut self, interval_ms: f64) {
        if interval_ms.is_finite() && interval_ms > 0.0 {
            self.settings.interval_ms = interval_ms;
        }
    }

    /// Whether the request outstanding is one for a chat's feed (else it is for a chat list).
    pub fn reading_feed(&self) -> bool {
        matches!(self.phase, Phase::Reading(..))
    }

    /// The id of this poll's chat at `chat`, and which list it came from.
    pub fn chat(&self, chat: usize) -> Option<(&str, List)> {
        self.poll.chats.get(chat).map(|c| (c.id.as_str(), c.list))
    }

    /// What to do next, at time `now`, with the client's latest rate-limit reading.
    pub fn poll(&mut self, now: f64, budget: Option<&RateLimit>) -> Action {
        if self.phase == Phase::Stopped {
            return Action::Stop;
        }
        if let Some(at) = self.retry_at {
            if at > now {
                return wait(at - now);
            }
            self.retry_at = None;
        }
        loop {
            match self.phase {
                Phase::Stopped => return Action::Stop,
                Phase::Starting(list) => return self.request(Request::Chats { list, from: None, limit: 1, more: false }),
                Phase::Resting(at) => {
                    if at > now {
                        return wait(at - now);
                    }
                    self.poll = Poll { started_at: now, ..Poll::default() };
                    self.stats.polls += 1;
                    self.phase = Phase::Listing(List::Open, false);
                }
                Phase::Listing(list, more) => {
                    let request = Request::Chats { list, from: self.watermark, limit: self.settings.page_size, more };
                    return self.request(request);
                }
                Phase::Reading(chat, more) => {
                    if !more {
                        self.poll.from = self.feed_from(chat);
                    }
                    let request = Request::Feed { chat, from: self.poll.from, limit: self.settings.page_size, more };
                    return self.request(request);
                }
                Phase::Emitting { chat, next, announce } => {
                    if announce {
                        self.phase = Phase::Emitting { chat, next, announce: false };
                        if let Some(listed) = self.poll.chats.get(chat) {
                            if let Some(activity) = listed.activity {
                                self.marks.update(&listed.id, |m| m.announced = Some(activity));
                            }
                        }
                        return self.emit(Event::Chat { chat });
                    }
                    if let Some(item) = self.next_message(chat, next) {
                        return self.emit(Event::Message { chat, item });
                    }
                    if let Some(listed) = self.poll.chats.get(chat) {
                        if let Some(activity) = listed.activity {
                            self.marks.update(&listed.id, |m| m.read = Some(m.read.map_or(activity, |r| r.max(activity))));
                        }
                    }
                    self.next_chat();
                }
                Phase::Closing => {
                    self.close(budget);
                }
            }
        }
    }

    /// Takes a page of a chat list; returns, for each of its chats, the position the driver must keep its
    /// body at (a new position, or the one of the same chat listed earlier), or `None` when it is not kept.
    pub fn on_chats(&mut self, chats: &[ChatFact], has_next: bool, now: f64) -> Vec<Option<usize>> {
        self.failures_in_row = 0;
        match self.phase {
            Phase::Starting(list) => {
                let newest = chats.iter().filter_map(|c| c.activity).max();
                self.newest_at_start = self.newest_at_start.max(newest);
                if list == List::Open && self.settings.archived {
                    self.phase = Phase::Starting(List::Archived);
                } else {
                    self.watermark = Some(self.newest_at_start.map_or(0, |t| t.saturating_add(1)));
                    self.phase = Phase::Resting(now + self.settings.interval_ms);
                }
                vec![None; chats.len()]
            }
            Phase::Listing(list, _) => {
                let slots = chats.iter().map(|c| self.add_listed(c, list)).collect();
                if has_next {
                    self.poll.paged = true;
                    self.phase = Phase::Listing(list, true);
                } else if list == List::Open && self.settings.archived {
                    self.phase = Phase::Listing(List::Archived, false);
                } else {
                    self.plan_reads();
                    self.next_chat();
                }
                slots
            }
            _ => vec![None; chats.len()],
        }
    }

    /// Takes a page of the feed being read; its items continue the positions of the pages before it.
    pub fn on_feed(&mut self, items: Vec<ItemFact>, has_next: bool) {
        self.failures_in_row = 0;
        let Phase::Reading(chat, _) = self.phase else { return };
        self.poll.items.extend(items);
        if has_next {
            self.phase = Phase::Reading(chat, true);
            return;
        }
        let items = &self.poll.items;
        let time = |i: usize| items.get(i).and_then(|it| it.time);
        // A stable sort: items of one time keep the order the feed gave them.
        let order = crate::util::sort::stable_order(items.len(), &|a, b| time(a) < time(b));
        self.poll.item_order = order.into_iter().filter(|i| items.get(*i).is_some_and(|it| it.id.is_some() && it.time.is_some())).collect();
        let announce = self.announce_due(chat);
        self.phase = Phase::Emitting { chat, next: 0, announce };
    }

    /// Takes a request that failed after its retries: the kind of its error, the wait the API asked for,
    /// the time, and a random number (0 to 1) that spreads the rest.
    pub fn on_failure(&mut self, kind: Option<ErrorKind>, retry_after_ms: Option<f64>, now: f64, random: f64) -> Verdict {
        self.stats.failures += 1;
        let fatal = match kind {
            // A refused key, a request the API refuses, or a path it does not know: repeating cannot help.
            None | Some(ErrorKind::Authentication | ErrorKind::InvalidRequest) => true,
            Some(ErrorKind::NotFound) => !matches!(self.phase, Phase::Reading(..)),
            Some(_) => false,
        };
        if fatal {
            self.phase = Phase::Stopped;
            return Verdict::Fatal;
        }
        if kind == Some(ErrorKind::NotFound) {
            // The chat went away between its listing and its feed: pass it over until it moves again.
            if let Phase::Reading(chat, _) = self.phase {
                if let Some(listed) = self.poll.chats.get(chat) {
                    if let Some(activity) = listed.activity {
                        self.marks.update(&listed.id, |m| m.read = Some(activity));
                    }
                }
                self.next_chat();
            }
            return Verdict::Continue;
        }
        self.failures_in_row = self.failures_in_row.saturating_add(1);
        let rest = pace::backoff_ms(self.settings.interval_ms, self.failures_in_row, retry_after_ms, random);
        self.retry_at = Some(now + rest);
        Verdict::Continue
    }

    fn request(&mut self, request: Request) -> Action {
        self.stats.requests += 1;
        self.poll.requests = self.poll.requests.saturating_add(1);
        Action::Request(request)
    }

    fn emit(&mut self, event: Event) -> Action {
        self.stats.events += 1;
        Action::Emit(event)
    }

    /// Adds a listed chat, or updates the one of the same id listed earlier in this poll.
    fn add_listed(&mut self, fact: &ChatFact, list: List) -> Option<usize> {
        let id = fact.id.as_ref()?;
        let chats = &self.poll.chats;
        match self.poll.by_id.binary_search_by(|at| chats.get(*at).map_or("", |c| c.id.as_str()).cmp(id.as_str())) {
            Ok(found) => {
                let at = *self.poll.by_id.get(found)?;
                let listed = self.poll.chats.get_mut(at)?;
                if fact.activity.is_some() && fact.activity >= listed.activity {
                    listed.activity = fact.activity;
                    listed.list = list;
                    return Some(at);
                }
                None
            }
            Err(insert_at) => {
                let at = self.poll.chats.len();
                self.poll.chats.push(Listed { id: id.clone(), activity: fact.activity, list });
                self.poll.by_id.insert(insert_at, at);
                Some(at)
            }
        }
    }

    /// Orders this poll's chats oldest activity first (those that do not say, first of all).
    fn plan_reads(&mut self) {
        let chats = &self.poll.chats;
        let activity = |at: usize| chats.get(at).and_then(|c| c.activity);
        self.poll.order = crate::util::sort::stable_order(chats.len(), &|a, b| activity(a) < activity(b));
        self.poll.next = 0;
    }

    /// Moves to the next chat whose feed must be read, or to the poll's end.
    fn next_chat(&mut self) {
        while let Some(&chat) = self.poll.order.get(self.poll.next) {
            self.poll.next += 1;
            if self.feed_due(chat) {
                self.poll.items.clear();
                self.poll.item_order.clear();
                self.phase = Phase::Reading(chat, false);
                return;
            }
        }
        self.phase = Phase::Closing;
    }

    fn watermark(&self) -> i64 {
        self.watermark.unwrap_or(0)
    }

    fn mark_of(&self, chat: usize) -> Option<&Mark> {
        self.poll.chats.get(chat).and_then(|c| self.marks.get(&c.id))
    }

    /// Whether a chat moved since its feed was last read through (always, when the list does not say).
    fn feed_due(&self, chat: usize) -> bool {
        let Some(listed) = self.poll.chats.get(chat) else { return false };
        match (listed.activity, self.mark_of(chat).and_then(|m| m.read)) {
            (None, _) => true,
            (Some(activity), Some(read)) => activity > read,
            (Some(activity), None) => activity >= self.watermark(),
        }
    }

    /// Whether a chat's `chat` event is due: its activity is newer than the last one announced, or, when
    /// the list does not say, the feed brought a new message.
    fn announce_due(&self, chat: usize) -> bool {
        let Some(listed) = self.poll.chats.get(chat) else { return false };
        match (listed.activity, self.mark_of(chat).and_then(|m| m.announced)) {
            (Some(activity), Some(announced)) => activity > announced,
            (Some(activity), None) => activity >= self.watermark(),
            (None, _) => {
                let mark = self.mark_of(chat).cloned().unwrap_or_default();
                self.poll.item_order.iter().filter_map(|i| self.poll.items.get(*i)).any(|it| {
                    it.kind == ItemKind::Message
                        && matches!((&it.id, it.time), (Some(id), Some(time)) if !mark.covers(self.poll.from, time, id))
                })
            }
        }
    }

    /// Where a chat's feed is read from: its mark, or the watermark when that is later.
    fn feed_from(&self, chat: usize) -> i64 {
        let watermark = self.watermark();
        match self.mark_of(chat).and_then(|m| m.at.as_ref()) {
            Some((at, _)) if *at >= watermark => *at,
            _ => watermark,
        }
    }

    /// Handles the chat's items from position `next` in time order: records each new one, and returns the
    /// first new message (with the position to go on from), skipping items already handled.
    fn next_message(&mut self, chat: usize, next: usize) -> Option<usize> {
        let id = self.poll.chats.get(chat)?.id.clone();
        let from = self.poll.from;
        let mut position = next;
        while let Some(&at) = self.poll.item_order.get(position) {
            position += 1;
            let Some(ItemFact { id: Some(item_id), time: Some(time), kind }) = self.poll.items.get(at) else { continue };
            if self.marks.get(&id).is_some_and(|m| m.covers(from, *time, item_id)) || *time < from {
                continue;
            }
            let (time, item_id, kind) = (*time, item_id.clone(), *kind);
            self.marks.update(&id, |m| m.handled(time, &item_id));
            if kind == ItemKind::Message {
                self.phase = Phase::Emitting { chat, next: position, announce: false };
                return Some(at);
            }
        }
        None
    }

    /// Ends a poll: moves the watermark when every list fitted in one page, forgets marks behind it, and
    /// rests from the poll's start for as long as the interval and the budget say.
    fn close(&mut self, budget: Option<&RateLimit>) {
        if !self.poll.paged {
            let newest = self.poll.chats.iter().filter_map(|c| c.activity).max();
            if let Some(newest) = newest {
                self.watermark = Some(self.watermark().max(newest));
            }
        }
        self.marks.prune(self.watermark());
        let mut rest = pace::rest_ms(self.settings.interval_ms, budget, self.poll.requests);
        self.held_by_budget = rest > self.settings.interval_ms;
        if std::mem::take(&mut self.wake_pending) && !self.held_by_budget {
            rest = rest.min(WAKE_GAP_MS);
        }
        self.stats.rest_ms = rest;
        self.phase = Phase::Resting(self.poll.started_at + rest);
    }
}

fn wait(ms: f64) -> Action {
    Action::Wait(ms.ceil().clamp(0.0, 1e12) as u64)
}

#[cfg(test)]
mod tests;
