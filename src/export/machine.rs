//! The bulk export as a state machine, the same kind as a call's ([`crate::call::machine::Call`]).
//!
//! An [`Export`] owns everything an export decides: which page of which chat list to read next, the chats
//! read but not yet exported, the ids seen lately, each worker's chat and how far its feed has got, the
//! counts, the pacing, which failures end the export, and when the summary is due. It does no I/O: the
//! driver asks [`Export::poll`] what to do (start a request, wait, write the summary, or nothing until a
//! result comes), starts the requests it names, and feeds back each result and failure; feeding a page or a
//! failure says which lines to write. Time and the rate-limit budget come in as values.
//!
//! Each of the `concurrency` workers has at most one thing in flight (a request, or lines being written),
//! and is named by its [`Token`]. The machine never looks inside the host's values: `C` is a chat (its id
//! and record as the host holds them) and `K` a list cursor, both handed back as they came.

use crate::endpoints::Op;
use crate::export::plan::{self, RecentIds, Tally};
use crate::export::window::{Checkpoint, Key, Place, Stage};
use crate::call::RateLimit;
use std::collections::VecDeque;

/// A worker, numbered from 0; each has at most one request or write in flight.
pub type Token = u32;

/// Where an export's chats come from.
#[derive(Clone, Debug, PartialEq)]
pub enum Chats<C> {
    /// The open chat list, page by page, then the archived one when asked.
    Listed {
        /// Whether the archived chats follow the open ones.
        include_archived: bool,
    },
    /// The chats the caller named (checked: no id twice), each read with `getChat` for its line.
    Given(Vec<C>),
    /// Window mode (`since`, `resume`): a fixed window read by keyset, a catch-up pass, checkpoints.
    Window(WindowOptions),
}

/// The settings of a window-mode export.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowOptions {
    /// Chats updated, and items stamped, at or after this time (epoch ms).
    pub since: i64,
    /// Whether the archived chats are read too.
    pub include_archived: bool,
    /// The checkpoint of the run this one carries on (its `since` and archived setting win).
    pub resume: Option<Checkpoint>,
}

/// The time bounds and offset of a window-mode request; the host sends them as `from`, `to` and `offset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    /// `from` (epoch ms, inclusive).
    pub from: i64,
    /// `to` (epoch ms, inclusive), or none.
    pub to: Option<i64>,
    /// Items to skip.
    pub offset: u64,
}

/// An export's checked options. The time window and the per-request settings travel with the requests
/// (the host sends the same list parameters with every page), so the machine needs only these.
#[derive(Clone, Debug, PartialEq)]
pub struct Options<C> {
    /// Workers, each exporting one chat at a time (1 to [`plan::MAX_CONCURRENCY`]).
    pub concurrency: u32,
    /// Items per page, for the chat lists and the feeds.
    pub page_size: u32,
    /// The chats to export.
    pub chats: Chats<C>,
}

/// A request to start now.
#[derive(Debug, PartialEq)]
pub struct Request<'a, C, K> {
    /// The worker whose result this will be.
    pub token: Token,
    /// `ListChats` or `ListArchivedChats` (a page of chats), `GetChat` (a chat's record) or `GetFeed`.
    pub op: Op,
    /// The chat read, for `GetChat` and `GetFeed`.
    pub chat: Option<&'a C>,
    /// Where the page starts: the previous page's cursor, or none for a list's first page.
    pub cursor: Option<&'a K>,
    /// In window mode, the request's own bounds (the cursor then only pages a chat's feed).
    pub range: Option<Range>,
}

/// What the driver does next.
#[derive(Debug, PartialEq)]
pub enum Action<'a, C, K> {
    /// Start this request.
    Request(Request<'a, C, K>),
    /// Write the summary line with these counts, and report it written through `token`.
    Summary(Token, Tally),
    /// Write this checkpoint line (window mode), and report it written through `token`.
    Checkpoint(Token, Checkpoint),
    /// Nothing may start for this many milliseconds (the pacing); poll again then, or on a result.
    Wait(f64),
    /// Nothing to start: poll again once a request or a write in flight has finished.
    Idle,
    /// The export is over, and nothing is in flight.
    Done(Outcome),
}

/// How an export ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every chat was exported and the summary written.
    Complete,
    /// A failure ended it (the chat list failed, or the key was refused).
    Failed,
    /// The host stopped it (the caller's signal, the reader's cancel, a failing progress callback, lines
    /// that could not be made).
    Stopped,
}

/// The lines to write for one worker's chat, in this order; report them written with [`Export::on_written`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Write {
    /// The chat's line, which comes before anything else of the chat.
    pub chat_line: bool,
    /// Item lines: this many, the items of the page just fed.
    pub items: u64,
    /// An error line, with the number of the chat's items written before it.
    pub error: Option<u64>,
}

/// A page of a chat list, as the host read it.
#[derive(Clone, Debug, PartialEq)]
pub struct ChatsPage<C, K> {
    /// Its chats in order, each with its id when that is a string.
    pub chats: Vec<(Option<String>, C)>,
    /// The size of the list the API reported (read from the list's first page only).
    pub cardinality: Option<f64>,
    /// The cursor of the next page, if the list has one.
    pub next: Option<K>,
    /// Each chat's `updated` time (epoch ms), in the same order; read in window mode only.
    pub updated: Vec<Option<i64>>,
}

/// A page of a chat's feed, as the host read it.
#[derive(Clone, Debug, PartialEq)]
pub struct FeedPage<K> {
    /// How many items it holds.
    pub items: u64,
    /// The cursor of the next page, if the feed has one.
    pub next: Option<K>,
}

/// What a failed request comes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failed {
    /// The chat's failure is written as these lines, and the export goes on.
    Write(Write),
    /// The failure ends the export: stop everything in flight.
    Ends,
    /// Nothing: the export has already ended.
    Ignored,
}

/// When a worker's next request may start.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Phase {
    /// Ready to send; the time it may start at, once the pacing has been worked out.
    Ready(Option<f64>),
    /// Its request is in flight.
    Requesting,
    /// Its lines are being written: `items` feed items, after which the chat goes on or ends.
    Writing { items: u64, then: Then },
}

/// What follows a chat's write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Then {
    /// The next page of its feed.
    NextPage,
    /// Nothing: the chat is done, with an error line or without.
    Finish { failed: bool },
}

/// One chat being exported.
#[derive(Debug)]
struct ChatJob<C, K> {
    chat: C,
    /// Whether its record must be read first (a chat the caller named).
    unread: bool,
    /// Where its next feed page starts.
    cursor: Option<K>,
    /// Whether its chat line has been handed out.
    line_out: bool,
    /// Its feed items handed out so far.
    items_out: u64,
    phase: Phase,
    /// Its number in the order window mode started chats, to know which are done.
    seq: Option<u64>,
    /// Whether a run that was resumed may have written its lines already.
    repeat: bool,
    /// Whether it is left out when its feed has nothing in the window (a chat of the catch-up).
    skip_empty: bool,
}

/// What a worker is doing.
#[derive(Debug)]
enum Job<C, K> {
    /// Nothing: it takes the next chat, or reads the next page of chats.
    Idle,
    /// Reading the next page of a chat list.
    Listing(Phase),
    /// Exporting a chat.
    Chat(ChatJob<C, K>),
    /// Writing the summary line.
    Summary,
}

impl<C, K> Job<C, K> {
    /// Whether a request or a write is in flight.
    fn busy(&self) -> bool {
        match self {
            Job::Idle => false,
            Job::Listing(phase) | Job::Chat(ChatJob { phase, .. }) => !matches!(phase, Phase::Ready(_)),
            Job::Summary => true,
        }
    }

    fn phase_mut(&mut self) -> Option<&mut Phase> {
        match self {
            Job::Listing(phase) | Job::Chat(ChatJob { phase, .. }) => Some(phase),
            Job::Idle | Job::Summary => None,
        }
    }
}

/// Which list a page of chats comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum List {
    Open,
    Archived,
}

impl List {
    fn op(self) -> Op {
        match self {
            List::Open => Op::ListChats,
            List::Archived => Op::ListArchivedChats,
        }
    }
}

/// The chat lists still to read, and the chats read but not yet taken (at most a page plus one per worker).
#[derive(Debug)]
struct Listing<C, K> {
    lists: VecDeque<List>,
    cursor: Option<K>,
    queue: VecDeque<C>,
    recent: RecentIds,
    /// Whether a worker is reading a page.
    reading: bool,
}

/// Where the next chat comes from.
#[derive(Debug)]
enum Source<C, K> {
    Listed(Listing<C, K>),
    Given(VecDeque<C>),
    Window(Box<WindowListing<C>>),
}

/// A chat listed in window mode and not taken yet.
#[derive(Debug)]
struct Queued<C> {
    chat: C,
    place: Place,
    repeat: bool,
}

/// The most catch-up rounds a run reads (each reads the chats updated after `to`; a round that finds no new
/// chat ends it sooner).
const MAX_CATCH_UP_ROUNDS: u32 = 8;

/// Window mode's listing: the fixed window, the keyset cursor, the catch-up, and what is done.
#[derive(Debug)]
struct WindowListing<C> {
    since: i64,
    /// The fixed upper bound, once the first pages have been read (none: the window was empty).
    to: Option<i64>,
    include_archived: bool,
    /// Whether `to` is fixed.
    fixed: bool,
    /// The archived list's first page is still to be read, to fix `to`.
    peek: bool,
    peek_max: Option<i64>,
    /// The pass being read.
    stage: Stage,
    /// The last chat read in the pass's list, and how many chats at its millisecond were read.
    cursor: Option<Key>,
    tie_seen: u64,
    /// The catch-up: which list, where, the round, and whether the round found a new chat.
    catch_list: List,
    catch_offset: u64,
    catch_round: u32,
    catch_added: bool,
    /// No page is left to read.
    lists_done: bool,
    page_size: u32,
    queue: VecDeque<Queued<C>>,
    reading: bool,
    /// The chats started, in order, with whether each is done.
    started: VecDeque<(u64, Place, bool)>,
    next_seq: u64,
    /// Every chat up to this place is done.
    done: Place,
    /// The furthest place the last checkpoint allows to start.
    bound: Option<Place>,
    /// The ids listed by this run (sorted), so that the catch-up leaves them out.
    listed: Vec<String>,
    /// Chats up to this place may have lines from the run that was resumed.
    repeat_upto: Option<Place>,
    resumed: bool,
    /// Whether a chat failed in the run this one resumes (before its checkpoint).
    failed_before: bool,
    checkpoint_due: bool,
    checkpoint_writing: bool,
}

impl<C> WindowListing<C> {
    fn new(w: WindowOptions, page_size: u32) -> WindowListing<C> {
        let resume = w.resume;
        let since = resume.as_ref().map_or(w.since, |cp| cp.since);
        let include_archived = resume.as_ref().map_or(w.include_archived, |cp| cp.archived);
        let done = resume.as_ref().map_or(Place { stage: Stage::Open, key: None }, |cp| cp.done.clone());
        let mut listing = WindowListing {
            since,
            to: resume.as_ref().map(|cp| cp.to),
            include_archived,
            fixed: resume.is_some(),
            peek: resume.is_none() && include_archived,
            peek_max: None,
            stage: done.stage,
            cursor: done.key.clone(),
            tie_seen: 0,
            catch_list: List::Open,
            catch_offset: 0,
            catch_round: 0,
            catch_added: false,
            lists_done: false,
            page_size,
            queue: VecDeque::new(),
            reading: false,
            started: VecDeque::new(),
            next_seq: 0,
            done,
            bound: None,
            listed: Vec::new(),
            repeat_upto: resume.as_ref().and_then(|cp| cp.started.clone()),
            resumed: resume.is_some(),
            failed_before: resume.as_ref().is_some_and(|cp| cp.failed),
            checkpoint_due: false,
            checkpoint_writing: false,
        };
        if listing.stage == Stage::CatchUp {
            listing.catch_round = 1;
        }
        listing
    }

    /// The list the next page comes from.
    fn list(&self) -> List {
        match self.stage {
            _ if self.peek => List::Archived,
            Stage::Open => List::Open,
            Stage::Archived => List::Archived,
            Stage::CatchUp => self.catch_list,
        }
    }

    /// The bounds of the next page of chats.
    fn range(&self) -> Range {
        if self.stage == Stage::CatchUp {
            return Range { from: self.to.unwrap_or(self.since).saturating_add(1), to: None, offset: self.catch_offset };
        }
        if !self.fixed {
            return Range { from: self.since, to: None, offset: 0 };
        }
        match &self.cursor {
            Some(key) => Range { from: self.since, to: Some(key.at), offset: self.tie_seen.saturating_sub(u64::from(self.page_size / 2)) },
            None => Range { from: self.since, to: self.to, offset: 0 },
        }
    }

    /// Takes a page of chats (ids and `updated` times); false when one lacks either, which window mode needs.
    fn on_page(&mut self, page: ChatsPage<C, impl Sized>, tally: &mut Tally) -> bool {
        let more = page.next.is_some();
        if self.peek {
            self.peek = false;
            tally.announce(page.cardinality);
            self.peek_max = page.updated.iter().flatten().copied().max();
            return page.updated.iter().all(Option::is_some);
        }
        if self.stage == Stage::CatchUp {
            self.catch_offset += page.chats.len() as u64;
            for (id, chat) in page.chats {
                let Some(id) = id else { return false };
                if let Err(at) = self.listed.binary_search(&id) {
                    self.listed.insert(at, id);
                    self.queue.push_back(Queued { chat, place: Place { stage: Stage::CatchUp, key: None }, repeat: self.resumed });
                    self.catch_added = true;
                }
            }
            if !more {
                self.next_catch_up_list();
            }
            return true;
        }
        if !self.fixed {
            // The open list's size; the archived one's was announced from the page read to fix `to`.
            tally.announce(page.cardinality);
        }
        let asked_to = self.range().to;
        let offset = self.range().offset;
        let mut last: Option<Key> = None;
        let mut same = 0u64;
        let count = page.chats.len() as u64;
        for ((id, chat), at) in page.chats.into_iter().zip(page.updated.iter().copied().chain(std::iter::repeat(None))) {
            let (Some(id), Some(at)) = (id, at) else { return false };
            let key = Key { at, id };
            same = if last.as_ref().is_some_and(|l| l.at == at) { same + 1 } else { 1 };
            last = Some(key.clone());
            if self.cursor.as_ref().is_some_and(|c| key.up_to(c)) || self.to.is_some_and(|to| at > to) {
                continue;
            }
            let place = Place { stage: self.stage, key: Some(key) };
            let repeat = self.repeat_upto.as_ref().is_some_and(|r| place.up_to(r));
            if let Some(Key { id, .. }) = &place.key {
                if let Err(at) = self.listed.binary_search(id) {
                    self.listed.insert(at, id.clone());
                }
            }
            self.queue.push_back(Queued { chat, place, repeat });
        }
        if !self.fixed {
            self.fixed = true;
            let newest = page.updated.iter().flatten().copied().max();
            self.to = newest.max(self.peek_max);
            if self.to.is_none() {
                self.lists_done = true;
                return true;
            }
        }
        if let Some(last) = last {
            // All chats of a page that ends at the millisecond it was asked up to are at that millisecond.
            self.tie_seen = if asked_to == Some(last.at) { offset + count } else { same };
            if self.cursor.as_ref().is_none_or(|c| !last.up_to(c)) {
                self.cursor = Some(last);
            }
        }
        if !more {
            self.cursor = None;
            self.tie_seen = 0;
            self.stage = if self.stage == Stage::Open && self.include_archived { Stage::Archived } else { Stage::CatchUp };
            if self.stage == Stage::CatchUp {
                self.catch_round = 1;
                self.catch_list = List::Open;
                self.catch_up_reached();
            }
        }
        true
    }

    /// The catch-up goes on with the archived list, or with another round, or ends.
    fn next_catch_up_list(&mut self) {
        self.catch_offset = 0;
        if self.catch_list == List::Open && self.include_archived {
            self.catch_list = List::Archived;
            return;
        }
        self.catch_list = List::Open;
        if self.catch_added && self.catch_round < MAX_CATCH_UP_ROUNDS {
            self.catch_round += 1;
            self.catch_added = false;
        } else {
            self.lists_done = true;
        }
    }

    /// Whether every chat listed so far is done and no page is left.
    fn finished(&self) -> bool {
        self.lists_done && self.queue.is_empty() && !self.reading && self.started.iter().all(|(_, _, done)| *done)
    }

    /// Records that chat number `seq` is done, and moves what is done up to the longest finished prefix.
    fn chat_done(&mut self, seq: Option<u64>) {
        let Some(seq) = seq else { return };
        if let Some(entry) = self.started.iter_mut().find(|(s, ..)| *s == seq) {
            entry.2 = true;
        }
        while let Some((_, place, true)) = self.started.front() {
            if place.stage != Stage::CatchUp {
                self.done = place.clone();
            }
            self.started.pop_front();
            self.checkpoint_due = true;
        }
        self.catch_up_reached();
    }

    /// Once the passes over the lists are all done, what is done is the whole window: the catch-up is next.
    fn catch_up_reached(&mut self) {
        let main_left = self.queue.iter().any(|q| q.place.stage != Stage::CatchUp) || self.started.iter().any(|(_, p, _)| p.stage != Stage::CatchUp);
        if self.fixed && self.stage == Stage::CatchUp && !main_left && self.done.stage != Stage::CatchUp {
            self.done = Place { stage: Stage::CatchUp, key: None };
            self.checkpoint_due = true;
        }
    }

    /// The checkpoint to write now, if one is due: before a chat past the last one's bound starts, or once
    /// more chats are done.
    fn checkpoint(&mut self, concurrency: usize, failed: bool) -> Option<Checkpoint> {
        let to = self.to?;
        if self.checkpoint_writing || !self.fixed || self.finished() {
            return None;
        }
        let blocked = self.queue.front().is_some_and(|q| self.bound.as_ref().is_none_or(|b| !q.place.up_to(b)));
        if !blocked && !self.checkpoint_due {
            return None;
        }
        if blocked {
            let ahead = self.queue.len().min(concurrency.max(1)).saturating_sub(1);
            self.bound = self.queue.get(ahead).map(|q| q.place.clone());
        }
        self.checkpoint_due = false;
        self.checkpoint_writing = true;
        let failed = failed || self.failed_before;
        // Chats up to the place the resumed run's checkpoint gave may have lines from that run (or an earlier
        // one) even when this run has not started them yet: a run resumed from this checkpoint marks them too.
        let started = match (&self.bound, &self.repeat_upto) {
            (Some(bound), Some(before)) => Some(if bound.up_to(before) { before.clone() } else { bound.clone() }),
            (bound, before) => bound.clone().or_else(|| before.clone()),
        };
        Some(Checkpoint { since: self.since, to, archived: self.include_archived, done: self.done.clone(), started, failed })
    }

    /// The next chat a worker may start: the queue's first, when the last checkpoint allows it.
    fn take<K>(&mut self) -> Option<ChatJob<C, K>> {
        let bound = self.bound.as_ref()?;
        if !self.queue.front()?.place.up_to(bound) {
            return None;
        }
        let q = self.queue.pop_front()?;
        let seq = self.next_seq;
        self.next_seq += 1;
        self.started.push_back((seq, q.place.clone(), false));
        let mut job = ChatJob::new(q.chat, false);
        job.seq = Some(seq);
        job.repeat = q.repeat;
        job.skip_empty = q.place.stage == Stage::CatchUp;
        Some(job)
    }
}

/// One export.
#[derive(Debug)]
pub struct Export<C, K> {
    workers: Vec<Job<C, K>>,
    source: Source<C, K>,
    tally: Tally,
    ended: Option<Outcome>,
}

impl<C, K> Export<C, K> {
    /// An export with `options`; nothing is sent until [`Export::poll`] says so.
    pub fn new(options: Options<C>) -> Export<C, K> {
        let concurrency = options.concurrency.max(1);
        let mut tally = Tally::default();
        let source = match options.chats {
            Chats::Given(ids) => {
                tally.announce(Some(ids.len() as f64));
                Source::Given(ids.into())
            }
            Chats::Listed { include_archived } => {
                let mut lists = VecDeque::from([List::Open]);
                if include_archived {
                    lists.push_back(List::Archived);
                }
                let recent = RecentIds::new(2 * options.page_size as usize);
                Source::Listed(Listing { lists, cursor: None, queue: VecDeque::new(), recent, reading: false })
            }
            Chats::Window(w) => Source::Window(Box::new(WindowListing::new(w, options.page_size))),
        };
        Export { workers: (0..concurrency).map(|_| Job::Idle).collect(), source, tally, ended: None }
    }

    /// The counts so far.
    pub fn tally(&self) -> &Tally {
        &self.tally
    }

    /// The chat worker `token` holds, if it holds one.
    pub fn chat(&self, token: Token) -> Option<&C> {
        match self.workers.get(token as usize) {
            Some(Job::Chat(job)) => Some(&job.chat),
            _ => None,
        }
    }

    /// The same, to let the host keep what it derives from the chat (the start of its lines).
    pub fn chat_mut(&mut self, token: Token) -> Option<&mut C> {
        match self.workers.get_mut(token as usize) {
            Some(Job::Chat(job)) => Some(&mut job.chat),
            _ => None,
        }
    }

    /// In window mode, the time to pass as `since` next time: the window's fixed `to` (or `since` while the
    /// window is empty, or when a chat failed, in this run or in the run it resumes, so that the next run reads
    /// the window again).
    pub fn watermark(&self) -> Option<i64> {
        let Source::Window(w) = &self.source else { return None };
        Some(if self.tally.errors > 0 || w.failed_before { w.since } else { w.to.unwrap_or(w.since) })
    }

    /// Whether worker `token`'s chat may have been exported by the run this one resumes.
    pub fn is_repeat(&self, token: Token) -> bool {
        matches!(self.workers.get(token as usize), Some(Job::Chat(ChatJob { repeat: true, .. })))
    }

    /// The token a checkpoint line is reported written through (one past the workers').
    pub fn checkpoint_token(&self) -> Token {
        Token::try_from(self.workers.len()).unwrap_or(Token::MAX)
    }

    /// The operation of worker `token`'s request in flight, which says what its result is.
    pub fn expecting(&self, token: Token) -> Option<Op> {
        match (self.workers.get(token as usize)?, &self.source) {
            (Job::Listing(Phase::Requesting), Source::Listed(listing)) => listing.lists.front().map(|list| list.op()),
            (Job::Listing(Phase::Requesting), Source::Window(w)) => Some(w.list().op()),
            (Job::Chat(job), _) if job.phase == Phase::Requesting => Some(if job.unread { Op::GetChat } else { Op::GetFeed }),
            _ => None,
        }
    }

    /// What to do next, at `now_ms`, with the last budget the API reported.
    pub fn poll(&mut self, now_ms: f64, budget: &RateLimit) -> Action<'_, C, K> {
        let busy = self.workers.iter().any(Job::busy);
        if let Some(outcome) = self.ended {
            return if busy { Action::Idle } else { Action::Done(outcome) };
        }
        let concurrency = self.workers.len();
        if let Source::Window(w) = &mut self.source {
            if self.workers.iter().any(|job| matches!(job, Job::Idle)) {
                if let Some(checkpoint) = w.checkpoint(concurrency, self.tally.errors > 0) {
                    return Action::Checkpoint(self.checkpoint_token(), checkpoint);
                }
            }
        }
        for job in self.workers.iter_mut() {
            if matches!(job, Job::Idle) {
                *job = take_work(&mut self.source, concurrency);
            }
        }
        let window_left = match &self.source {
            Source::Window(w) => !w.finished() || w.checkpoint_writing,
            _ => false,
        };
        if window_left && self.workers.iter().all(|job| matches!(job, Job::Idle)) {
            return Action::Idle;
        }
        if self.workers.iter().all(|job| matches!(job, Job::Idle)) {
            // Every worker is idle with no work left: the export is complete once the summary is written.
            if let Some(first) = self.workers.first_mut() {
                *first = Job::Summary;
            }
            return Action::Summary(0, self.tally);
        }
        let delay = plan::pace_delay_ms(budget, concurrency as u32);
        let mut earliest: Option<f64> = None;
        let mut start = None;
        for (token, job) in self.workers.iter_mut().enumerate() {
            let Some(phase) = job.phase_mut() else { continue };
            let Phase::Ready(at) = phase else { continue };
            let at = *at.get_or_insert(now_ms + delay);
            if at <= now_ms {
                *phase = Phase::Requesting;
                start = Some(token);
                break;
            }
            earliest = Some(earliest.map_or(at, |e| e.min(at)));
        }
        if let Some(request) = start.and_then(|token| self.request(token)) {
            return Action::Request(request);
        }
        earliest.map_or(Action::Idle, |at| Action::Wait(at - now_ms))
    }

    /// The request worker `token` has just been told to start.
    fn request(&self, token: usize) -> Option<Request<'_, C, K>> {
        let number = Token::try_from(token).ok()?;
        match self.workers.get(token)? {
            Job::Chat(job) if job.unread => Some(Request { token: number, op: Op::GetChat, chat: Some(&job.chat), cursor: None, range: None }),
            Job::Chat(job) => {
                let range = match &self.source {
                    Source::Window(w) => Some(Range { from: w.since, to: w.to, offset: 0 }),
                    _ => None,
                };
                Some(Request { token: number, op: Op::GetFeed, chat: Some(&job.chat), cursor: job.cursor.as_ref(), range })
            }
            Job::Listing(_) => match &self.source {
                Source::Listed(listing) => {
                    Some(Request { token: number, op: listing.lists.front()?.op(), chat: None, cursor: listing.cursor.as_ref(), range: None })
                }
                Source::Window(w) => Some(Request { token: number, op: w.list().op(), chat: None, cursor: None, range: Some(w.range()) }),
                Source::Given(_) => None,
            },
            Job::Idle | Job::Summary => None,
        }
    }

    /// Takes a page of a chat list: queues its chats not seen lately, and moves on to the next page or list.
    /// False when the page cannot be used: in window mode, a chat without an id or an `updated` time.
    pub fn on_chats(&mut self, token: Token, page: ChatsPage<C, K>) -> bool {
        let Some(job) = self.workers.get_mut(token as usize) else { return true };
        if !matches!(job, Job::Listing(Phase::Requesting)) {
            return true;
        }
        *job = Job::Idle;
        if let Source::Window(w) = &mut self.source {
            w.reading = false;
            if self.ended.is_some() {
                return true;
            }
            if !w.on_page(page, &mut self.tally) {
                self.ended = Some(Outcome::Failed);
                return false;
            }
            return true;
        }
        let Source::Listed(listing) = &mut self.source else { return true };
        listing.reading = false;
        if self.ended.is_some() {
            return true;
        }
        if listing.cursor.is_none() {
            self.tally.announce(page.cardinality);
        }
        for (id, chat) in page.chats {
            if id.is_none_or(|id| listing.recent.first_time(&id)) {
                listing.queue.push_back(chat);
            }
        }
        listing.cursor = page.next;
        if listing.cursor.is_none() {
            listing.lists.pop_front();
        }
        true
    }

    /// Takes the record of a chat the caller named (the answer of `GetChat`), which replaces the worker's chat.
    pub fn on_chat(&mut self, token: Token, chat: C) {
        let ended = self.ended.is_some();
        let Some(job) = self.workers.get_mut(token as usize) else { return };
        let Job::Chat(chat_job) = job else { return };
        if !chat_job.unread || chat_job.phase != Phase::Requesting {
            return;
        }
        if ended {
            *job = Job::Idle;
            return;
        }
        chat_job.chat = chat;
        chat_job.unread = false;
        chat_job.phase = Phase::Ready(None);
    }

    /// Takes a page of a chat's feed and says what to write: the chat's line first if it is still due,
    /// then the page's items. Nothing is written for an empty page after the chat's line.
    pub fn on_feed(&mut self, token: Token, page: FeedPage<K>) -> Option<Write> {
        let ended = self.ended.is_some();
        let job = self.workers.get_mut(token as usize)?;
        let Job::Chat(chat_job) = job else { return None };
        if chat_job.unread || chat_job.phase != Phase::Requesting {
            return None;
        }
        if ended {
            *job = Job::Idle;
            return None;
        }
        let then = if page.next.is_some() { Then::NextPage } else { Then::Finish { failed: false } };
        chat_job.cursor = page.next;
        let write = Write { chat_line: !chat_job.line_out, items: page.items, error: None };
        // A chat of the catch-up with nothing in the window (it is new since the run began) is left out.
        let left_out = chat_job.skip_empty && write.chat_line && write.items == 0 && then != Then::NextPage;
        if left_out || (!write.chat_line && write.items == 0) {
            chat_job.phase = Phase::Ready(None);
            if then != Then::NextPage {
                let seq = chat_job.seq;
                if !left_out {
                    self.tally.chat_done(false);
                }
                *job = Job::Idle;
                if let Source::Window(w) = &mut self.source {
                    w.chat_done(seq);
                }
            }
            return None;
        }
        chat_job.line_out = true;
        chat_job.phase = Phase::Writing { items: page.items, then };
        Some(write)
    }

    /// Takes the failure of worker `token`'s request (after the call's own retries), by the error's class
    /// name. A chat list that fails ends the export (the chats it would have named are unknown), and so does
    /// a refused key; any other failure of a chat becomes its error line, after its chat line if that was
    /// not written yet (a chat whose record could not be read has none).
    pub fn on_failure(&mut self, token: Token, error_name: &str) -> Failed {
        let ended = self.ended.is_some();
        let Some(job) = self.workers.get_mut(token as usize) else { return Failed::Ignored };
        match job {
            Job::Listing(Phase::Requesting) => {
                *job = Job::Idle;
                match &mut self.source {
                    Source::Listed(listing) => listing.reading = false,
                    Source::Window(w) => w.reading = false,
                    Source::Given(_) => {}
                }
            }
            Job::Chat(chat_job) if chat_job.phase == Phase::Requesting => {
                if !ended && !plan::ends_export(error_name) {
                    let write = Write { chat_line: !chat_job.unread && !chat_job.line_out, items: 0, error: Some(chat_job.items_out) };
                    chat_job.line_out = true;
                    chat_job.phase = Phase::Writing { items: 0, then: Then::Finish { failed: true } };
                    return Failed::Write(write);
                }
                *job = Job::Idle;
            }
            _ => return Failed::Ignored,
        }
        if ended {
            return Failed::Ignored;
        }
        self.ended = Some(Outcome::Failed);
        Failed::Ends
    }

    /// Takes the news that worker `token`'s lines were written (the reader had room for them), `bytes` long.
    pub fn on_written(&mut self, token: Token, bytes: f64) {
        let ended = self.ended.is_some();
        if token == self.checkpoint_token() {
            if let Source::Window(w) = &mut self.source {
                if w.checkpoint_writing {
                    w.checkpoint_writing = false;
                    self.tally.wrote(0, bytes);
                }
            }
            return;
        }
        let Some(job) = self.workers.get_mut(token as usize) else { return };
        match job {
            Job::Summary => {
                self.tally.wrote(0, bytes);
                *job = Job::Idle;
                if !ended {
                    self.ended = Some(Outcome::Complete);
                }
            }
            Job::Chat(chat_job) => {
                let Phase::Writing { items, then } = chat_job.phase else { return };
                self.tally.wrote(items, bytes);
                chat_job.items_out += items;
                match then {
                    Then::NextPage if !ended => chat_job.phase = Phase::Ready(None),
                    Then::NextPage => *job = Job::Idle,
                    Then::Finish { failed } => {
                        let seq = chat_job.seq;
                        *job = Job::Idle;
                        if !ended {
                            self.tally.chat_done(failed);
                            if let Source::Window(w) = &mut self.source {
                                w.chat_done(seq);
                            }
                        }
                    }
                }
            }
            Job::Idle | Job::Listing(_) => {}
        }
    }

    /// Takes the news that worker `token`'s lines could not be made (a value with a throwing `toJSON`, say):
    /// the export ends.
    pub fn on_write_failed(&mut self, token: Token) {
        self.stop();
        if let Some(job) = self.workers.get_mut(token as usize) {
            if matches!(job, Job::Summary | Job::Chat(ChatJob { phase: Phase::Writing { .. }, .. })) {
                *job = Job::Idle;
            }
        }
    }

    /// Stops the export (the host's reason: an abort, a cancel, a failing progress callback). Nothing new
    /// starts; what is in flight is still fed back, and [`Action::Done`] follows once it all has been.
    pub fn stop(&mut self) {
        if self.ended.is_none() {
            self.ended = Some(Outcome::Stopped);
        }
    }
}

/// The work an idle worker takes: the next page of chats when fewer chats are queued than there are workers
/// and no page is being read, else the next queued chat, else nothing (a page is on its way, or no work is left).
fn take_work<C, K>(source: &mut Source<C, K>, concurrency: usize) -> Job<C, K> {
    let listing = match source {
        Source::Given(ids) => return ids.pop_front().map_or(Job::Idle, |chat| Job::Chat(ChatJob::new(chat, true))),
        Source::Listed(listing) => listing,
        Source::Window(w) => {
            // Chats wait until `to` is fixed: their feeds are read up to it.
            if !w.reading && !w.lists_done && (!w.fixed || w.queue.len() < concurrency) {
                w.reading = true;
                return Job::Listing(Phase::Ready(None));
            }
            if !w.fixed {
                return Job::Idle;
            }
            return w.take().map_or(Job::Idle, Job::Chat);
        }
    };
    if !listing.reading && listing.queue.len() < concurrency && !listing.lists.is_empty() {
        listing.reading = true;
        return Job::Listing(Phase::Ready(None));
    }
    listing.queue.pop_front().map_or(Job::Idle, |chat| Job::Chat(ChatJob::new(chat, false)))
}

impl<C, K> ChatJob<C, K> {
    fn new(chat: C, unread: bool) -> ChatJob<C, K> {
        ChatJob { chat, unread, cursor: None, line_out: false, items_out: 0, phase: Phase::Ready(None), seq: None, repeat: false, skip_empty: false }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// A chat is its id (or `record:<id>` once `getChat` has read it); a cursor is the offset it starts at.
    type Machine = Export<String, u64>;

    /// In what order the simulated API answers the requests in flight.
    #[derive(Clone, Copy, Debug)]
    enum Order {
        Fifo,
        Lifo,
        /// The second oldest first, when there is one: answers overtake each other.
        Shuffled,
    }

    /// A simulated API: the chat lists (one version per page read, to let a list change while it is read),
    /// each chat's number of feed items, and the failures to answer with.
    struct Api {
        open: Vec<Vec<&'static str>>,
        archived: Vec<&'static str>,
        feeds: BTreeMap<&'static str, u64>,
        page: u64,
        /// The error class name to fail a request with: (operation, chat, offset) → name.
        fail: fn(Op, &str, u64) -> Option<&'static str>,
        budget: RateLimit,
        list_reads: usize,
        requests: Vec<(Op, String, u64)>,
    }

    fn no_failures(_: Op, _: &str, _: u64) -> Option<&'static str> {
        None
    }

    impl Api {
        fn new(open: &[&'static str]) -> Api {
            Api {
                open: vec![open.to_vec()],
                archived: Vec::new(),
                feeds: open.iter().enumerate().map(|(i, id)| (*id, (i as u64 * 2) % 7)).collect(),
                page: 3,
                fail: no_failures,
                budget: RateLimit::default(),
                list_reads: 0,
                requests: Vec::new(),
            }
        }

        fn feed_len(&self, id: &str) -> u64 {
            self.feeds.get(id).copied().unwrap_or(4)
        }
    }

    /// What a run wrote, line by line (`chat <id>`, `item <id> <n>`, `error <id> <items written>`, `summary`).
    struct Run {
        lines: Vec<String>,
        outcome: Outcome,
        most_in_flight: usize,
        longest_queue: usize,
    }

    fn listed(concurrency: u32, page_size: u32, include_archived: bool) -> Machine {
        Export::new(Options { concurrency, page_size, chats: Chats::Listed { include_archived } })
    }

    fn given(ids: &[&str]) -> Machine {
        Export::new(Options { concurrency: 2, page_size: 3, chats: Chats::Given(ids.iter().map(|id| id.to_string()).collect()) })
    }

    fn chat_id(chat: Option<&String>) -> String {
        let chat = chat.cloned().unwrap_or_default();
        chat.strip_prefix("record:").map_or(chat.clone(), str::to_owned)
    }

    /// The lines of a write, as the host would make them.
    fn render(m: &Machine, token: Token, write: Write, offset: u64, lines: &mut Vec<String>) {
        let id = chat_id(m.chat(token));
        if write.chat_line {
            lines.push(format!("chat {id}"));
        }
        for n in offset..offset + write.items {
            lines.push(format!("item {id} {n}"));
        }
        if let Some(before) = write.error {
            lines.push(format!("error {id} {before}"));
        }
    }

    fn queue_len(m: &Machine) -> usize {
        match &m.source {
            Source::Listed(listing) => listing.queue.len(),
            Source::Given(_) | Source::Window(_) => 0,
        }
    }

    /// Answers one request in flight, as `api` says, and writes what the machine asks for at once.
    fn answer(m: &mut Machine, api: &mut Api, (token, op, chat, offset): (Token, Op, String, u64), lines: &mut Vec<String>) {
        api.requests.push((op, chat.clone(), offset));
        let id = chat_id(Some(&chat));
        if let Some(name) = (api.fail)(op, &id, offset) {
            if let Failed::Write(write) = m.on_failure(token, name) {
                render(m, token, write, offset, lines);
                m.on_written(token, 1.0);
            }
            return;
        }
        match op {
            Op::ListChats | Op::ListArchivedChats => {
                let list = if op == Op::ListChats {
                    let version = api.list_reads.min(api.open.len().saturating_sub(1));
                    api.open.get(version).cloned().unwrap_or_default()
                } else {
                    api.archived.clone()
                };
                api.list_reads += 1;
                let len = list.len() as u64;
                let chats = list.iter().skip(offset as usize).take(api.page as usize).map(|id| (Some(id.to_string()), id.to_string())).collect();
                let next = (offset + api.page < len).then_some(offset + api.page);
                m.on_chats(token, ChatsPage { chats, cardinality: Some(len as f64), next, updated: Vec::new() });
            }
            Op::GetChat => m.on_chat(token, format!("record:{id}")),
            _ => {
                let len = api.feed_len(&id);
                let items = api.page.min(len.saturating_sub(offset));
                let next = (offset + items < len).then_some(offset + items);
                if let Some(write) = m.on_feed(token, FeedPage { items, next }) {
                    render(m, token, write, offset, lines);
                    m.on_written(token, 1.0);
                }
            }
        }
    }

    /// Drives `m` against `api` to its end: starts what it says, answers in `order`, and writes the summary.
    #[allow(clippy::panic)] // a test helper: a machine that idles with nothing in flight fails the test
    fn drive(m: &mut Machine, api: &mut Api, order: Order) -> Run {
        let mut now = 0.0;
        let mut in_flight: Vec<(Token, Op, String, u64)> = Vec::new();
        let mut run = Run { lines: Vec::new(), outcome: Outcome::Stopped, most_in_flight: 0, longest_queue: 0 };
        for _ in 0..100_000 {
            run.longest_queue = run.longest_queue.max(queue_len(m));
            let budget = api.budget;
            match m.poll(now, &budget) {
                Action::Request(r) => {
                    assert!(!in_flight.iter().any(|(t, ..)| *t == r.token), "one request per worker");
                    in_flight.push((r.token, r.op, r.chat.cloned().unwrap_or_default(), r.cursor.copied().unwrap_or(0)));
                    run.most_in_flight = run.most_in_flight.max(in_flight.len());
                }
                Action::Summary(token, tally) => {
                    run.lines.push(format!("summary {} {:?} {} {}", tally.chats_done, tally.chats_total, tally.items, tally.errors));
                    m.on_written(token, 1.0);
                }
                Action::Checkpoint(token, _) => m.on_written(token, 1.0),
                Action::Done(outcome) => {
                    assert!(in_flight.is_empty(), "done with requests in flight");
                    run.outcome = outcome;
                    return run;
                }
                Action::Wait(ms) if in_flight.is_empty() => now += ms,
                Action::Wait(_) | Action::Idle => {
                    let at = match order {
                        Order::Fifo => 0,
                        Order::Lifo => in_flight.len().saturating_sub(1),
                        Order::Shuffled => usize::from(in_flight.len() > 1),
                    };
                    if in_flight.is_empty() {
                        panic!("idle with nothing in flight");
                    }
                    let request = in_flight.remove(at);
                    answer(m, api, request, &mut run.lines);
                }
            }
        }
        panic!("the export never ended");
    }

    /// Checks the lines of a complete export of `chats` (each once, its line before its items, which come
    /// once and in order), and returns the summary line.
    fn assert_complete(run: &Run, api: &Api, chats: &[&str]) -> String {
        assert_eq!(run.outcome, Outcome::Complete);
        let summary = run.lines.last().cloned().unwrap_or_default();
        assert!(summary.starts_with("summary "), "{summary}");
        assert_eq!(run.lines.iter().filter(|l| l.starts_with("summary")).count(), 1);
        for id in chats {
            let chat_at: Vec<usize> = run.lines.iter().enumerate().filter(|(_, l)| **l == format!("chat {id}")).map(|(i, _)| i).collect();
            assert_eq!(chat_at.len(), 1, "{id} once: {:?}", run.lines);
            let items: Vec<(usize, &String)> = run.lines.iter().enumerate().filter(|(_, l)| l.starts_with(&format!("item {id} "))).collect();
            let expected: Vec<String> = (0..api.feed_len(id)).map(|n| format!("item {id} {n}")).collect();
            assert_eq!(items.iter().map(|(_, l)| (*l).clone()).collect::<Vec<_>>(), expected, "the feed of {id}, once and in order");
            assert!(items.iter().all(|(at, _)| chat_at.iter().all(|c| c < at)), "the line of {id} before its items");
        }
        let chat_lines = run.lines.iter().filter(|l| l.starts_with("chat ")).count();
        assert_eq!(chat_lines, chats.len(), "no other chat");
        summary
    }

    #[allow(clippy::panic)] // a test helper: an action that is not a request fails the test
    fn requested(action: Action<'_, String, u64>) -> (Token, Op, Option<u64>) {
        match action {
            Action::Request(r) => (r.token, r.op, r.cursor.copied()),
            other => panic!("expected a request, got {other:?}"),
        }
    }

    #[allow(clippy::panic)] // a test helper: an action that is not the summary fails the test
    fn summary(action: Action<'_, String, u64>) -> (Token, Tally) {
        match action {
            Action::Summary(token, tally) => (token, tally),
            other => panic!("expected the summary, got {other:?}"),
        }
    }

    const TWELVE: [&str; 12] = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"];

    #[test]
    fn every_chat_is_written_once_before_its_items_in_any_answer_order() {
        for order in [Order::Fifo, Order::Lifo, Order::Shuffled] {
            for concurrency in [1, 3, 8] {
                let mut api = Api::new(&TWELVE);
                let mut m = listed(concurrency, 3, false);
                let run = drive(&mut m, &mut api, order);
                let items: u64 = TWELVE.iter().map(|id| api.feed_len(id)).sum();
                let summary = assert_complete(&run, &api, &TWELVE);
                assert_eq!(summary, format!("summary 12 Some(12.0) {items} 0"), "{order:?} {concurrency}");
                assert!(run.most_in_flight <= concurrency as usize, "at most one request per worker");
                assert!(run.longest_queue <= 3 + concurrency as usize, "a page plus one per worker, at most: {}", run.longest_queue);
                // Pages of three: the list is read at 0, 3, 6 and 9, and the cardinality ends it.
                let list_pages: Vec<u64> = api.requests.iter().filter(|(op, ..)| *op == Op::ListChats).map(|(_, _, offset)| *offset).collect();
                assert_eq!(list_pages, [0, 3, 6, 9]);
            }
        }
    }

    #[test]
    fn a_chat_the_list_shifts_onto_the_next_page_is_exported_once() {
        // Between the first and the second read, a new chat "z" arrives at the top: "c" moves onto page two.
        let mut api = Api::new(&["a", "b", "c", "d", "e"]);
        api.open = vec![vec!["a", "b", "c", "d", "e"], vec!["z", "a", "b", "c", "d", "e"]];
        let mut m = listed(2, 3, false);
        let run = drive(&mut m, &mut api, Order::Fifo);
        let summary = assert_complete(&run, &api, &["a", "b", "c", "d", "e"]);
        assert!(summary.starts_with("summary 5 "), "{summary}");
    }

    #[test]
    fn a_chat_whose_feed_fails_gets_an_error_line_and_the_export_goes_on() {
        let mut api = Api::new(&TWELVE);
        api.feeds.insert("c", 7);
        api.feeds.insert("f", 2);
        // The second page of "c" fails (after three items were written), and the first page of "f".
        api.fail = |op, id, offset| (op == Op::GetFeed && ((id == "c" && offset == 3) || id == "f")).then_some("ServerError");
        let mut m = listed(4, 3, false);
        let run = drive(&mut m, &mut api, Order::Shuffled);
        assert_eq!(run.outcome, Outcome::Complete);
        let of = |id: &str| run.lines.iter().filter(|l| l.split(' ').nth(1) == Some(id)).cloned().collect::<Vec<_>>();
        assert_eq!(of("c"), ["chat c", "item c 0", "item c 1", "item c 2", "error c 3"]);
        assert_eq!(of("f"), ["chat f", "error f 0"], "the chat line comes first when the first page fails");
        let items: u64 = TWELVE.iter().filter(|id| !["c", "f"].contains(id)).map(|id| api.feed_len(id)).sum::<u64>() + 3;
        assert_eq!(run.lines.last().cloned().unwrap_or_default(), format!("summary 12 Some(12.0) {items} 2"));
    }

    #[test]
    fn a_refused_key_ends_the_export_and_nothing_new_starts() {
        let mut api = Api::new(&TWELVE);
        api.fail = |op, id, _| (op == Op::GetFeed && id == "e").then_some("AuthenticationError");
        let mut m = listed(3, 3, false);
        let run = drive(&mut m, &mut api, Order::Fifo);
        assert_eq!(run.outcome, Outcome::Failed);
        assert!(!run.lines.iter().any(|l| l.starts_with("summary") || l.starts_with("error")), "{:?}", run.lines);
        let failed_at = api.requests.iter().position(|(op, id, _)| *op == Op::GetFeed && id == "e").unwrap_or(usize::MAX);
        // Only the requests already in flight when it failed were answered after it.
        assert!(api.requests.len() - failed_at <= 3, "{:?}", api.requests);
    }

    #[test]
    fn a_chat_list_that_fails_ends_the_export() {
        let mut api = Api::new(&TWELVE);
        api.fail = |op, _, offset| (op == Op::ListChats && offset == 3).then_some("ServerError");
        let mut m = listed(2, 3, false);
        let run = drive(&mut m, &mut api, Order::Fifo);
        assert_eq!(run.outcome, Outcome::Failed);
        assert!(!run.lines.iter().any(|l| l.starts_with("summary")));
    }

    #[test]
    fn named_chats_are_read_with_get_chat_first() {
        let mut api = Api::new(&["a", "b", "c"]);
        api.fail = |op, id, _| (op == Op::GetChat && id == "nobody").then_some("NotFoundError");
        let mut m = given(&["b", "nobody", "c"]);
        assert_eq!(m.tally().chats_total, Some(3.0), "the total is known at once");
        let run = drive(&mut m, &mut api, Order::Lifo);
        assert!(run.lines.contains(&"error nobody 0".to_owned()));
        assert!(!run.lines.contains(&"chat nobody".to_owned()), "a chat that could not be read has no chat line");
        let items = api.feed_len("b") + api.feed_len("c");
        assert_eq!(run.lines.last().cloned().unwrap_or_default(), format!("summary 3 Some(3.0) {items} 1"));
        assert!(!api.requests.iter().any(|(op, ..)| *op == Op::ListChats), "no list is read");
        for id in ["b", "c"] {
            let first = api.requests.iter().position(|(_, chat, _)| chat_id(Some(chat)) == id);
            let get = api.requests.iter().position(|(op, chat, _)| *op == Op::GetChat && chat == id);
            assert!(first.is_some() && first == get, "{id}: its record first");
            assert!(api.requests.iter().any(|(op, chat, _)| *op == Op::GetFeed && *chat == format!("record:{id}")), "the feed request holds the record read");
        }
    }

    #[test]
    fn archived_chats_follow_the_open_ones_when_asked() {
        let mut api = Api::new(&["a", "b", "c", "d"]);
        api.archived = vec!["x", "y"];
        let mut m = listed(2, 3, true);
        let run = drive(&mut m, &mut api, Order::Fifo);
        let summary = assert_complete(&run, &api, &["a", "b", "c", "d", "x", "y"]);
        assert!(summary.starts_with("summary 6 Some(6.0) "), "the total adds both lists: {summary}");
        let lists: Vec<(Op, u64)> = api.requests.iter().filter(|(op, ..)| *op != Op::GetFeed).map(|(op, _, offset)| (*op, *offset)).collect();
        assert_eq!(lists, [(Op::ListChats, 0), (Op::ListChats, 3), (Op::ListArchivedChats, 0)]);
        let mut without = Api::new(&["a", "b"]);
        without.archived = vec!["x"];
        let run = drive(&mut listed(2, 3, false), &mut without, Order::Fifo);
        assert!(!run.lines.contains(&"chat x".to_owned()));
    }

    #[test]
    fn a_low_budget_spaces_the_requests_out() {
        let mut m = given(&["a", "b"]);
        let low = RateLimit { limit: Some(750.0), remaining: Some(100.0), cost: Some(1.0), full_in_seconds: None };
        // Two workers, 12.5 units a second: each waits 160 ms before its request.
        assert_eq!(m.poll(1000.0, &low), Action::Wait(160.0));
        assert_eq!(m.poll(1100.0, &low), Action::Wait(60.0), "the wait is worked out once");
        assert!(matches!(m.poll(1160.0, &low), Action::Request(Request { token: 0, op: Op::GetChat, .. })));
        assert!(matches!(m.poll(1160.0, &low), Action::Request(Request { token: 1, .. })));
        assert_eq!(m.poll(1160.0, &low), Action::Idle);
        m.on_chat(0, "record:a".into());
        // A full budget: at once.
        assert!(matches!(m.poll(1200.0, &RateLimit::default()), Action::Request(Request { token: 0, op: Op::GetFeed, .. })));
    }

    #[test]
    fn a_stopped_export_starts_nothing_and_ends_once_its_requests_are_back() {
        let mut m = listed(2, 3, false);
        let mut api = Api::new(&TWELVE);
        let none = RateLimit::default();
        assert_eq!(requested(m.poll(0.0, &none)), (0, Op::ListChats, None));
        answer(&mut m, &mut api, (0, Op::ListChats, String::new(), 0), &mut Vec::new());
        assert!(matches!(m.poll(0.0, &none), Action::Request(Request { token: 0, op: Op::GetFeed, .. })));
        m.stop();
        assert_eq!(m.poll(0.0, &none), Action::Idle, "a request is still in flight");
        assert_eq!(m.on_feed(0, FeedPage { items: 2, next: None }), None, "nothing is written after the stop");
        assert_eq!(m.poll(0.0, &none), Action::Done(Outcome::Stopped));
        assert_eq!(m.on_failure(1, "ServerError"), Failed::Ignored, "a stray failure");
    }

    #[test]
    fn lines_that_cannot_be_made_end_the_export() {
        let mut m = given(&["a"]);
        let none = RateLimit::default();
        assert!(matches!(m.poll(0.0, &none), Action::Request(_)));
        m.on_chat(0, "record:a".into());
        assert!(matches!(m.poll(0.0, &none), Action::Request(_)));
        assert_eq!(m.on_feed(0, FeedPage { items: 2, next: Some(2) }), Some(Write { chat_line: true, items: 2, error: None }));
        m.on_write_failed(0);
        assert_eq!(m.poll(0.0, &none), Action::Done(Outcome::Stopped));
    }

    #[test]
    fn the_counts_move_as_lines_are_written_and_the_summary_comes_last_once() {
        let mut m = given(&["a"]);
        let none = RateLimit::default();
        assert!(matches!(m.poll(0.0, &none), Action::Request(_)));
        m.on_chat(0, "record:a".into());
        assert!(matches!(m.poll(0.0, &none), Action::Request(Request { cursor: None, .. })));
        assert_eq!(m.on_feed(0, FeedPage { items: 3, next: Some(3) }), Some(Write { chat_line: true, items: 3, error: None }));
        assert_eq!(m.poll(0.0, &none), Action::Idle, "the reader has not taken the lines yet");
        assert_eq!(m.tally().items, 0);
        m.on_written(0, 120.0);
        assert_eq!((m.tally().items, m.tally().bytes, m.tally().chats_done), (3, 120.0, 0));
        assert!(matches!(m.poll(0.0, &none), Action::Request(Request { op: Op::GetFeed, cursor: Some(3), .. })));
        // An empty last page after the chat's line: nothing to write, and the chat is done.
        assert_eq!(m.on_feed(0, FeedPage { items: 0, next: None }), None);
        assert_eq!(m.tally().chats_done, 1);
        let (token, tally) = summary(m.poll(0.0, &none));
        assert_eq!((tally.chats_done, tally.items, tally.errors), (1, 3, 0));
        assert_eq!(m.poll(0.0, &none), Action::Idle, "the summary is being written");
        m.on_written(token, 80.0);
        assert_eq!(m.tally().bytes, 200.0);
        assert_eq!(m.poll(0.0, &none), Action::Done(Outcome::Complete));
        assert_eq!(m.poll(0.0, &none), Action::Done(Outcome::Complete));
    }

    #[test]
    fn an_export_of_nothing_writes_just_the_summary() {
        let mut api = Api::new(&[]);
        let run = drive(&mut listed(4, 250, true), &mut api, Order::Fifo);
        assert_eq!(run.lines, ["summary 0 Some(0.0) 0 0"]);
        let run = drive(&mut given(&[]), &mut api, Order::Fifo);
        assert_eq!(run.lines, ["summary 0 Some(0.0) 0 0"]);
    }
}
