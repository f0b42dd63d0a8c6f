//! Exactly-once sends: a send made checkable by counting the chat's items identical to the one sent, before
//! the first attempt (the baseline) and again whenever an attempt does not return the stored message (its
//! outcome is unknown, or the server refused it). More identical items
//! than the baseline means the message was stored: the call resolves with the newest of them. Not more means
//! it was not: the message is sent again. With an idempotency key, the baseline is kept in a store as a
//! `pending` record before the first attempt, and the stored message as a `done` record after it, so that a
//! later call with the same key (in this process or another) resolves instead of sending twice.
//!
//! [`Flow`] is the whole decision, without I/O: it says what the driver does next (read the key's record,
//! read a page of the counted list, write a record, wait, make an attempt of the send, resolve or fail) and
//! takes what came of it. The boundary reads the facts it needs off each listed item ([`ItemFacts`]).

use crate::call::machine::{Step, Success};
use crate::error::{Error, ErrorKind};

/// The page size of a count, the largest the API serves.
pub const PAGE_SIZE: u32 = 250;
/// The most pages one count reads: a chat with more items than `PAGE_SIZE * MAX_PAGES` cannot be checked.
pub const MAX_PAGES: u32 = 20;

/// What the boundary reads off one listed item.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ItemFacts {
    /// Whether the item is identical to the one sent: the same content and sender for a message (and not
    /// private), the same content and private for a note.
    pub identical: bool,
    /// The item's timestamp as the server wrote it, in epoch milliseconds, when it has a usable one.
    pub timestamp: Option<f64>,
}

/// Where a count stands after a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Read the next page.
    More,
    /// The list has been read to its end.
    Complete,
    /// The list goes on beyond [`MAX_PAGES`] pages: it cannot be counted.
    TooLong,
}

/// A count of identical items over the pages of a list.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tally {
    pages: u32,
    /// Items seen so far, which is also the position of the next one.
    seen: u64,
    /// The identical items, in list order: their position and timestamp.
    identical: Vec<(u64, Option<f64>)>,
    /// The first and the last item that had a timestamp: their position and timestamp.
    first_dated: Option<(u64, f64)>,
    last_dated: Option<(u64, f64)>,
}

impl Tally {
    /// Adds one page of items; `has_next` says whether the list goes on after it.
    pub fn add_page(&mut self, items: impl IntoIterator<Item = ItemFacts>, has_next: bool) -> Progress {
        self.pages = self.pages.saturating_add(1);
        for item in items {
            let position = self.seen;
            self.seen += 1;
            if let Some(ts) = item.timestamp {
                if self.first_dated.is_none() {
                    self.first_dated = Some((position, ts));
                }
                self.last_dated = Some((position, ts));
            }
            if item.identical {
                self.identical.push((position, item.timestamp));
            }
        }
        match (has_next, self.pages >= MAX_PAGES) {
            (false, _) => Progress::Complete,
            (true, false) => Progress::More,
            (true, true) => Progress::TooLong,
        }
    }

    /// How many identical items were counted.
    pub fn count(&self) -> u64 {
        self.identical.len() as u64
    }

    /// Whether the list reads newest first: its timestamps go down from its first dated item to its last.
    /// A list without two dated items is taken as oldest first, the API's documented order.
    pub fn newest_first(&self) -> bool {
        matches!((self.first_dated, self.last_dated), (Some((_, first)), Some((_, last))) if last < first)
    }

    /// The index, among the identical items in list order, of the newest: the latest timestamp (the server's
    /// own, consistent with each other), ties and undated items settled by list position.
    pub fn newest(&self) -> Option<usize> {
        let newest_first = self.newest_first();
        let later_in_list = |a: u64, b: u64| if newest_first { a < b } else { a > b };
        let mut best: Option<(usize, u64, Option<f64>)> = None;
        for (index, (position, ts)) in self.identical.iter().copied().enumerate() {
            let better = match best {
                None => true,
                Some((_, best_position, best_ts)) => match (ts, best_ts) {
                    (Some(t), Some(b)) if t != b => t > b,
                    (Some(_), None) => true,
                    (None, Some(_)) => false,
                    _ => later_in_list(position, best_position),
                },
            };
            if better {
                best = Some((index, position, ts));
            }
        }
        best.map(|(index, _, _)| index)
    }
}

/// An idempotency record, as this client writes it and reads it back.
#[derive(Clone, Debug, PartialEq)]
pub enum Record {
    /// A send with this key is (or was) under way; `count` is its baseline, `None` when the chat was too long
    /// to count.
    Pending { fingerprint: String, count: Option<u64> },
    /// The message was stored; the boundary keeps the message itself.
    Done { fingerprint: String },
}

impl Record {
    fn fingerprint(&self) -> &str {
        match self {
            Record::Pending { fingerprint, .. } | Record::Done { fingerprint } => fingerprint,
        }
    }
}

/// What the call resolves with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// The send's own answer.
    Sent,
    /// The newest identical item of the last count (the message was stored although its answer was lost).
    Found,
    /// The message kept in the key's `done` record.
    Recorded,
}

/// How the call fails.
#[derive(Clone, Debug, PartialEq)]
pub enum Failure {
    /// With an error already finished by the call (method, path, attempts, the key taken out).
    Finished(Box<Error>),
    /// With a new error, which the call finishes.
    New(Error),
    /// With the error the last read failed with, its `mayHaveSucceeded` set as given.
    Read { may_have_succeeded: bool },
}

/// What the driver does next.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Read the key's record, then hand it to [`Flow::on_record`].
    GetRecord,
    /// Write this record under the key, then report to [`Flow::on_written`].
    SetRecord(Record),
    /// Read a page of the counted list (the first when `first`, else the one after the last), then hand it
    /// to [`Flow::on_page`].
    ReadPage { first: bool },
    /// Wait this many milliseconds, then ask again.
    Wait(f64),
    /// Make one attempt of the send and hand the call's step to [`Flow::on_step`].
    Attempt,
    /// The call resolves.
    Resolve(Resolution),
    /// The call fails.
    Fail(Failure),
}

/// Why a count is being made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Purpose {
    /// Before the first attempt.
    Baseline,
    /// After an attempt that did not return the stored message.
    AfterAttempt,
    /// For a `pending` record left by an earlier call with the key.
    Pending,
}

#[derive(Clone, Debug, PartialEq)]
enum State {
    /// Nothing done yet.
    Start,
    /// The key's record is being read.
    ReadingRecord,
    /// A count is under way.
    Counting { purpose: Purpose, tally: Tally, first: bool },
    /// A record is being written; what follows depends on which.
    Writing(Record, After),
    /// The next thing to do is already known.
    Due(Action),
    /// An attempt is under way.
    Sending,
    /// The call ended.
    Ended,
}

/// What follows a record's write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum After {
    /// An attempt (the `pending` record is in place).
    Attempt,
    /// The call resolves (a `done` record was written; a failed write does not change that).
    Resolve(Resolution),
}

/// One checkable send, from its first step to its end.
#[derive(Clone, Debug, PartialEq)]
pub struct Flow {
    /// The fingerprint of what is sent (operation, chat, sender, content), when the send has a key.
    keyed: Option<String>,
    state: State,
    /// The count an attempt's outcome is judged against; `None` once the chat proved too long to count.
    baseline: Option<u64>,
    /// After an attempt that did not return the stored message: the error the call fails with, and whether
    /// a new attempt may follow.
    unknown: Option<(Box<Error>, bool)>,
    /// The newest identical item of the last complete count, as [`Tally::newest`] gives it.
    newest: Option<usize>,
}

impl Flow {
    /// A send checked by counting; with `fingerprint`, also recorded under an idempotency key.
    pub fn new(fingerprint: Option<String>) -> Flow {
        Flow { keyed: fingerprint, state: State::Start, baseline: None, unknown: None, newest: None }
    }

    /// The newest identical item of the last complete count (an index among its identical items, in list order).
    pub fn newest(&self) -> Option<usize> {
        self.newest
    }

    /// While a `done` record is being written: what the call then resolves with (the record holds it).
    pub fn resolving(&self) -> Option<Resolution> {
        match self.state {
            State::Writing(_, After::Resolve(resolution)) => Some(resolution),
            _ => None,
        }
    }

    /// Whether a count is under way (its pages go to [`Flow::on_page`]).
    pub fn counting(&self) -> bool {
        matches!(self.state, State::Counting { .. })
    }

    /// What the driver does next.
    pub fn next_action(&mut self) -> Action {
        match &mut self.state {
            State::Start if self.keyed.is_some() => {
                self.state = State::ReadingRecord;
                Action::GetRecord
            }
            State::Start => {
                self.count(Purpose::Baseline);
                self.next_action()
            }
            State::ReadingRecord => Action::GetRecord,
            State::Counting { first, .. } => {
                let page = Action::ReadPage { first: *first };
                *first = false;
                page
            }
            State::Writing(record, _) => Action::SetRecord(record.clone()),
            State::Due(_) => {
                let State::Due(action) = std::mem::replace(&mut self.state, State::Ended) else { return Action::Attempt };
                self.state = match action {
                    Action::Attempt => State::Sending,
                    Action::Resolve(_) | Action::Fail(_) => State::Ended,
                    _ => State::Due(Action::Attempt),
                };
                if let Action::Wait(_) = action {
                    // A wait is followed by a count when an unknown outcome awaits one, else by an attempt.
                    if self.unknown.is_some() {
                        self.count(Purpose::AfterAttempt);
                    }
                }
                action
            }
            State::Sending => Action::Attempt,
            State::Ended => Action::Fail(Failure::New(Error::new(ErrorKind::Api, "the send has already ended"))),
        }
    }

    fn count(&mut self, purpose: Purpose) {
        self.state = State::Counting { purpose, tally: Tally::default(), first: true };
    }

    fn due(&mut self, action: Action) {
        self.state = State::Due(action);
    }

    fn fail(&mut self, failure: Failure) {
        self.due(Action::Fail(failure));
    }

    /// Takes the key's record as the store gave it: `None` when there is none.
    pub fn on_record(&mut self, record: Option<Record>) {
        let Some(fingerprint) = self.keyed.clone() else { return };
        match record {
            Some(record) if record.fingerprint() != fingerprint => self.fail(Failure::New(Error::invalid(
                "idempotencyKey was already used for a different send (another chat, sender, content or method)",
            ))),
            Some(Record::Done { .. }) => self.due(Action::Resolve(Resolution::Recorded)),
            Some(Record::Pending { count: Some(count), .. }) => {
                self.baseline = Some(count);
                self.count(Purpose::Pending);
            }
            Some(Record::Pending { count: None, .. }) => self.fail(Failure::New(Error {
                may_have_succeeded: true,
                ..Error::new(
                    ErrorKind::Api,
                    "an earlier call with this idempotencyKey may have sent the message, and the chat is too long to check whether it did",
                )
            })),
            None => self.count(Purpose::Baseline),
        }
    }

    /// Takes a failure of the store (a read or a write that threw or rejected), as an error of the call.
    pub fn on_store_failed(&mut self, error: Error) {
        match &self.state {
            // The message was stored: a `done` record that could not be written changes nothing, since the
            // `pending` record lets a later call with the key find the message.
            State::Writing(_, After::Resolve(resolution)) => {
                let resolution = *resolution;
                self.due(Action::Resolve(resolution));
            }
            // Nothing is sent without its `pending` record in place.
            _ => self.fail(Failure::New(error)),
        }
    }

    /// Takes the end of a record's write.
    pub fn on_written(&mut self) {
        if let State::Writing(_, after) = &self.state {
            let next = match *after {
                After::Attempt => Action::Attempt,
                After::Resolve(resolution) => Action::Resolve(resolution),
            };
            self.due(next);
        }
    }

    /// Takes one page of the counted list; `has_next` says whether the list goes on after it.
    pub fn on_page(&mut self, items: impl IntoIterator<Item = ItemFacts>, has_next: bool) {
        let State::Counting { purpose, tally, .. } = &mut self.state else { return };
        let purpose = *purpose;
        match tally.add_page(items, has_next) {
            Progress::More => {}
            Progress::Complete => {
                let (count, newest) = (tally.count(), tally.newest());
                self.newest = newest;
                self.counted(purpose, Some(count));
            }
            Progress::TooLong => {
                self.newest = None;
                self.counted(purpose, None);
            }
        }
    }

    /// Takes a read of the counted list that failed (after its own retries).
    pub fn on_read_failed(&mut self) {
        let State::Counting { purpose, .. } = &self.state else { return };
        let failure = match purpose {
            // Nothing was sent: the call fails with the read's error as it is.
            Purpose::Baseline => Failure::Read { may_have_succeeded: false },
            // The outcome stays unknown: the call fails with the attempt's error.
            Purpose::AfterAttempt => match self.unknown.take() {
                Some((error, _)) => Failure::Finished(error),
                None => Failure::Read { may_have_succeeded: true },
            },
            // An earlier call with the key may have sent the message.
            Purpose::Pending => Failure::Read { may_have_succeeded: true },
        };
        self.fail(failure);
    }

    /// A count has ended with `count` identical items, or `None` when the list was too long to count.
    fn counted(&mut self, purpose: Purpose, count: Option<u64>) {
        match (purpose, count) {
            (Purpose::Baseline, count) => {
                self.baseline = count;
                self.attempt_after_pending(count);
            }
            (Purpose::AfterAttempt | Purpose::Pending, Some(count)) if self.baseline.is_some_and(|b| count > b) => self.found(),
            (Purpose::AfterAttempt, None) => {
                let failure = match self.unknown.take() {
                    Some((error, _)) => Failure::Finished(error),
                    None => Failure::New(Error::new(ErrorKind::Api, "the chat is too long to check")),
                };
                self.fail(failure);
            }
            (Purpose::AfterAttempt, Some(count)) => match self.unknown.take() {
                Some((error, false)) => {
                    // The count shows the message was not stored, and no attempt is left.
                    let mut error = error;
                    error.may_have_succeeded = false;
                    self.fail(Failure::Finished(error));
                }
                _ => self.send_again(count),
            },
            (Purpose::Pending, Some(count)) => self.send_again(count),
            (Purpose::Pending, None) => self.fail(Failure::New(Error {
                may_have_succeeded: true,
                ..Error::new(
                    ErrorKind::Api,
                    "an earlier call with this idempotencyKey may have sent the message, and the chat has become too long to check whether it did",
                )
            })),
        }
    }

    /// After the baseline: with a key, the `pending` record goes first.
    fn attempt_after_pending(&mut self, count: Option<u64>) {
        match &self.keyed {
            Some(fingerprint) => {
                self.state = State::Writing(Record::Pending { fingerprint: fingerprint.clone(), count }, After::Attempt);
            }
            None => self.due(Action::Attempt),
        }
    }

    /// The message was not stored: send again, judged against the new count (messages may have been deleted
    /// meanwhile), which a key's `pending` record then holds.
    fn send_again(&mut self, count: u64) {
        let changed = self.baseline != Some(count);
        self.baseline = Some(count);
        if changed && self.keyed.is_some() {
            self.attempt_after_pending(Some(count));
        } else {
            self.due(Action::Attempt);
        }
    }

    /// The message was stored: resolve with the newest identical item, recorded first when keyed.
    fn found(&mut self) {
        self.unknown = None;
        self.resolve(Resolution::Found);
    }

    fn resolve(&mut self, resolution: Resolution) {
        match &self.keyed {
            Some(fingerprint) => self.state = State::Writing(Record::Done { fingerprint: fingerprint.clone() }, After::Resolve(resolution)),
            None => self.due(Action::Resolve(resolution)),
        }
    }

    /// Takes the call's step after an attempt.
    pub fn on_step(&mut self, step: Step) {
        match step {
            Step::Done(Success::Value(_) | Success::Page(_)) => self.resolve(Resolution::Sent),
            Step::Retry(ms) => self.due(Action::Wait(ms)),
            Step::Failed(error) => self.fail(Failure::Finished(error)),
            // A chat too long to count: a send that was refused unprocessed (408, 429) is sent again as an
            // unchecked send would be; any other outcome stands as it is.
            Step::Check { wait_ms, resend: true, error } if self.baseline.is_none() && !error.may_have_succeeded => self.due(Action::Wait(wait_ms)),
            Step::Check { error, .. } if self.baseline.is_none() => self.fail(Failure::Finished(error)),
            Step::Check { wait_ms, resend, error } => {
                self.unknown = Some((error, resend));
                if wait_ms > 0.0 {
                    self.due(Action::Wait(wait_ms));
                } else {
                    self.count(Purpose::AfterAttempt);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::machine::Decoded;

    fn item(identical: bool, ts: Option<f64>) -> ItemFacts {
        ItemFacts { identical, timestamp: ts }
    }

    fn other(ts: f64) -> ItemFacts {
        item(false, Some(ts))
    }

    fn same(ts: f64) -> ItemFacts {
        item(true, Some(ts))
    }

    fn unknown_error() -> Box<Error> {
        Box::new(Error { may_have_succeeded: true, attempts: 1, ..Error::new(ErrorKind::Timeout, "timed out") })
    }

    fn check(wait_ms: f64, resend: bool) -> Step {
        Step::Check { wait_ms, resend, error: unknown_error() }
    }

    fn sent() -> Step {
        Step::Done(Success::Value(Decoded::Body))
    }

    /// Runs a whole count of `pages` through `flow`, from the `ReadPage` action it is due to give.
    fn count_pages(flow: &mut Flow, pages: &[&[ItemFacts]]) {
        for (i, page) in pages.iter().enumerate() {
            assert_eq!(flow.next_action(), Action::ReadPage { first: i == 0 });
            flow.on_page(page.iter().copied(), i + 1 < pages.len());
        }
    }

    #[test]
    fn a_count_reads_every_page_up_to_the_bound() {
        let mut t = Tally::default();
        for _ in 1..MAX_PAGES {
            assert_eq!(t.add_page([other(1.0), same(2.0)], true), Progress::More);
        }
        assert_eq!(t.clone().add_page([same(3.0)], false), Progress::Complete);
        assert_eq!(t.add_page([same(3.0)], true), Progress::TooLong);
        let mut short = Tally::default();
        assert_eq!(short.add_page([], false), Progress::Complete);
        assert_eq!(short.count(), 0);
        assert_eq!(short.newest(), None);
    }

    #[test]
    fn the_newest_identical_item_goes_by_the_servers_timestamps_then_by_position() {
        // Oldest first.
        let mut t = Tally::default();
        t.add_page([same(1000.0), other(2000.0), same(3000.0), other(4000.0)], false);
        assert_eq!((t.count(), t.newest()), (2, Some(1)));
        // Newest first: the timestamps go down.
        let mut t = Tally::default();
        t.add_page([other(9000.0), same(8000.0), same(1000.0)], false);
        assert!(t.newest_first());
        assert_eq!(t.newest(), Some(0));
        // Equal timestamps (a server with second resolution): the list order settles it, either way.
        let mut t = Tally::default();
        t.add_page([other(1000.0), same(5000.0), same(5000.0), other(6000.0)], false);
        assert_eq!(t.newest(), Some(1));
        let mut t = Tally::default();
        t.add_page([other(6000.0), same(5000.0), same(5000.0), other(1000.0)], false);
        assert_eq!(t.newest(), Some(0));
        // No timestamps at all: the documented order, oldest first, so the last.
        let mut t = Tally::default();
        t.add_page([item(true, None), item(false, None), item(true, None)], false);
        assert_eq!(t.newest(), Some(1));
        // A dated identical item beats an undated one.
        let mut t = Tally::default();
        t.add_page([same(10.0), item(true, None)], false);
        assert_eq!(t.newest(), Some(0));
        // Across pages, positions go on.
        let mut t = Tally::default();
        t.add_page([same(1.0)], true);
        t.add_page([item(true, None), same(1.0)], false);
        assert_eq!((t.count(), t.newest()), (3, Some(2)));
    }

    #[test]
    fn a_send_with_a_known_outcome_is_counted_once() {
        let mut f = Flow::new(None);
        count_pages(&mut f, &[&[other(1.0)]]);
        assert_eq!(f.next_action(), Action::Attempt);
        f.on_step(sent());
        assert_eq!(f.next_action(), Action::Resolve(Resolution::Sent));
        // A definite failure (a 400) fails as it is.
        let mut f = Flow::new(None);
        count_pages(&mut f, &[&[]]);
        assert_eq!(f.next_action(), Action::Attempt);
        let refused = Box::new(Error::invalid("bad"));
        f.on_step(Step::Failed(refused.clone()));
        assert_eq!(f.next_action(), Action::Fail(Failure::Finished(refused)));
        // A 429 waits, then attempts again without a count.
        let mut f = Flow::new(None);
        count_pages(&mut f, &[&[]]);
        assert_eq!(f.next_action(), Action::Attempt);
        f.on_step(Step::Retry(1000.0));
        assert_eq!(f.next_action(), Action::Wait(1000.0));
        assert_eq!(f.next_action(), Action::Attempt);
    }

    #[test]
    fn an_unknown_outcome_with_more_identical_items_resolves_with_the_newest() {
        let mut f = Flow::new(None);
        count_pages(&mut f, &[&[same(1.0), other(2.0)]]);
        assert_eq!(f.next_action(), Action::Attempt);
        f.on_step(check(500.0, true));
        assert_eq!(f.next_action(), Action::Wait(500.0));
        count_pages(&mut f, &[&[same(1.0), other(2.0)], &[same(3.0)]]);
        assert_eq!(f.next_action(), Action::Resolve(Resolution::Found));
        assert_eq!(f.newest(), Some(1));
    }

    #[test]
    fn an_unknown_outcome_without_more_identical_items_sends_again() {
        let mut f = Flow::new(None);
        count_pages(&mut f, &[&[same(1.0)]]);
        assert_eq!(f.next_action(), Action::Attempt);
        f.on_step(check(0.0, true));
        // No wait: the count starts at once.
        count_pages(&mut f, &[&[same(1.0)]]);
        assert_eq!(f.next_action(), Action::Attempt);
        f.on_step(sent());
        assert_eq!(f.next_action(), Action::Resolve(Resolution::Sent));
    }

    #[test]
    fn with_no_attempt_left_a_count_that_finds_nothing_fails_with_the_outcome_known() {
        let mut f = Flow::new(None);
        count_pages(&mut f, &[&[]]);
        f.next_action();
        f.on_step(check(500.0, false));
        assert_eq!(f.next_action(), Action::Wait(500.0));
        count_pages(&mut f, &[&[]]);
        let expected = Box::new(Error { may_have_succeeded: false, ..*unknown_error() });
        assert_eq!(f.next_action(), Action::Fail(Failure::Finished(expected)));
        // But a count that finds it resolves even then.
        let mut f = Flow::new(None);
        count_pages(&mut f, &[&[]]);
        f.next_action();
        f.on_step(check(0.0, false));
        count_pages(&mut f, &[&[same(9.0)]]);
        assert_eq!(f.next_action(), Action::Resolve(Resolution::Found));
    }

    #[test]
    fn a_count_that_fails_or_overflows_after_an_unknown_outcome_keeps_it_unknown() {
        let mut f = Flow::new(None);
        count_pages(&mut f, &[&[]]);
        f.next_action();
        f.on_step(check(0.0, true));
        assert_eq!(f.next_action(), Action::ReadPage { first: true });
        f.on_read_failed();
        assert_eq!(f.next_action(), Action::Fail(Failure::Finished(unknown_error())));
        // The chat grew beyond the bound between the counts.
        let mut f = Flow::new(None);
        count_pages(&mut f, &[&[]]);
        f.next_action();
        f.on_step(check(0.0, true));
        let full = [other(1.0); 3];
        let pages: Vec<&[ItemFacts]> = (0..MAX_PAGES).map(|_| &full[..]).collect();
        for (i, page) in pages.iter().enumerate() {
            assert_eq!(f.next_action(), Action::ReadPage { first: i == 0 });
            f.on_page(page.iter().copied(), true);
        }
        assert_eq!(f.next_action(), Action::Fail(Failure::Finished(unknown_error())));
    }

    #[test]
    fn a_baseline_that_fails_fails_the_call_before_anything_is_sent() {
        let mut f = Flow::new(None);
        assert_eq!(f.next_action(), Action::ReadPage { first: true });
        f.on_read_failed();
        assert_eq!(f.next_action(), Action::Fail(Failure::Read { may_have_succeeded: false }));
    }

    #[test]
    fn a_chat_too_long_to_count_is_sent_unchecked() {
        let mut f = Flow::new(None);
        let full = [other(1.0)];
        for i in 0..MAX_PAGES {
            assert_eq!(f.next_action(), Action::ReadPage { first: i == 0 });
            f.on_page(full.iter().copied(), true);
        }
        assert_eq!(f.next_action(), Action::Attempt);
        let limited = Box::new(Error::new(ErrorKind::RateLimit, "429"));
        f.on_step(Step::Check { wait_ms: 1000.0, resend: true, error: limited });
        assert_eq!(f.next_action(), Action::Wait(1000.0));
        assert_eq!(f.next_action(), Action::Attempt);
        f.on_step(check(500.0, true));
        assert_eq!(f.next_action(), Action::Fail(Failure::Finished(unknown_error())));
    }

    const FP: &str = "fingerprint";

    fn pending(count: Option<u64>) -> Record {
        Record::Pending { fingerprint: FP.into(), count }
    }

    fn done() -> Record {
        Record::Done { fingerprint: FP.into() }
    }

    #[test]
    fn a_key_writes_pending_before_the_first_attempt_and_done_after_it() {
        let mut f = Flow::new(Some(FP.into()));
        assert_eq!(f.next_action(), Action::GetRecord);
        f.on_record(None);
        count_pages(&mut f, &[&[same(1.0), same(2.0)]]);
        assert_eq!(f.next_action(), Action::SetRecord(pending(Some(2))));
        f.on_written();
        assert_eq!(f.next_action(), Action::Attempt);
        f.on_step(sent());
        assert_eq!(f.next_action(), Action::SetRecord(done()));
        f.on_written();
        assert_eq!(f.next_action(), Action::Resolve(Resolution::Sent));
    }

    #[test]
    fn a_done_record_resolves_without_a_request() {
        let mut f = Flow::new(Some(FP.into()));
        assert_eq!(f.next_action(), Action::GetRecord);
        f.on_record(Some(done()));
        assert_eq!(f.next_action(), Action::Resolve(Resolution::Recorded));
    }

    #[test]
    fn a_record_of_another_send_is_refused() {
        let mut f = Flow::new(Some(FP.into()));
        f.next_action();
        f.on_record(Some(Record::Done { fingerprint: "other".into() }));
        assert!(matches!(f.next_action(), Action::Fail(Failure::New(e)) if e.kind == ErrorKind::InvalidRequest && !e.may_have_succeeded));
    }

    #[test]
    fn a_pending_record_is_counted_against_its_baseline() {
        // Stored by the crashed call: resolve with it, and record it.
        let mut f = Flow::new(Some(FP.into()));
        f.next_action();
        f.on_record(Some(pending(Some(1))));
        count_pages(&mut f, &[&[same(1.0), same(2.0)]]);
        assert_eq!(f.next_action(), Action::SetRecord(done()));
        f.on_written();
        assert_eq!(f.next_action(), Action::Resolve(Resolution::Found));
        assert_eq!(f.newest(), Some(1));
        // Not stored: send, with no new pending record while the count is the same.
        let mut f = Flow::new(Some(FP.into()));
        f.next_action();
        f.on_record(Some(pending(Some(1))));
        count_pages(&mut f, &[&[same(1.0)]]);
        assert_eq!(f.next_action(), Action::Attempt);
        // Not stored, and an identical message was deleted meanwhile: the new baseline is recorded first.
        let mut f = Flow::new(Some(FP.into()));
        f.next_action();
        f.on_record(Some(pending(Some(2))));
        count_pages(&mut f, &[&[same(1.0)]]);
        assert_eq!(f.next_action(), Action::SetRecord(pending(Some(1))));
        f.on_written();
        assert_eq!(f.next_action(), Action::Attempt);
    }

    #[test]
    fn a_pending_record_that_cannot_be_checked_fails_as_maybe_sent() {
        let mut f = Flow::new(Some(FP.into()));
        f.next_action();
        f.on_record(Some(pending(None)));
        assert!(matches!(f.next_action(), Action::Fail(Failure::New(e)) if e.may_have_succeeded));
        // A pending record whose count fails to read: maybe sent.
        let mut f = Flow::new(Some(FP.into()));
        f.next_action();
        f.on_record(Some(pending(Some(0))));
        assert_eq!(f.next_action(), Action::ReadPage { first: true });
        f.on_read_failed();
        assert_eq!(f.next_action(), Action::Fail(Failure::Read { may_have_succeeded: true }));
    }

    #[test]
    fn store_failures_stop_a_send_before_it_starts_but_not_after_it_is_stored() {
        let store_error = || Error::new(ErrorKind::Api, "the store failed");
        let mut f = Flow::new(Some(FP.into()));
        f.next_action();
        f.on_store_failed(store_error());
        assert_eq!(f.next_action(), Action::Fail(Failure::New(store_error())));
        let mut f = Flow::new(Some(FP.into()));
        f.next_action();
        f.on_record(None);
        count_pages(&mut f, &[&[]]);
        assert_eq!(f.next_action(), Action::SetRecord(pending(Some(0))));
        f.on_store_failed(store_error());
        assert_eq!(f.next_action(), Action::Fail(Failure::New(store_error())));
        let mut f = Flow::new(Some(FP.into()));
        f.next_action();
        f.on_record(None);
        count_pages(&mut f, &[&[]]);
        f.next_action();
        f.on_written();
        f.next_action();
        f.on_step(sent());
        assert_eq!(f.next_action(), Action::SetRecord(done()));
        f.on_store_failed(store_error());
        assert_eq!(f.next_action(), Action::Resolve(Resolution::Sent));
    }

    #[test]
    fn a_keyed_send_found_after_an_unknown_outcome_is_recorded() {
        let mut f = Flow::new(Some(FP.into()));
        f.next_action();
        f.on_record(None);
        count_pages(&mut f, &[&[]]);
        f.next_action();
        f.on_written();
        assert_eq!(f.next_action(), Action::Attempt);
        f.on_step(check(250.0, true));
        assert_eq!(f.next_action(), Action::Wait(250.0));
        count_pages(&mut f, &[&[same(5.0)]]);
        assert_eq!(f.next_action(), Action::SetRecord(done()));
        f.on_written();
        assert_eq!(f.next_action(), Action::Resolve(Resolution::Found));
        assert_eq!(f.next_action(), Action::Fail(Failure::New(Error::new(ErrorKind::Api, "the send has already ended"))));
    }

    #[test]
    fn a_keyed_send_of_a_chat_too_long_to_count_records_that_it_cannot_be_checked() {
        let mut f = Flow::new(Some(FP.into()));
        f.next_action();
        f.on_record(None);
        let full = [other(1.0)];
        for i in 0..MAX_PAGES {
            assert_eq!(f.next_action(), Action::ReadPage { first: i == 0 });
            f.on_page(full.iter().copied(), true);
        }
        assert_eq!(f.next_action(), Action::SetRecord(pending(None)));
        f.on_written();
        assert_eq!(f.next_action(), Action::Attempt);
        f.on_step(sent());
        assert_eq!(f.next_action(), Action::SetRecord(done()));
    }
}
