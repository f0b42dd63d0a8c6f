//! The API's objects as Rust types. Each keeps the fields it does not name in `extra`, so that nothing the
//! API sends is lost, and serialises back to the same JSON.
//!
//! Field names are the API's own (`person_id`, `last_read`); times are epoch milliseconds. A field that the
//! API sends as `null` is `None`; so is one it leaves out.

use crate::endpoints::{self, Sender};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use std::fmt;

/// Fields a model does not name, kept as they came.
pub type Extra = Map<String, Value>;

/// A conversation with one person; its `id` is the person id.
///
/// ```
/// use gosquared_chat::typed::Chat;
///
/// let chat: Chat = serde_json::from_str(r#"{"id":"email:ada@example.com","archived":false,"unread":2,"tags":["vip"]}"#)?;
/// assert_eq!((chat.id.as_str(), chat.unread), ("email:ada@example.com", Some(2)));
/// assert_eq!(chat.extra["tags"][0], "vip");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Chat {
    /// The chat id, which is the person id (`email:…` ids are common).
    pub id: String,
    /// Who the chat is with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<Person>,
    /// Whether the chat is archived.
    #[serde(default)]
    pub archived: bool,
    /// The newest message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest: Option<Latest>,
    /// Client messages the team has not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unread: Option<u64>,
    /// When each side last read the chat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_read: Option<LastRead>,
    /// When the chat started, epoch ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<i64>,
    /// When anything last happened in it, epoch ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<i64>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The person a chat is with.
///
/// ```
/// # use gosquared_chat::typed::Person;
/// let p: Person = serde_json::from_str(r#"{"id":"person-2","name":null,"email":"p2@example.com","avatar":null}"#)?;
/// assert_eq!((p.name, p.email.as_deref()), (None, Some("p2@example.com")));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Person {
    /// The person id.
    #[serde(default)]
    pub id: String,
    /// Their name, when known.
    #[serde(default)]
    pub name: Option<String>,
    /// Their email, when known.
    #[serde(default)]
    pub email: Option<String>,
    /// An avatar URL.
    #[serde(default)]
    pub avatar: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A chat's `latest`: its newest message, or none.
///
/// ```
/// # use gosquared_chat::typed::Latest;
/// let latest: Latest = serde_json::from_str(r#"{"message":null}"#)?;
/// assert!(latest.message.is_none());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Latest {
    /// The newest message that is not a note.
    #[serde(default)]
    pub message: Option<Message>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A chat's `last_read`: when each side last read it, epoch ms (0 when never).
///
/// ```
/// # use gosquared_chat::typed::LastRead;
/// let read: LastRead = serde_json::from_str(r#"{"client":1700000014000,"agent":0}"#)?;
/// assert_eq!(read.agent, Some(0));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LastRead {
    /// When the person last read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<i64>,
    /// When the team last read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<i64>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A message or a note (a note has `private: true` and is never shown to the person).
///
/// ```
/// use gosquared_chat::typed::{Message, Sender};
///
/// let m: Message = serde_json::from_str(r#"{"id":"m_1","timestamp":1700000000000,"from":"client","content":"Hi","entities":[]}"#)?;
/// assert_eq!((m.sender(), m.is_note()), (Some(Sender::Client), false));
/// assert!(m.extra.contains_key("entities"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// The message id.
    pub id: String,
    /// When it was sent, epoch ms.
    #[serde(default)]
    pub timestamp: i64,
    /// Who sent it: `"client"`, `"agent"` or `"bot"` (see [`Message::sender`]).
    #[serde(default)]
    pub from: String,
    /// The text.
    #[serde(default)]
    pub content: String,
    /// The chat it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<String>,
    /// True for a note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private: Option<bool>,
    /// The team member who sent an agent message or a note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<Agent>,
    /// Every other field (`entities`, `html_content`, a feed item's `type`, …).
    #[serde(flatten)]
    pub extra: Extra,
}

impl Message {
    /// `from` as a [`Sender`], or `None` for a value this client does not know.
    pub fn sender(&self) -> Option<Sender> {
        endpoints::sender(&self.from).ok()
    }

    /// Whether this is a note (`private: true`).
    pub fn is_note(&self) -> bool {
        self.private == Some(true)
    }
}

/// The team member on an agent message or a note.
///
/// ```
/// # use gosquared_chat::typed::Agent;
/// let a: Agent = serde_json::from_str(r#"{"id":"agent_1","first_name":"Ada"}"#)?;
/// assert_eq!(a.first_name.as_deref(), Some("Ada"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Agent {
    /// The agent id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// An avatar URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Something that happened in a chat besides a message (`"archived"`, `"unarchived"`, …).
///
/// ```
/// # use gosquared_chat::typed::Event;
/// let e: Event = serde_json::from_str(r#"{"id":"e_1","timestamp":1700000009000,"event":"archived"}"#)?;
/// assert_eq!(e.event, "archived");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// The event id.
    pub id: String,
    /// When it happened, epoch ms.
    #[serde(default)]
    pub timestamp: i64,
    /// What happened.
    #[serde(default)]
    pub event: String,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One item of a chat's feed, told apart by its `type`.
///
/// The `type` field stays in the item's `extra`, so an item serialises back as it came; an item of a type
/// this client does not know is kept whole as [`FeedItem::Other`].
///
/// ```
/// use gosquared_chat::typed::FeedItem;
///
/// let items: Vec<FeedItem> = serde_json::from_str(r#"[
///     {"type":"message","id":"m_1","timestamp":1,"from":"agent","content":"Hello","private":true},
///     {"type":"event","id":"e_1","timestamp":2,"event":"archived"},
///     {"type":"call","id":"c_1"}
/// ]"#)?;
/// assert!(matches!(&items[0], FeedItem::Message(m) if m.is_note()));
/// assert!(matches!(&items[1], FeedItem::Event(e) if e.event == "archived"));
/// assert!(matches!(&items[2], FeedItem::Other(o) if o["type"] == "call"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum FeedItem {
    /// A message or a note (`"type": "message"`).
    Message(Message),
    /// An event (`"type": "event"`).
    Event(Event),
    /// Any other item, as it came.
    Other(Extra),
}

impl FeedItem {
    /// The item's `id`, whatever its type.
    pub fn id(&self) -> Option<&str> {
        match self {
            FeedItem::Message(m) => Some(&m.id),
            FeedItem::Event(e) => Some(&e.id),
            FeedItem::Other(o) => o.get("id").and_then(Value::as_str),
        }
    }
}

impl<'de> Deserialize<'de> for FeedItem {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let object = Extra::deserialize(deserializer)?;
        let kind = object.get("type").and_then(Value::as_str).map(str::to_owned);
        let value = Value::Object(object);
        match kind.as_deref() {
            Some("message") => Message::deserialize(value).map(FeedItem::Message).map_err(D::Error::custom),
            Some("event") => Event::deserialize(value).map(FeedItem::Event).map_err(D::Error::custom),
            _ => match value {
                Value::Object(object) => Ok(FeedItem::Other(object)),
                _ => Err(D::Error::custom("a feed item must be an object")),
            },
        }
    }
}

impl Serialize for FeedItem {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            FeedItem::Message(m) => m.serialize(serializer),
            FeedItem::Event(e) => e.serialize(serializer),
            FeedItem::Other(o) => o.serialize(serializer),
        }
    }
}

/// A webhook's id, which the API gives as a number (or, on some accounts, a string).
///
/// ```
/// use gosquared_chat::typed::WebhookId;
///
/// assert_eq!(WebhookId::from(7).to_string(), "7");
/// assert_eq!(serde_json::from_str::<WebhookId>("\"wh_1\"")?, WebhookId::from("wh_1"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum WebhookId {
    /// A numeric id.
    Number(u64),
    /// A string id.
    Text(String),
}

impl fmt::Display for WebhookId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebhookId::Number(n) => write!(f, "{n}"),
            WebhookId::Text(t) => f.write_str(t),
        }
    }
}

impl From<u64> for WebhookId {
    fn from(n: u64) -> Self {
        WebhookId::Number(n)
    }
}

impl From<&str> for WebhookId {
    fn from(t: &str) -> Self {
        WebhookId::Text(t.to_owned())
    }
}

impl From<String> for WebhookId {
    fn from(t: String) -> Self {
        WebhookId::Text(t)
    }
}

impl From<&WebhookId> for WebhookId {
    fn from(id: &WebhookId) -> Self {
        id.clone()
    }
}

/// A webhook registered with the Account API.
///
/// ```
/// # use gosquared_chat::typed::{Webhook, WebhookId};
/// let hook: Webhook = serde_json::from_str(r#"{"id":1,"url":"https://x.example/h","name":null,"trigger":"chat_message","value":null,"include_unverified":false}"#)?;
/// assert_eq!(hook.id, WebhookId::Number(1));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Webhook {
    /// The webhook id (what [`delete_webhook`](super::ChatClient::delete_webhook) takes).
    pub id: WebhookId,
    /// Where GoSquared posts.
    #[serde(default)]
    pub url: String,
    /// Its label.
    #[serde(default)]
    pub name: Option<String>,
    /// What fires it, such as `"chat_message"`.
    #[serde(default)]
    pub trigger: String,
    /// The trigger's value (a smart group, a threshold), a string or a number.
    #[serde(default)]
    pub value: Option<Value>,
    /// Whether leads with an unconfirmed email also fire it.
    #[serde(default)]
    pub include_unverified: bool,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `json` as `T`, serialises it back, and checks that nothing changed.
    #[allow(clippy::panic)] // a test helper: a model that does not parse fails the test
    fn round_trip<T: serde::de::DeserializeOwned + Serialize>(json: &str) -> T {
        let value: Value = serde_json::from_str(json).unwrap_or(Value::Null);
        let typed: T = serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{e}: {json}"));
        assert_eq!(serde_json::to_value(&typed).ok(), Some(value), "{json}");
        typed
    }

    const MESSAGE: &str = r#"{"id":"m_2","timestamp":1700000001000,"from":"agent","content":"Hello","entities":[],
        "person_id":"email:ada@example.com","agent":{"id":"agent_1","first_name":"Ada","last_name":"Lovelace","avatar":"https://example.invalid/a.png","role":"owner"},
        "reactions":{"👍":2}}"#;

    #[test]
    fn messages_keep_what_they_do_not_name() {
        let m: Message = round_trip(MESSAGE);
        assert_eq!((m.sender(), m.is_note()), (Some(Sender::Agent), false));
        assert_eq!(m.extra.get("reactions").and_then(|r| r.get("👍")), Some(&Value::from(2)));
        assert_eq!(m.agent.as_ref().and_then(|a| a.extra.get("role")), Some(&Value::from("owner")));
        let note: Message = round_trip(r#"{"id":"m_3","timestamp":1,"from":"agent","content":"n","private":true}"#);
        assert!(note.is_note());
        let odd: Message = round_trip(r#"{"id":"m_4","timestamp":1,"from":"system","content":""}"#);
        assert_eq!(odd.sender(), None);
    }

    #[test]
    fn chats_round_trip_with_nulls_and_unknown_fields() {
        let json = format!(
            r#"{{"id":"person-3","person":{{"id":"person-3","name":null,"email":"person-3@example.com","avatar":null,"company":"Acme"}},
            "archived":false,"latest":{{"message":{MESSAGE}}},"unread":1,"last_read":{{"client":1700000014000,"agent":1700000013000}},
            "created":1700000010000,"updated":1700000014000,"tags":["vip"],"assignee":{{"id":"agent_1"}}}}"#
        );
        let chat: Chat = round_trip(&json);
        assert_eq!(chat.person.as_ref().and_then(|p| p.email.as_deref()), Some("person-3@example.com"));
        assert_eq!(chat.person.as_ref().and_then(|p| p.extra.get("company")), Some(&Value::from("Acme")));
        assert!(chat.extra.contains_key("tags") && chat.extra.contains_key("assignee"));
        let empty: Chat = round_trip(r#"{"id":"x","archived":true,"latest":{"message":null}}"#);
        assert!(empty.archived && empty.latest.is_some_and(|l| l.message.is_none()));
    }

    #[test]
    fn feed_items_by_type() {
        let items: Vec<FeedItem> = round_trip(
            r#"[{"type":"message","id":"m_1","timestamp":1,"from":"client","content":"Hi"},
            {"type":"event","id":"e_1","timestamp":2,"event":"archived","by":"agent_1"},
            {"type":"call","id":"c_1","duration":30}]"#,
        );
        assert_eq!(items.iter().map(FeedItem::id).collect::<Vec<_>>(), vec![Some("m_1"), Some("e_1"), Some("c_1")]);
        assert!(matches!(items.get(1), Some(FeedItem::Event(e)) if e.extra.contains_key("by")));
        assert!(serde_json::from_str::<FeedItem>("[]").is_err());
        assert!(serde_json::from_str::<FeedItem>(r#"{"type":"message","id":5}"#).is_err());
    }

    #[test]
    fn webhooks_with_either_id() {
        let hook: Webhook = round_trip(r#"{"id":1,"url":"https://x.example/h","name":null,"trigger":"chat_message","value":null,"include_unverified":false,"created_at":"2024-01-01"}"#);
        assert_eq!((hook.id.to_string(), hook.extra.len()), ("1".to_owned(), 1));
        let hook: Webhook = round_trip(r#"{"id":"wh_2","url":"https://x.example/h","name":"n","trigger":"traffic_spike","value":300,"include_unverified":true}"#);
        assert_eq!((hook.id, hook.value), (WebhookId::from("wh_2"), Some(Value::from(300))));
    }
}
