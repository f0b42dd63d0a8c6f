//! Checks on every argument, so that bad input ends in an `InvalidRequestError` before any request.

use crate::error::Error;
use crate::number::{digits, integer_text};

/// The largest page size the API serves.
pub const MAX_LIMIT: u32 = 250;
/// The longest chat id accepted, in characters.
pub const MAX_CHAT_ID_CHARS: usize = 1024;
/// The longest message or note accepted, in characters.
pub const MAX_CONTENT_CHARS: usize = 100_000;
/// The longest API key or site token accepted, in characters.
pub const MAX_CREDENTIAL_CHARS: usize = 1024;
/// The longest base URL accepted, in characters.
pub const MAX_BASE_URL_CHARS: usize = 2048;
/// The longest header name accepted, in characters.
pub const MAX_HEADER_NAME_CHARS: usize = 256;
/// The longest header value accepted, in characters.
pub const MAX_HEADER_VALUE_CHARS: usize = 8192;
/// The most extra headers a client may be given.
pub const MAX_HEADERS: usize = 100;
/// The most retries one call may ask for.
pub const MAX_RETRIES: u32 = 10;
/// The longest per-attempt timeout, the largest delay `setTimeout` honours.
pub const MAX_TIMEOUT_MS: f64 = 2_147_483_647.0;
/// JavaScript's largest exactly representable integer.
pub const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// A chat id (the person id): non-empty, at most 1024 characters, no control characters, no `/` or `\\`,
/// not `.` or `..`. A slash or a dot segment could move the request to another route once something between
/// the client and the API decodes `%2F` or normalises the path, so such ids are refused outright.
pub fn chat_id(id: &str) -> Result<(), Error> {
    path_segment_id("chatId", id)
}

/// An id sent as one segment of the request path (a chat id, a webhook id), named `name` in errors: the
/// rules of [`chat_id`].
pub fn path_segment_id(name: &str, id: &str) -> Result<(), Error> {
    if id.is_empty() {
        return Err(Error::invalid([name, " must be a non-empty string"].concat()));
    }
    if crate::text::char_count(id) > MAX_CHAT_ID_CHARS {
        return Err(Error::invalid([name, " is longer than ", &digits(MAX_CHAT_ID_CHARS as u64), " characters"].concat()));
    }
    if has_control(id) {
        return Err(Error::invalid([name, " must not contain control characters"].concat()));
    }
    if id.contains(['/', '\\']) {
        return Err(Error::invalid([name, " must not contain \"/\" or \"\\\""].concat()));
    }
    if id == "." || id == ".." {
        return Err(Error::invalid([name, " must not be \".\" or \"..\""].concat()));
    }
    Ok(())
}

/// Message or note text: not blank and at most 100,000 characters.
pub fn content(text: &str) -> Result<(), Error> {
    if text.trim().is_empty() {
        return Err(Error::invalid("content must be a non-empty string"));
    }
    if crate::text::char_count(text) > MAX_CONTENT_CHARS {
        return Err(Error::invalid(["content is longer than ", &digits(MAX_CONTENT_CHARS as u64), " characters"].concat()));
    }
    Ok(())
}

/// Who a message is sent as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sender {
    /// A team member (the default when `from` is omitted on the API side).
    Agent,
    /// The visitor or customer.
    Client,
    /// The chat bot.
    Bot,
}

impl Sender {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Sender::Agent => "agent",
            Sender::Client => "client",
            Sender::Bot => "bot",
        }
    }
}

/// The `from` of a message: `"agent"`, `"client"` or `"bot"`.
pub fn sender(from: &str) -> Result<Sender, Error> {
    match from {
        "agent" => Ok(Sender::Agent),
        "client" => Ok(Sender::Client),
        "bot" => Ok(Sender::Bot),
        _ => Err(Error::invalid("from must be \"agent\", \"client\" or \"bot\"")),
    }
}

fn whole(name: &str, n: f64, min: f64, max: f64) -> Result<f64, Error> {
    if !n.is_finite() || n.fract() != 0.0 || n < min || n > max {
        return Err(Error::invalid([name, " must be an integer from ", &integer_text(min), " to ", &integer_text(max)].concat()));
    }
    Ok(n)
}

/// A page size: an integer from 1 to 250.
pub fn limit(n: f64) -> Result<u32, Error> {
    whole("limit", n, 1.0, f64::from(MAX_LIMIT)).map(|v| v as u32)
}

/// A page offset: an integer from 0 up to `Number.MAX_SAFE_INTEGER`.
pub fn offset(n: f64) -> Result<u64, Error> {
    whole("offset", n, 0.0, MAX_SAFE_INTEGER).map(|v| v as u64)
}

/// A time given as epoch milliseconds: an integer within a JS `Date`'s range from 1970 on.
pub fn epoch_ms(name: &str, n: f64) -> Result<i64, Error> {
    whole(name, n, 0.0, crate::time::MAX_EPOCH_MS).map(|v| v as i64)
}

/// A per-attempt timeout in milliseconds: an integer from 1 to 2,147,483,647.
pub fn timeout_ms(n: f64) -> Result<u32, Error> {
    whole("timeoutMs", n, 1.0, MAX_TIMEOUT_MS).map(|v| v as u32)
}

/// A retry count: an integer from 0 to 10.
pub fn max_retries(n: f64) -> Result<u32, Error> {
    whole("maxRetries", n, 0.0, f64::from(MAX_RETRIES)).map(|v| v as u32)
}

/// An API key or site token: non-empty, no spaces or control characters.
pub fn credential(name: &str, value: &str) -> Result<(), Error> {
    if value.is_empty() || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid([name, " must be a non-empty string without spaces"].concat()));
    }
    Ok(())
}

/// The API's base URL, returned without a trailing slash: an absolute `http(s)://` URL, or a path from the
/// page's origin such as `/api/chat` (for a same-origin proxy); no query or fragment.
pub fn base_url(url: &str) -> Result<String, Error> {
    let bad = || Error::invalid("baseUrl must be an http(s) URL or a path starting with \"/\", without ? or #");
    if url.is_empty() || url.contains(['?', '#']) || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let lower = url.to_ascii_lowercase();
    let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(r) if r.is_empty() || r.starts_with('/') => return Err(bad()),
        Some(_) => {}
        None if url.starts_with('/') && !url.starts_with("//") => {}
        None => return Err(bad()),
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// An HTTP header name: one or more RFC 9110 token characters.
pub fn header_name(name: &str) -> Result<(), Error> {
    let ok = !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid("headers must have valid HTTP header names"))
    }
}

/// An HTTP header value: no CR, LF or NUL.
pub fn header_value(value: &str) -> Result<(), Error> {
    if value.contains(['\r', '\n', '\0']) {
        return Err(Error::invalid("header values must not contain CR, LF or NUL"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_ids() {
        assert!(chat_id("email:ada@example.com").is_ok());
        assert!(chat_id("Zoë 😀").is_ok());
        // Dots and percent signs are fine away from a slash: the id is one encoded segment.
        for ok in ["...", ".x", "a..b", "%2F", "%2e%2e", "%5C", "a%2Fb"] {
            assert!(chat_id(ok).is_ok(), "{ok:?}");
        }
        for bad in ["", ".", "..", "a\nb", "a\u{0}"] {
            assert!(chat_id(bad).is_err(), "{bad:?}");
        }
        assert!(chat_id(&"x".repeat(1025)).is_err());
        assert!(chat_id(&"x".repeat(1024)).is_ok());
    }

    #[test]
    fn chat_ids_with_slashes_are_refused() {
        for bad in ["/", "\\", "a/b", "a\\b", "../x", "..\\x", "./a", "a/..", "/chats", "x/../../account/v1/webhooks", "no/such chat"] {
            let message = chat_id(bad).err().map(|e| e.message).unwrap_or_default();
            assert!(message.contains("must not contain"), "{bad:?}: {message}");
        }
        for dots in [".", ".."] {
            let message = chat_id(dots).err().map(|e| e.message).unwrap_or_default();
            assert!(message.contains("must not be"), "{dots:?}: {message}");
        }
    }

    #[test]
    fn numbers() {
        assert_eq!(limit(1.0), Ok(1));
        assert_eq!(limit(250.0), Ok(250));
        for bad in [0.0, 251.0, 1.5, f64::NAN, f64::INFINITY, -1.0] {
            assert!(limit(bad).is_err());
        }
        assert_eq!(offset(0.0), Ok(0));
        assert!(offset(-1.0).is_err());
        assert!(offset(1e300).is_err());
        assert!(epoch_ms("from", 8.64e15).is_ok());
        assert!(epoch_ms("from", 8.64e15 + 1.0).is_err());
        assert!(timeout_ms(0.0).is_err());
        assert!(max_retries(11.0).is_err());
        assert_eq!(max_retries(0.0), Ok(0));
    }

    #[test]
    fn content_and_sender() {
        assert!(content("hi").is_ok());
        assert!(content("  \n").is_err());
        assert!(content("").is_err());
        assert!(content(&"x".repeat(MAX_CONTENT_CHARS + 1)).is_err());
        assert_eq!(sender("client"), Ok(Sender::Client));
        assert!(sender("Agent").is_err());
    }

    #[test]
    fn base_urls() {
        assert_eq!(base_url("https://api.gosquared.com/").as_deref(), Ok("https://api.gosquared.com"));
        assert_eq!(base_url("http://127.0.0.1:8787").as_deref(), Ok("http://127.0.0.1:8787"));
        assert_eq!(base_url("/api/chat/").as_deref(), Ok("/api/chat"));
        for bad in ["", "ftp://x", "https://", "https:///x", "//evil.com", "api.gosquared.com", "https://x?y", "https://x y"] {
            assert!(base_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn headers() {
        assert!(header_name("x-trace-id").is_ok());
        assert!(header_name("bad name").is_err());
        assert!(header_value("a\r\nb").is_err());
        assert!(credential("apiKey", "ABC123").is_ok());
        assert!(credential("apiKey", "A B").is_err());
    }
}
