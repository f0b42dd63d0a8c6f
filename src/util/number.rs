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
        (n.trunc() as i64).to_string()
    } else {
        "NaN".to_owned()
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
    fn formats_integers() {
        assert_eq!(integer_text(4001.0), "4001");
        assert_eq!(integer_text(-2.0), "-2");
        assert_eq!(integer_text(250.0), "250");
        assert_eq!(integer_text(f64::NAN), "NaN");
    }
}
