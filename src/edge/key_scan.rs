//! Finding the proxy's API key in what the API answers, so that the proxy never hands it to a browser.
//!
//! A text "carries the key" when it holds any run of [`MIN_FRAGMENT`] consecutive bytes of the key (the whole
//! key when it is shorter), in any ASCII case, after undoing percent-encoding (either hex case, repeated),
//! form encoding (`+` for a space) or JSON escapes (`\u0041`, for JSON text nested in a string); or any run of
//! [`MIN_FRAGMENT`] characters of the base64 (standard or URL-safe) of the key or of its percent-encoded form,
//! at any byte alignment, so that base64 of a longer text holding the key is found too. A fragment shorter than
//! [`MIN_FRAGMENT`] is not looked for: too short to narrow a search for the key, and too likely in ordinary text.
//!
//! [`redact_json`] walks a JSON text without recursion and replaces every string (values and member names)
//! that carries the key with `"[redacted]"`; everything else is copied as it is.

use crate::encode;

/// The shortest run of the key's characters that counts as the key.
pub const MIN_FRAGMENT: usize = 8;
/// What a string carrying the key becomes.
pub const REDACTED: &str = "[redacted]";
/// Decoding rounds tried on a text (percent, form and JSON escapes, in any order).
const DECODE_ROUNDS: usize = 3;
/// The most decoded spellings of one text that are checked.
const MAX_SPELLINGS: usize = 16;

/// Runs of one length from one family of spellings of the key, indexed by their first byte.
struct Needles {
    len: usize,
    fold_case: bool,
    /// The spellings, ASCII-lowercased when `fold_case`.
    forms: Vec<Vec<u8>>,
    /// For each byte value, where a run starting with it begins: (form, offset).
    starts: Vec<Vec<(usize, usize)>>,
}

impl Needles {
    fn new(len: usize, fold_case: bool, forms: &[Vec<u8>]) -> Option<Needles> {
        if len == 0 {
            return None;
        }
        let forms: Vec<Vec<u8>> = forms.iter().map(|f| if fold_case { f.to_ascii_lowercase() } else { f.clone() }).collect();
        let mut starts: Vec<Vec<(usize, usize)>> = vec![Vec::new(); 256];
        let mut any = false;
        for (f, form) in forms.iter().enumerate() {
            for (offset, &first) in form.iter().enumerate().take((form.len() + 1).saturating_sub(len)) {
                if let Some(list) = starts.get_mut(usize::from(first)) {
                    list.push((f, offset));
                    any = true;
                }
            }
        }
        any.then_some(Needles { len, fold_case, forms, starts })
    }

    fn found_in(&self, text: &[u8]) -> bool {
        let fold = |b: u8| if self.fold_case { b.to_ascii_lowercase() } else { b };
        text.windows(self.len).any(|window| {
            let first = window.first().map_or(0, |&b| fold(b));
            self.starts.get(usize::from(first)).is_some_and(|list| {
                list.iter().any(|&(f, offset)| {
                    let run = self.forms.get(f).and_then(|form| form.get(offset..offset + self.len)).unwrap_or_default();
                    run.len() == window.len() && run.iter().zip(window).all(|(&r, &w)| r == fold(w))
                })
            })
        })
    }
}

/// Every spelling of one key the proxy looks for.
pub struct KeyTraces {
    groups: Vec<Needles>,
    shortest: usize,
}

impl KeyTraces {
    /// The traces of `key`; an empty key leaves no trace.
    pub fn new(key: &str) -> KeyTraces {
        let mut groups = Vec::new();
        let raw = key.as_bytes().to_vec();
        groups.extend(Needles::new(MIN_FRAGMENT.min(raw.len()), true, std::slice::from_ref(&raw)));
        let mut b64 = Vec::new();
        for source in [raw.clone(), encode::component(key).into_bytes()] {
            for shift in 0..3 {
                let stable = base64_stable(&source, shift);
                b64.push(stable.iter().map(|&c| url_safe(c)).collect::<Vec<u8>>());
                b64.push(stable);
            }
        }
        b64.retain(|f| !f.is_empty());
        let shortest_form = b64.iter().map(Vec::len).min().unwrap_or(0);
        groups.extend(Needles::new(MIN_FRAGMENT.min(shortest_form), false, &b64));
        let shortest = groups.iter().map(|g| g.len).min().unwrap_or(0);
        KeyTraces { groups, shortest }
    }

    /// Whether `text` carries the key in any spelling described in the module documentation.
    pub fn found_in(&self, text: &str) -> bool {
        if self.groups.is_empty() || text.len() < self.shortest {
            return false;
        }
        spellings(text.as_bytes()).iter().any(|s| self.groups.iter().any(|g| g.found_in(s)))
    }
}

/// `text` and what it decodes to, a few rounds deep; each distinct spelling once.
fn spellings(text: &[u8]) -> Vec<Vec<u8>> {
    let mut all = vec![text.to_vec()];
    let mut frontier = vec![text.to_vec()];
    for _ in 0..DECODE_ROUNDS {
        let mut next = Vec::new();
        for s in &frontier {
            for decoded in [percent_decoded(s, false), percent_decoded(s, true), json_unescaped(s)].into_iter().flatten() {
                if all.len() < MAX_SPELLINGS && !all.contains(&decoded) {
                    all.push(decoded.clone());
                    next.push(decoded);
                }
            }
        }
        if next.is_empty() {
            break;
        }
        frontier = next;
    }
    all
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decoding that keeps a malformed escape as it is; with `form`, `+` is a space. `None` if nothing changed.
fn percent_decoded(s: &[u8], form: bool) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    let mut changed = false;
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        let escape = (b == b'%').then(|| Some((hex(*s.get(i + 1)?)?, hex(*s.get(i + 2)?)?))).flatten();
        if let Some((high, low)) = escape {
            out.push(high * 16 + low);
            changed = true;
            i += 3;
        } else if form && b == b'+' {
            out.push(b' ');
            changed = true;
            i += 1;
        } else {
            out.push(b);
            i += 1;
        }
    }
    changed.then_some(out)
}

/// Undoes JSON string escapes (`\uXXXX`, `\"`, `\\`, `\/`) that a nested JSON text would hold; other bytes are kept.
fn json_unescaped(s: &[u8]) -> Option<Vec<u8>> {
    if !s.contains(&b'\\') {
        return None;
    }
    let mut out = Vec::with_capacity(s.len());
    let mut changed = false;
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        let next = s.get(i + 1).copied();
        if b == b'\\' && matches!(next, Some(b'"' | b'\\' | b'/')) {
            out.push(next.unwrap_or(b'\\'));
            changed = true;
            i += 2;
        } else if b == b'\\' && next == Some(b'u') {
            let code = s.get(i + 2..i + 6).and_then(|h| h.iter().try_fold(0u32, |acc, &c| Some(acc * 16 + u32::from(hex(c)?))));
            match code.and_then(char::from_u32) {
                Some(c) => {
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    changed = true;
                    i += 6;
                }
                None => {
                    out.push(b);
                    i += 1;
                }
            }
        } else {
            out.push(b);
            i += 1;
        }
    }
    changed.then_some(out)
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn url_safe(c: u8) -> u8 {
    match c {
        b'+' => b'-',
        b'/' => b'_',
        c => c,
    }
}

/// The base64 characters of `bytes` as they appear when `shift` other bytes come before them and more follow:
/// only the characters made of `bytes` alone.
fn base64_stable(bytes: &[u8], shift: usize) -> Vec<u8> {
    let mut padded = vec![0u8; shift];
    padded.extend_from_slice(bytes);
    let total_bits = padded.len() * 8;
    let first = (shift * 8).div_ceil(6);
    let end = total_bits / 6;
    let mut out = Vec::with_capacity(end.saturating_sub(first));
    for index in first..end {
        let bit = index * 6;
        let byte = bit / 8;
        let pair = u16::from(padded.get(byte).copied().unwrap_or(0)) << 8 | u16::from(padded.get(byte + 1).copied().unwrap_or(0));
        let sextet = (pair >> (10 - (bit % 8))) & 0x3f;
        out.extend(BASE64.get(usize::from(sextet)).copied());
    }
    out
}

/// A JSON container being walked.
enum Frame {
    Array,
    Object,
}

struct Walker<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    out: String,
    copied: usize,
    traces: &'a KeyTraces,
}

impl Walker<'_> {
    fn skip_space(&mut self) {
        while matches!(self.bytes.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn eat(&mut self, b: u8) -> Option<()> {
        (self.peek() == Some(b)).then(|| self.pos += 1)
    }

    fn literal(&mut self, word: &str) -> Option<()> {
        self.text.get(self.pos..)?.starts_with(word).then(|| self.pos += word.len())
    }

    fn digits(&mut self) -> Option<()> {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        (self.pos > start).then_some(())
    }

    fn number(&mut self) -> Option<()> {
        let _ = self.eat(b'-');
        if self.eat(b'0').is_none() {
            if !self.peek().is_some_and(|b| (b'1'..=b'9').contains(&b)) {
                return None;
            }
            self.digits()?;
        }
        if self.eat(b'.').is_some() {
            self.digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            self.digits()?;
        }
        Some(())
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.bytes.get(self.pos..self.pos + 4)?;
        let value = digits.iter().try_fold(0u32, |acc, &c| Some(acc * 16 + u32::from(hex(c)?)))?;
        self.pos += 4;
        Some(value)
    }

    /// A string token at `pos`: checks it, decodes it, and replaces it in the output when it carries the key.
    fn string(&mut self) -> Option<()> {
        let start = self.pos;
        self.eat(b'"')?;
        let mut value = String::new();
        loop {
            let b = self.peek()?;
            match b {
                b'"' => {
                    self.pos += 1;
                    break;
                }
                b'\\' => {
                    self.pos += 1;
                    let escaped = self.peek()?;
                    self.pos += 1;
                    match escaped {
                        b'"' => value.push('"'),
                        b'\\' => value.push('\\'),
                        b'/' => value.push('/'),
                        b'b' => value.push('\u{8}'),
                        b'f' => value.push('\u{c}'),
                        b'n' => value.push('\n'),
                        b'r' => value.push('\r'),
                        b't' => value.push('\t'),
                        b'u' => {
                            let unit = self.hex4()?;
                            let mut code = unit;
                            if (0xD800..0xDC00).contains(&unit) && self.text.get(self.pos..)?.starts_with("\\u") {
                                let back = self.pos;
                                self.pos += 2;
                                match self.hex4()? {
                                    low @ 0xDC00..=0xDFFF => code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00),
                                    _ => self.pos = back,
                                }
                            }
                            value.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                        }
                        _ => return None,
                    }
                }
                0x00..=0x1f => return None,
                _ => {
                    let rest = self.text.get(self.pos..)?;
                    let c = rest.chars().next()?;
                    value.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
        if self.traces.found_in(&value) {
            self.out.push_str(self.text.get(self.copied..start)?);
            self.out.push('"');
            self.out.push_str(REDACTED);
            self.out.push('"');
            self.copied = self.pos;
        }
        Some(())
    }

    /// A member name, the colon after it, and the space before the value.
    fn member_name(&mut self) -> Option<()> {
        self.skip_space();
        self.string()?;
        self.skip_space();
        self.eat(b':')?;
        self.skip_space();
        Some(())
    }

    fn walk(mut self) -> Option<String> {
        let mut stack: Vec<Frame> = Vec::new();
        self.skip_space();
        loop {
            // One value at `pos`; an opened container continues the loop at its first value.
            match self.peek()? {
                b'{' => {
                    self.pos += 1;
                    self.skip_space();
                    if self.eat(b'}').is_none() {
                        stack.push(Frame::Object);
                        self.member_name()?;
                        continue;
                    }
                }
                b'[' => {
                    self.pos += 1;
                    self.skip_space();
                    if self.eat(b']').is_none() {
                        stack.push(Frame::Array);
                        continue;
                    }
                }
                b'"' => self.string()?,
                b't' => self.literal("true")?,
                b'f' => self.literal("false")?,
                b'n' => self.literal("null")?,
                _ => self.number()?,
            }
            // After a value: the next one, or the ends of the containers it closes.
            loop {
                self.skip_space();
                match stack.last() {
                    None => {
                        if self.pos != self.bytes.len() {
                            return None;
                        }
                        self.out.push_str(self.text.get(self.copied..)?);
                        return Some(self.out);
                    }
                    Some(frame) => {
                        let close = if matches!(frame, Frame::Array) { b']' } else { b'}' };
                        let is_object = matches!(frame, Frame::Object);
                        if self.eat(b',').is_some() {
                            self.skip_space();
                            if is_object {
                                self.member_name()?;
                            }
                            break;
                        }
                        self.eat(close)?;
                        stack.pop();
                    }
                }
            }
        }
    }
}

/// `text` with every JSON string (values and member names) that carries the key replaced by `"[redacted]"`;
/// `None` when `text` is not one JSON value.
pub fn redact_json(text: &str, traces: &KeyTraces) -> Option<String> {
    Walker { text, bytes: text.as_bytes(), pos: 0, out: String::with_capacity(text.len()), copied: 0, traces }.walk()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "sk_test_Q7wZ+secret/key";

    fn b64(bytes: &[u8]) -> String {
        let mut s = String::from_utf8(base64_stable(bytes, 0)).unwrap_or_default();
        // the last partial character and the padding, as an encoder writes them
        let rem = bytes.len() % 3;
        if rem != 0 {
            let last = bytes.get(bytes.len() - rem..).unwrap_or_default();
            let mut tail = [0u8; 3];
            for (t, b) in tail.iter_mut().zip(last) {
                *t = *b;
            }
            let full = String::from_utf8(base64_stable(&tail, 0)).unwrap_or_default();
            s.push_str(full.get(rem..=rem).unwrap_or_default());
            s.push_str(if rem == 1 { "==" } else { "=" });
        }
        s
    }

    #[test]
    fn base64_matches_the_reference_vectors() {
        // RFC 4648 section 10
        for (plain, coded) in [("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")] {
            assert_eq!(b64(plain.as_bytes()), coded, "{plain}");
        }
    }

    #[test]
    fn finds_the_key_in_every_spelling() {
        let t = KeyTraces::new(KEY);
        let cases = [
            KEY.to_owned(),
            format!("bad key {KEY}!"),
            KEY.to_uppercase(),
            encode::component(KEY),
            encode::component(KEY).to_lowercase(),
            encode::component(&encode::component(KEY)),
            "api_key=sk_test_Q7wZ%2bsecret%2fkey".to_owned(),
            "sk_test_Q7wZ+secret/k".to_owned(), // cut short
            "Q7wZ+secret/key".to_owned(),     // head cut off
            "sk_test_".to_owned(),            // eight characters
            "x\\u0073k_test_Q7wZ".to_owned(),   // JSON escapes inside the string
            b64(KEY.as_bytes()),
            b64(format!("a{KEY}").as_bytes()),
            b64(format!("ab{KEY}").as_bytes()),
            b64(format!("https://api/?api_key={}&x=1", encode::component(KEY)).as_bytes()),
            b64(KEY.as_bytes()).replace('+', "-").replace('/', "_"),
            encode::component(&b64(KEY.as_bytes())),
        ];
        for text in cases {
            assert!(t.found_in(&text), "{text}");
        }
        for text in ["", "sk_test", "Q7wZ+se", "hello world", "a perfectly ordinary chat message", "secret/"] {
            assert!(!t.found_in(text), "{text}");
        }
    }

    #[test]
    fn a_short_key_is_found_whole_only() {
        let t = KeyTraces::new("k3y");
        assert!(t.found_in("the k3y"));
        assert!(t.found_in("the K3Y"));
        assert!(!t.found_in("k3"));
        assert!(!KeyTraces::new("").found_in("anything"));
    }

    #[test]
    fn redacts_strings_and_member_names_in_json() {
        let t = KeyTraces::new(KEY);
        let text = format!(
            "{{\"code\": 4001, \"message\": \"bad key \\u0073k_test_Q7wZ\", \"{KEY}\": [1, -2.5e3, true, null, \"ok\"], \"n\": {{\"deep\": \"{}\"}}}}",
            encode::component(KEY)
        );
        assert_eq!(
            redact_json(&text, &t).as_deref(),
            Some("{\"code\": 4001, \"message\": \"[redacted]\", \"[redacted]\": [1, -2.5e3, true, null, \"ok\"], \"n\": {\"deep\": \"[redacted]\"}}")
        );
        assert_eq!(redact_json(" [\"a\", {}] ", &t).as_deref(), Some(" [\"a\", {}] "));
        assert_eq!(redact_json("\"\\ud83d\\ude00 \\u00e9\"", &t).as_deref(), Some("\"\\ud83d\\ude00 \\u00e9\""));
    }

    #[test]
    fn refuses_what_is_not_json() {
        let t = KeyTraces::new(KEY);
        for bad in ["", " ", "<html>", "{", "[1,]", "{\"a\"}", "{\"a\":1,}", "01", "1.", "-", "tru", "\"a", "\"\u{1}\"", "\"\\x\"", "{} {}", "[1] x", "{'a':1}", "NaN"] {
            assert_eq!(redact_json(bad, &t), None, "{bad:?}");
        }
        for good in ["0", "-0.5E+2", "\"\"", "[]", "{}", "[[[[[]]]]]", "{\"a\":{\"b\":[{}]}}", "null", "\"\\ud800\""] {
            assert!(redact_json(good, &t).is_some(), "{good:?}");
        }
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let t = KeyTraces::new(KEY);
        let deep = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
        assert_eq!(redact_json(&deep, &t).map(|s| s.len()), Some(400_000));
        let open = "{\"a\":".repeat(100_000);
        assert_eq!(redact_json(&open, &t), None);
    }
}
