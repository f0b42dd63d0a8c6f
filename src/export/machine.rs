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
use crate::rate_limit::RateLimit;
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
}

/// What the driver does next.
#[derive(Debug, PartialEq)]
pub enum Action<'a, C, K> {
    /// Start this request.
    Request(Request<'a, C, K>),
    /// Write the summary line with these counts, and report it written through `token`.
    Summary(Token, Tally),
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

    /// The operation of worker `token`'s request in flight, which says what its result is.
    pub fn expecting(&self, token: Token) -> Option<Op> {
        match (self.workers.get(token as usize)?, &self.source) {
            (Job::Listing(Phase::Requesting), Source::Listed(listing)) => listing.lists.front().map(|list| list.op()),
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
        for job in self.workers.iter_mut() {
            if matches!(job, Job::Idle) {
                *job = take_work(&mut self.source, concurrency);
            }
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
            Job::Chat(job) if job.unread => Some(Request { token: number, op: Op::GetChat, chat: Some(&job.chat), cursor: None }),
            Job::Chat(job) => Some(Request { token: number, op: Op::GetFeed, chat: Some(&job.chat), cursor: job.cursor.as_ref() }),
            Job::Listing(_) => match &self.source {
                Source::Listed(listing) => Some(Request { token: number, op: listing.lists.front()?.op(), chat: None, cursor: listing.cursor.as_ref() }),
                Source::Given(_) => None,
            },
            Job::Idle | Job::Summary => None,
        }
    }

    /// Takes a page of a chat list: queues its chats not seen lately, and moves on to the next page or list.
    pub fn on_chats(&mut self, token: Token, page: ChatsPage<C, K>) {
        let Some(job) = self.workers.get_mut(token as usize) else { return };
        if !matches!(job, Job::Listing(Phase::Requesting)) {
            return;
        }
        *job = Job::Idle;
        let Source::Listed(listing) = &mut self.source else { return };
        listing.reading = false;
        if self.ended.is_some() {
            return;
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
        if !write.chat_line && write.items == 0 {
            chat_job.phase = Phase::Ready(None);
            if then != Then::NextPage {
                self.tally.chat_done(false);
                *job = Job::Idle;
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
                if let Source::Listed(listing) = &mut self.source {
                    listing.reading = false;
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
                        if !ended {
                            self.tally.chat_done(failed);
                        }
                        *job = Job::Idle;
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
    };
    if !listing.reading && listing.queue.len() < concurrency && !listing.lists.is_empty() {
        listing.reading = true;
        return Job::Listing(Phase::Ready(None));
    }
    listing.queue.pop_front().map_or(Job::Idle, |chat| Job::Chat(ChatJob::new(chat, false)))
}

impl<C, K> ChatJob<C, K> {
    fn new(chat: C, unread: bool) -> ChatJob<C, K> {
        ChatJob { chat, unread, cursor: None, line_out: false, items_out: 0, phase: Phase::Ready(None) }
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
            Source::Given(_) => 0,
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
                m.on_chats(token, ChatsPage { chats, cardinality: Some(len as f64), next });
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
