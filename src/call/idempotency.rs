//! Idempotency keys: what a key may be, the fingerprint that ties a key to one send, and the bounded map
//! that keeps a client's records in memory when no store is given.

use crate::endpoints::Op;
use crate::error::Error;
use crate::endpoints::Sender;

/// The longest key accepted, in characters.
pub const MAX_KEY_CHARS: usize = 256;
/// How many keys a client keeps in memory; the oldest written is forgotten first.
pub const MEMORY_KEYS: usize = 10_000;
/// The version of the record format, written into every record and required when one is read.
pub const RECORD_VERSION: f64 = 1.0;

/// Checks an idempotency key: a non-empty string of at most 256 characters without control characters.
pub fn key(key: &str) -> Result<(), Error> {
    if key.is_empty() {
        return Err(Error::invalid("idempotencyKey must be a non-empty string"));
    }
    if crate::text::char_count(key) > MAX_KEY_CHARS {
        return Err(Error::invalid(["idempotencyKey is longer than ", &crate::number::digits(MAX_KEY_CHARS as u64), " characters"].concat()));
    }
    if key.chars().any(char::is_control) {
        return Err(Error::invalid("idempotencyKey must not contain control characters"));
    }
    Ok(())
}

/// The fingerprint of one send: lowercase hex SHA-256 of the operation, the chat id, the sender and the
/// content, each ended by a newline (the chat id has no control characters, so the parts cannot run into
/// each other). A key reused for another send is refused by comparing fingerprints.
pub fn fingerprint(op: Op, chat_id: &str, sender: Option<Sender>, content: &str) -> String {
    let mut text = String::with_capacity(chat_id.len() + content.len() + 32);
    for part in [op.endpoint().name, chat_id, sender.map_or("", Sender::as_str), content] {
        text.push_str(part);
        text.push('\n');
    }
    crate::signature::hex(&crate::signature::sha256(text.as_bytes()))
}

/// A map of at most `capacity` keys that forgets the least recently written first.
#[derive(Clone, Debug)]
pub struct BoundedMap<V> {
    capacity: usize,
    /// Oldest written first.
    entries: Vec<(String, V)>,
}

impl<V> BoundedMap<V> {
    /// An empty map holding up to `capacity` keys (at least one).
    pub fn new(capacity: usize) -> BoundedMap<V> {
        BoundedMap { capacity: capacity.max(1), entries: Vec::new() }
    }

    /// The value written last under `key`.
    pub fn get(&self, key: &str) -> Option<&V> {
        self.entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Writes `value` under `key`, which becomes the most recently written; forgets the oldest beyond capacity.
    pub fn set(&mut self, key: String, value: V) {
        if let Some(at) = self.entries.iter().position(|(k, _)| *k == key) {
            self.entries.remove(at);
        }
        self.entries.push((key, value));
        if self.entries.len() > self.capacity {
            let excess = self.entries.len() - self.capacity;
            self.entries.drain(..excess);
        }
    }

    /// How many keys are kept.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no key is kept.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_short_printable_strings() {
        assert!(key("evt_1Q2w3E").is_ok());
        assert!(key(&"k".repeat(256)).is_ok());
        assert!(key(&"é".repeat(256)).is_ok());
        for bad in ["", "a\nb", "tab\there"] {
            assert!(key(bad).is_err(), "{bad:?}");
        }
        let long = key(&"k".repeat(257)).err().map(|e| e.message);
        assert_eq!(long.as_deref(), Some("idempotencyKey is longer than 256 characters"));
    }

    #[test]
    fn fingerprints_tell_sends_apart() {
        let base = fingerprint(Op::SendMessage, "a", None, "hi");
        assert_eq!(base.len(), 64);
        assert_eq!(base, fingerprint(Op::SendMessage, "a", None, "hi"));
        for other in [
            fingerprint(Op::AddNote, "a", None, "hi"),
            fingerprint(Op::SendMessage, "b", None, "hi"),
            fingerprint(Op::SendMessage, "a", Some(Sender::Bot), "hi"),
            fingerprint(Op::SendMessage, "a", None, "hi "),
            fingerprint(Op::SendMessage, "a\nhi", None, ""),
        ] {
            assert_ne!(base, other);
        }
    }

    #[test]
    fn the_memory_map_forgets_the_oldest_write_first() {
        let mut m = BoundedMap::new(3);
        assert!(m.is_empty());
        for (k, v) in [("a", 1), ("b", 2), ("c", 3)] {
            m.set(k.into(), v);
        }
        m.set("a".into(), 10); // rewritten: now the newest
        m.set("d".into(), 4);
        assert_eq!((m.get("a"), m.get("b"), m.get("c"), m.get("d")), (Some(&10), None, Some(&3), Some(&4)));
        assert_eq!(m.len(), 3);
        let mut one = BoundedMap::new(0);
        one.set("x".into(), 1);
        one.set("y".into(), 2);
        assert_eq!((one.get("x"), one.get("y")), (None, Some(&2)));
    }
}
