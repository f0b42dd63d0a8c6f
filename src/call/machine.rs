//! One call as a state machine: created from its request and settings, it says what to send, takes each
//! answer or failure, and says whether the call is done, should be tried again after a wait, or failed.
//! It does no I/O: the driver sends, times out, waits and reads; time and randomness come in as values.
//!
//! The file holds what the call decides with, after the machine: what an answer's body means, whether a list
//! has another page, the rate-limit budget an answer reports, and the retry policy.

use crate::endpoints::{ApiRequest, Expect, Output, RetryClass, MAX_LIMIT};
use crate::error::{ApiCode, Error, ErrorKind};
use std::rc::Rc;

/// A client's checked settings, shared by its calls.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// The base URL, without a trailing slash.
    pub base_url: String,
    /// `api_key=…&site_token=…`, encoded.
    pub auth_query: String,
    /// The API key, kept to take it out of every error.
    pub api_key: Option<String>,
    /// Per-attempt timeout.
    pub timeout_ms: u32,
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// `base_url` is where `createProxy` is mounted (`proxyUrl`): paths are sent without their API root.
    pub proxy_routes: bool,
}

/// How an attempt ended without an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptFailure {
    /// `fetch` threw synchronously.
    FetchThrew,
    /// The promise `fetch` returned rejected.
    RequestFailed,
    /// Reading the body failed.
    ReadFailed,
    /// The attempt took longer than its timeout.
    TimedOut,
    /// `fetch` resolved to something that is not a `Response`.
    NotResponse,
    /// There is no `fetch` to call.
    NoFetch,
    /// `fetch` resolved to an opaque redirect: a browser's answer to a redirect under `redirect: "manual"`,
    /// with no status and nothing readable.
    Redirected,
}

impl AttemptFailure {
    /// The failure numbered `n` by the driver, in declaration order.
    pub fn from_number(n: u32) -> AttemptFailure {
        match n {
            0 => AttemptFailure::FetchThrew,
            1 => AttemptFailure::RequestFailed,
            2 => AttemptFailure::ReadFailed,
            3 => AttemptFailure::TimedOut,
            5 => AttemptFailure::NoFetch,
            6 => AttemptFailure::Redirected,
            _ => AttemptFailure::NotResponse,
        }
    }
}

/// A page of a list as the call decided it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PageOutcome {
    /// Whether the items arrived as a bare array (else in a `{ list }` envelope).
    pub bare: bool,
    /// False when the page repeats the previous one, whose items must then not be handed out again.
    pub keep_items: bool,
    /// The total the API reported.
    pub cardinality: Option<f64>,
    /// The offset the page was asked for.
    pub offset: u64,
    /// The page size asked for, or the number of items when none was.
    pub limit: u32,
    /// The window of the next page, when there is one.
    pub next: Option<(u64, u32)>,
}

/// What a successful answer becomes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Success {
    /// The decoded body, as [`Decoded`] says where it is.
    Value(Decoded),
    /// One page of a list.
    Page(PageOutcome),
}

/// What the driver does next.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// The call is done.
    Done(Success),
    /// Wait this many milliseconds, then send the request again.
    Retry(f64),
    /// The call failed with this error (already free of secrets).
    Failed(Box<Error>),
    /// A checkable send's attempt did not return the stored message: wait `wait_ms`, count the chat's
    /// identical items again, resolve with the message if the count shows it was stored, else make another
    /// attempt if `resend`; `error` is what the call fails with otherwise (its `may_have_succeeded` as the
    /// attempt left it, for when the count itself fails).
    Check { wait_ms: f64, resend: bool, error: Box<Error> },
}

/// Facts about a list body that the call cannot know itself.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ListFacts {
    /// How many items the page has.
    pub len: usize,
    /// The `cardinality` the API reported, when it is a usable count.
    pub cardinality: Option<f64>,
    /// Whether the first item is the same as the previous page's first item.
    pub repeats_previous: bool,
}

/// One call.
#[derive(Clone, Debug)]
pub struct Call {
    settings: Rc<Settings>,
    request: ApiRequest,
    timeout_ms: u32,
    max_retries: u32,
    attempts: u32,
    rate_limit: Option<RateLimit>,
    /// Whether an attempt that does not return the stored message is settled by a count ([`Step::Check`]).
    checkable: bool,
}

impl Call {
    /// A call of `request` with the client's `settings`, and this call's own timeout and retries when given.
    pub fn new(settings: Rc<Settings>, request: ApiRequest, timeout_ms: Option<u32>, max_retries: Option<u32>) -> Call {
        let timeout_ms = timeout_ms.unwrap_or(settings.timeout_ms);
        let max_retries = max_retries.unwrap_or(settings.max_retries);
        Call { settings, request, timeout_ms, max_retries, attempts: 0, rate_limit: None, checkable: false }
    }

    /// Makes a non-idempotent write checkable: an attempt that does not return the stored message (a failure,
    /// or a 2xx without a message) becomes a [`Step::Check`].
    pub fn checkable(mut self) -> Call {
        self.checkable = self.request.retry == crate::endpoints::RetryClass::NonIdempotentWrite;
        self
    }

    /// The request this call sends.
    pub fn request(&self) -> &ApiRequest {
        &self.request
    }

    /// The full URL to send, credentials included.
    pub fn url(&self) -> String {
        if self.settings.proxy_routes {
            self.request.proxy_url_with_auth(&self.settings.base_url, &self.settings.auth_query)
        } else {
            self.request.url_with_auth(&self.settings.base_url, &self.settings.auth_query)
        }
    }

    /// How long one attempt may take.
    pub fn timeout_ms(&self) -> u32 {
        self.timeout_ms
    }

    /// How many attempts have been made.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The rate-limit budget the last answer reported, if it reported one.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.rate_limit
    }

    /// Takes an answer: `status` as the response gave it, `header` reads one answer header by its lowercase
    /// name, `body` answers questions about the parsed body, and `list` (read only for a 2xx list answer)
    /// tells what the call cannot know about a page. `now_ms` and `random` (0 to 1) are the clock and the
    /// jitter of a retry's wait.
    pub fn on_answer(
        &mut self,
        status: f64,
        header: impl Fn(&str) -> Option<String>,
        body: &impl BodyView,
        list: impl FnOnce() -> ListFacts,
        now_ms: f64,
        random: f64,
    ) -> Step {
        if status.fract() != 0.0 || !(100.0..=599.0).contains(&status) {
            return self.on_failure(AttemptFailure::NotResponse, Vec::new(), random);
        }
        let status = status as u16;
        self.attempts += 1;
        if let Some(rl) = RateLimit::from_headers(&header) {
            self.rate_limit = Some(rl);
        }
        if (300..400).contains(&status) {
            return self.conclude(Failure::Redirect, Error { status: Some(status), ..redirect_error(Some(status)) }, random);
        }
        let retry_after = header("retry-after").and_then(|v| parse_retry_after(&v, now_ms));
        let decoded = match decode(self.request.expect, status, body, retry_after) {
            Ok(decoded) => decoded,
            Err(error) => return self.conclude(Failure::Status(status), error, random),
        };
        if self.checkable && (decoded == Decoded::Empty || (decoded == Decoded::Body && !body.has("id"))) {
            let mut message = String::from("The API answered without the stored message (HTTP ");
            crate::number::push_digits(&mut message, u64::from(status), 1);
            message.push(')');
            let error = Error { status: Some(status), ..Error::new(ErrorKind::ResponseFormat, message) };
            return self.conclude(Failure::Status(status), error, random);
        }
        match (self.request.endpoint.output, decoded) {
            (Output::Page, Decoded::BareList | Decoded::ListEnvelope) => Step::Done(Success::Page(self.page(decoded == Decoded::BareList, list()))),
            (_, decoded) => Step::Done(Success::Value(decoded)),
        }
    }

    /// Takes an attempt that ended without an answer; `thrown` is what was thrown and its own causes,
    /// outermost first, as `(name, message)` (empty when nothing was).
    pub fn on_failure(&mut self, how: AttemptFailure, thrown: Vec<(String, String)>, random: f64) -> Step {
        let detail = thrown.first().map(|(_, message)| message.as_str());
        self.attempts += 1;
        let (failure, error) = match how {
            AttemptFailure::TimedOut => {
                let mut message = String::from("The attempt timed out after ");
                message.push_str(&crate::number::digits(u64::from(self.timeout_ms)));
                message.push_str(" ms");
                (Failure::Timeout, Error::new(ErrorKind::Timeout, message))
            }
            AttemptFailure::NotResponse => (Failure::Connection, Error::new(ErrorKind::ResponseFormat, "fetch resolved to something that is not a Response")),
            AttemptFailure::NoFetch => (Failure::Connection, Error::new(ErrorKind::Connection, "no fetch function is available")),
            AttemptFailure::Redirected => (Failure::Redirect, redirect_error(None)),
            AttemptFailure::FetchThrew | AttemptFailure::RequestFailed | AttemptFailure::ReadFailed => {
                let mut message = String::from(match how {
                    AttemptFailure::FetchThrew => "fetch threw: ",
                    AttemptFailure::RequestFailed => "The request failed: ",
                    _ => "Reading the response failed: ",
                });
                message.push_str(&crate::error::truncate(detail.unwrap_or("unknown error"), 200));
                (Failure::Connection, Error::new(ErrorKind::Connection, message))
            }
        };
        self.conclude(failure, Error { cause: thrown, ..error }, random)
    }

    /// Ends the call with an error found outside an attempt (a result that could not be shaped).
    pub fn fail(&self, error: Error) -> Box<Error> {
        self.finish(Error { attempts: self.attempts, ..error })
    }

    fn page(&self, bare: bool, facts: ListFacts) -> PageOutcome {
        let params = self.request.list.as_ref().map(|(_, p)| p.clone()).unwrap_or_default();
        let offset = params.offset.unwrap_or(0);
        let verdict = judge(&PageFacts {
            offset,
            limit: params.limit,
            len: facts.len,
            cardinality: facts.cardinality,
            repeats_previous: facts.repeats_previous,
        });
        let (keep_items, next) = match verdict {
            Verdict::Repeated => (false, None),
            Verdict::Next(next) => (true, next),
        };
        let limit = params.limit.unwrap_or_else(|| u32::try_from(facts.len).unwrap_or(u32::MAX));
        PageOutcome { bare, keep_items, cardinality: facts.cardinality, offset, limit, next }
    }

    /// Retries when the policy allows, otherwise fails with the finished error.
    fn conclude(&mut self, failure: Failure, mut error: Error, random: f64) -> Step {
        if self.checkable {
            let (wait_ms, resend) = after_checked(failure, self.attempts, self.max_retries, error.retry_after_ms, random);
            error.attempts = self.attempts;
            error.may_have_succeeded = may_have_succeeded(self.request.retry, failure);
            return Step::Check { wait_ms, resend, error: self.finish(error) };
        }
        match decide(self.request.retry, failure, self.attempts, self.max_retries, error.retry_after_ms, random) {
            Decision::Retry(delay) => Step::Retry(delay),
            Decision::Stop => {
                error.attempts = self.attempts;
                error.may_have_succeeded = may_have_succeeded(self.request.retry, failure);
                Step::Failed(self.finish(error))
            }
        }
    }

    /// Adds the method and path to an error and takes the API key out of it.
    fn finish(&self, error: Error) -> Box<Error> {
        let error = error.at(self.request.method, &self.request.path);
        Box::new(match &self.settings.api_key {
            Some(key) => error.redact(&[key]),
            None => error,
        })
    }
}

/// The error for a redirect. Requests are sent with `redirect: "manual"` and a redirect is never followed:
/// the next request would carry the key in its query (and, after a 307 or 308, the body) to wherever the
/// answer points. The message names no URL; the `Location` header is never read.
fn redirect_error(status: Option<u16>) -> Error {
    let mut message = String::from("The API answered with a redirect");
    if let Some(s) = status {
        message.push_str(" (HTTP ");
        crate::number::push_digits(&mut message, u64::from(s), 1);
        message.push(')');
    }
    message.push_str(", which the client does not follow");
    Error::new(ErrorKind::ResponseFormat, message)
}

// What an answer's body means: the decoded result, or the error it stands for.
//
// The body is parsed by the JS engine; the boundary answers questions about it through [`BodyView`] (what
// kind of JSON it is, which keys it has, what its error fields say) and the decisions are made here.

/// What kind of value a body parsed to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyKind {
    /// The body was empty.
    Empty,
    /// The body was not valid JSON.
    NotJson,
    /// A JSON array.
    Array,
    /// A JSON object.
    Object,
    /// JSON `null`, a number, a string or a boolean.
    Other,
}

/// Questions about a parsed body, answered by whoever holds it.
pub trait BodyView {
    /// What kind of value it is.
    fn kind(&self) -> BodyKind;
    /// Whether an object has `key` (any value but undefined).
    fn has(&self, key: &str) -> bool;
    /// Whether an object's `key` is an array.
    fn is_array_at(&self, key: &str) -> bool;
    /// Whether an object's `key` is an object (not an array).
    fn is_object_at(&self, key: &str) -> bool;
    /// An object's `code` and `message` (inside `error` when `inner`): a code as a number or a string cut to
    /// 60 characters, a message when it is a string.
    fn error_fields(&self, inner: bool) -> (Option<ApiCode>, Option<String>);
}

/// How a 2xx body becomes the call's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decoded {
    /// An empty write answer: the result is `{}`.
    Empty,
    /// The body itself.
    Body,
    /// The object under the body's `chat` key (a wrapped read of one chat).
    ChatInside,
    /// A list as a bare array.
    BareList,
    /// A list in a `{ list, cardinality }` envelope.
    ListEnvelope,
}

/// The API's `code` and `message` from an error body, also inside a legacy `{ error: {…} }` wrapper.
fn error_fields(body: &impl BodyView) -> (Option<ApiCode>, Option<String>) {
    body.error_fields(body.is_object_at("error"))
}

/// Turns an answer into what its body means, or into the error it stands for. `retry_after_ms` is the
/// answer's `Retry-After`, already read.
pub fn decode(expect: Expect, status: u16, body: &impl BodyView, retry_after_ms: Option<f64>) -> Result<Decoded, Error> {
    let kind = body.kind();
    if !(200..300).contains(&status) {
        let (code, message) = if kind == BodyKind::Object { error_fields(body) } else { (None, None) };
        let mut e = Error::from_answer(status, code, message.as_deref());
        e.retry_after_ms = retry_after_ms;
        return Err(e);
    }
    let format_error = |what: &str| {
        let mut message = String::from(what);
        message.push_str(" (HTTP ");
        message.push_str(&crate::number::digits(u64::from(status)));
        message.push(')');
        Error { status: Some(status), ..Error::new(ErrorKind::ResponseFormat, message) }
    };
    match kind {
        BodyKind::Empty if expect == Expect::Write => return Ok(Decoded::Empty),
        BodyKind::Empty => return Err(format_error("The API sent an empty body where JSON was expected")),
        BodyKind::NotJson => return Err(format_error("The API sent a body that is not valid JSON")),
        _ => {}
    }
    let is_object = kind == BodyKind::Object;
    // A body with a list or an id is data; only one with neither is looked at as a possible error body.
    if is_object && !body.has("list") && !body.has("id") {
        if let (Some(code), Some(message)) = error_fields(body) {
            return Err(Error::from_answer(status, Some(code), Some(&message)));
        }
    }
    match expect {
        Expect::List if kind == BodyKind::Array => Ok(Decoded::BareList),
        Expect::List if is_object && body.is_array_at("list") => Ok(Decoded::ListEnvelope),
        Expect::List => Err(format_error("The API sent JSON without a list where a list was expected")),
        // A `{ chat: {…} }` envelope on a read of one chat, a shape the API might use instead of a bare chat.
        Expect::Object if is_object && !body.has("id") && body.is_object_at("chat") => Ok(Decoded::ChatInside),
        Expect::Object | Expect::Write if is_object => Ok(Decoded::Body),
        Expect::Object | Expect::Write => Err(format_error("The API sent JSON that is not an object")),
    }
}

// The API's rate-limit budget, as reported in the `X-RateLimit-*` headers of every answer.

/// The last budget the API reported; each field is present only when its header was.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RateLimit {
    /// `X-RateLimit-Limit`: units per minute (750 on the real API).
    pub limit: Option<f64>,
    /// `X-RateLimit-Remaining`: units left now.
    pub remaining: Option<f64>,
    /// `X-RateLimit-Cost`: what the last call cost.
    pub cost: Option<f64>,
    /// `X-RateLimit-Full`: seconds until the budget is full again.
    pub full_in_seconds: Option<f64>,
}

impl RateLimit {
    /// Reads the four headers through `get`; `None` when the answer carried none of them.
    pub fn from_headers(get: impl Fn(&str) -> Option<String>) -> Option<RateLimit> {
        let num = |name: &str| get(name).and_then(|v| crate::number::parse_decimal(&v));
        let rl = RateLimit {
            limit: num("x-ratelimit-limit"),
            remaining: num("x-ratelimit-remaining"),
            cost: num("x-ratelimit-cost"),
            full_in_seconds: num("x-ratelimit-full"),
        };
        (rl != RateLimit::default()).then_some(rl)
    }
}

// The retry policy: which failures are retried for which kind of request, and how long to wait.

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

// Deciding whether a list has another page, and which window to ask for next.

/// What is known about a page just received.
#[derive(Clone, Debug, PartialEq)]
pub struct PageFacts {
    /// The offset the page was asked for.
    pub offset: u64,
    /// The page size asked for, when one was sent.
    pub limit: Option<u32>,
    /// How many items came back.
    pub len: usize,
    /// The total the API reported, when it did.
    pub cardinality: Option<f64>,
    /// Whether the page's first item has the same fingerprint as the previous page's (false on a first page).
    pub repeats_previous: bool,
}

/// The verdict on a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The page is new; fetch the next window if there is one.
    Next(Option<(u64, u32)>),
    /// The page repeats the previous one: the server ignored the offset, so the list ends here.
    Repeated,
}

/// Judges a page: a short or empty page ends the list, as does reaching `cardinality` or a repeated page.
pub fn judge(p: &PageFacts) -> Verdict {
    if p.len > 0 && p.repeats_previous {
        return Verdict::Repeated;
    }
    let len = p.len as u64;
    if len == 0 || p.limit.is_some_and(|l| len < u64::from(l)) {
        return Verdict::Next(None);
    }
    let next_offset = p.offset.saturating_add(len);
    if p.cardinality.is_some_and(|c| next_offset as f64 >= c) {
        return Verdict::Next(None);
    }
    let size = p.limit.unwrap_or_else(|| u32::try_from(p.len).unwrap_or(MAX_LIMIT).min(MAX_LIMIT));
    Verdict::Next(Some((next_offset, size)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::machine::answer_tests::{object, Fake};
    use crate::call::machine::BodyKind;
    use crate::endpoints::{Args, ListParams, Op};
    use crate::error::ApiCode;

    fn settings() -> Rc<Settings> {
        Rc::new(Settings {
            base_url: "https://api.gosquared.com".into(),
            auth_query: "api_key=sk%2Bkey&site_token=GSN-1".into(),
            api_key: Some("sk+key".into()),
            timeout_ms: 10_000,
            max_retries: 2,
            proxy_routes: false,
        })
    }

    #[allow(clippy::panic)] // a test helper: a request that cannot be built fails the test
    fn call(op: Op, id: &str, args: Args) -> Call {
        let request = ApiRequest::new(op, id, &args).unwrap_or_else(|e| panic!("{}", e.message));
        Call::new(settings(), request, None, None)
    }

    fn no_headers(_: &str) -> Option<String> {
        None
    }

    fn no_list() -> ListFacts {
        ListFacts::default()
    }

    #[allow(clippy::panic)] // a test helper: a step that is not a failure fails the test
    fn failed(step: Step) -> Error {
        match step {
            Step::Failed(e) => *e,
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    #[test]
    fn a_call_builds_its_url_from_the_settings() {
        let c = call(Op::ListChats, "", Args::List(ListParams { limit: Some(5), ..Default::default() }));
        assert_eq!(c.url(), "https://api.gosquared.com/chat/v1/chats?api_key=sk%2Bkey&site_token=GSN-1&limit=0,5");
        assert_eq!(c.timeout_ms(), 10_000);
        let own = Call::new(settings(), c.request().clone(), Some(50), Some(0));
        assert_eq!(own.timeout_ms(), 50);
    }

    #[test]
    fn a_read_is_retried_on_503_then_done() {
        let mut c = call(Op::GetChat, "a", Args::None);
        let server_error = Fake { kind: Some(BodyKind::NotJson), ..Fake::default() };
        assert_eq!(c.on_answer(503.0, no_headers, &server_error, no_list, 0.0, 0.0), Step::Retry(500.0));
        assert_eq!(c.on_answer(503.0, no_headers, &server_error, no_list, 0.0, 0.0), Step::Retry(1000.0));
        assert_eq!(c.on_answer(200.0, no_headers, &object(&[("id", "string")]), no_list, 0.0, 0.0), Step::Done(Success::Value(Decoded::Body)));
        assert_eq!(c.attempts(), 3);
    }

    #[test]
    fn a_message_is_never_sent_twice_after_an_unknown_outcome() {
        let mut c = call(Op::SendMessage, "a", Args::Content("hi".into(), None));
        let e = failed(c.on_failure(AttemptFailure::TimedOut, Vec::new(), 0.0));
        assert_eq!(e.kind, ErrorKind::Timeout);
        assert!(e.may_have_succeeded);
        assert_eq!(e.message, "The attempt timed out after 10000 ms [POST /chat/v1/chats/a/messages]");
        // A 429 is answered without processing the request: it is retried, after Retry-After.
        let mut c = call(Op::SendMessage, "a", Args::Content("hi".into(), None));
        let retry_after = |name: &str| (name == "retry-after").then(|| "2".to_owned());
        assert_eq!(c.on_answer(429.0, retry_after, &object(&[]), no_list, 0.0, 0.0), Step::Retry(2000.0));
    }

    #[test]
    fn a_checkable_send_asks_for_a_count_after_an_unknown_outcome() {
        let send = || call(Op::SendMessage, "a", Args::Content("hi".into(), None)).checkable();
        let mut c = send();
        let step = c.on_failure(AttemptFailure::TimedOut, Vec::new(), 0.0);
        let Step::Check { wait_ms, resend, error } = &step else { return assert_eq!(format!("{step:?}"), "a check") };
        assert_eq!((*wait_ms, *resend, error.may_have_succeeded, error.attempts), (500.0, true, true, 1));
        assert_eq!(error.message, "The attempt timed out after 10000 ms [POST /chat/v1/chats/a/messages]");
        // The last attempt (maxRetries 2): a count still settles it, but no attempt may follow.
        let server_error = Fake { kind: Some(BodyKind::NotJson), ..Fake::default() };
        c.on_failure(AttemptFailure::RequestFailed, Vec::new(), 0.0);
        let last = c.on_answer(502.0, no_headers, &server_error, no_list, 0.0, 0.0);
        assert!(matches!(last, Step::Check { resend: false, wait_ms, .. } if wait_ms == 2000.0), "{last:?}");
        // A Retry-After beyond the cap: count at once, never send again.
        let long = |name: &str| (name == "retry-after").then(|| "120".to_owned());
        let step = send().on_answer(503.0, long, &server_error, no_list, 0.0, 0.0);
        assert!(matches!(step, Step::Check { resend: false, wait_ms, .. } if wait_ms == 0.0), "{step:?}");
        // A 2xx without the message (unreadable, empty, or an object without an id) is an unknown outcome too.
        for body in [server_error, Fake { kind: Some(BodyKind::Empty), ..Fake::default() }, object(&[("ok", "boolean")])] {
            let step = send().on_answer(200.0, no_headers, &body, no_list, 0.0, 0.0);
            assert!(matches!(&step, Step::Check { resend: true, error, .. } if error.may_have_succeeded), "{step:?}");
        }
        assert!(matches!(send().on_answer(200.0, no_headers, &object(&[("id", "string")]), no_list, 0.0, 0.0), Step::Done(_)));
        // A refusal is counted too (a server might store and refuse), at once and never sent again; a 429 may be.
        let refused = send().on_answer(400.0, no_headers, &object(&[]), no_list, 0.0, 0.0);
        assert!(matches!(&refused, Step::Check { resend: false, wait_ms, error } if *wait_ms == 0.0 && !error.may_have_succeeded), "{refused:?}");
        let limited = send().on_answer(429.0, no_headers, &object(&[]), no_list, 0.0, 0.0);
        assert!(matches!(&limited, Step::Check { resend: true, error, .. } if !error.may_have_succeeded), "{limited:?}");
        // Only non-idempotent writes are checkable.
        let mut archive = call(Op::ArchiveChat, "a", Args::None).checkable();
        assert!(matches!(archive.on_failure(AttemptFailure::TimedOut, Vec::new(), 0.0), Step::Retry(_)));
    }

    #[test]
    fn errors_name_the_route_and_never_the_key() {
        let mut c = call(Op::GetChat, "x", Args::None);
        let thrown = || vec![
            ("TypeError".to_owned(), "connect to https://api/?api_key=sk+key failed".to_owned()),
            ("Error".to_owned(), "ECONNREFUSED at https://api/?api_key=sk%2Bkey".to_owned()),
        ];
        assert_eq!(c.on_failure(AttemptFailure::RequestFailed, thrown(), 0.0), Step::Retry(500.0));
        assert_eq!(c.on_failure(AttemptFailure::FetchThrew, thrown(), 0.0), Step::Retry(1000.0));
        let e = failed(c.on_failure(AttemptFailure::RequestFailed, thrown(), 0.0));
        assert_eq!(e.kind, ErrorKind::Connection);
        assert!(!e.message.contains("sk+key"), "{}", e.message);
        // The causes are kept, free of the key in both spellings.
        assert_eq!(
            e.cause,
            vec![
                ("TypeError".to_owned(), "connect to https://api/?api_key=[redacted] failed".to_owned()),
                ("Error".to_owned(), "ECONNREFUSED at https://api/?api_key=[redacted]".to_owned()),
            ]
        );
        assert!(e.message.ends_with("[GET /chat/v1/chats/x]"));
        assert_eq!((e.attempts, e.method, e.path.as_deref()), (3, Some("GET"), Some("/chat/v1/chats/x")));
    }

    #[test]
    fn a_status_outside_http_is_not_a_response() {
        let mut c = call(Op::ArchiveChat, "x", Args::None);
        let step = c.on_answer(0.0, no_headers, &object(&[]), no_list, 0.0, 0.0);
        assert_eq!(step, Step::Retry(500.0));
        let mut c = Call::new(settings(), c.request().clone(), None, Some(0));
        assert_eq!(failed(c.on_answer(700.5, no_headers, &object(&[]), no_list, 0.0, 0.0)).kind, ErrorKind::ResponseFormat);
    }

    #[test]
    fn a_redirect_ends_the_call_at_once_and_names_no_url() {
        for op in [Op::GetChat, Op::ArchiveChat] {
            for status in [301.0, 302.0, 303.0, 307.0, 308.0] {
                let mut c = call(op, "x", Args::None);
                let location = |name: &str| (name == "location").then(|| "https://elsewhere.example/?api_key=sk+key".to_owned());
                let e = failed(c.on_answer(status, location, &object(&[]), no_list, 0.0, 0.0));
                assert_eq!((e.kind, e.status, e.attempts, e.may_have_succeeded), (ErrorKind::ResponseFormat, Some(status as u16), 1, false));
                assert!(e.message.starts_with(&format!("The API answered with a redirect (HTTP {status}), which the client does not follow")), "{}", e.message);
                assert!(!e.message.contains("elsewhere") && !e.message.contains("api_key"), "{}", e.message);
            }
        }
        let mut c = call(Op::SendMessage, "x", Args::Content("hi".into(), None));
        let e = failed(c.on_failure(AttemptFailure::Redirected, Vec::new(), 0.0));
        assert_eq!((e.kind, e.status, e.attempts), (ErrorKind::ResponseFormat, None, 1));
        assert_eq!(e.message, "The API answered with a redirect, which the client does not follow [POST /chat/v1/chats/x/messages]");
        assert_eq!(AttemptFailure::from_number(6), AttemptFailure::Redirected);
    }

    #[test]
    fn the_budget_is_read_from_every_answer() {
        let mut c = call(Op::GetChat, "x", Args::None);
        let headers = |name: &str| match name {
            "x-ratelimit-limit" => Some("750".to_owned()),
            "x-ratelimit-remaining" => Some("12".to_owned()),
            _ => None,
        };
        c.on_answer(200.0, headers, &object(&[("id", "string")]), no_list, 0.0, 0.0);
        assert_eq!(c.rate_limit().and_then(|r| r.remaining), Some(12.0));
    }

    #[test]
    fn pages_say_where_the_next_one_starts() {
        let params = ListParams { limit: Some(10), offset: Some(20), ..Default::default() };
        let mut c = call(Op::GetFeed, "x", Args::List(params));
        let envelope = object(&[("list", "array")]);
        let step = c.on_answer(200.0, no_headers, &envelope, || ListFacts { len: 10, cardinality: Some(100.0), repeats_previous: false }, 0.0, 0.0);
        assert_eq!(
            step,
            Step::Done(Success::Page(PageOutcome { bare: false, keep_items: true, cardinality: Some(100.0), offset: 20, limit: 10, next: Some((30, 10)) }))
        );
        // A server that ignores the offset sends the same page again: the list ends, the repeat is dropped.
        let step = c.on_answer(200.0, no_headers, &Fake { kind: Some(BodyKind::Array), ..Fake::default() }, || ListFacts { len: 10, cardinality: None, repeats_previous: true }, 0.0, 0.0);
        assert!(matches!(step, Step::Done(Success::Page(PageOutcome { bare: true, keep_items: false, next: None, .. }))));
    }

    #[test]
    fn webhooks_list_is_an_array_not_a_page() {
        let mut c = call(Op::ListWebhooks, "", Args::None);
        let step = c.on_answer(200.0, no_headers, &object(&[("list", "array")]), no_list, 0.0, 0.0);
        assert_eq!(step, Step::Done(Success::Value(Decoded::ListEnvelope)));
    }

    #[test]
    fn a_2xx_error_body_fails_a_write_with_may_have_succeeded() {
        let mut c = call(Op::AddNote, "x", Args::Content("n".into(), None));
        let body = Fake { top: (Some(ApiCode::Number(5001.0)), Some("boom".into())), ..object(&[("code", "number")]) };
        let e = failed(c.on_answer(200.0, no_headers, &body, no_list, 0.0, 0.0));
        assert_eq!((e.kind, e.may_have_succeeded, e.attempts), (ErrorKind::Server, true, 1));
    }
}

#[cfg(test)]
pub(crate) mod answer_tests {
    use super::*;

    /// A body described by hand: its kind, its keys (with whether each is an array or an object), and its
    /// error fields at the top and inside `error`.
    #[derive(Default)]
    pub struct Fake {
        pub kind: Option<BodyKind>,
        pub keys: Vec<(&'static str, &'static str)>,
        pub top: (Option<ApiCode>, Option<String>),
        pub inner: (Option<ApiCode>, Option<String>),
    }

    impl BodyView for Fake {
        fn kind(&self) -> BodyKind {
            self.kind.unwrap_or(BodyKind::Object)
        }
        fn has(&self, key: &str) -> bool {
            self.keys.iter().any(|(k, _)| *k == key)
        }
        fn is_array_at(&self, key: &str) -> bool {
            self.keys.iter().any(|(k, t)| *k == key && *t == "array")
        }
        fn is_object_at(&self, key: &str) -> bool {
            self.keys.iter().any(|(k, t)| *k == key && *t == "object")
        }
        fn error_fields(&self, inner: bool) -> (Option<ApiCode>, Option<String>) {
            if inner { self.inner.clone() } else { self.top.clone() }
        }
    }

    pub fn object(keys: &[(&'static str, &'static str)]) -> Fake {
        Fake { keys: keys.to_vec(), ..Fake::default() }
    }

    fn of(kind: BodyKind) -> Fake {
        Fake { kind: Some(kind), ..Fake::default() }
    }

    #[test]
    fn lists_come_bare_or_in_an_envelope() {
        assert_eq!(decode(Expect::List, 200, &of(BodyKind::Array), None), Ok(Decoded::BareList));
        assert_eq!(decode(Expect::List, 200, &object(&[("list", "array"), ("cardinality", "number")]), None), Ok(Decoded::ListEnvelope));
        let e = decode(Expect::List, 200, &object(&[("list", "object")]), None).err();
        assert_eq!(e.map(|e| (e.kind, e.message)), Some((ErrorKind::ResponseFormat, "The API sent JSON without a list where a list was expected (HTTP 200)".into())));
    }

    #[test]
    fn a_read_of_one_chat_unwraps_a_chat_envelope() {
        assert_eq!(decode(Expect::Object, 200, &object(&[("chat", "object")]), None), Ok(Decoded::ChatInside));
        assert_eq!(decode(Expect::Object, 200, &object(&[("chat", "object"), ("id", "string")]), None), Ok(Decoded::Body));
        assert_eq!(decode(Expect::Write, 200, &object(&[("chat", "object")]), None), Ok(Decoded::Body));
        assert_eq!(decode(Expect::Object, 200, &object(&[("chat", "string")]), None), Ok(Decoded::Body));
    }

    #[test]
    fn empty_bodies_are_fine_only_for_writes() {
        assert_eq!(decode(Expect::Write, 200, &of(BodyKind::Empty), None), Ok(Decoded::Empty));
        assert!(decode(Expect::Object, 200, &of(BodyKind::Empty), None).is_err_and(|e| e.kind == ErrorKind::ResponseFormat));
        assert!(decode(Expect::Write, 200, &of(BodyKind::NotJson), None).is_err_and(|e| e.message.contains("not valid JSON")));
        assert!(decode(Expect::Object, 200, &of(BodyKind::Array), None).is_err_and(|e| e.message.contains("not an object")));
        assert!(decode(Expect::Object, 200, &of(BodyKind::Other), None).is_err_and(|e| e.kind == ErrorKind::ResponseFormat));
    }

    #[test]
    fn a_2xx_body_with_code_and_message_is_an_error_unless_it_holds_data() {
        let coded = |keys: &[(&'static str, &'static str)]| Fake {
            keys: keys.to_vec(),
            top: (Some(ApiCode::Number(4003.0)), Some("bad".into())),
            ..Fake::default()
        };
        let e = decode(Expect::Write, 200, &coded(&[("code", "number"), ("message", "string")]), None).err();
        assert_eq!(e.map(|e| (e.kind, e.status)), Some((ErrorKind::InvalidRequest, Some(200))));
        assert_eq!(decode(Expect::Write, 200, &coded(&[("id", "string"), ("code", "number")]), None), Ok(Decoded::Body));
        // A code without a message is data.
        let only_code = Fake { top: (Some(ApiCode::Number(1.0)), None), ..object(&[("code", "number")]) };
        assert_eq!(decode(Expect::Write, 200, &only_code, None), Ok(Decoded::Body));
    }

    #[test]
    fn error_answers_read_the_legacy_wrapper() {
        let wrapped = Fake {
            keys: vec![("error", "object")],
            top: (None, None),
            inner: (Some(ApiCode::Number(4001.0)), Some("Invalid API key".into())),
            ..Fake::default()
        };
        let e = decode(Expect::Object, 403, &wrapped, Some(2000.0)).err();
        assert_eq!(
            e.map(|e| (e.kind, e.message, e.retry_after_ms)),
            Some((ErrorKind::Authentication, "Invalid API key (HTTP 403, code 4001)".into(), Some(2000.0)))
        );
        let e = decode(Expect::Object, 502, &of(BodyKind::NotJson), None).err();
        assert_eq!(e.map(|e| e.message), Some("The API failed on its side (HTTP 502)".into()));
    }
}

#[cfg(test)]
mod rate_limit_tests {
    use super::*;

    #[test]
    fn reads_headers() {
        let rl = RateLimit::from_headers(|n| match n {
            "x-ratelimit-limit" => Some("750".into()),
            "x-ratelimit-remaining" => Some(" 749 ".into()),
            "x-ratelimit-cost" => Some("junk".into()),
            _ => None,
        });
        assert_eq!(rl, Some(RateLimit { limit: Some(750.0), remaining: Some(749.0), cost: None, full_in_seconds: None }));
        assert_eq!(RateLimit::from_headers(|_| None), None);
    }
}

#[cfg(test)]
mod retry_tests {
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

#[cfg(test)]
mod pagination_tests {
    use super::*;

    fn facts(offset: u64, limit: Option<u32>, len: usize, cardinality: Option<f64>) -> PageFacts {
        PageFacts { offset, limit, len, cardinality, repeats_previous: false }
    }

    #[test]
    fn full_pages_continue() {
        assert_eq!(judge(&facts(0, Some(10), 10, Some(25.0))), Verdict::Next(Some((10, 10))));
        assert_eq!(judge(&facts(0, Some(10), 10, None)), Verdict::Next(Some((10, 10))));
        assert_eq!(judge(&facts(0, None, 7, None)), Verdict::Next(Some((7, 7))));
        assert_eq!(judge(&facts(0, None, 400, None)), Verdict::Next(Some((400, 250))));
    }

    #[test]
    fn short_empty_or_complete_pages_end() {
        assert_eq!(judge(&facts(0, Some(10), 9, None)), Verdict::Next(None));
        assert_eq!(judge(&facts(20, Some(10), 0, None)), Verdict::Next(None));
        assert_eq!(judge(&facts(20, Some(10), 10, Some(30.0))), Verdict::Next(None));
        assert_eq!(judge(&facts(0, None, 0, None)), Verdict::Next(None));
    }

    #[test]
    fn a_repeated_page_ends_the_list() {
        let mut f = facts(10, Some(10), 10, None);
        f.repeats_previous = true;
        assert_eq!(judge(&f), Verdict::Repeated);
        f.repeats_previous = false;
        assert_eq!(judge(&f), Verdict::Next(Some((20, 10))));
        f.len = 0;
        f.repeats_previous = true;
        assert_eq!(judge(&f), Verdict::Next(None), "an empty page is an end, not a repeat");
    }
}
