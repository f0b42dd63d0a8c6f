//! The error kinds a call can end in, how an HTTP answer is classified, and how secrets are kept out of messages.

/// The class of a failure; each maps to one JS error class of the same name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// An API failure with no more specific class (`GoSquaredError`).
    Api,
    /// The key or site token was refused (401/403, code 4001).
    Authentication,
    /// The chat or route does not exist (404).
    NotFound,
    /// The rate-limit budget is spent (429, code 4002).
    RateLimit,
    /// The request was malformed: bad arguments before sending, or 400/422 and codes 4000/4003/4004.
    InvalidRequest,
    /// The API failed on its side (5xx).
    Server,
    /// `fetch` itself failed: no connection, DNS, reset, CORS.
    Connection,
    /// An attempt took longer than its `timeoutMs`.
    Timeout,
    /// A 2xx answer whose body was not the JSON expected, or a redirect (never followed).
    ResponseFormat,
}

impl ErrorKind {
    /// The stable JS class name, also the error's `name`.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Api => "GoSquaredError",
            ErrorKind::Authentication => "AuthenticationError",
            ErrorKind::NotFound => "NotFoundError",
            ErrorKind::RateLimit => "RateLimitError",
            ErrorKind::InvalidRequest => "InvalidRequestError",
            ErrorKind::Server => "ServerError",
            ErrorKind::Connection => "ConnectionError",
            ErrorKind::Timeout => "TimeoutError",
            ErrorKind::ResponseFormat => "ResponseFormatError",
        }
    }
}

/// The API's own error code, which it sends as a number or, on some routes, as a string.
#[derive(Clone, Debug, PartialEq)]
pub enum ApiCode {
    /// A numeric code such as 4001.
    Number(f64),
    /// A string code such as `visitor_not_online`.
    Text(String),
}

impl ApiCode {
    fn number(&self) -> Option<f64> {
        match self {
            ApiCode::Number(n) => Some(*n),
            ApiCode::Text(t) => crate::number::parse_decimal(t),
        }
    }
}

/// Classifies an answer from its HTTP status and the API's code: specific statuses first, then known codes.
pub fn classify(status: u16, code: Option<&ApiCode>) -> ErrorKind {
    match status {
        401 | 403 => return ErrorKind::Authentication,
        404 => return ErrorKind::NotFound,
        429 => return ErrorKind::RateLimit,
        500..=599 => return ErrorKind::Server,
        _ => {}
    }
    match code.and_then(ApiCode::number) {
        Some(4001.0) => return ErrorKind::Authentication,
        Some(4002.0) => return ErrorKind::RateLimit,
        Some(4000.0 | 4003.0 | 4004.0) => return ErrorKind::InvalidRequest,
        Some(c) if c == 0.0 || (5000.0..6000.0).contains(&c) => return ErrorKind::Server,
        _ => {}
    }
    match status {
        400 | 413 | 422 => ErrorKind::InvalidRequest,
        _ => ErrorKind::Api,
    }
}

/// One failure, with what is known about it; it becomes a JS error of class `kind.name()`.
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    /// The class of failure.
    pub kind: ErrorKind,
    /// A one-line human message, already free of secrets.
    pub message: String,
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
    /// The API's code, when the body had one.
    pub code: Option<ApiCode>,
    /// How long the API asked us to wait, from `Retry-After`.
    pub retry_after_ms: Option<f64>,
    /// The HTTP method of the request.
    pub method: Option<&'static str>,
    /// The request path, percent-encoded, never with its query.
    pub path: Option<String>,
    /// How many attempts were made, retries included.
    pub attempts: u32,
    /// True when a write may have been applied although the call failed (timeout, 5xx, cut connection).
    pub may_have_succeeded: bool,
    /// What was thrown underneath (a failed `fetch` and its own causes), outermost first, as `(name, message)`.
    pub cause: Vec<(String, String)>,
}

impl Error {
    /// A failure of `kind` with `message` and nothing else known yet.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            status: None,
            code: None,
            retry_after_ms: None,
            method: None,
            path: None,
            attempts: 0,
            may_have_succeeded: false,
            cause: Vec::new(),
        }
    }

    /// A bad argument, refused before any request is sent.
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidRequest, message)
    }

    /// Builds the error for a non-2xx answer (or a 2xx body carrying an error code).
    pub fn from_answer(status: u16, code: Option<ApiCode>, api_message: Option<&str>) -> Self {
        let kind = classify(status, code.as_ref());
        let mut message = match api_message.map(str::trim).filter(|m| !m.is_empty()) {
            Some(m) => truncate(m, 300),
            None => default_message(kind, status).to_owned(),
        };
        message.push_str(" (HTTP ");
        message.push_str(&crate::number::digits(u64::from(status)));
        match &code {
            Some(ApiCode::Number(n)) => {
                message.push_str(", code ");
                message.push_str(&crate::number::integer_text(*n));
            }
            Some(ApiCode::Text(t)) => {
                message.push_str(", code ");
                message.push_str(&truncate(t, 60));
            }
            None => {}
        }
        message.push(')');
        Error { status: Some(status), code, ..Error::new(kind, message) }
    }

    /// Adds the request's method and path, and appends them to the message.
    pub fn at(mut self, method: &'static str, path: &str) -> Self {
        for part in [" [", method, " ", path, "]"] {
            self.message.push_str(part);
        }
        self.method = Some(method);
        self.path = Some(path.to_owned());
        self
    }

    /// Removes every occurrence of each secret (raw and percent-encoded) from the message and the causes.
    pub fn redact<S: AsRef<str>>(mut self, secrets: &[S]) -> Self {
        self.message = redact(&self.message, secrets);
        for (name, message) in &mut self.cause {
            *name = redact(name, secrets);
            *message = redact(message, secrets);
        }
        if let Some(ApiCode::Text(t)) = &self.code {
            self.code = Some(ApiCode::Text(redact(t, secrets)));
        }
        self
    }
}

fn default_message(kind: ErrorKind, status: u16) -> &'static str {
    match kind {
        ErrorKind::Authentication => "The API key or site token was refused",
        ErrorKind::NotFound => "Not found",
        ErrorKind::RateLimit => "Rate limit exceeded",
        ErrorKind::InvalidRequest => "The API refused the request as invalid",
        ErrorKind::Server => "The API failed on its side",
        _ if (200..300).contains(&status) => "The API answered with an error body",
        _ => "The API answered with an unexpected status",
    }
}

/// Cuts `s` to at most `max` characters, marking the cut with an ellipsis.
pub fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => [s.get(..i).unwrap_or_default(), "…"].concat(),
        None => s.to_owned(),
    }
}

/// Replaces each non-empty secret, and its percent-encoded form, with `[redacted]`, also where `truncate` cut one short.
pub fn redact<S: AsRef<str>>(text: &str, secrets: &[S]) -> String {
    let mut out = text.to_owned();
    for secret in secrets.iter().map(AsRef::as_ref).filter(|s| !s.is_empty()) {
        for form in [(*secret).to_owned(), crate::encode::component(secret)] {
            if crate::text::contains(&out, &form) {
                out = crate::text::replace(&out, &form, "[redacted]");
            }
            out = redact_cut_prefix(out, &form);
        }
    }
    out
}

/// Replaces a leading part of `secret` left just before a truncation's ellipsis, longest first.
fn redact_cut_prefix(mut text: String, secret: &str) -> String {
    if !crate::text::contains(&text, "…") {
        return text;
    }
    for (end, _) in secret.char_indices().rev().filter(|(i, _)| *i > 0) {
        let cut = [secret.get(..end).unwrap_or_default(), "…"].concat();
        if crate::text::contains(&text, &cut) {
            text = crate::text::replace(&text, &cut, "[redacted]…");
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_statuses_before_codes() {
        let n = |c: f64| Some(ApiCode::Number(c));
        assert_eq!(classify(401, None), ErrorKind::Authentication);
        assert_eq!(classify(403, n(4001.0).as_ref()), ErrorKind::Authentication);
        assert_eq!(classify(404, n(4004.0).as_ref()), ErrorKind::NotFound);
        assert_eq!(classify(429, None), ErrorKind::RateLimit);
        assert_eq!(classify(400, n(4002.0).as_ref()), ErrorKind::RateLimit);
        assert_eq!(classify(400, n(4001.0).as_ref()), ErrorKind::Authentication);
        assert_eq!(classify(400, None), ErrorKind::InvalidRequest);
        assert_eq!(classify(422, None), ErrorKind::InvalidRequest);
        assert_eq!(classify(200, Some(&ApiCode::Text("4003".into()))), ErrorKind::InvalidRequest);
        assert_eq!(classify(200, Some(&ApiCode::Text("visitor_not_online".into()))), ErrorKind::Api);
        assert_eq!(classify(503, None), ErrorKind::Server);
        assert_eq!(classify(200, n(5001.0).as_ref()), ErrorKind::Server);
        assert_eq!(classify(418, None), ErrorKind::Api);
    }

    #[test]
    fn builds_messages_with_status_code_and_route() {
        let e = Error::from_answer(404, Some(ApiCode::Number(4004.0)), Some("Error 4004: chat not found"))
            .at("GET", "/chat/v1/chats/x");
        assert_eq!(e.message, "Error 4004: chat not found (HTTP 404, code 4004) [GET /chat/v1/chats/x]");
        assert_eq!(e.kind, ErrorKind::NotFound);
        let e = Error::from_answer(502, None, None);
        assert_eq!(e.message, "The API failed on its side (HTTP 502)");
    }

    #[test]
    fn redacts_raw_and_encoded_secrets() {
        assert_eq!(redact("key a+b/c and a%2Bb%2Fc", &["a+b/c", ""]), "key [redacted] and [redacted]");
        let e = Error::from_answer(401, Some(ApiCode::Text("sk_1".into())), Some("bad key sk_1")).redact(&["sk_1"]);
        assert!(!e.message.contains("sk_1"));
        assert_eq!(e.code, Some(ApiCode::Text("[redacted]".into())));
    }

    #[test]
    fn redacts_a_secret_cut_short_by_truncation() {
        let secret = "sk_live+abc/def";
        let message = truncate(&format!("request to https://x/?api_key={} failed", crate::encode::component(secret)), 40);
        assert_eq!(message, "request to https://x/?api_key=sk_live%2B…");
        assert_eq!(redact(&message, &[secret]), "request to https://x/?api_key=[redacted]…");
        let message = truncate(&format!("{}{secret}", "x".repeat(10)), 14);
        assert_eq!(redact(&message, &[secret]), "xxxxxxxxxx[redacted]…");
        assert_eq!(redact("a sentence cut short…", &[secret]), "a sentence cut short…");
    }

    #[test]
    fn truncates_on_char_boundaries() {
        assert_eq!(truncate("héllo", 2), "hé…");
        assert_eq!(truncate("hi", 2), "hi");
    }
}
