//! The retry policy: which failures are retried for which kind of request, and how long to wait.

use crate::endpoints::RetryClass;

/// The longest `Retry-After` the client waits for; a longer one fails the call at once.
pub const MAX_RETRY_AFTER_MS: f64 = 60_000.0;
/// The first backoff delay.
const BASE_DELAY_MS: f64 = 500.0;
/// The longest backoff delay.
const MAX_DELAY_MS: f64 = 8_000.0;

/// How one attempt failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The API answered with this status (or a 2xx body with an error code, as its status).
    Status(u16),
    /// `fetch` rejected: the request may or may not have reached the API.
    Connection,
    /// The attempt timed out: the request may have been processed.
    Timeout,
    /// The answer was a redirect, which the client does not follow (it would carry the key to another URL):
    /// never retried.
    Redirect,
}

/// Whether a failure may be retried for this class of request.
///
/// Reads and idempotent writes retry connection errors, timeouts, 408, 429, 500, 502, 503 and 504.
/// Sending a message or a note retries only 429, which the API answers without processing the request.
pub fn is_retryable(class: RetryClass, failure: Failure) -> bool {
    match (class, failure) {
        (_, Failure::Redirect) => false,
        (_, Failure::Status(429)) => true,
        (RetryClass::NonIdempotentWrite, _) => false,
        (_, Failure::Connection | Failure::Timeout) => true,
        (_, Failure::Status(s)) => matches!(s, 408 | 500 | 502 | 503 | 504),
    }
}

/// Whether a failed write (idempotent or not) may nevertheless have been applied, judging by its last attempt.
pub fn may_have_succeeded(class: RetryClass, failure: Failure) -> bool {
    class != RetryClass::Read
        && match failure {
            Failure::Connection | Failure::Timeout => true,
            Failure::Redirect => false,
            Failure::Status(s) => s >= 500 || (200..300).contains(&s),
        }
}

/// The wait before retry number `retry` (1 for the first), exponential from 0.5 s up to 8 s, with
/// `random` (0 to 1) taking off up to a quarter so that clients spread out.
pub fn backoff_ms(retry: u32, random: f64) -> f64 {
    let exp = BASE_DELAY_MS * 2f64.powi(retry.saturating_sub(1).min(16) as i32);
    exp.min(MAX_DELAY_MS) * (1.0 - 0.25 * random.clamp(0.0, 1.0))
}

/// What to do after a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Decision {
    /// Wait this many milliseconds, then try again.
    Retry(f64),
    /// Give up and report the failure.
    Stop,
}

/// Decides whether to retry after `attempts` attempts, honouring `Retry-After` up to 60 s.
pub fn decide(
    class: RetryClass,
    failure: Failure,
    attempts: u32,
    max_retries: u32,
    retry_after_ms: Option<f64>,
    random: f64,
) -> Decision {
    if attempts > max_retries || !is_retryable(class, failure) {
        return Decision::Stop;
    }
    match retry_after_ms {
        Some(ms) if ms > MAX_RETRY_AFTER_MS => Decision::Stop,
        Some(ms) => Decision::Retry(ms.max(0.0)),
        None => Decision::Retry(backoff_ms(attempts, random)),
    }
}

/// After an attempt of a checked send that did not return the stored message, which a count settles (it shows
/// whether the message was stored, so a new attempt cannot store it twice): how long to wait before counting,
/// and whether a new attempt may follow. A new attempt may follow an unknown outcome, a 408 or a 429, while an
/// attempt is left and `Retry-After` (honoured up to 60 s) allows; the wait before the count gives a request
/// the server still holds time to land. A refusal (another 4xx) is counted at once, never sent again.
pub fn after_checked(failure: Failure, attempts: u32, max_retries: u32, retry_after_ms: Option<f64>, random: f64) -> (f64, bool) {
    let resendable = may_have_succeeded(RetryClass::NonIdempotentWrite, failure) || matches!(failure, Failure::Status(408 | 429));
    match retry_after_ms {
        _ if !resendable => (0.0, false),
        Some(ms) if ms > MAX_RETRY_AFTER_MS => (0.0, false),
        Some(ms) => (ms.max(0.0), attempts <= max_retries),
        None => (backoff_ms(attempts, random), attempts <= max_retries),
    }
}

/// Reads a `Retry-After` value, in seconds or as an HTTP date, as milliseconds from `now_ms`.
pub fn parse_retry_after(value: &str, now_ms: f64) -> Option<f64> {
    let v = value.trim();
    if v.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+') {
        return crate::number::parse_decimal(v).map(|secs| secs * 1000.0);
    }
    http_date_ms(v).map(|at| (at - now_ms).max(0.0))
}

/// Parses an IMF-fixdate such as `Sun, 06 Nov 1994 08:49:37 GMT` into epoch milliseconds.
fn http_date_ms(v: &str) -> Option<f64> {
    let (_, rest) = crate::text::split_once(v, ", ")?;
    let mut parts = rest.split(' ');
    let day = parts.next()?;
    let month = parts.next()?;
    let year = parts.next()?;
    let clock = parts.next()?;
    if parts.next()? != "GMT" || parts.next().is_some() {
        return None;
    }
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let m = MONTHS.iter().position(|name| *name == month)? + 1;
    let mut iso = [year, "-"].concat();
    crate::number::push_digits(&mut iso, m as u64, 2);
    for part in ["-", day, "T", clock, "Z"] {
        iso.push_str(part);
    }
    crate::time::parse_iso(&iso).map(|ms| ms as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use RetryClass::*;

    #[test]
    fn policy_table() {
        for class in [Read, IdempotentWrite] {
            for f in [Failure::Connection, Failure::Timeout, Failure::Status(408), Failure::Status(429), Failure::Status(500),
                Failure::Status(502), Failure::Status(503), Failure::Status(504)] {
                assert!(is_retryable(class, f), "{class:?} {f:?}");
            }
            for s in [400, 401, 403, 404, 409, 422, 501, 200] {
                assert!(!is_retryable(class, Failure::Status(s)), "{class:?} {s}");
            }
        }
        assert!(is_retryable(NonIdempotentWrite, Failure::Status(429)));
        for f in [Failure::Connection, Failure::Timeout, Failure::Status(408), Failure::Status(500), Failure::Status(503)] {
            assert!(!is_retryable(NonIdempotentWrite, f), "{f:?}");
        }
    }

    #[test]
    fn outcome_unknown_for_writes_that_may_have_reached_the_api() {
        for class in [NonIdempotentWrite, IdempotentWrite] {
            for f in [Failure::Timeout, Failure::Connection, Failure::Status(503), Failure::Status(500), Failure::Status(200)] {
                assert!(may_have_succeeded(class, f), "{class:?} {f:?}");
            }
            for s in [400, 401, 404, 408, 429] {
                assert!(!may_have_succeeded(class, Failure::Status(s)), "{class:?} {s}");
            }
        }
        assert!(!may_have_succeeded(Read, Failure::Timeout));
        assert!(!may_have_succeeded(Read, Failure::Status(503)));
    }

    #[test]
    fn redirects_are_never_retried_and_never_applied() {
        for class in [Read, IdempotentWrite, NonIdempotentWrite] {
            assert!(!is_retryable(class, Failure::Redirect), "{class:?}");
            assert!(!may_have_succeeded(class, Failure::Redirect), "{class:?}");
            assert_eq!(decide(class, Failure::Redirect, 1, 10, Some(0.0), 0.0), Decision::Stop);
        }
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff_ms(1, 0.0), 500.0);
        assert_eq!(backoff_ms(2, 0.0), 1000.0);
        assert_eq!(backoff_ms(3, 1.0), 1500.0);
        assert_eq!(backoff_ms(10, 0.0), 8000.0);
        assert_eq!(backoff_ms(u32::MAX, 0.0), 8000.0);
    }

    #[test]
    fn decisions() {
        assert_eq!(decide(Read, Failure::Status(503), 1, 2, None, 0.0), Decision::Retry(500.0));
        assert_eq!(decide(Read, Failure::Status(503), 3, 2, None, 0.0), Decision::Stop);
        assert_eq!(decide(Read, Failure::Status(429), 1, 2, Some(2000.0), 0.0), Decision::Retry(2000.0));
        assert_eq!(decide(Read, Failure::Status(429), 1, 2, Some(61_000.0), 0.0), Decision::Stop);
        assert_eq!(decide(NonIdempotentWrite, Failure::Status(429), 1, 2, Some(0.0), 0.0), Decision::Retry(0.0));
        assert_eq!(decide(NonIdempotentWrite, Failure::Timeout, 1, 2, None, 0.0), Decision::Stop);
        assert_eq!(decide(Read, Failure::Connection, 1, 0, None, 0.0), Decision::Stop);
    }

    #[test]
    fn a_checked_send_waits_counts_then_may_send_again() {
        let t = Failure::Timeout;
        assert_eq!(after_checked(t, 1, 2, None, 0.0), (500.0, true));
        assert_eq!(after_checked(t, 2, 2, None, 0.0), (1000.0, true));
        assert_eq!(after_checked(t, 3, 2, None, 0.0), (2000.0, false));
        assert_eq!(after_checked(Failure::Status(503), 1, 2, Some(0.0), 0.0), (0.0, true));
        assert_eq!(after_checked(Failure::Status(503), 1, 0, Some(3000.0), 0.0), (3000.0, false));
        assert_eq!(after_checked(Failure::Status(503), 1, 2, Some(120_000.0), 0.0), (0.0, false));
        for resent in [Failure::Connection, Failure::Status(200), Failure::Status(408), Failure::Status(429), Failure::Status(501)] {
            assert!(after_checked(resent, 1, 2, None, 0.0).1, "{resent:?}");
        }
        for refused in [400, 401, 403, 404, 409, 422] {
            assert_eq!(after_checked(Failure::Status(refused), 1, 2, None, 0.0), (0.0, false), "{refused}");
        }
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("2", 0.0), Some(2000.0));
        assert_eq!(parse_retry_after(" 1.5 ", 0.0), Some(1500.0));
        assert_eq!(parse_retry_after("-1", 0.0), None);
        assert_eq!(parse_retry_after("soon", 0.0), None);
        let now = 784_111_777_000.0 - 5000.0;
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), Some(5000.0));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now + 10_000.0), Some(0.0));
    }
}
