//! Reading numbers from header and body text without the standard float parser, which is large in wasm.

/// Parses a non-negative decimal such as `750`, `1.5` or ` 42 ` (surrounding spaces allowed); anything
/// else, including signs, exponents and empty text, is `None`.
pub fn parse_decimal(text: &str) -> Option<f64> {
    let s = text.trim();
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (s, None),
    };
    if whole.is_empty() || whole.len() > 15 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut value = whole.bytes().fold(0f64, |acc, b| acc * 10.0 + f64::from(b - b'0'));
    if let Some(f) = frac {
        if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut scale = 0.1;
        for b in f.bytes().take(9) {
            value += f64::from(b - b'0') * scale;
            scale /= 10.0;
        }
    }
    Some(value)
}

/// Writes an integral value as digits, without the standard float formatter.
pub fn integer_text(n: f64) -> String {
    if n.is_finite() && n.abs() < 9.0e15 {
        signed(n.trunc() as i64)
    } else {
        "NaN".to_owned()
    }
}

/// `n` in decimal digits. Numbers are written by hand here and in [`push_digits`]: the standard formatter
/// (`to_string`, `format!`) brings in `core::fmt`'s padding and dispatch, a few KB of WebAssembly.
pub fn digits(n: u64) -> String {
    let mut out = String::new();
    push_digits(&mut out, n, 1);
    out
}

/// `n` in decimal digits, with a minus sign when negative.
pub fn signed(n: i64) -> String {
    let mut out = String::new();
    if n < 0 {
        out.push('-');
    }
    push_digits(&mut out, n.unsigned_abs(), 1);
    out
}

/// Appends `n` in decimal digits, zero-padded to at least `width` digits.
pub fn push_digits(out: &mut String, n: u64, width: usize) {
    let mut scale = 1u64;
    let mut count = 1;
    while n / scale >= 10 {
        scale *= 10;
        count += 1;
    }
    for _ in count..width {
        out.push('0');
    }
    while scale > 0 {
        out.push(char::from(b'0' + (n / scale % 10) as u8));
        scale /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_decimals() {
        assert_eq!(parse_decimal("750"), Some(750.0));
        assert_eq!(parse_decimal(" 1.5 "), Some(1.5));
        assert_eq!(parse_decimal("0"), Some(0.0));
        assert_eq!(parse_decimal("4003"), Some(4003.0));
        for bad in ["", " ", "-1", "+1", "1e3", "1.", ".5", "12a", "NaN", "Infinity", "1.2.3", "9999999999999999"] {
            assert_eq!(parse_decimal(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn writes_digits_as_the_standard_formatter_does() {
        for n in [0, 1, 9, 10, 99, 100, 250, 4001, 1_700_000_000_000, u64::from(u32::MAX), u64::MAX] {
            assert_eq!(digits(n), n.to_string());
        }
        for n in [0, -1, 42, -1_700_000_000_000, i64::MIN, i64::MAX] {
            assert_eq!(signed(n), n.to_string());
        }
        for (n, width) in [(0, 2), (7, 2), (12, 2), (5, 3), (123, 2), (2024, 4), (33, 6), (10_000, 6)] {
            let mut out = String::new();
            push_digits(&mut out, n, width);
            assert_eq!(out, format!("{n:0width$}"));
        }
    }

    #[test]
    fn formats_integers() {
        assert_eq!(integer_text(4001.0), "4001");
        assert_eq!(integer_text(-2.0), "-2");
        assert_eq!(integer_text(250.0), "250");
        assert_eq!(integer_text(f64::NAN), "NaN");
    }
}
