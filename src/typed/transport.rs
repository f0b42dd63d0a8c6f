//! What the client needs from a runtime: send one request and read its answer within a time limit, and wait.
//!
//! The call machine decides everything else (what to send, whether to retry, what an answer means), so a
//! transport is small: `GlooTransport` for browsers, Node, Deno and Bun,
//! `WorkersTransport` for Cloudflare Workers, or your own.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// A boxed future that need not be `Send` (WebAssembly runs on one thread).
pub type LocalFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// The answer headers the client reads: the rate-limit budget and `Retry-After`. A transport must return
/// these when the answer has them; it may return others.
pub const ANSWER_HEADERS: [&str; 5] = ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-cost", "x-ratelimit-full", "retry-after"];

/// One HTTP request, ready to send.
///
/// Its `Debug` output leaves out the URL's query, which carries the API key.
///
/// ```
/// use gosquared_chat::typed::HttpRequest;
/// use std::time::Duration;
///
/// let request = HttpRequest {
///     method: "GET",
///     url: "https://api.gosquared.com/chat/v1/chats?api_key=secret&site_token=GSN-1".into(),
///     headers: vec![("accept".into(), "application/json".into())],
///     body: None,
///     timeout: Duration::from_secs(10),
/// };
/// assert!(!format!("{request:?}").contains("secret"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// `GET`, `POST` or `DELETE`.
    pub method: &'static str,
    /// The full URL, credentials included: never log it.
    pub url: String,
    /// Header names (lowercase) and values.
    pub headers: Vec<(String, String)>,
    /// The JSON body of a write.
    pub body: Option<String>,
    /// How long sending and reading the whole answer may take; past it the transport aborts the request
    /// and returns [`TransportFailure::TimedOut`].
    pub timeout: Duration,
}

impl HttpRequest {
    /// The URL without its query (so without the credentials).
    ///
    /// ```
    /// # use gosquared_chat::typed::HttpRequest;
    /// # let request = HttpRequest { method: "GET", url: "https://x.test/a/b?api_key=k".into(), headers: vec![], body: None, timeout: std::time::Duration::from_secs(1) };
    /// assert_eq!(request.url_without_query(), "https://x.test/a/b");
    /// ```
    pub fn url_without_query(&self) -> &str {
        self.url.split_once('?').map_or(self.url.as_str(), |(before, _)| before)
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &format_args!("{}?…", self.url_without_query()))
            .field("headers", &self.headers.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>())
            .field("body", &self.body.as_ref().map(String::len))
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// One HTTP answer, read whole.
///
/// ```
/// use gosquared_chat::typed::HttpResponse;
///
/// let answer = HttpResponse { status: 429, headers: vec![("retry-after".into(), "2".into())], body: String::new() };
/// assert_eq!(answer.header("Retry-After"), Some("2"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HttpResponse {
    /// The HTTP status.
    pub status: u16,
    /// Header names and values; at least those of [`ANSWER_HEADERS`] that the answer had.
    pub headers: Vec<(String, String)>,
    /// The body as text (empty when there was none).
    pub body: String,
}

impl HttpResponse {
    /// The value of the header `name` (compared without regard to case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// How an attempt ended without an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransportFailure {
    /// The request could not be sent or no answer came (no connection, DNS, reset, CORS).
    Send,
    /// The answer came but reading its body failed.
    Read,
    /// The attempt took longer than [`HttpRequest::timeout`]; the request was aborted.
    TimedOut,
}

/// An attempt that ended without an answer, with what the runtime said about it.
///
/// ```
/// use gosquared_chat::typed::{TransportError, TransportFailure};
///
/// let e = TransportError::new(TransportFailure::Send, "TypeError", "fetch failed");
/// assert_eq!(e.causes, vec![("TypeError".to_owned(), "fetch failed".to_owned())]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransportError {
    /// How the attempt failed.
    pub failure: TransportFailure,
    /// What was thrown and its own causes, outermost first, as `(name, message)`. The client takes the API
    /// key out of them before they reach an [`Error`](super::Error).
    pub causes: Vec<(String, String)>,
}

impl TransportError {
    /// A failure with one cause.
    pub fn new(failure: TransportFailure, name: impl Into<String>, message: impl Into<String>) -> Self {
        TransportError { failure, causes: vec![(name.into(), message.into())] }
    }

    /// A timeout (its message is the client's own, so it needs no cause).
    pub fn timed_out() -> Self {
        TransportError { failure: TransportFailure::TimedOut, causes: Vec::new() }
    }
}

/// Sends requests and waits, for [`ChatClient`](super::ChatClient).
///
/// Cancelling is dropping: when the client's future is dropped, the transport's future is dropped, and it
/// must abort its request (as both transports here do with an `AbortController`).
///
/// ```
/// use gosquared_chat::typed::{HttpRequest, HttpResponse, LocalFuture, Transport, TransportError};
/// use std::time::Duration;
///
/// /// Answers every request with an empty list, at once.
/// struct Canned;
///
/// impl Transport for Canned {
///     fn send(&self, _request: HttpRequest) -> LocalFuture<'_, Result<HttpResponse, TransportError>> {
///         Box::pin(async { Ok(HttpResponse { status: 200, headers: vec![], body: r#"{"list":[]}"#.into() }) })
///     }
///     fn sleep(&self, _delay: Duration) -> LocalFuture<'_, ()> {
///         Box::pin(async {})
///     }
/// }
/// ```
pub trait Transport {
    /// Sends `request` and reads the whole answer within `request.timeout`.
    fn send(&self, request: HttpRequest) -> LocalFuture<'_, Result<HttpResponse, TransportError>>;

    /// Waits `delay` (before a retry).
    fn sleep(&self, delay: Duration) -> LocalFuture<'_, ()>;

    /// Now, in milliseconds since the Unix epoch, to read a `Retry-After` given as a date.
    fn now_ms(&self) -> f64 {
        now_ms()
    }

    /// A number from 0 to 1 that spreads the retries of many clients.
    fn random(&self) -> f64 {
        random()
    }
}

#[cfg(target_arch = "wasm32")]
fn now_ms() -> f64 {
    js_sys::Date::now()
}

#[cfg(not(target_arch = "wasm32"))]
fn now_ms() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

#[cfg(target_arch = "wasm32")]
fn random() -> f64 {
    js_sys::Math::random()
}

#[cfg(not(target_arch = "wasm32"))]
fn random() -> f64 {
    // The jitter needs spread, not unpredictability: the clock's nanoseconds will do.
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    f64::from(nanos % 1_000_000) / 1_000_000.0
}
