//! Percent-encoding for path segments and query values, and JSON string escaping for request bodies.

/// Returns true for the RFC 3986 unreserved characters, the only bytes left as they are.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Percent-encodes every byte of `s` except the RFC 3986 unreserved characters.
///
/// The result is always one path segment or one query value: `/`, `?`, `#`, `%`, `:` and `@` are encoded.
pub fn component(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 2);
    for &b in s.as_bytes() {
        if is_unreserved(b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(hex_digit(b >> 4, b'A'));
            out.push(hex_digit(b & 0xf, b'A'));
        }
    }
    out
}

/// The hex digit of `v` (0 to 15), with `a` the letter for ten (`b'A'` or `b'a'`); written by hand rather than
/// with `format!`, which brings in `core::fmt`.
fn hex_digit(v: u8, a: u8) -> char {
    char::from(if v < 10 { b'0' + v } else { a + v - 10 })
}

/// Appends `s` to `out` as a quoted JSON string.
pub fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let b = c as u8;
                out.push_str("\\u00");
                out.push(hex_digit(b >> 4, b'a'));
                out.push(hex_digit(b & 0xf, b'a'));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Decodes percent-escapes in a path segment or query part (`+` is kept as it is); `None` when an escape is
/// malformed or the bytes are not UTF-8.
pub fn decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = s.get(i + 1..i + 3).filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()))?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_ids_as_one_segment() {
        assert_eq!(component("email:ada@example.com"), "email%3Aada%40example.com");
        assert_eq!(component("../x"), "..%2Fx");
        assert_eq!(component("a b?c#d%e"), "a%20b%3Fc%23d%25e");
        assert_eq!(component("Zoë"), "Zo%C3%AB");
        assert_eq!(component("AZaz09-._~"), "AZaz09-._~");
    }

    #[test]
    fn escapes_json_strings() {
        let mut s = String::new();
        json_string(&mut s, "a\"b\\c\nd\u{1}é😀");
        assert_eq!(s, "\"a\\\"b\\\\c\\nd\\u0001é😀\"");
    }

    #[test]
    fn decodes_what_it_encodes() {
        for s in ["email:ada@example.com", "a b/c?d#e%f", "Zoë 😀", "+"] {
            assert_eq!(decode(&component(s)).as_deref(), Some(s));
        }
        assert_eq!(decode("a+b%2B").as_deref(), Some("a+b+"));
        for bad in ["%", "%4", "%zz", "%C3", "%%41", "%+1"] {
            assert_eq!(decode(bad), None, "{bad}");
        }
    }
}
