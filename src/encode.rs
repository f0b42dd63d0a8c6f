//! Percent-encoding for path segments and query values, and JSON string escaping for request bodies.

/// Returns true for the RFC 3986 unreserved characters, the only bytes left as they are.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Percent-encodes every byte of `s` except the RFC 3986 unreserved characters.
///
/// The result is always one path segment or one query value: `/`, `?`, `#`, `%`, `:` and `@` are encoded.
pub fn component(s: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(s.len() + s.len() / 2);
    for &b in s.as_bytes() {
        if is_unreserved(b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
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
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
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
}
