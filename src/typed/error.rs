//! The error every operation ends in: the same kinds, fields and messages as the package's JS error classes.

use crate::error::{ApiCode, ErrorKind};
use std::fmt;
use std::time::Duration;

/// A failed operation: what kind of failure, and what is known about it.
///
/// Its kind maps one to one to the JS classes (`NotFoundError`, `RateLimitError`, …; see [`Error::name`]).
/// Its message and causes never hold the API key, raw or percent-encoded, and never the request's query.
///
/// ```
/// use gosquared_chat::typed::{Error, ErrorKind};
///
/// # fn handle(result: Result<(), Error>) {
/// match result {
///     Ok(()) => {}
///     Err(e) if e.kind() == ErrorKind::NotFound => println!("no such chat"),
///     Err(e) if e.may_have_succeeded() => println!("unknown outcome, do not send it again: {e}"),
///     Err(e) => println!("{} after {} attempts: {e}", e.name(), e.attempts()),
/// }
/// # }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Error(Box<crate::error::Error>);

impl Error {
    /// The class of failure.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The name of the matching JS class, such as `"RateLimitError"`.
    ///
    /// ```
    /// # use gosquared_chat::typed::{Error, ErrorKind};
    /// assert_eq!(Error::new(ErrorKind::Timeout, "slow").name(), "TimeoutError");
    /// ```
    pub fn name(&self) -> &'static str {
        self.0.kind.name()
    }

    /// The one-line message (also what `Display` shows).
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The HTTP status, when an answer came.
    pub fn status(&self) -> Option<u16> {
        self.0.status
    }

    /// The API's own code from the error body (`4001`, `"visitor_not_online"`, …).
    pub fn code(&self) -> Option<&ApiCode> {
        self.0.code.as_ref()
    }

    /// How long the API asked to wait (`Retry-After`), on a rate-limit or server error.
    pub fn retry_after(&self) -> Option<Duration> {
        self.0.retry_after_ms.filter(|ms| ms.is_finite() && *ms >= 0.0).map(|ms| Duration::from_secs_f64(ms / 1000.0))
    }

    /// True when a write may have been applied although the call failed (a timeout, a 5xx, a cut
    /// connection): do not send it again blindly.
    pub fn may_have_succeeded(&self) -> bool {
        self.0.may_have_succeeded
    }

    /// How many attempts were made, retries included (0 when the arguments were refused before sending).
    pub fn attempts(&self) -> u32 {
        self.0.attempts
    }

    /// The HTTP method of the request, once one was built.
    pub fn method(&self) -> Option<&'static str> {
        self.0.method
    }

    /// The request's path, percent-encoded, never with its query.
    pub fn path(&self) -> Option<&str> {
        self.0.path.as_deref()
    }

    /// What the runtime reported underneath (a failed fetch and its causes), outermost first, as
    /// `(name, message)`, free of the API key.
    pub fn causes(&self) -> &[(String, String)] {
        &self.0.cause
    }

    /// The core's description of the failure, as the JS layer receives it.
    pub fn as_core(&self) -> &crate::error::Error {
        &self.0
    }

    /// An error of `kind` with `message` and nothing else known (for transports and tests).
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error(Box::new(crate::error::Error::new(kind, message)))
    }
}

impl From<crate::error::Error> for Error {
    fn from(e: crate::error::Error) -> Self {
        Error(Box::new(e))
    }
}

impl From<Box<crate::error::Error>> for Error {
    fn from(e: Box<crate::error::Error>) -> Self {
        Error(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_reads_the_core_fields() {
        let mut core = crate::error::Error::from_answer(429, Some(ApiCode::Number(4002.0)), Some("slow down")).at("GET", "/chat/v1/chats");
        core.retry_after_ms = Some(1500.0);
        core.attempts = 3;
        let e = Error::from(core);
        assert_eq!((e.kind(), e.name(), e.status(), e.attempts()), (ErrorKind::RateLimit, "RateLimitError", Some(429), 3));
        assert_eq!(e.retry_after(), Some(Duration::from_millis(1500)));
        assert_eq!(e.code(), Some(&ApiCode::Number(4002.0)));
        assert_eq!((e.method(), e.path()), (Some("GET"), Some("/chat/v1/chats")));
        assert_eq!(e.to_string(), "slow down (HTTP 429, code 4002) [GET /chat/v1/chats]");
        assert!(!e.may_have_succeeded());
        let boxed: Box<dyn std::error::Error> = Box::new(e);
        assert!(boxed.to_string().starts_with("slow down"));
    }
}
