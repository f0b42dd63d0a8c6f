//! The watch machine against a simulated API: customers write while it polls, pages are small, answers
//! fail, cursors are taken at random points and resumed from. Every message must come out exactly once,
//! in order within its chat.

use super::*;
use crate::watch::cursor::Cursor;

/// A small deterministic random source (xorshift), so that every run is the same.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

#[derive(Clone, Debug)]
struct FakeItem {
    id: String,
    time: i64,
    kind: ItemKind,
}

#[derive(Clone, Debug)]
struct FakeChat {
    id: String,
    created: i64,
    archived: bool,
    items: Vec<FakeItem>,
}

impl FakeChat {
    fn activity(&self) -> i64 {
        self.items.last().map_or(self.created, |i| i.time)
    }
}

/// The simulated API: a logical clock that moves on every write, like the emulator's.
struct Fake {
    clock: i64,
    seq: u64,
    chats: Vec<FakeChat>,
    /// Answer feeds from the start whatever `from` says (a coarser API than asked for).
    ignore_feed_from: bool,
    /// Answer chat lists whole whatever `from` says.
    ignore_list_from: bool,
}

impl Fake {
    fn new(chats: usize) -> Fake {
        let mut fake = Fake { clock: 1_000, seq: 0, chats: Vec::new(), ignore_feed_from: false, ignore_list_from: false };
        for n in 0..chats {
            fake.add_chat(&format!("chat-{n}"));
        }
        fake
    }

    fn add_chat(&mut self, id: &str) -> usize {
        self.clock += 10;
        self.chats.push(FakeChat { id: id.to_owned(), created: self.clock, archived: false, items: Vec::new() });
        self.chats.len() - 1
    }

    fn add(&mut self, chat: usize, kind: ItemKind) -> String {
        self.clock += 10;
        self.seq += 1;
        let id = format!("i{}", self.seq);
        let time = self.clock;
        if let Some(c) = self.chats.get_mut(chat) {
            c.items.push(FakeItem { id: id.clone(), time, kind });
        }
        id
    }

    fn write(&mut self, chat: usize) -> String {
        let id = self.add(chat, ItemKind::Message);
        if let Some(c) = self.chats.get_mut(chat) {
            if c.archived {
                c.archived = false;
                self.add(chat, ItemKind::Other);
            }
        }
        id
    }

    fn set_archived(&mut self, chat: usize, archived: bool) {
        if let Some(c) = self.chats.get_mut(chat) {
            c.archived = archived;
        }
        self.add(chat, ItemKind::Other);
    }

    fn list(&self, list: List, from: Option<i64>, offset: usize, limit: usize) -> (Vec<ChatFact>, bool) {
        let from = if self.ignore_list_from { None } else { from };
        let mut all: Vec<&FakeChat> =
            self.chats.iter().filter(|c| c.archived == (list == List::Archived) && from.is_none_or(|f| c.activity() >= f)).collect();
        all.sort_by(|a, b| b.activity().cmp(&a.activity()).then(a.id.cmp(&b.id)));
        let page: Vec<ChatFact> = all.iter().skip(offset).take(limit).map(|c| ChatFact { id: Some(c.id.clone()), activity: Some(c.activity()) }).collect();
        (page, offset + limit < all.len())
    }

    fn feed(&self, chat: &str, from: i64, offset: usize, limit: usize) -> (Vec<ItemFact>, bool) {
        let Some(c) = self.chats.iter().find(|c| c.id == chat) else { return (Vec::new(), false) };
        let all: Vec<&FakeItem> = c.items.iter().filter(|i| self.ignore_feed_from || i.time >= from).collect();
        let page = all.iter().skip(offset).take(limit).map(|i| ItemFact { id: Some(i.id.clone()), time: Some(i.time), kind: i.kind }).collect();
        (page, offset + limit < all.len())
    }

    /// Every message of every chat from `since` on, per chat, in order.
    fn messages_since(&self, since: i64) -> Vec<(String, Vec<String>)> {
        self.chats
            .iter()
            .map(|c| (c.id.clone(), c.items.iter().filter(|i| i.kind == ItemKind::Message && i.time >= since).map(|i| i.id.clone()).collect()))
            .filter(|(_, ids): &(String, Vec<String>)| !ids.is_empty())
            .collect::<std::collections::BTreeMap<_, _>>()
            .into_iter()
            .collect()
    }
}

/// What came out of a watch.
#[derive(Default, Debug)]
struct Seen {
    messages: Vec<(String, String)>,
    chats: Vec<(String, List)>,
}

impl Seen {
    fn per_chat(&self) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for (chat, id) in &self.messages {
            match out.iter_mut().find(|(c, _)| c == chat) {
                Some((_, ids)) => ids.push(id.clone()),
                None => out.push((chat.clone(), vec![id.clone()])),
            }
        }
        out.sort();
        out
    }
}

/// Drives a watch against the fake, like `js/watch.js` drives the wasm one.
struct Driver {
    now: f64,
    offset: usize,
    feed: Vec<String>,
    budget: Option<RateLimit>,
    requests: Vec<Request>,
}

impl Driver {
    fn new() -> Driver {
        Driver { now: 0.0, offset: 0, feed: Vec::new(), budget: None, requests: Vec::new() }
    }

    /// Runs until `stop` says so after an action; `between` runs before each answer (customers writing) and may
    /// return a failure for that request instead of an answer.
    fn run(
        &mut self,
        watch: &mut Watch,
        fake: &mut Fake,
        seen: &mut Seen,
        mut between: impl FnMut(&mut Fake, &Request) -> Option<ErrorKind>,
        mut stop: impl FnMut(&Watch, &Seen, &Action) -> bool,
    ) {
        let mut steps = 0;
        loop {
            steps += 1;
            assert!(steps < 200_000, "the watch never stopped: {:?} {:?}", watch.stats(), self.requests.iter().rev().take(6).collect::<Vec<_>>());
            let action = watch.poll(self.now, self.budget.as_ref());
            match &action {
                Action::Stop => return,
                Action::Wait(ms) => self.now += *ms as f64,
                Action::Emit(Event::Chat { chat }) => {
                    let (id, list) = watch.chat(*chat).map(|(id, list)| (id.to_owned(), list)).unwrap_or_default_chat();
                    seen.chats.push((id, list));
                }
                Action::Emit(Event::Message { chat, item }) => {
                    let id = watch.chat(*chat).map(|(id, _)| id.to_owned()).unwrap_or_default();
                    seen.messages.push((id, self.feed.get(*item).cloned().unwrap_or_default()));
                }
                Action::Request(request) => {
                    self.requests.push(request.clone());
                    self.now += 1.0;
                    if let Some(kind) = between(fake, request) {
                        watch.on_failure(Some(kind), None, self.now, 0.5);
                    } else {
                        self.answer(watch, fake, request);
                    }
                }
            }
            if stop(watch, seen, &action) {
                return;
            }
        }
    }

    fn answer(&mut self, watch: &mut Watch, fake: &Fake, request: &Request) {
        match request {
            Request::Chats { list, from, limit, more } => {
                self.offset = if *more { self.offset + *limit as usize } else { 0 };
                let (page, has_next) = fake.list(*list, *from, self.offset, *limit as usize);
                watch.on_chats(&page, has_next, self.now);
            }
            Request::Feed { chat, from, limit, more } => {
                if !*more {
                    self.feed.clear();
                }
                self.offset = if *more { self.offset + *limit as usize } else { 0 };
                let id = watch.chat(*chat).map(|(id, _)| id.to_owned()).unwrap_or_default();
                let (page, has_next) = fake.feed(&id, *from, self.offset, *limit as usize);
                self.feed.extend(page.iter().map(|i| i.id.clone().unwrap_or_default()));
                watch.on_feed(page, has_next);
            }
        }
    }
}

trait OrDefaultChat {
    fn unwrap_or_default_chat(self) -> (String, List);
}

impl OrDefaultChat for Option<(String, List)> {
    fn unwrap_or_default_chat(self) -> (String, List) {
        self.unwrap_or((String::new(), List::Open))
    }
}

fn settings(interval_ms: f64, page_size: u32) -> Settings {
    Settings { interval_ms, archived: true, page_size }
}

/// Runs a watch for `polls` polls.
fn polls(n: u64) -> impl FnMut(&Watch, &Seen, &Action) -> bool {
    move |w, _, a| matches!(a, Action::Wait(_)) && w.stats().polls >= n
}

fn quiet(_: &mut Fake, _: &Request) -> Option<ErrorKind> {
    None
}

#[test]
fn customers_writing_while_it_polls_are_each_seen_once_in_order() {
    for (seed, page_size) in [(7u64, 250u32), (11, 3), (23, 1)] {
        let mut fake = Fake::new(20);
        let mut rng = Rng(seed);
        for _ in 0..40 {
            let chat = rng.below(20) as usize;
            fake.write(chat);
        }
        let start = fake.clock + 1;
        let mut watch = Watch::new(settings(100.0, page_size), Start::Now, 0.0);
        let mut seen = Seen::default();
        let mut driver = Driver::new();
        let mut writes = 0;
        driver.run(
            &mut watch,
            &mut fake,
            &mut seen,
            |fake, request| {
                // Between any two requests, customers may write: several at once, to chats anywhere in the list
                // (not while the watch reads where "now" is: what comes before that is history).
                let starting = matches!(request, Request::Chats { from: None, .. });
                if writes < 400 && !starting {
                    for _ in 0..rng.below(4) {
                        let chat = rng.below(20) as usize;
                        fake.write(chat);
                        writes += 1;
                    }
                }
                None
            },
            polls(300),
        );
        assert_eq!(seen.per_chat(), fake.messages_since(start), "seed {seed}, page size {page_size}");
        assert!(writes >= 400);
    }
}

#[test]
fn a_cursor_taken_anywhere_resumes_with_no_gap_and_no_repeat() {
    let mut rng = Rng(99);
    let mut fake = Fake::new(12);
    let start = fake.clock;
    let mut seen = Seen::default();
    let mut watch = Watch::new(settings(50.0, 2), Start::At(start), 0.0);
    let mut driver = Driver::new();
    let mut resumes = 0;
    let mut writes = 0;
    while resumes < 60 {
        // Stop after a random number of actions — mid-poll, mid-feed, between a chat event and its messages.
        let mut left = rng.below(40) + 1;
        let mut choose = Rng(rng.next() | 1);
        driver.run(
            &mut watch,
            &mut fake,
            &mut seen,
            |fake, _| {
                if writes < 300 && choose.below(3) == 0 {
                    fake.write(choose.below(12) as usize);
                    writes += 1;
                }
                None
            },
            |_, _, _| {
                left -= 1;
                left == 0
            },
        );
        let cursor = watch.cursor();
        assert!(cursor.is_some());
        let cursor = cursor.unwrap_or_default();
        // The cursor goes through its checks, as one read back from JSON does.
        let chats: Vec<(String, Mark)> = cursor.marks.iter().cloned().collect();
        let checked = Cursor::new(cursor.watermark, chats);
        assert_eq!(checked.as_ref(), Ok(&cursor));
        watch = Watch::new(settings(50.0, 2), Start::Resume(checked.unwrap_or_default()), driver.now);
        resumes += 1;
    }
    // Let it catch up.
    driver.run(&mut watch, &mut fake, &mut seen, quiet, polls(5));
    assert_eq!(seen.per_chat(), fake.messages_since(start));
}

#[test]
fn failed_requests_are_sent_again_after_a_rest_and_nothing_is_lost() {
    let mut rng = Rng(5);
    let mut fake = Fake::new(10);
    let start = fake.clock;
    let mut watch = Watch::new(settings(100.0, 4), Start::At(start), 0.0);
    let mut seen = Seen::default();
    let mut driver = Driver::new();
    let kinds = [ErrorKind::Server, ErrorKind::RateLimit, ErrorKind::Timeout, ErrorKind::Connection, ErrorKind::ResponseFormat];
    let mut failures = 0;
    driver.run(
        &mut watch,
        &mut fake,
        &mut seen,
        |fake, _| {
            if rng.below(2) == 0 {
                fake.write(rng.below(10) as usize);
            }
            if rng.below(4) == 0 {
                failures += 1;
                return kinds.get(rng.below(kinds.len() as u64) as usize).copied();
            }
            None
        },
        polls(100),
    );
    assert!(failures > 20, "{failures}");
    assert_eq!(watch.stats().failures, failures);
    driver.run(&mut watch, &mut fake, &mut seen, quiet, polls(110));
    assert_eq!(seen.per_chat(), fake.messages_since(start));
}

#[test]
fn failures_back_off_and_the_interval_comes_back_after_a_success() {
    let mut fake = Fake::new(1);
    let mut watch = Watch::new(settings(1000.0, 250), Start::At(0), 0.0);
    assert!(matches!(watch.poll(0.0, None), Action::Request(_)));
    assert_eq!(watch.on_failure(Some(ErrorKind::Server), None, 0.0, 0.0), Verdict::Continue);
    assert_eq!(watch.poll(0.0, None), Action::Wait(1000));
    assert!(matches!(watch.poll(1000.0, None), Action::Request(_)));
    watch.on_failure(Some(ErrorKind::Server), None, 1000.0, 0.0);
    assert_eq!(watch.poll(1000.0, None), Action::Wait(2000));
    assert!(matches!(watch.poll(3000.0, None), Action::Request(_)));
    // A 429's Retry-After is honoured when it is longer than the backoff.
    watch.on_failure(Some(ErrorKind::RateLimit), Some(9000.0), 3000.0, 0.0);
    assert_eq!(watch.poll(3000.0, None), Action::Wait(9000));
    let mut driver = Driver { now: 12_000.0, ..Driver::new() };
    let mut seen = Seen::default();
    driver.run(&mut watch, &mut fake, &mut seen, quiet, polls(3));
    assert_eq!(watch.stats().rest_ms, 1000.0);
}

#[test]
fn a_refused_key_or_request_ends_the_watch_and_a_lost_chat_is_passed_over() {
    for kind in [ErrorKind::Authentication, ErrorKind::InvalidRequest] {
        let mut watch = Watch::new(Settings::default(), Start::Now, 0.0);
        assert!(matches!(watch.poll(0.0, None), Action::Request(_)));
        assert_eq!(watch.on_failure(Some(kind), None, 0.0, 0.0), Verdict::Fatal);
        assert_eq!(watch.poll(10.0, None), Action::Stop);
    }
    // Something that is not one of the client's errors ends it too.
    let mut watch = Watch::new(Settings::default(), Start::Now, 0.0);
    assert_eq!(watch.on_failure(None, None, 0.0, 0.0), Verdict::Fatal);
    // A 404 on a list means a wrong address: fatal. On a feed: the chat is gone, the others go on.
    let mut watch = Watch::new(Settings::default(), Start::At(0), 0.0);
    watch.poll(0.0, None);
    assert_eq!(watch.on_failure(Some(ErrorKind::NotFound), None, 0.0, 0.0), Verdict::Fatal);
    let mut fake = Fake::new(3);
    fake.write(0);
    fake.write(1);
    let mut watch = Watch::new(settings(10.0, 250), Start::At(0), 0.0);
    let mut seen = Seen::default();
    let mut driver = Driver::new();
    driver.run(
        &mut watch,
        &mut fake,
        &mut seen,
        |_, request| matches!(request, Request::Feed { chat, .. } if *chat == 1).then_some(ErrorKind::NotFound),
        polls(1),
    );
    assert_eq!(seen.messages.len(), 1, "{seen:?}");
}

#[test]
fn an_idle_watch_sends_one_list_request_per_list_and_poll() {
    let mut fake = Fake::new(5);
    for chat in 0..5 {
        fake.write(chat);
    }
    for (archived, per_poll) in [(true, 2), (false, 1)] {
        let mut watch = Watch::new(Settings { interval_ms: 1000.0, archived, page_size: 250 }, Start::Now, 0.0);
        let mut seen = Seen::default();
        let mut driver = Driver::new();
        driver.run(&mut watch, &mut fake, &mut seen, quiet, polls(1));
        let (before, then) = (driver.requests.len(), driver.now);
        driver.run(&mut watch, &mut fake, &mut seen, quiet, polls(11));
        assert_eq!(driver.requests.len() - before, 10 * per_poll);
        assert!(driver.requests.iter().all(|r| matches!(r, Request::Chats { .. })));
        assert!(seen.messages.is_empty() && seen.chats.is_empty(), "a start at now hands out nothing old");
        // The rest is measured from each poll's start: ten polls take ten intervals.
        assert!((driver.now - then - 10_000.0).abs() < 1.0, "{}", driver.now - then);
    }
}

#[test]
fn a_start_at_a_time_hands_out_everything_from_it() {
    let mut fake = Fake::new(3);
    let ids: Vec<String> = (0..6).map(|n| fake.write(n % 3)).collect();
    let third = ids.get(2).cloned().unwrap_or_default();
    let from = fake.chats.iter().flat_map(|c| c.items.iter()).find(|i| i.id == third).map_or(0, |i| i.time);
    let mut watch = Watch::new(settings(10.0, 250), Start::At(from), 0.0);
    let mut seen = Seen::default();
    Driver::new().run(&mut watch, &mut fake, &mut seen, quiet, polls(2));
    let mut got: Vec<String> = seen.messages.iter().map(|(_, id)| id.clone()).collect();
    got.sort();
    assert_eq!(Some(got.as_slice()), ids.get(2..));
}

#[test]
fn chats_appearing_being_archived_and_coming_back_are_announced() {
    let mut fake = Fake::new(2);
    fake.write(0);
    let mut watch = Watch::new(settings(10.0, 250), Start::Now, 0.0);
    let mut seen = Seen::default();
    let mut driver = Driver::new();
    driver.run(&mut watch, &mut fake, &mut seen, quiet, polls(1));
    let new_chat = fake.add_chat("newcomer");
    fake.write(new_chat);
    driver.run(&mut watch, &mut fake, &mut seen, quiet, polls(2));
    assert_eq!(seen.chats, vec![("newcomer".to_owned(), List::Open)]);
    fake.set_archived(0, true);
    driver.run(&mut watch, &mut fake, &mut seen, quiet, polls(3));
    assert_eq!(seen.chats.last(), Some(&("chat-0".to_owned(), List::Archived)));
    // A customer writing into an archived chat brings it back.
    let id = fake.write(0);
    driver.run(&mut watch, &mut fake, &mut seen, quiet, polls(4));
    assert_eq!(seen.chats.last(), Some(&("chat-0".to_owned(), List::Open)));
    assert_eq!(seen.messages.last(), Some(&("chat-0".to_owned(), id)));
    assert_eq!(seen.chats.len(), 3);
    // Quiet polls announce nothing again.
    driver.run(&mut watch, &mut fake, &mut seen, quiet, polls(8));
    assert_eq!(seen.chats.len(), 3);
    // Without the archived list, archiving is not seen, and the archived list is never asked for.
    let mut watch = Watch::new(Settings { interval_ms: 10.0, archived: false, page_size: 250 }, Start::Now, driver.now);
    let mut seen = Seen::default();
    let mut open_only = Driver { now: driver.now, ..Driver::new() };
    open_only.run(&mut watch, &mut fake, &mut seen, quiet, polls(1));
    fake.set_archived(1, true);
    open_only.run(&mut watch, &mut fake, &mut seen, quiet, polls(3));
    assert!(seen.chats.is_empty());
    assert!(open_only.requests.iter().all(|r| !matches!(r, Request::Chats { list: List::Archived, .. })));
}

#[test]
fn notes_are_messages_and_archive_events_are_handled_silently() {
    let mut fake = Fake::new(1);
    let mut watch = Watch::new(settings(10.0, 250), Start::At(0), 0.0);
    fake.write(0);
    fake.set_archived(0, true);
    fake.set_archived(0, false);
    fake.write(0);
    let mut seen = Seen::default();
    Driver::new().run(&mut watch, &mut fake, &mut seen, quiet, polls(3));
    assert_eq!(seen.messages.len(), 2);
    assert_eq!(watch.stats().events, 3, "one chat event and two messages");
}

#[test]
fn an_api_coarser_than_asked_repeats_nothing() {
    let mut fake = Fake::new(4);
    fake.ignore_feed_from = true;
    fake.ignore_list_from = true;
    let mut rng = Rng(3);
    let mut watch = Watch::new(settings(10.0, 3), Start::At(0), 0.0);
    let mut seen = Seen::default();
    let mut driver = Driver::new();
    let mut writes = 0;
    driver.run(
        &mut watch,
        &mut fake,
        &mut seen,
        |fake, _| {
            if writes < 100 && rng.below(3) == 0 {
                fake.write(rng.below(4) as usize);
                writes += 1;
            }
            None
        },
        polls(60),
    );
    driver.run(&mut watch, &mut fake, &mut seen, quiet, polls(64));
    assert_eq!(seen.per_chat(), fake.messages_since(0));
    // Once caught up, a chat that did not move is not read again.
    let before = driver.requests.len();
    driver.run(&mut watch, &mut fake, &mut seen, quiet, polls(70));
    assert!(driver.requests.get(before..).is_some_and(|r| r.iter().all(|r| matches!(r, Request::Chats { .. }))));
}

#[test]
fn items_without_an_id_or_a_time_are_passed_over_and_a_list_without_activity_still_works() {
    let mut watch = Watch::new(settings(10.0, 250), Start::At(0), 0.0);
    assert!(matches!(watch.poll(0.0, None), Action::Request(Request::Chats { list: List::Open, from: Some(0), .. })));
    let slots = watch.on_chats(&[ChatFact { id: Some("a".into()), activity: None }, ChatFact { id: None, activity: Some(5) }], false, 1.0);
    assert_eq!(slots, vec![Some(0), None]);
    assert!(matches!(watch.poll(1.0, None), Action::Request(Request::Chats { list: List::Archived, .. })));
    watch.on_chats(&[ChatFact { id: Some("a".into()), activity: None }], false, 1.0);
    assert_eq!(watch.poll(2.0, None), Action::Request(Request::Feed { chat: 0, from: 0, limit: 250, more: false }));
    let item = |id: Option<&str>, time: Option<i64>| ItemFact { id: id.map(str::to_owned), time, kind: ItemKind::Message };
    watch.on_feed(vec![item(None, Some(1)), item(Some("x"), None), item(Some("y"), Some(3)), item(Some("z"), Some(2))], false);
    // Unknown activity: the chat event is due because a new message came.
    assert_eq!(watch.poll(3.0, None), Action::Emit(Event::Chat { chat: 0 }));
    assert_eq!(watch.poll(3.0, None), Action::Emit(Event::Message { chat: 0, item: 3 }));
    assert_eq!(watch.poll(3.0, None), Action::Emit(Event::Message { chat: 0, item: 2 }));
    assert!(matches!(watch.poll(3.0, None), Action::Wait(_)));
}

#[test]
fn a_low_budget_widens_the_rest_and_the_cursor_stays_small() {
    let mut fake = Fake::new(30);
    let mut rng = Rng(17);
    let mut watch = Watch::new(settings(100.0, 250), Start::Now, 0.0);
    let mut seen = Seen::default();
    let mut driver = Driver::new();
    driver.run(
        &mut watch,
        &mut fake,
        &mut seen,
        |fake, _| {
            fake.write(rng.below(30) as usize);
            None
        },
        polls(20),
    );
    driver.run(&mut watch, &mut fake, &mut seen, quiet, polls(22));
    // Quiet again: only the chat(s) at the watermark's millisecond keep a mark.
    assert!(watch.cursor().is_some_and(|c| c.marks.len() <= 1), "{:?}", watch.cursor());
    driver.budget = Some(RateLimit { limit: Some(750.0), remaining: Some(75.0), cost: Some(1.0), full_in_seconds: Some(54.0) });
    driver.run(&mut watch, &mut fake, &mut seen, quiet, polls(23));
    assert_eq!(watch.stats().rest_ms, 500.0);
    driver.budget = Some(RateLimit { limit: Some(750.0), remaining: Some(740.0), cost: Some(1.0), full_in_seconds: Some(1.0) });
    driver.run(&mut watch, &mut fake, &mut seen, quiet, polls(24));
    assert_eq!(watch.stats().rest_ms, 100.0);
}

/// Runs the two list requests of an empty poll.
fn empty_poll(watch: &mut Watch, now: f64, budget: Option<&RateLimit>) {
    for _ in 0..2 {
        assert!(matches!(watch.poll(now, budget), Action::Request(Request::Chats { .. })));
        watch.on_chats(&[], false, now);
    }
}

#[test]
fn a_wake_up_cuts_the_rest_short_but_not_below_the_gap_nor_through_a_low_budget() {
    // Resting for a minute; a push 10 ms into the rest starts the next poll a second after the last one started.
    let mut watch = Watch::new(settings(60_000.0, 250), Start::At(0), 0.0);
    empty_poll(&mut watch, 0.0, None);
    assert_eq!(watch.poll(0.0, None), Action::Wait(60_000));
    watch.wake(10.0);
    assert_eq!(watch.poll(10.0, None), Action::Wait(990));
    assert!(matches!(watch.poll(1000.0, None), Action::Request(_)));
    // Long after the last poll, a push starts one at once.
    watch.on_chats(&[], false, 1000.0);
    watch.poll(1000.0, None);
    watch.on_chats(&[], false, 1000.0);
    watch.wake(30_000.0);
    assert!(matches!(watch.poll(30_000.0, None), Action::Request(_)));
    // A push during a poll: the next one starts a second after that one's start, not a minute.
    let mut during = Watch::new(settings(60_000.0, 250), Start::At(0), 0.0);
    assert!(matches!(during.poll(0.0, None), Action::Request(_)));
    during.wake(0.0);
    during.on_chats(&[], false, 0.0);
    assert!(matches!(during.poll(0.0, None), Action::Request(_)));
    during.on_chats(&[], false, 0.0);
    assert_eq!(during.poll(0.0, None), Action::Wait(1000));
    // A low budget holds the rest: a push does not shorten it.
    let low = RateLimit { limit: Some(750.0), remaining: Some(10.0), cost: Some(1.0), full_in_seconds: Some(59.0) };
    let mut held = Watch::new(settings(1000.0, 250), Start::At(0), 0.0);
    empty_poll(&mut held, 0.0, Some(&low));
    let rest = held.poll(0.0, Some(&low));
    assert!(matches!(rest, Action::Wait(ms) if ms > 1000), "{rest:?}");
    held.wake(10.0);
    let Action::Wait(ms) = rest else { return };
    assert_eq!(held.poll(10.0, Some(&low)), Action::Wait(ms - 10));
    // The interval can change between rests (a relay connecting, or going away); nonsense is ignored.
    held.set_interval(50.0);
    held.set_interval(f64::NAN);
    assert_eq!(held.settings.interval_ms, 50.0);
}
