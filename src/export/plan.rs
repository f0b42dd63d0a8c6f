//! The decisions behind a bulk export: its settings, how long to pace each request from the rate-limit
//! budget, which failures end the whole export, which chats were already seen, and the running counts.

use crate::error::{Error, ErrorKind};
use crate::call::RateLimit;
use std::collections::VecDeque;

/// Workers used when `concurrency` is not given.
pub const DEFAULT_CONCURRENCY: u32 = 4;
/// The most workers an export may run at once (each holds at most one listener on the export's signal,
/// and runtimes warn about more than ten).
pub const MAX_CONCURRENCY: u32 = 8;
/// How often progress is reported while an export runs.
pub const PROGRESS_INTERVAL_MS: f64 = 500.0;
/// The longest single pause the pacing asks for.
pub const MAX_PACE_MS: f64 = 60_000.0;
/// The share of the budget kept in reserve: below it, requests are spread out to match the refill.
const RESERVE_SHARE: f64 = 0.2;
/// The refill period the API documents: the whole budget comes back within a minute.
const REFILL_PERIOD_MS: f64 = 60_000.0;

/// The kind of one NDJSON line, written as its `type` field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// A chat, written before any of its items.
    Chat,
    /// One feed item of a chat (a message, note or event).
    Item,
    /// A chat that could not be exported completely.
    Error,
    /// The last line: the counts of the whole export.
    Summary,
    /// Where a window-mode run stands, to resume it from.
    Checkpoint,
}

impl LineKind {
    /// The value of the line's `type` field.
    pub fn as_str(self) -> &'static str {
        match self {
            LineKind::Chat => "chat",
            LineKind::Item => "item",
            LineKind::Error => "error",
            LineKind::Summary => "summary",
            LineKind::Checkpoint => "checkpoint",
        }
    }
}

/// Checks `concurrency`: an integer from 1 to [`MAX_CONCURRENCY`].
pub fn concurrency(n: f64) -> Result<u32, Error> {
    whole("concurrency", n, MAX_CONCURRENCY)
}

/// Checks `pageSize`: an integer from 1 to 250, the API's largest page.
pub fn page_size(n: f64) -> Result<u32, Error> {
    whole("pageSize", n, crate::endpoints::MAX_LIMIT)
}

fn whole(name: &str, n: f64, max: u32) -> Result<u32, Error> {
    if !n.is_finite() || n.fract() != 0.0 || n < 1.0 || n > f64::from(max) {
        return Err(Error::invalid(format!("{name} must be an integer from 1 to {max}")));
    }
    Ok(n as u32)
}

/// An id that occurs more than once in `ids` (the smallest such), if any.
pub fn first_duplicate<'a>(ids: &[&'a str]) -> Option<&'a str> {
    // Kept sorted by inserting at the binary-search position: far less WebAssembly than a sort.
    let mut seen: Vec<&str> = Vec::with_capacity(ids.len());
    let mut smallest: Option<&str> = None;
    for id in ids {
        match seen.binary_search(id) {
            Ok(_) => smallest = Some(smallest.map_or(*id, |s| s.min(*id))),
            Err(at) => seen.insert(at, id),
        }
    }
    smallest
}

/// How long a worker should wait before its next request, given the last budget the API reported.
///
/// Above a reserve (a fifth of the budget, and at least two requests per worker) there is no wait. Below
/// it, each of the `workers` waits for its share of the refill, so that together they spend no faster than
/// the budget refills; when even one request per worker no longer fits, they wait for the shortfall.
pub fn pace_delay_ms(budget: &RateLimit, workers: u32) -> f64 {
    let (Some(limit), Some(remaining)) = (budget.limit, budget.remaining) else {
        return 0.0;
    };
    if limit <= 0.0 {
        return 0.0;
    }
    let cost = budget.cost.filter(|c| *c > 0.0).unwrap_or(1.0);
    let workers = f64::from(workers.max(1));
    let reserve = (limit * RESERVE_SHARE).max(2.0 * cost * workers);
    if remaining >= reserve {
        return 0.0;
    }
    let missing = limit - remaining.max(0.0);
    let per_ms = match budget.full_in_seconds {
        Some(s) if s > 0.0 && missing > 0.0 => missing / (s * 1000.0),
        _ => limit / REFILL_PERIOD_MS,
    };
    let spacing = workers * cost / per_ms;
    let shortfall = (workers * cost - remaining).max(0.0) / per_ms;
    spacing.max(shortfall).min(MAX_PACE_MS)
}

/// Whether a chat's failure ends the whole export: a refused key fails every later chat as well.
pub fn ends_export(error_name: &str) -> bool {
    error_name == ErrorKind::Authentication.name()
}

/// The chat ids seen most recently, so that a chat the list shifts onto the next page is exported once.
///
/// Offset paging over a list that changes while it is read repeats the items that move across a page
/// boundary; remembering the last two pages' ids catches those repeats while keeping memory bounded. A scan
/// of at most 500 ids per chat costs far less than its request, and keeps hashing out of the module.
#[derive(Debug)]
pub struct RecentIds {
    capacity: usize,
    /// The ids in the order they came, to forget the oldest.
    order: VecDeque<String>,
    /// The same ids sorted, to look one up by binary search instead of comparing it with every other.
    sorted: Vec<String>,
}

impl RecentIds {
    /// Remembers up to `capacity` ids (at least one).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        RecentIds { capacity, order: VecDeque::with_capacity(capacity), sorted: Vec::with_capacity(capacity) }
    }

    /// Records `id`, returning false when it is among the ids remembered.
    pub fn first_time(&mut self, id: &str) -> bool {
        let Err(at) = self.sorted.binary_search_by(|seen| seen.as_str().cmp(id)) else {
            return false;
        };
        self.sorted.insert(at, id.to_owned());
        self.order.push_back(id.to_owned());
        if self.order.len() > self.capacity {
            if let Some(oldest) = self.order.pop_front() {
                if let Ok(at) = self.sorted.binary_search(&oldest) {
                    self.sorted.remove(at);
                }
            }
        }
        true
    }
}

/// The running counts of an export, reported as progress and in the summary line.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Tally {
    /// Chats the list has announced so far (the sum of each list's `cardinality`), when known.
    pub chats_total: Option<f64>,
    /// Chats finished, with or without an error.
    pub chats_done: u64,
    /// Feed items written.
    pub items: u64,
    /// Bytes written (UTF-8).
    pub bytes: f64,
    /// Error lines written.
    pub errors: u64,
    /// Whether a list came without its size, which makes the total unknown for good.
    size_unknown: bool,
}

impl Tally {
    /// Adds a list's announced size; an unknown size makes the total unknown.
    pub fn announce(&mut self, cardinality: Option<f64>) {
        match cardinality {
            Some(c) if !self.size_unknown => self.chats_total = Some(self.chats_total.unwrap_or(0.0) + c),
            _ => {
                self.size_unknown = true;
                self.chats_total = None;
            }
        }
    }

    /// Counts a written chunk of `items` feed items taking `bytes` bytes.
    pub fn wrote(&mut self, items: u64, bytes: f64) {
        self.items += items;
        self.bytes += bytes.max(0.0);
    }

    /// Counts a finished chat, and its error line if it failed.
    pub fn chat_done(&mut self, failed: bool) {
        self.chats_done += 1;
        if failed {
            self.errors += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(limit: f64, remaining: f64, full: Option<f64>) -> RateLimit {
        RateLimit { limit: Some(limit), remaining: Some(remaining), cost: Some(1.0), full_in_seconds: full }
    }

    #[test]
    fn line_kinds_name_the_type_field() {
        let kinds = [LineKind::Chat, LineKind::Item, LineKind::Error, LineKind::Summary];
        assert_eq!(kinds.map(LineKind::as_str), ["chat", "item", "error", "summary"]);
    }

    #[test]
    fn settings_are_checked() {
        assert_eq!(concurrency(1.0).ok(), Some(1));
        assert_eq!(concurrency(8.0).ok(), Some(8));
        for bad in [0.0, 9.0, 2.5, f64::NAN, f64::INFINITY, -1.0] {
            assert!(concurrency(bad).is_err(), "{bad}");
        }
        assert_eq!(page_size(250.0).ok(), Some(250));
        assert!(page_size(251.0).is_err());
        assert!(page_size(0.0).err().is_some_and(|e| e.message.contains("pageSize")));
    }

    #[test]
    fn duplicates_are_found() {
        assert_eq!(first_duplicate(&["a", "b", "c"]), None);
        assert_eq!(first_duplicate(&["b", "a", "b", "a"]), Some("a"));
        assert_eq!(first_duplicate(&["c", "x", "c"]), Some("c"));
        assert_eq!(first_duplicate(&[]), None);
    }

    #[test]
    fn a_full_or_unknown_budget_needs_no_pause() {
        assert_eq!(pace_delay_ms(&RateLimit::default(), 4), 0.0);
        assert_eq!(pace_delay_ms(&budget(750.0, 750.0, Some(0.0)), 4), 0.0);
        assert_eq!(pace_delay_ms(&budget(750.0, 150.0, Some(48.0)), 4), 0.0);
        assert_eq!(pace_delay_ms(&budget(0.0, 0.0, None), 4), 0.0);
    }

    #[test]
    fn a_low_budget_spreads_requests_to_the_refill_rate() {
        // 750 a minute refills 12.5 units a second: four workers each wait 4 / 12.5 s.
        let d = pace_delay_ms(&budget(750.0, 100.0, None), 4);
        assert!((d - 320.0).abs() < 1e-6, "{d}");
        // The refill rate from X-RateLimit-Full: 650 missing units back in 52 s is the same 12.5 a second.
        let d = pace_delay_ms(&budget(750.0, 100.0, Some(52.0)), 4);
        assert!((d - 320.0).abs() < 1e-6, "{d}");
        // One worker waits a quarter as long.
        let d = pace_delay_ms(&budget(750.0, 100.0, None), 1);
        assert!((d - 80.0).abs() < 1e-6, "{d}");
    }

    #[test]
    fn an_empty_budget_waits_for_the_shortfall_but_never_longer_than_a_minute() {
        // Small budget: 20 units, refilled 20 a second (1 s to full from empty); 8 workers need 8 units.
        let d = pace_delay_ms(&budget(20.0, 0.0, Some(1.0)), 8);
        assert!((d - 400.0).abs() < 1e-6, "{d}");
        let d = pace_delay_ms(&RateLimit { limit: Some(1.0e9), remaining: Some(0.0), cost: Some(1.0), full_in_seconds: Some(1.0e12) }, 1);
        assert_eq!(d, MAX_PACE_MS);
        // A remaining below zero (stale or odd headers) is read as empty.
        assert!(pace_delay_ms(&budget(20.0, -5.0, Some(1.0)), 1) > 0.0);
    }

    #[test]
    fn pacing_holds_the_spend_at_the_refill_rate() {
        // Simulate four workers against a 100-unit budget refilled at 100 a minute: none ever finds it empty.
        let (limit, per_ms, workers) = (100.0, 100.0 / 60_000.0, 4u32);
        let mut remaining: f64 = limit;
        let mut now = 0.0;
        let mut next_at = [0.0f64; 4];
        let mut spent = 0;
        while spent < 400 {
            let (w, at) = next_at.iter().copied().enumerate().fold((0, f64::MAX), |m, (i, t)| if t < m.1 { (i, t) } else { m });
            remaining = (remaining + (at - now) * per_ms).min(limit);
            now = at;
            assert!(remaining >= 1.0, "a request would be refused at {now} ms");
            remaining -= 1.0;
            spent += 1;
            let full = (limit - remaining) / per_ms / 1000.0;
            let seen = RateLimit { limit: Some(limit), remaining: Some(remaining.floor()), cost: Some(1.0), full_in_seconds: Some(full.ceil()) };
            if let Some(slot) = next_at.get_mut(w) {
                *slot = now + 5.0 + pace_delay_ms(&seen, workers);
            }
        }
    }

    #[test]
    fn only_a_refused_key_ends_the_export() {
        assert!(ends_export("AuthenticationError"));
        for name in ["NotFoundError", "ServerError", "RateLimitError", "TimeoutError", "ConnectionError", "ResponseFormatError"] {
            assert!(!ends_export(name), "{name}");
        }
    }

    #[test]
    fn recent_ids_forget_the_oldest() {
        let mut recent = RecentIds::new(2);
        assert!(recent.first_time("a"));
        assert!(recent.first_time("b"));
        assert!(!recent.first_time("a"));
        assert!(recent.first_time("c"));
        assert!(recent.first_time("a"), "a was forgotten when c came");
        assert!(!recent.first_time("c"));
    }

    #[test]
    fn the_tally_counts_and_totals() {
        let mut t = Tally::default();
        t.announce(Some(10.0));
        t.announce(Some(5.0));
        assert_eq!(t.chats_total, Some(15.0));
        t.wrote(3, 120.0);
        t.chat_done(false);
        t.chat_done(true);
        assert_eq!((t.chats_done, t.items, t.bytes, t.errors), (2, 3, 120.0, 1));
        t.announce(None);
        assert_eq!(t.chats_total, None);
        t.announce(Some(4.0));
        assert_eq!(t.chats_total, None, "once unknown, the total stays unknown");
    }
}
