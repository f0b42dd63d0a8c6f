//! Substring search, replace and join for the short texts the client handles (paths, headers, error messages),
//! smaller in WebAssembly than the standard library's two-way searcher.

/// The byte offset of the first occurrence of `needle` in `haystack` (an empty needle is found at 0).
pub fn find(haystack: &str, needle: &str) -> Option<usize> {
    let needle = needle.as_bytes();
    if needle.is_empty() {
        return Some(0);
    }
    haystack.as_bytes().windows(needle.len()).position(|window| window == needle)
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &str, needle: &str) -> bool {
    find(haystack, needle).is_some()
}

/// The text before and after the first occurrence of `needle`.
pub fn split_once<'a>(text: &'a str, needle: &str) -> Option<(&'a str, &'a str)> {
    let at = find(text, needle)?;
    Some((text.get(..at)?, text.get(at + needle.len()..)?))
}

/// `text` with every non-overlapping occurrence of a non-empty `needle` replaced by `with`, left to right.
pub fn replace(text: &str, needle: &str, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((before, after)) = split_once(rest, needle).filter(|_| !needle.is_empty()) {
        out.push_str(before);
        out.push_str(with);
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The number of characters in `text` (what `chars().count()` gives): the bytes that do not continue a
/// character. The standard count has a word-at-a-time fast path of about 0.8 KB of WebAssembly.
pub fn char_count(text: &str) -> usize {
    text.bytes().filter(|b| b & 0xC0 != 0x80).count()
}

/// `parts` joined with `sep` between them (smaller in WebAssembly than the standard `join`).
pub fn join(parts: &[&str], sep: &str) -> String {
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_the_standard_library() {
        let cases = [
            ("", ""),
            ("", "a"),
            ("abc", ""),
            ("aaaa", "aa"),
            ("key sk_1 and sk_1!", "sk_1"),
            ("/x/chat/v1/chats", "/chat/v1/"),
            ("Sun, 06 Nov 1994 08:49:37 GMT", ", "),
            ("é€😀 é€😀", "€😀"),
            ("abcab", "abd"),
        ];
        for (text, needle) in cases {
            assert_eq!(find(text, needle), text.find(needle), "{text:?} {needle:?}");
            assert_eq!(contains(text, needle), text.contains(needle));
            assert_eq!(split_once(text, needle), text.split_once(needle), "{text:?} {needle:?}");
            if !needle.is_empty() {
                assert_eq!(replace(text, needle, "[x]"), text.replace(needle, "[x]"), "{text:?} {needle:?}");
            }
        }
    }

    #[test]
    fn joins_as_the_standard_library_does() {
        for parts in [&[][..], &["a"], &["a", "", "b"]] {
            assert_eq!(join(parts, ", "), parts.join(", "));
        }
    }

    #[test]
    fn an_empty_needle_replaces_nothing() {
        assert_eq!(replace("abc", "", "x"), "abc");
    }
}
