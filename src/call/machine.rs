//! One call as a state machine: created from its request and settings, it says what to send, takes each
//! answer or failure, and says whether the call is done, should be tried again after a wait, or failed.
//! It does no I/O: the driver sends, times out, waits and reads; time and randomness come in as values.

use crate::answer::{self, BodyView, Decoded};
use crate::endpoints::{ApiRequest, Output};
use crate::error::{Error, ErrorKind};
use crate::pagination::{self, PageFacts, Verdict};
use crate::rate_limit::RateLimit;
use crate::retry::{self, Decision, Failure};
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
        let retry_after = header("retry-after").and_then(|v| retry::parse_retry_after(&v, now_ms));
        let decoded = match answer::decode(self.request.expect, status, body, retry_after) {
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
        let verdict = pagination::judge(&PageFacts {
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
            let (wait_ms, resend) = retry::after_checked(failure, self.attempts, self.max_retries, error.retry_after_ms, random);
            error.attempts = self.attempts;
            error.may_have_succeeded = retry::may_have_succeeded(self.request.retry, failure);
            return Step::Check { wait_ms, resend, error: self.finish(error) };
        }
        match retry::decide(self.request.retry, failure, self.attempts, self.max_retries, error.retry_after_ms, random) {
            Decision::Retry(delay) => Step::Retry(delay),
            Decision::Stop => {
                error.attempts = self.attempts;
                error.may_have_succeeded = retry::may_have_succeeded(self.request.retry, failure);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::tests::{object, Fake};
    use crate::answer::BodyKind;
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
