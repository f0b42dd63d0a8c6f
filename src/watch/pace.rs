//! How long a watch rests between polls: its interval while the rate-limit budget is comfortable, longer as
//! the budget runs low (the same reading the client's calls update), and longer still after failed polls.

use crate::call::RateLimit;

/// The interval between polls when none is given.
pub const DEFAULT_INTERVAL_MS: f64 = 5_000.0;
/// The shortest interval a watch accepts.
pub const MIN_INTERVAL_MS: f64 = 10.0;
/// The longest interval a watch accepts.
pub const MAX_INTERVAL_MS: f64 = 600_000.0;
/// The longest rest the budget or the backoff asks for (unless the interval itself is longer).
pub const MAX_PAUSE_MS: f64 = 60_000.0;
/// The longest `Retry-After` a watch waits for before it tries again.
pub const MAX_RETRY_AFTER_MS: f64 = 600_000.0;
/// Below this share of the budget, polls are spread out.
const COMFORTABLE_SHARE: f64 = 0.5;
/// The API's refill period: the whole budget comes back within a minute.
const REFILL_PERIOD_MS: f64 = 60_000.0;

/// The rest after a poll that sent `requests` requests, from its start to the next poll's start.
///
/// While at least half the budget remains the rest is the interval. Below half it grows as the budget
/// shrinks (twice the interval at a quarter left, ten times at a twentieth); and when what remains would
/// not pay for another poll like this one, it lasts until the refill has brought that much back. The rest
/// never exceeds a minute (or the interval, when that is longer). An unknown budget leaves the interval.
pub fn rest_ms(interval_ms: f64, budget: Option<&RateLimit>, requests: u32) -> f64 {
    let cap = MAX_PAUSE_MS.max(interval_ms);
    let Some((limit, remaining)) = budget.and_then(|b| Some((b.limit?, b.remaining?))) else {
        return interval_ms;
    };
    if limit.is_nan() || limit <= 0.0 || !remaining.is_finite() {
        return interval_ms;
    }
    let remaining = remaining.max(0.0);
    let share = remaining / limit;
    let mut rest = interval_ms;
    if share < COMFORTABLE_SHARE {
        rest = if share > 0.0 { interval_ms * COMFORTABLE_SHARE / share } else { cap };
    }
    let cost = budget.and_then(|b| b.cost).filter(|c| *c > 0.0).unwrap_or(1.0);
    let need = f64::from(requests.max(1)) * cost;
    if remaining < need {
        let missing = limit - remaining;
        let per_ms = match budget.and_then(|b| b.full_in_seconds) {
            Some(s) if s > 0.0 && missing > 0.0 => missing / (s * 1000.0),
            _ => limit / REFILL_PERIOD_MS,
        };
        rest = rest.max((need - remaining) / per_ms);
    }
    rest.min(cap)
}

/// The rest after the `failures`-th failed poll in a row: the interval doubled each time up to a minute,
/// less up to a quarter by `random` (0 to 1) so that watchers spread out, and never less than a
/// `Retry-After` the API sent (up to ten minutes).
pub fn backoff_ms(interval_ms: f64, failures: u32, retry_after_ms: Option<f64>, random: f64) -> f64 {
    let cap = MAX_PAUSE_MS.max(interval_ms);
    let doubled = interval_ms * 2f64.powi(failures.saturating_sub(1).min(20) as i32);
    let jittered = doubled.min(cap) * (1.0 - 0.25 * random.clamp(0.0, 1.0));
    match retry_after_ms.filter(|ms| ms.is_finite()) {
        Some(ms) => jittered.max(ms.clamp(0.0, MAX_RETRY_AFTER_MS)),
        None => jittered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(limit: f64, remaining: f64, full: Option<f64>) -> RateLimit {
        RateLimit { limit: Some(limit), remaining: Some(remaining), cost: Some(1.0), full_in_seconds: full }
    }

    #[test]
    fn a_comfortable_or_unknown_budget_keeps_the_interval() {
        assert_eq!(rest_ms(5000.0, None, 3), 5000.0);
        assert_eq!(rest_ms(5000.0, Some(&RateLimit::default()), 3), 5000.0);
        assert_eq!(rest_ms(5000.0, Some(&budget(750.0, 750.0, Some(0.0))), 3), 5000.0);
        assert_eq!(rest_ms(5000.0, Some(&budget(750.0, 375.0, None)), 3), 5000.0);
        assert_eq!(rest_ms(5000.0, Some(&budget(0.0, 0.0, None)), 3), 5000.0);
    }

    #[test]
    fn a_low_budget_widens_the_rest_and_a_refilled_one_narrows_it_again() {
        let quarter = rest_ms(5000.0, Some(&budget(750.0, 187.5, None)), 2);
        assert!((quarter - 10_000.0).abs() < 1e-6, "{quarter}");
        let twentieth = rest_ms(5000.0, Some(&budget(750.0, 37.5, None)), 2);
        assert!((twentieth - 50_000.0).abs() < 1e-6, "{twentieth}");
        assert_eq!(rest_ms(5000.0, Some(&budget(750.0, 0.0, None)), 2), MAX_PAUSE_MS);
        assert_eq!(rest_ms(5000.0, Some(&budget(750.0, 700.0, None)), 2), 5000.0);
    }

    #[test]
    fn a_budget_too_small_for_the_next_poll_waits_for_the_refill() {
        // A tiny budget: 10 units refilled in 1 s from empty; 12 requests a poll, 2 left: 10 missing units, 1 s.
        let rest = rest_ms(20.0, Some(&budget(10.0, 2.0, Some(0.8))), 12);
        assert!((rest - 1000.0).abs() < 1e-6, "{rest}");
        // Never beyond a minute, however slow the refill.
        assert_eq!(rest_ms(20.0, Some(&budget(1e9, 0.0, Some(1e12))), 1), MAX_PAUSE_MS);
        // An interval longer than a minute is kept.
        assert_eq!(rest_ms(120_000.0, Some(&budget(750.0, 0.0, None)), 1), 120_000.0);
    }

    #[test]
    fn failures_back_off_exponentially_and_honour_retry_after() {
        assert_eq!(backoff_ms(1000.0, 1, None, 0.0), 1000.0);
        assert_eq!(backoff_ms(1000.0, 2, None, 0.0), 2000.0);
        assert_eq!(backoff_ms(1000.0, 3, None, 1.0), 3000.0);
        assert_eq!(backoff_ms(1000.0, 30, None, 0.0), MAX_PAUSE_MS);
        assert_eq!(backoff_ms(1000.0, 1, Some(7000.0), 0.0), 7000.0);
        assert_eq!(backoff_ms(1000.0, 1, Some(1e9), 0.0), MAX_RETRY_AFTER_MS);
        assert_eq!(backoff_ms(1000.0, 1, Some(f64::NAN), 0.0), 1000.0);
    }

    #[test]
    fn a_watch_paced_by_its_own_readings_never_empties_the_budget() {
        // 10 busy chats (11 requests a poll, 12 with the archived list) at a 100 ms interval against 750 a
        // minute: without pacing that is 7,200 requests a minute. The budget must never be found empty.
        let (limit, per_ms) = (750.0, 750.0 / 60_000.0);
        let mut remaining: f64 = limit;
        let mut now = 0.0;
        let mut polls = 0;
        while now < 600_000.0 {
            let mut seen = None;
            for _ in 0..12 {
                assert!(remaining >= 1.0, "a request would be refused at {now} ms after {polls} polls");
                remaining -= 1.0;
                now += 5.0;
                remaining = (remaining + 5.0 * per_ms).min(limit);
                let full = ((limit - remaining) / per_ms / 1000.0).ceil();
                seen = Some(budget(limit, remaining.floor(), Some(full)));
            }
            polls += 1;
            let rest = rest_ms(100.0, seen.as_ref(), 12) - 60.0;
            now += rest.max(0.0);
            remaining = (remaining + rest.max(0.0) * per_ms).min(limit);
        }
        // It still polls as often as the refill allows: at least 750 / 12 polls a minute over ten minutes.
        assert!(polls >= 600, "{polls}");
    }
}
