//! Webhooks: the checks on an incoming `chat_message` payload, the URL secret that stands in for the signature
//! GoSquared does not send, and the fields of a new webhook registered through the Account API.

use crate::encode;
use crate::error::Error;
use crate::number::digits;
use crate::signature::secrets_equal;
use crate::endpoints;

/// The only `chat_message` payload major version this client understands.
pub const SUPPORTED_MAJOR: u64 = 1;
/// The shortest URL secret accepted, in characters.
pub const MIN_SECRET_CHARS: usize = 16;
/// The longest webhook URL accepted, in characters.
pub const MAX_URL_CHARS: usize = 2048;
/// The longest webhook name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 256;
/// The longest trigger name read, in characters (longer ones are no trigger).
pub const MAX_TRIGGER_CHARS: usize = 64;
/// The longest trigger value given as a string, in characters.
pub const MAX_VALUE_CHARS: usize = 1024;
/// The longest string read from a `chat_message` payload field, in characters.
pub const MAX_PAYLOAD_TEXT_CHARS: usize = 1_000_000;
/// The longest request URL `verifyWebhookSecret` reads, in characters.
pub const MAX_REQUEST_URL_CHARS: usize = 65_536;
/// The longest webhook secret accepted, in characters.
pub const MAX_SECRET_CHARS: usize = 1024;
/// The longest name of the secret's query parameter, in characters.
pub const MAX_PARAM_CHARS: usize = 256;
/// The query parameter that carries the URL secret unless the caller names another.
pub const DEFAULT_SECRET_PARAM: &str = "secret";

/// What was found at one place in a payload, as far as the checks need to know.
#[derive(Clone, Debug, PartialEq)]
pub enum Found {
    /// Nothing there (`undefined`).
    Missing,
    /// `null`.
    Null,
    /// A string, with its text.
    Text(String),
    /// A string longer than the reader's limit (that many characters), left uncopied.
    TooLong(usize),
    /// A number.
    Number(f64),
    /// An object that is not an array.
    Object,
    /// Anything else (boolean, array, function).
    Other,
}

/// The kind of value a payload field must hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Want {
    /// A string, possibly empty.
    Text,
    /// A non-empty string.
    Id,
    /// A finite number.
    Number,
    /// An object.
    Object,
}

/// One field of the payload: where it is, what it must be, whether it must be there.
struct Field {
    path: &'static [&'static str],
    want: Want,
    required: bool,
}

const fn need(path: &'static [&'static str], want: Want) -> Field {
    Field { path, want, required: true }
}

const fn may(path: &'static [&'static str], want: Want) -> Field {
    Field { path, want, required: false }
}

/// The `chat_message` fields checked, parents before children; every other field is kept unchecked.
const CHAT_MESSAGE: &[Field] = &[
    need(&["message"], Want::Object),
    need(&["message", "id"], Want::Id),
    need(&["message", "from"], Want::Id),
    need(&["message", "person_id"], Want::Id),
    need(&["message", "content"], Want::Text),
    need(&["message", "timestamp"], Want::Number),
    may(&["message", "html_content"], Want::Text),
    may(&["message", "translated"], Want::Object),
    may(&["message", "email"], Want::Object),
    need(&["person"], Want::Object),
    need(&["person", "id"], Want::Id),
    may(&["person", "email"], Want::Text),
    may(&["person", "name"], Want::Text),
    may(&["person", "avatar"], Want::Text),
    may(&["person", "presence"], Want::Text),
];

fn invalid_payload(detail: &str) -> Error {
    Error::invalid(["Invalid chat_message webhook payload: ", detail].concat())
}

/// Checks a semver `version` string (`MAJOR.MINOR.PATCH`, optional `-pre` and `+build`) whose major is supported.
pub fn check_version(version: &str) -> Result<(), Error> {
    let core = version.split(['-', '+']).next().unwrap_or_default();
    let parts: Vec<&str> = core.split('.').collect();
    let numeric = |p: &&str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && (p.len() == 1 || !p.starts_with('0'));
    let major = match parts.as_slice() {
        [major, _, _] if parts.iter().all(numeric) => major.parse::<u64>().ok(),
        _ => None,
    };
    let shown = crate::error::truncate(version, 40);
    match major {
        None => Err(invalid_payload(&["version \"", &shown, "\" is not a semver version such as \"1.0.0\""].concat())),
        Some(SUPPORTED_MAJOR) => Ok(()),
        Some(m) => Err(invalid_payload(
            &["version ", &shown, " has major version ", &digits(m), "; this client understands major version ", &digits(SUPPORTED_MAJOR), " only"]
                .concat(),
        )),
    }
}

/// Checks a `chat_message` payload field by field through `lookup`, which tells what is at a path; unknown
/// fields are not looked at.
pub fn check_chat_message(lookup: impl Fn(&[&str]) -> Found) -> Result<(), Error> {
    match lookup(&[]) {
        Found::Object => {}
        _ => return Err(invalid_payload("the body must be a JSON object")),
    }
    match lookup(&["version"]) {
        Found::Text(v) => check_version(&v)?,
        Found::TooLong(max) => return Err(invalid_payload(&["version is longer than ", &digits(max as u64), " characters"].concat())),
        Found::Missing => return Err(invalid_payload("version is missing")),
        _ => return Err(invalid_payload("version must be a string")),
    }
    for field in CHAT_MESSAGE {
        let name = crate::text::join(field.path, ".");
        let found = lookup(field.path);
        if let Found::TooLong(max) = found {
            return Err(invalid_payload(&[&name, " is longer than ", &digits(max as u64), " characters"].concat()));
        }
        let ok = match (&found, field.want) {
            (Found::Missing | Found::Null, _) => !field.required,
            (Found::Text(_), Want::Text) | (Found::Number(_), Want::Number) | (Found::Object, Want::Object) => true,
            (Found::Text(t), Want::Id) => !t.is_empty(),
            _ => false,
        };
        if !ok {
            let what = match field.want {
                Want::Text => "a string",
                Want::Id => "a non-empty string",
                Want::Number => "a number",
                Want::Object => "an object",
            };
            return Err(invalid_payload(&[&name, " must be ", what].concat()));
        }
        if let (Found::Number(n), true) = (&found, field.want == Want::Number) {
            if !n.is_finite() {
                return Err(invalid_payload(&[&name, " must be a finite number"].concat()));
            }
        }
    }
    if let Found::Text(chat) = lookup(&["message", "person_id"]) {
        endpoints::chat_id(&chat).map_err(|e| invalid_payload(&["message.person_id is not a usable chat id (", &e.message, ")"].concat()))?;
    }
    Ok(())
}

/// Checks the secret a webhook receiver expects: at least 16 characters, no spaces or control characters.
pub fn check_secret(secret: &str) -> Result<(), Error> {
    if crate::text::char_count(secret) < MIN_SECRET_CHARS || secret.chars().any(|c| c.is_whitespace() || c.is_control()) {
        let min = digits(MIN_SECRET_CHARS as u64);
        return Err(Error::invalid(["the webhook secret must be at least ", &min, " characters without spaces (use a long random value)"].concat()));
    }
    Ok(())
}

/// Whether the query of `url` carries `param` exactly once, with the value `expected` (compared in constant time).
pub fn url_secret_matches(url: &str, param: &str, expected: &str) -> bool {
    let query = url.split('#').next().unwrap_or_default().split_once('?').map_or("", |(_, q)| q);
    let mut presented = None;
    let mut count = 0;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |s: &str| encode::decode(&s.replace('+', " "));
        if decode(name).as_deref() == Some(param) {
            count += 1;
            presented = decode(value);
        }
    }
    // A secret sent twice is refused: a proxy and the app could read different copies.
    let candidate = presented.filter(|_| count == 1).unwrap_or_default();
    secrets_equal(candidate.as_bytes(), expected.as_bytes()) && count == 1 && !expected.is_empty()
}

/// The events a webhook can be triggered by, as the Account API names them.
pub const TRIGGERS: &[&str] = &["chat_message", "entered_smart_group", "exited_smart_group", "traffic_dip", "traffic_spike"];

/// The `value` of a trigger (a smart group id, a traffic threshold).
#[derive(Clone, Debug, PartialEq)]
pub enum TriggerValue {
    /// A string value.
    Text(String),
    /// A numeric value, a whole number.
    Number(f64),
}

/// A webhook to register with `POST /account/v1/webhooks`.
#[derive(Clone, Debug, PartialEq)]
pub struct NewWebhook {
    /// Where GoSquared will POST.
    pub url: String,
    /// A label shown in GoSquared's settings.
    pub name: Option<String>,
    /// One of [`TRIGGERS`].
    pub trigger: &'static str,
    /// The trigger's value, for triggers that take one.
    pub value: Option<TriggerValue>,
    /// Whether leads with an unconfirmed email also fire it.
    pub include_unverified: Option<bool>,
}

impl NewWebhook {
    /// Checks the fields: an absolute `http(s)` URL, a known trigger, a non-blank name when given.
    pub fn new(url: String, name: Option<String>, trigger: Option<&str>, value: Option<TriggerValue>, include_unverified: Option<bool>) -> Result<Self, Error> {
        let lower = url.to_ascii_lowercase();
        let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://")).unwrap_or_default();
        let host_ok = !rest.is_empty() && !rest.starts_with(['/', '?', '#']);
        if !host_ok || url.chars().any(|c| c.is_whitespace() || c.is_control()) || crate::text::char_count(&url) > MAX_URL_CHARS {
            let max = digits(MAX_URL_CHARS as u64);
            return Err(Error::invalid(["url must be an absolute http(s) URL of at most ", &max, " characters without spaces"].concat()));
        }
        if name.as_deref().is_some_and(|n| n.trim().is_empty() || n.chars().any(char::is_control)) {
            return Err(Error::invalid("name must be a non-blank string without control characters"));
        }
        if name.as_deref().is_some_and(|n| crate::text::char_count(n) > MAX_NAME_CHARS) {
            return Err(Error::invalid(["name is longer than ", &digits(MAX_NAME_CHARS as u64), " characters"].concat()));
        }
        if let Some(TriggerValue::Text(t)) = &value {
            if crate::text::char_count(t) > MAX_VALUE_CHARS {
                return Err(Error::invalid(["value is longer than ", &digits(MAX_VALUE_CHARS as u64), " characters"].concat()));
            }
        }
        let trigger = match trigger {
            None => "chat_message",
            Some(t) => TRIGGERS
                .iter()
                .find(|known| **known == t)
                .copied()
                .ok_or_else(|| Error::invalid(["trigger must be one of ", &crate::text::join(TRIGGERS, ", ")].concat()))?,
        };
        if let Some(TriggerValue::Number(n)) = &value {
            if !n.is_finite() || n.fract() != 0.0 || n.abs() > endpoints::MAX_SAFE_INTEGER {
                return Err(Error::invalid("value must be a string or an integer"));
            }
        }
        Ok(NewWebhook { url, name, trigger, value, include_unverified })
    }

    /// The JSON body, with the API's field names.
    pub fn to_json(&self) -> String {
        let mut body = String::from("{\"url\":");
        encode::json_string(&mut body, &self.url);
        if let Some(name) = &self.name {
            body.push_str(",\"name\":");
            encode::json_string(&mut body, name);
        }
        body.push_str(",\"trigger\":");
        encode::json_string(&mut body, self.trigger);
        match &self.value {
            Some(TriggerValue::Text(t)) => {
                body.push_str(",\"value\":");
                encode::json_string(&mut body, t);
            }
            Some(TriggerValue::Number(n)) => {
                // Whole numbers only (checked in `new`), written as integers to keep float formatting out of the module.
                body.push_str(",\"value\":");
                body.push_str(&crate::number::signed(*n as i64));
            }
            None => {}
        }
        if let Some(flag) = self.include_unverified {
            body.push_str(if flag { ",\"include_unverified\":true" } else { ",\"include_unverified\":false" });
        }
        body.push('}');
        body
    }
}

/// Checks a webhook id given as a string or an integer and returns it as text. A string id follows the rules
/// of a chat id (at most 1024 characters, no `/` or `\\`, not `.` or `..`): it is one segment of the path.
pub fn webhook_id(id: &Found) -> Result<String, Error> {
    let bad = || Error::invalid("webhookId must be a non-empty string or a non-negative integer");
    match id {
        Found::Text(t) if t.is_empty() => Err(bad()),
        Found::Text(t) => {
            endpoints::path_segment_id("webhookId", t)?;
            Ok(t.clone())
        }
        Found::TooLong(max) => Err(Error::invalid(["webhookId is longer than ", &digits(*max as u64), " characters"].concat())),
        Found::Number(n) if n.is_finite() && n.fract() == 0.0 && *n >= 0.0 && *n <= endpoints::MAX_SAFE_INTEGER => Ok(digits(*n as u64)),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A payload as a map from dotted paths to what is there.
    fn payload(entries: &[(&str, Found)]) -> HashMap<String, Found> {
        let mut map: HashMap<String, Found> = entries.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
        map.insert(String::new(), Found::Object);
        map
    }

    fn sample() -> HashMap<String, Found> {
        payload(&[
            ("version", Found::Text("1.0.0".into())),
            ("message", Found::Object),
            ("message.id", Found::Text("kjh2riu4rg3874h4".into())),
            ("message.from", Found::Text("client".into())),
            ("message.person_id", Found::Text("email:user@example.com".into())),
            ("message.content", Found::Text("Hey there".into())),
            ("message.timestamp", Found::Number(1_464_874_471_279.0)),
            ("message.translated", Found::Object),
            ("person", Found::Object),
            ("person.id", Found::Text("w19838738728748342".into())),
            ("person.email", Found::Null),
        ])
    }

    fn check(map: &HashMap<String, Found>) -> Result<(), Error> {
        check_chat_message(|path| map.get(&path.join(".")).cloned().unwrap_or(Found::Missing))
    }

    #[test]
    fn a_complete_payload_passes() {
        assert_eq!(check(&sample()), Ok(()));
    }

    #[test]
    fn each_required_field_is_checked_by_name() {
        for (path, bad, says) in [
            ("message.timestamp", Found::Text("yesterday".into()), "message.timestamp must be a number"),
            ("message.person_id", Found::Text(String::new()), "message.person_id must be a non-empty string"),
            ("message.content", Found::Missing, "message.content must be a string"),
            ("person", Found::Other, "person must be an object"),
            ("message.html_content", Found::Number(1.0), "message.html_content must be a string"),
            ("message.timestamp", Found::Number(f64::NAN), "message.timestamp must be a finite number"),
            ("message.person_id", Found::Text("..".into()), "not a usable chat id"),
            ("message.person_id", Found::Text("team/sales".into()), "not a usable chat id"),
            ("message.content", Found::TooLong(MAX_PAYLOAD_TEXT_CHARS), "message.content is longer than 1000000 characters"),
        ] {
            let mut map = sample();
            map.insert(path.to_owned(), bad);
            let err = check(&map).err().map(|e| e.message).unwrap_or_default();
            assert!(err.contains(says), "{path}: {err}");
        }
        assert!(check(&payload(&[])).is_err());
        let not_object = check_chat_message(|_| Found::Other).err().map(|e| e.message).unwrap_or_default();
        assert!(not_object.contains("JSON object"));
    }

    #[test]
    fn versions_must_be_semver_with_major_one() {
        for ok in ["1.0.0", "1.2.3", "1.10.0-beta.1", "1.0.0+build.5"] {
            assert_eq!(check_version(ok), Ok(()), "{ok}");
        }
        let major = check_version("2.0.0").err().map(|e| e.message).unwrap_or_default();
        assert!(major.contains("major version 2") && major.contains("major version 1 only"), "{major}");
        for bad in ["1", "1.0", "v1.0.0", "01.0.0", "1.0.x", "", "1..0"] {
            let msg = check_version(bad).err().map(|e| e.message).unwrap_or_default();
            assert!(msg.contains("is not a semver version"), "{bad}: {msg}");
        }
        let mut map = sample();
        map.remove("version");
        assert!(check(&map).err().is_some_and(|e| e.message.contains("version is missing")));
    }

    #[test]
    fn url_secrets_must_match_exactly_once() {
        let secret = "0123456789abcdef-s3cret";
        assert!(url_secret_matches(&format!("https://w.example/hook?secret={secret}"), "secret", secret));
        assert!(url_secret_matches(&format!("/hook?a=1&secret={secret}#frag"), "secret", secret));
        assert!(url_secret_matches("/hook?key=a%2Fb%20c", "key", "a/b c"));
        assert!(url_secret_matches("/hook?key=a+b", "key", "a b"));
        assert!(!url_secret_matches(&format!("/hook?secret={secret}x"), "secret", secret));
        assert!(!url_secret_matches(&format!("/hook?secret={secret}&secret={secret}"), "secret", secret));
        assert!(!url_secret_matches("/hook", "secret", secret));
        assert!(!url_secret_matches("/hook?secret=", "secret", ""));
        assert!(!url_secret_matches(&format!("/hook#secret={secret}"), "secret", secret));
        assert!(!url_secret_matches(&format!("/hook?other={secret}"), "secret", secret));
    }

    #[test]
    fn short_or_spaced_secrets_are_refused() {
        assert!(check_secret("0123456789abcdef").is_ok());
        assert!(check_secret("short").is_err());
        assert!(check_secret("0123456789 abcdef").is_err());
    }

    #[test]
    fn new_webhooks_have_the_api_field_names() {
        let hook = NewWebhook::new("https://w.example/h?secret=x\"y".into(), Some("Payments".into()), None, None, Some(true));
        assert_eq!(
            hook.map(|h| h.to_json()).as_deref(),
            Ok("{\"url\":\"https://w.example/h?secret=x\\\"y\",\"name\":\"Payments\",\"trigger\":\"chat_message\",\"include_unverified\":true}")
        );
        let spike = NewWebhook::new("http://127.0.0.1:8/x".into(), None, Some("traffic_spike"), Some(TriggerValue::Number(50.0)), None);
        assert_eq!(spike.map(|h| h.to_json()).as_deref(), Ok("{\"url\":\"http://127.0.0.1:8/x\",\"trigger\":\"traffic_spike\",\"value\":50}"));
        for bad in ["ftp://x", "https://", "https:///x", "/relative", "https://a b"] {
            assert!(NewWebhook::new(bad.into(), None, None, None, None).is_err(), "{bad}");
        }
        assert!(NewWebhook::new("https://x".into(), Some(" ".into()), None, None, None).is_err());
        assert!(NewWebhook::new("https://x".into(), None, Some("chat"), None, None).is_err());
        assert!(NewWebhook::new("https://x".into(), None, None, Some(TriggerValue::Number(1.5)), None).is_err());
        assert!(NewWebhook::new("https://x".into(), Some("n".repeat(MAX_NAME_CHARS)), None, None, None).is_ok());
        assert!(NewWebhook::new("https://x".into(), Some("n".repeat(MAX_NAME_CHARS + 1)), None, None, None).is_err());
        let value = |n: usize| Some(TriggerValue::Text("v".repeat(n)));
        assert!(NewWebhook::new("https://x".into(), None, Some("entered_smart_group"), value(MAX_VALUE_CHARS), None).is_ok());
        assert!(NewWebhook::new("https://x".into(), None, Some("entered_smart_group"), value(MAX_VALUE_CHARS + 1), None).is_err());
    }

    #[test]
    fn webhook_ids_are_strings_or_integers() {
        assert_eq!(webhook_id(&Found::Number(42.0)).as_deref(), Ok("42"));
        assert_eq!(webhook_id(&Found::Text("wh_1".into())).as_deref(), Ok("wh_1"));
        for bad in [Found::Number(1.5), Found::Number(-1.0), Found::Text(String::new()), Found::Null, Found::Text("..".into())] {
            assert!(webhook_id(&bad).is_err());
        }
    }

    #[test]
    fn webhook_ids_with_slashes_are_refused() {
        for bad in ["/", "wh/1", "wh\\1", "../webhooks", "..", "."] {
            let message = webhook_id(&Found::Text(bad.into())).err().map(|e| e.message).unwrap_or_default();
            assert!(message.starts_with("webhookId must not"), "{bad:?}: {message}");
        }
        let long = webhook_id(&Found::TooLong(1024)).err().map(|e| e.message).unwrap_or_default();
        assert_eq!(long, "webhookId is longer than 1024 characters");
    }
}
