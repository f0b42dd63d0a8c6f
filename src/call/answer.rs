//! What an answer's body means: the decoded result, or the error it stands for.
//!
//! The body is parsed by the JS engine; the boundary answers questions about it through [`BodyView`] (what
//! kind of JSON it is, which keys it has, what its error fields say) and the decisions are made here.

use crate::endpoints::Expect;
use crate::error::{ApiCode, Error, ErrorKind};

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

#[cfg(test)]
pub(crate) mod tests {
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
