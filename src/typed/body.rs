//! A body parsed by serde_json, seen through the call machine's [`BodyView`].

use crate::call::machine::{BodyKind, BodyView};
use crate::call::machine::ListFacts;
use crate::error::ApiCode;
use serde_json::{Map, Value};

/// An answer's body: what kind of JSON it is and, when it parsed, the value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct JsonBody {
    kind: BodyKind,
    value: Option<Value>,
}

impl JsonBody {
    /// Parses `text`; an empty text is [`BodyKind::Empty`], text that is not JSON [`BodyKind::NotJson`].
    pub(crate) fn parse(text: &str) -> JsonBody {
        if text.is_empty() {
            return JsonBody { kind: BodyKind::Empty, value: None };
        }
        match serde_json::from_str::<Value>(text) {
            Ok(value) => {
                let kind = match &value {
                    Value::Array(_) => BodyKind::Array,
                    Value::Object(_) => BodyKind::Object,
                    _ => BodyKind::Other,
                };
                JsonBody { kind, value: Some(value) }
            }
            Err(_) => JsonBody { kind: BodyKind::NotJson, value: None },
        }
    }

    fn object(&self) -> Option<&Map<String, Value>> {
        self.value.as_ref().and_then(Value::as_object)
    }

    fn at(&self, key: &str) -> Option<&Value> {
        self.object().and_then(|o| o.get(key))
    }

    /// The items of a list answer: the array itself, or the envelope's `list`.
    pub(crate) fn items(&self) -> Option<&Vec<Value>> {
        match &self.value {
            Some(Value::Array(items)) => Some(items),
            Some(Value::Object(o)) => o.get("list").and_then(Value::as_array),
            _ => None,
        }
    }

    /// The facts the machine needs about a page, and the fingerprint of its first item when it was compared
    /// with `previous_first` (the previous page's).
    pub(crate) fn list_facts(&self, previous_first: Option<&str>) -> (ListFacts, Option<String>) {
        let Some(items) = self.items() else { return (ListFacts::default(), None) };
        let cardinality = match self.at("cardinality") {
            Some(Value::Number(n)) => n.as_f64(),
            Some(Value::String(s)) => crate::number::parse_decimal(s),
            _ => None,
        }
        .filter(|c| c.is_finite() && *c >= 0.0);
        let mut first_key = None;
        let mut repeats_previous = false;
        if let Some(previous) = previous_first {
            first_key = fingerprint(items);
            repeats_previous = first_key.as_deref() == Some(previous);
        }
        (ListFacts { len: items.len(), cardinality, repeats_previous }, first_key)
    }

    /// Takes the value out (an empty body gives an empty object).
    pub(crate) fn into_value(self) -> Value {
        self.value.unwrap_or_else(|| Value::Object(Map::new()))
    }
}

/// A page's fingerprint: its first item as JSON text (`None` for an empty page).
pub(crate) fn fingerprint(items: &[Value]) -> Option<String> {
    items.first().and_then(|first| serde_json::to_string(first).ok())
}

impl BodyView for JsonBody {
    fn kind(&self) -> BodyKind {
        self.kind
    }

    fn has(&self, key: &str) -> bool {
        self.at(key).is_some()
    }

    fn is_array_at(&self, key: &str) -> bool {
        self.at(key).is_some_and(Value::is_array)
    }

    fn is_object_at(&self, key: &str) -> bool {
        self.at(key).is_some_and(Value::is_object)
    }

    fn error_fields(&self, inner: bool) -> (Option<ApiCode>, Option<String>) {
        let source = if inner { self.at("error").and_then(Value::as_object) } else { self.object() };
        let Some(source) = source else { return (None, None) };
        let code = match source.get("code") {
            Some(Value::Number(n)) => n.as_f64().map(ApiCode::Number),
            Some(Value::String(s)) => Some(ApiCode::Text(crate::error::truncate(s, 60))),
            _ => None,
        };
        let message = source.get("message").and_then(Value::as_str).map(str::to_owned);
        (code, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::machine::{decode, Decoded};
    use crate::endpoints::Expect;
    use crate::error::ErrorKind;

    #[test]
    fn kinds() {
        assert_eq!(JsonBody::parse("").kind(), BodyKind::Empty);
        assert_eq!(JsonBody::parse("<html>").kind(), BodyKind::NotJson);
        assert_eq!(JsonBody::parse("   ").kind(), BodyKind::NotJson);
        assert_eq!(JsonBody::parse("[1]").kind(), BodyKind::Array);
        assert_eq!(JsonBody::parse("{}").kind(), BodyKind::Object);
        assert_eq!(JsonBody::parse("null").kind(), BodyKind::Other);
        assert_eq!(JsonBody::parse("\"x\"").kind(), BodyKind::Other);
    }

    #[test]
    fn keys_and_shapes() {
        let body = JsonBody::parse(r#"{"list":[],"chat":{},"n":null,"error":[]}"#);
        assert!(body.has("list") && body.has("n") && !body.has("id"));
        assert!(body.is_array_at("list") && !body.is_array_at("chat"));
        assert!(body.is_object_at("chat") && !body.is_object_at("list") && !body.is_object_at("error"));
        assert!(!JsonBody::parse("[{\"list\":[]}]").has("list"));
    }

    #[test]
    fn error_fields_at_the_top_and_inside_error() {
        let top = JsonBody::parse(r#"{"code":4001,"message":"bad key"}"#);
        assert_eq!(top.error_fields(false), (Some(ApiCode::Number(4001.0)), Some("bad key".into())));
        let wrapped = JsonBody::parse(r#"{"error":{"code":"visitor_not_online","message":7}}"#);
        assert_eq!(wrapped.error_fields(true), (Some(ApiCode::Text("visitor_not_online".into())), None));
        assert_eq!(wrapped.error_fields(false), (None, None));
        let long = JsonBody::parse(&format!(r#"{{"code":"{}"}}"#, "x".repeat(100)));
        assert!(matches!(long.error_fields(false).0, Some(ApiCode::Text(t)) if t.chars().count() == 61));
    }

    #[test]
    fn the_machine_decodes_what_serde_parsed() {
        let list = JsonBody::parse(r#"{"list":[{"id":"a"}],"cardinality":1}"#);
        assert_eq!(decode(Expect::List, 200, &list, None), Ok(Decoded::ListEnvelope));
        assert_eq!(decode(Expect::List, 200, &JsonBody::parse("[]"), None), Ok(Decoded::BareList));
        assert_eq!(decode(Expect::Object, 200, &JsonBody::parse(r#"{"chat":{"id":"a"}}"#), None), Ok(Decoded::ChatInside));
        assert_eq!(decode(Expect::Write, 204, &JsonBody::parse(""), None), Ok(Decoded::Empty));
        let e = decode(Expect::Object, 401, &JsonBody::parse(r#"{"code":4001,"message":"Your API Key is not authorised"}"#), None).err();
        assert_eq!(e.map(|e| (e.kind, e.message)), Some((ErrorKind::Authentication, "Your API Key is not authorised (HTTP 401, code 4001)".into())));
        let e = decode(Expect::Write, 200, &JsonBody::parse(r#"{"code":4003,"message":"bad body"}"#), None).err();
        assert_eq!(e.map(|e| e.kind), Some(ErrorKind::InvalidRequest));
    }

    #[test]
    fn list_facts() {
        let body = JsonBody::parse(r#"{"list":[{"id":"a"},{"id":"b"}],"cardinality":"5"}"#);
        let (facts, key) = body.list_facts(None);
        assert_eq!(facts, ListFacts { len: 2, cardinality: Some(5.0), repeats_previous: false });
        assert_eq!(key, None, "a first page computes no fingerprint until asked");
        let (facts, key) = body.list_facts(Some(r#"{"id":"a"}"#));
        assert!(facts.repeats_previous);
        assert_eq!(key.as_deref(), Some(r#"{"id":"a"}"#));
        let (facts, _) = JsonBody::parse(r#"{"list":[],"cardinality":-1}"#).list_facts(Some("x"));
        assert_eq!(facts, ListFacts { len: 0, cardinality: None, repeats_previous: false });
        assert_eq!(JsonBody::parse("{}").list_facts(None).0, ListFacts::default());
    }
}
