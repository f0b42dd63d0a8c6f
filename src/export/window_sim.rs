//! Window mode (`since`, `resume`) driven against a simulated API whose chat list changes while it is read:
//! chats get new messages (and move to the top), are archived and unarchived, and new chats start. Runs are
//! killed at random points and resumed from their last checkpoint line.
#![allow(clippy::panic)] // tests: a run that does not go as expected fails the test

use crate::endpoints::Op;
use crate::export::machine::{Action, Chats, ChatsPage, Export, Failed, FeedPage, Options, Range, Token, WindowOptions};
use crate::export::window::Checkpoint;
use crate::call::RateLimit;
use std::collections::{BTreeMap, BTreeSet};

type Machine = Export<String, u64>;
/// A request in flight: its worker, operation, chat, feed cursor and window bounds.
type InFlight = (Token, Op, String, Option<u64>, Option<Range>);

const SITE: &str = "GSN-000000-A";

struct Chat {
    id: String,
    archived: bool,
    created: i64,
    /// Item ids and times, oldest first.
    items: Vec<(String, i64)>,
}

impl Chat {
    fn updated(&self) -> i64 {
        self.items.last().map_or(self.created, |(_, t)| *t)
    }
}

/// The simulated API: a logical clock that moves on with every write, as the emulator's does.
struct Sim {
    clock: i64,
    chats: Vec<Chat>,
    seq: u64,
    rng: u64,
    page: u64,
    /// Mutate before one answer in this many (0: never).
    churn: u64,
    requests: u64,
}

impl Sim {
    fn new(chats: usize, items: usize, seed: u64) -> Sim {
        let mut sim = Sim { clock: 1_000_000, chats: Vec::new(), seq: 0, rng: seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1, page: 4, churn: 0, requests: 0 };
        for n in 0..chats {
            sim.new_chat(&format!("c{n:03}"));
            for _ in 0..(n * 7 + items) % (items + 3) {
                sim.write(n);
            }
        }
        sim
    }

    fn next(&mut self) -> u64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng
    }

    fn tick(&mut self) -> i64 {
        self.clock += 1000;
        self.clock
    }

    fn new_chat(&mut self, id: &str) {
        let created = self.tick();
        self.chats.push(Chat { id: id.to_owned(), archived: false, created, items: Vec::new() });
    }

    fn write(&mut self, chat: usize) {
        self.seq += 1;
        let t = self.tick();
        let id = format!("m{}", self.seq);
        if let Some(c) = self.chats.get_mut(chat) {
            c.items.push((id, t));
        }
    }

    /// One change: a message, an archive or unarchive (with its event), or a new chat.
    fn mutate(&mut self) {
        let pick = (self.next() % self.chats.len().max(1) as u64) as usize;
        match self.next() % 6 {
            0 => {
                let id = format!("new{}", self.seq);
                self.new_chat(&id);
                self.write(self.chats.len() - 1);
            }
            1 | 2 => {
                self.write(pick);
                if let Some(c) = self.chats.get_mut(pick) {
                    c.archived = !c.archived;
                }
            }
            _ => self.write(pick),
        }
    }

    fn list(&self, archived: bool, range: Range) -> (Vec<(String, i64)>, bool, usize) {
        let mut all: Vec<(String, i64)> = self
            .chats
            .iter()
            .filter(|c| c.archived == archived && c.updated() >= range.from && range.to.is_none_or(|to| c.updated() <= to))
            .map(|c| (c.id.clone(), c.updated()))
            .collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let len = all.len();
        let page: Vec<_> = all.into_iter().skip(range.offset as usize).take(self.page as usize).collect();
        let more = range.offset as usize + page.len() < len;
        (page, more, len)
    }

    fn feed(&self, id: &str, range: Range, offset: u64) -> (Vec<String>, bool) {
        let Some(chat) = self.chats.iter().find(|c| c.id == id) else { return (Vec::new(), false) };
        let all: Vec<&(String, i64)> = chat.items.iter().filter(|(_, t)| *t >= range.from && range.to.is_none_or(|to| *t <= to)).collect();
        let page: Vec<String> = all.iter().skip(offset as usize).take(self.page as usize).map(|(id, _)| id.clone()).collect();
        (page.clone(), offset as usize + page.len() < all.len())
    }

    /// Every item stamped from `since` to `to`, by chat.
    fn window(&self, since: i64, to: i64) -> BTreeMap<String, Vec<String>> {
        self.chats
            .iter()
            .map(|c| (c.id.clone(), c.items.iter().filter(|(_, t)| *t >= since && *t <= to).map(|(id, _)| id.clone()).collect::<Vec<_>>()))
            .filter(|(_, items)| !items.is_empty())
            .collect()
    }
}

/// What a run wrote.
#[derive(Debug, Default)]
struct Run {
    /// `(chat, repeat)` for each chat line.
    chats: Vec<(String, bool)>,
    /// `(chat, item)` for each item line.
    items: Vec<(String, String)>,
    checkpoints: Vec<Checkpoint>,
    summary: Option<(u64, Option<i64>)>,
    errors: u64,
}

fn machine(since: i64, include_archived: bool, resume: Option<Checkpoint>) -> Machine {
    Export::new(Options { concurrency: 3, page_size: 4, chats: Chats::Window(WindowOptions { since, include_archived, resume }) })
}

/// Drives `m` against `sim`; stops (as a killed process would) after `kill_after` answers, if given.
fn drive(m: &mut Machine, sim: &mut Sim, kill_after: Option<u64>) -> Run {
    let mut run = Run::default();
    let mut in_flight: Vec<InFlight> = Vec::new();
    let mut answers = 0u64;
    for _ in 0..1_000_000 {
        match m.poll(0.0, &RateLimit::default()) {
            Action::Request(r) => in_flight.push((r.token, r.op, r.chat.cloned().unwrap_or_default(), r.cursor.copied(), r.range)),
            Action::Checkpoint(token, cp) => {
                run.checkpoints.push(cp);
                m.on_written(token, 1.0);
            }
            Action::Summary(token, tally) => {
                run.summary = Some((tally.chats_done, m.watermark()));
                run.errors = tally.errors;
                m.on_written(token, 1.0);
            }
            Action::Done(_) => return run,
            Action::Wait(_) | Action::Idle => {
                if kill_after.is_some_and(|k| answers >= k) {
                    return run;
                }
                assert!(!in_flight.is_empty(), "idle with nothing in flight");
                // Answers overtake each other: take one of the first two.
                let at = (sim.next() % in_flight.len().min(2) as u64) as usize;
                let (token, op, chat, cursor, range) = in_flight.remove(at);
                answers += 1;
                sim.requests += 1;
                if sim.churn > 0 && sim.next() % sim.churn == 0 {
                    sim.mutate();
                }
                let Some(range) = range else { panic!("window mode sends its ranges") };
                match op {
                    Op::ListChats | Op::ListArchivedChats => {
                        let (page, more, len) = sim.list(op == Op::ListArchivedChats, range);
                        let updated = page.iter().map(|(_, t)| Some(*t)).collect();
                        let chats = page.into_iter().map(|(id, _)| (Some(id.clone()), id)).collect();
                        assert!(m.on_chats(token, ChatsPage { chats, cardinality: Some(len as f64), next: more.then_some(0), updated }));
                    }
                    _ => {
                        let offset = cursor.unwrap_or(0);
                        let (items, more) = sim.feed(&chat, range, offset);
                        let next = more.then_some(offset + items.len() as u64);
                        if let Some(write) = m.on_feed(token, FeedPage { items: items.len() as u64, next }) {
                            if write.chat_line {
                                run.chats.push((chat.clone(), m.is_repeat(token)));
                            }
                            run.items.extend(items.into_iter().map(|item| (chat.clone(), item)));
                            m.on_written(token, 1.0);
                        }
                    }
                }
            }
        }
    }
    panic!("the export never ended");
}

#[test]
fn a_quiet_window_exports_everything_once_with_checkpoints_and_its_watermark() {
    for archived in [false, true] {
        let mut sim = Sim::new(23, 5, 1);
        for n in [2, 5, 11] {
            if let Some(c) = sim.chats.get_mut(n) {
                c.archived = true;
            }
        }
        let newest = sim.clock;
        let run = drive(&mut machine(0, archived, None), &mut sim, None);
        let mut expected = sim.window(0, newest);
        if !archived {
            expected.retain(|id, _| !["c002", "c005", "c011"].contains(&id.as_str()));
        }
        let got: BTreeSet<_> = run.items.iter().cloned().collect();
        assert_eq!(got.len(), run.items.len(), "no item twice");
        let want: BTreeSet<_> = expected.iter().flat_map(|(c, items)| items.iter().map(|i| (c.clone(), i.clone()))).collect();
        assert_eq!(got, want);
        assert!(run.chats.iter().all(|(_, repeat)| !repeat));
        assert_eq!(run.summary, Some((run.chats.len() as u64, Some(newest))), "the watermark is the newest time listed");
        assert!(run.checkpoints.len() >= run.chats.len() / 3, "a checkpoint at least every `concurrency` chats");
    }
}

#[test]
fn an_incremental_run_exports_only_what_changed_since_the_watermark() {
    let mut sim = Sim::new(30, 4, 2);
    let first = drive(&mut machine(0, true, None), &mut sim, None);
    let Some((_, Some(watermark))) = first.summary else { panic!("a watermark") };
    for _ in 0..12 {
        sim.mutate();
    }
    let second = drive(&mut machine(watermark, true, None), &mut sim, None);
    let want: BTreeSet<_> = sim.window(watermark, sim.clock).into_iter().flat_map(|(c, items)| items.into_iter().map(move |i| (c.clone(), i))).collect();
    let got: BTreeSet<_> = second.items.iter().cloned().collect();
    assert_eq!(got, want, "exactly the items from the watermark on");
    let changed: BTreeSet<_> = want.iter().map(|(c, _)| c.clone()).collect();
    assert_eq!(second.chats.iter().map(|(c, _)| c.clone()).collect::<BTreeSet<_>>(), changed, "only the chats that changed");
    assert_eq!(second.summary.and_then(|s| s.1), Some(sim.clock));
    // Nothing changed: an empty run keeps the watermark.
    let third = drive(&mut machine(sim.clock + 1, true, None), &mut sim, None);
    assert!(third.items.is_empty() && third.chats.is_empty());
    assert_eq!(third.summary, Some((0, Some(sim.clock + 1))));
}

/// Checks the union of a killed run and its resumed run: every item of the window once, except in chats the
/// resumed run marks as repeats. Returns the number of repeated chats.
fn assert_union(first: &Run, second: &Run, sim: &Sim, since: i64, to: i64, archived_seen: bool) -> usize {
    let repeats: BTreeSet<&String> = second.chats.iter().filter(|(_, r)| *r).map(|(c, _)| c).collect();
    let mut count: BTreeMap<(String, String), u32> = BTreeMap::new();
    for line in first.items.iter().chain(&second.items) {
        *count.entry(line.clone()).or_default() += 1;
    }
    for ((chat, item), n) in &count {
        assert!(*n == 1 || repeats.contains(chat), "{item} of {chat} {n} times, not marked as a repeat");
    }
    let want: BTreeSet<(String, String)> = sim.window(since, to).into_iter().flat_map(|(c, items)| items.into_iter().map(move |i| (c.clone(), i))).collect();
    let got: BTreeSet<(String, String)> = count.keys().cloned().collect();
    if archived_seen {
        assert_eq!(got, want, "the union is the window");
    }
    let mut chat_lines: BTreeMap<&String, u32> = BTreeMap::new();
    for (chat, _) in first.chats.iter().chain(&second.chats) {
        *chat_lines.entry(chat).or_default() += 1;
    }
    assert!(chat_lines.iter().all(|(c, n)| *n == 1 || repeats.contains(c)), "a chat line twice only for a repeat");
    repeats.len()
}

/// A project of 25 chats that changes on about one request in three (seeded), and a window run over it killed after a
/// number of requests that depends on the seed.
fn killed_run(seed: u64) -> (Sim, Run) {
    let mut sim = Sim::new(25, 6, seed);
    sim.churn = 3;
    let first = drive(&mut machine(0, true, None), &mut sim, Some(3 + seed * 7 % 60));
    (sim, first)
}

#[test]
fn a_run_killed_anywhere_and_resumed_exports_the_window_once_while_the_list_moves() {
    let mut total_repeats = 0;
    let mut runs = 0;
    for seed in 1..=40u64 {
        let (mut sim, first) = killed_run(seed);
        let Some(checkpoint) = first.checkpoints.last().cloned() else { continue };
        let to = checkpoint.to;
        let text = checkpoint.encode(SITE);
        let Ok(resume) = Checkpoint::decode(&text, SITE) else { panic!("the checkpoint reads back") };
        let second = drive(&mut machine(0, true, Some(resume)), &mut sim, None);
        assert!(second.summary.is_some(), "the resumed run completes");
        assert_eq!(second.summary.and_then(|s| s.1), Some(to), "the resumed run's watermark is the window's");
        total_repeats += assert_union(&first, &second, &sim, 0, to, true);
        runs += 1;
    }
    eprintln!("window mode: {runs} runs killed and resumed, {total_repeats} repeated chats in all");
    assert!(runs >= 30, "most kills came after a checkpoint: {runs}");
    // The chats in flight (at most a few per kill) and the chats that moved during the killed run.
    assert!(total_repeats < runs * 12, "{total_repeats} repeated chats in {runs} resumed runs");
}

#[test]
fn a_run_killed_twice_and_resumed_twice_exports_the_window_once() {
    let mut unmarked = 0;
    let mut runs = 0;
    for seed in 1..=40u64 {
        let (mut sim, first) = killed_run(seed);
        let Some(checkpoint) = first.checkpoints.last().cloned() else { continue };
        let to = checkpoint.to;
        // The resumed run dies soon after its first checkpoint, and a third run resumes it.
        let second = drive(&mut machine(0, true, Some(checkpoint)), &mut sim, Some(1 + seed % 4));
        let Some(checkpoint) = second.checkpoints.last().cloned() else { continue };
        let third = drive(&mut machine(0, true, Some(checkpoint)), &mut sim, None);
        assert_eq!(third.summary.and_then(|s| s.1), Some(to));
        // A chat line or an item a run writes again comes in a chat that run marks.
        let earlier: Vec<&Run> = vec![&first, &second];
        for (n, run) in [&second, &third].into_iter().enumerate() {
            let before = earlier.iter().take(n + 1);
            let seen: BTreeSet<&(String, String)> = before.clone().flat_map(|r| r.items.iter()).collect();
            let seen_chats: BTreeSet<&String> = before.flat_map(|r| r.chats.iter().map(|(c, _)| c)).collect();
            let marked: BTreeSet<&String> = run.chats.iter().filter(|(_, r)| *r).map(|(c, _)| c).collect();
            unmarked += run.items.iter().filter(|line| seen.contains(line) && !marked.contains(&line.0)).count();
            unmarked += run.chats.iter().filter(|(c, r)| !r && seen_chats.contains(c)).count();
        }
        let got: BTreeSet<(String, String)> = first.items.iter().chain(&second.items).chain(&third.items).cloned().collect();
        let want: BTreeSet<(String, String)> = sim.window(0, to).into_iter().flat_map(|(c, items)| items.into_iter().map(move |i| (c.clone(), i))).collect();
        assert_eq!(got, want, "seed {seed}: the union is the window");
        runs += 1;
    }
    assert!(runs >= 30, "{runs}");
    assert_eq!(unmarked, 0, "lines written again in a chat not marked as a repeat");
}

/// Drives `m` against `sim` (no kill, answers in order) with the first feed request failing for good; with
/// `stop_at_checkpoint`, stops (as a killed process would) at the first checkpoint written after the failure and
/// returns it. Returns whether the failure happened, and that checkpoint.
fn drive_failing_first_feed(m: &mut Machine, sim: &Sim, stop_at_checkpoint: bool) -> (bool, Option<Checkpoint>) {
    let none = RateLimit::default();
    let mut failed = false;
    for _ in 0..10_000 {
        match m.poll(0.0, &none) {
            Action::Request(r) if r.op == Op::GetFeed && !failed => {
                failed = true;
                let token = r.token;
                if let Failed::Write(_) = m.on_failure(token, "ServerError") {
                    m.on_written(token, 1.0);
                }
            }
            Action::Request(r) => {
                let (token, op, range) = (r.token, r.op, r.range.unwrap_or(Range { from: 0, to: None, offset: 0 }));
                let chat = r.chat.cloned().unwrap_or_default();
                if op == Op::GetFeed {
                    let (items, _) = sim.feed(&chat, range, 0);
                    if m.on_feed(token, FeedPage { items: items.len() as u64, next: None }).is_some() {
                        m.on_written(token, 1.0);
                    }
                } else {
                    let (page, more, len) = sim.list(false, range);
                    let updated = page.iter().map(|(_, t)| Some(*t)).collect();
                    let chats = page.into_iter().map(|(id, _)| (Some(id.clone()), id)).collect();
                    m.on_chats(token, ChatsPage { chats, cardinality: Some(len as f64), next: more.then_some(0), updated });
                }
            }
            Action::Checkpoint(token, cp) => {
                m.on_written(token, 1.0);
                if failed && stop_at_checkpoint {
                    return (failed, Some(cp));
                }
            }
            Action::Summary(token, _) => m.on_written(token, 1.0),
            Action::Done(_) => break,
            Action::Wait(_) | Action::Idle => {}
        }
    }
    (failed, None)
}

#[test]
fn a_chat_failure_keeps_the_watermark_at_since() {
    let sim = Sim::new(6, 3, 3);
    let mut m = machine(5, false, None);
    let (failed, _) = drive_failing_first_feed(&mut m, &sim, false);
    assert!(failed);
    assert_eq!(m.tally().errors, 1);
    assert_eq!(m.watermark(), Some(5), "the next run reads the window again");
}

#[test]
fn a_failure_before_a_checkpoint_keeps_the_resumed_runs_watermark_at_since() {
    let mut sim = Sim::new(12, 3, 7);
    let mut m = machine(5, false, None);
    let (failed, after_failure) = drive_failing_first_feed(&mut m, &sim, true);
    assert!(failed);
    let Some(cp) = after_failure else { panic!("a checkpoint after the failure") };
    assert!(cp.failed, "the checkpoint remembers the failure");
    let text = cp.encode(SITE);
    let Ok(resume) = Checkpoint::decode(&text, SITE) else { panic!("{text}") };
    let mut resumed = machine(0, false, Some(resume));
    let run = drive(&mut resumed, &mut sim, None);
    assert_eq!(run.errors, 0, "the resumed run itself fails nothing");
    assert_eq!(run.summary.map(|(_, watermark)| watermark), Some(Some(5)), "the failed chat is read again next time");
}

#[test]
fn a_list_without_times_ends_a_window_export() {
    let mut m = machine(0, false, None);
    let Action::Request(r) = m.poll(0.0, &RateLimit::default()) else { panic!("a list request first") };
    let token = r.token;
    assert!(!m.on_chats(token, ChatsPage { chats: vec![(Some("a".into()), "a".into())], cardinality: None, next: None, updated: vec![None] }));
    assert!(matches!(m.poll(0.0, &RateLimit::default()), Action::Done(_)));
}
