//! The edge toolkit for Rust: check a `chat_message` webhook and its URL secret, and sign a person for
//! Secure Mode. The checks are the core's (`src/edge/`), the same the JS functions run.

use super::error::Error;
use super::models::Extra;
use crate::webhook::{self, Found};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A `chat_message` webhook, as GoSquared posts it when a person writes in a chat.
///
/// Use `message.person_id` as the chat id: `person.id` can be a different, internal id.
///
/// ```
/// use gosquared_chat::typed::parse_chat_message_webhook;
///
/// let hook = parse_chat_message_webhook(r#"{"version":"1.0.0",
///     "message":{"id":"m_6","from":"client","person_id":"email:ada@example.com","content":"All sorted","timestamp":1700000005000},
///     "person":{"id":"p_1","name":"Ada Lovelace","presence":"online"}}"#)?;
/// assert_eq!((hook.message.person_id.as_str(), hook.message.content.as_str()), ("email:ada@example.com", "All sorted"));
/// # Ok::<(), gosquared_chat::typed::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChatMessageWebhook {
    /// The payload's version (`1.x.y`; another major version is refused).
    pub version: String,
    /// The message written.
    pub message: WebhookMessage,
    /// Who wrote it.
    pub person: WebhookPerson,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The message of a [`ChatMessageWebhook`].
///
/// ```
/// # use gosquared_chat::typed::WebhookMessage;
/// let m: WebhookMessage = serde_json::from_str(r#"{"id":"m_1","from":"client","person_id":"p","content":"Hi","timestamp":1}"#)?;
/// assert_eq!(m.html_content, None);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WebhookMessage {
    /// The message id.
    pub id: String,
    /// Who sent it (`"client"` for the person).
    pub from: String,
    /// The chat id.
    pub person_id: String,
    /// The text.
    pub content: String,
    /// When it was sent, epoch ms.
    pub timestamp: i64,
    /// The text as HTML.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html_content: Option<String>,
    /// Translations, when GoSquared made any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translated: Option<Value>,
    /// Email details, for a message that came by email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Value>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The person of a [`ChatMessageWebhook`].
///
/// ```
/// # use gosquared_chat::typed::WebhookPerson;
/// let p: WebhookPerson = serde_json::from_str(r#"{"id":"p_1","email":null}"#)?;
/// assert_eq!(p.email, None);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WebhookPerson {
    /// GoSquared's id for the person (not always the chat id).
    pub id: String,
    /// Their email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Their name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// An avatar URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    /// `"online"`, `"away"`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Checks a `chat_message` webhook body (its JSON text) field by field, as the JS
/// `parseChatMessageWebhook` does, and returns it typed, unknown fields kept.
///
/// ```
/// use gosquared_chat::typed::{parse_chat_message_webhook, ErrorKind};
///
/// let e = parse_chat_message_webhook(r#"{"version":"2.0.0","message":{},"person":{}}"#).unwrap_err();
/// assert_eq!(e.kind(), ErrorKind::InvalidRequest);
/// assert!(e.message().contains("major version 2"));
/// ```
///
/// # Errors
/// An [`ErrorKind::InvalidRequest`](crate::error::ErrorKind::InvalidRequest) error naming the first field that
/// is missing or of the wrong kind, or saying the body is not JSON.
pub fn parse_chat_message_webhook(body: &str) -> Result<ChatMessageWebhook, Error> {
    let value: Value = serde_json::from_str(body)
        .map_err(|_| crate::error::Error::invalid("Invalid chat_message webhook payload: the body is not valid JSON"))?;
    webhook::check_chat_message(|path| found_at(&value, path))?;
    serde_json::from_value(value)
        .map_err(|e| crate::error::Error::invalid(format!("Invalid chat_message webhook payload: {}", crate::error::truncate(&e.to_string(), 200))).into())
}

/// What is at `path` below `root`, for the core's checks.
fn found_at(root: &Value, path: &[&str]) -> Found {
    let mut current = root;
    for key in path {
        match current {
            Value::Object(o) => match o.get(*key) {
                Some(v) => current = v,
                None => return Found::Missing,
            },
            _ => return Found::Missing,
        }
    }
    match current {
        Value::Null => Found::Null,
        Value::Number(n) => n.as_f64().map_or(Found::Other, Found::Number),
        Value::String(s) => Found::Text(s.clone()),
        Value::Object(_) => Found::Object,
        Value::Bool(_) | Value::Array(_) => Found::Other,
    }
}

/// Whether the webhook request's URL carries `secret` in its `secret` query parameter, exactly once,
/// compared in constant time. GoSquared signs nothing, so register the webhook with a long random secret in
/// its URL and check it here.
///
/// ```
/// use gosquared_chat::typed::verify_webhook_secret;
///
/// let secret = "a-long-random-secret-value";
/// assert!(verify_webhook_secret("https://example.com/hook?secret=a-long-random-secret-value", secret)?);
/// assert!(!verify_webhook_secret("https://example.com/hook?secret=guess", secret)?);
/// assert!(verify_webhook_secret("https://example.com/hook", "short").is_err(), "a short secret is refused");
/// # Ok::<(), gosquared_chat::typed::Error>(())
/// ```
///
/// # Errors
/// An [`ErrorKind::InvalidRequest`](crate::error::ErrorKind::InvalidRequest) error when `secret` is shorter
/// than 16 characters or holds spaces.
pub fn verify_webhook_secret(url: &str, secret: &str) -> Result<bool, Error> {
    verify_webhook_secret_in(url, secret, webhook::DEFAULT_SECRET_PARAM)
}

/// [`verify_webhook_secret`] with the secret in the query parameter `param`.
///
/// ```
/// # use gosquared_chat::typed::verify_webhook_secret_in;
/// assert!(verify_webhook_secret_in("https://x.example/h?token=0123456789abcdef", "0123456789abcdef", "token")?);
/// # Ok::<(), gosquared_chat::typed::Error>(())
/// ```
///
/// # Errors
/// As [`verify_webhook_secret`], and for an empty `param`.
pub fn verify_webhook_secret_in(url: &str, secret: &str, param: &str) -> Result<bool, Error> {
    webhook::check_secret(secret)?;
    if param.is_empty() {
        return Err(crate::error::Error::invalid("param must be a non-empty string").into());
    }
    Ok(webhook::url_secret_matches(url, param, secret))
}

/// The Secure Mode signature of a person: lowercase hex HMAC-SHA256 of `person_id` keyed with the
/// project's Secure Mode secret. Compute it on your server and hand it to the chat widget.
///
/// ```
/// use gosquared_chat::typed::person_signature;
///
/// let signature = person_signature("secure-mode-secret", "email:ada@example.com")?;
/// assert_eq!(signature.len(), 64);
/// # Ok::<(), gosquared_chat::typed::Error>(())
/// ```
///
/// # Errors
/// An [`ErrorKind::InvalidRequest`](crate::error::ErrorKind::InvalidRequest) error for an empty secret or
/// person id.
pub fn person_signature(secret: &str, person_id: &str) -> Result<String, Error> {
    Ok(crate::signature::person_signature(secret, person_id)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAYLOAD: &str = r#"{"version":"1.0.0",
        "message":{"id":"m_6","from":"client","person_id":"email:ada@example.com","content":"Hi","html_content":"Hi","timestamp":1700000005000,"thread":"t1"},
        "person":{"id":"email:ada@example.com","name":"Ada Lovelace","email":"ada@example.com","avatar":"https://example.invalid/1.png","presence":"online","plan":"pro"},
        "site":"GSN-1"}"#;

    #[test]
    #[allow(clippy::panic)] // a payload that does not parse fails the test
    fn a_payload_parses_and_keeps_unknown_fields() {
        let hook = parse_chat_message_webhook(PAYLOAD).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(hook.message.timestamp, 1_700_000_005_000);
        assert_eq!((hook.message.extra.get("thread"), hook.person.extra.get("plan")), (Some(&Value::from("t1")), Some(&Value::from("pro"))));
        assert_eq!(hook.extra.get("site"), Some(&Value::from("GSN-1")));
        let original: Value = serde_json::from_str(PAYLOAD).unwrap_or_default();
        assert_eq!(serde_json::to_value(&hook).ok(), Some(original));
    }

    #[test]
    fn the_core_checks_run_first() {
        let cases = [
            ("not json", "not valid JSON"),
            ("[]", "must be a JSON object"),
            (r#"{"message":{},"person":{}}"#, "version is missing"),
            (r#"{"version":"1.0.0","message":{"id":"m","from":"client","person_id":"..","content":"x","timestamp":1},"person":{"id":"p"}}"#, "not a usable chat id"),
            (r#"{"version":"1.0.0","message":{"id":"m","from":"client","person_id":"p","content":"x","timestamp":"1"},"person":{"id":"p"}}"#, "message.timestamp must be a number"),
        ];
        for (body, expected) in cases {
            let e = parse_chat_message_webhook(body).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(e.contains(expected), "{body}: {e}");
        }
    }

    #[test]
    fn secrets_and_signatures() {
        let secret = "0123456789abcdef-secret";
        assert_eq!(verify_webhook_secret(&format!("https://h.example/w?a=1&secret={secret}"), secret), Ok(true));
        assert_eq!(verify_webhook_secret(&format!("https://h.example/w?secret={secret}&secret={secret}"), secret), Ok(false));
        assert_eq!(verify_webhook_secret_in(&format!("https://h.example/w?k={secret}"), secret, "k"), Ok(true));
        assert!(verify_webhook_secret_in("https://h.example/w", secret, "").is_err());
        assert_eq!(person_signature("secret", "user").map(|s| s.len()), Ok(64));
        assert_eq!(person_signature("secret", "user"), crate::signature::person_signature("secret", "user").map_err(Error::from));
        assert!(person_signature("", "user").is_err());
    }
}
