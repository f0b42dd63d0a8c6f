//! Converting between epoch milliseconds and ISO 8601 text, without the host's clock or time zone.

use crate::number;

/// The largest epoch-millisecond value a JavaScript `Date` can hold.
pub const MAX_EPOCH_MS: f64 = 8.64e15;

/// Days since 1970-01-01 for a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The Gregorian date for a count of days since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Formats epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ`, as `Date#toISOString` does: a year outside
/// 0 to 9999 takes a sign and six digits (`+010000-01-01T…`).
pub fn to_iso(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    let mut out = String::with_capacity(27);
    if (0..=9999).contains(&y) {
        number::push_digits(&mut out, y.unsigned_abs(), 4);
    } else {
        out.push(if y < 0 { '-' } else { '+' });
        number::push_digits(&mut out, y.unsigned_abs(), 6);
    }
    let fields = [('-', m), ('-', d), ('T', rem / 3_600_000), (':', rem / 60_000 % 60), (':', rem / 1000 % 60)];
    for (before, value) in fields {
        out.push(before);
        number::push_digits(&mut out, value.unsigned_abs(), 2);
    }
    out.push('.');
    number::push_digits(&mut out, rem.unsigned_abs() % 1000, 3);
    out.push('Z');
    out
}

/// A cursor over ASCII digits and punctuation.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn digits(&mut self, n: usize) -> Option<i64> {
        let mut v = 0i64;
        for _ in 0..n {
            let b = *self.bytes.get(self.pos)?;
            if !b.is_ascii_digit() {
                return None;
            }
            v = v * 10 + i64::from(b - b'0');
            self.pos += 1;
        }
        Some(v)
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.bytes.get(self.pos) == Some(&c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn done(&self) -> bool {
        self.pos >= self.bytes.len()
    }
}

/// Parses an ISO 8601 date (`2024-01-02`) or date-time (`2024-01-02T03:04:05.678Z`, `+01:00` offsets,
/// seconds and fraction optional) into epoch milliseconds; a date-time without an offset is read as UTC.
pub fn parse_iso(s: &str) -> Option<i64> {
    let mut c = Cursor { bytes: s.as_bytes(), pos: 0 };
    let y = c.digits(4)?;
    if !c.eat(b'-') {
        return None;
    }
    let mo = c.digits(2)?;
    if !c.eat(b'-') {
        return None;
    }
    let d = c.digits(2)?;
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) {
        return None;
    }
    let mut ms = days_from_civil(y, mo, d) * 86_400_000;
    if c.done() {
        return Some(ms);
    }
    if !(c.eat(b'T') || c.eat(b't') || c.eat(b' ')) {
        return None;
    }
    let h = c.digits(2)?;
    if !c.eat(b':') {
        return None;
    }
    let mi = c.digits(2)?;
    let mut sec = 0;
    let mut frac = 0;
    if c.eat(b':') {
        sec = c.digits(2)?;
        if c.eat(b'.') || c.eat(b',') {
            let mut scale = 100;
            let mut any = false;
            while let Some(b) = c.peek().filter(u8::is_ascii_digit) {
                frac += i64::from(b - b'0') * scale;
                scale /= 10;
                any = true;
                c.pos += 1;
            }
            if !any {
                return None;
            }
        }
    }
    if h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    ms += h * 3_600_000 + mi * 60_000 + sec * 1000 + frac;
    if c.done() || c.eat(b'Z') || c.eat(b'z') {
        return c.done().then_some(ms);
    }
    let sign = if c.eat(b'+') {
        -1
    } else if c.eat(b'-') {
        1
    } else {
        return None;
    };
    let oh = c.digits(2)?;
    c.eat(b':');
    let om = c.digits(2)?;
    if oh > 23 || om > 59 || !c.done() {
        return None;
    }
    Some(ms + sign * (oh * 3_600_000 + om * 60_000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_date_to_iso_string() {
        assert_eq!(to_iso(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(to_iso(1_700_000_000_000), "2023-11-14T22:13:20.000Z");
        assert_eq!(to_iso(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(to_iso(253_402_300_799_999), "9999-12-31T23:59:59.999Z");
        assert_eq!(to_iso(253_402_300_800_000), "+010000-01-01T00:00:00.000Z");
        assert_eq!(to_iso(8_640_000_000_000_000), "+275760-09-13T00:00:00.000Z");
    }

    #[test]
    fn parses_dates_and_date_times() {
        assert_eq!(parse_iso("1970-01-01"), Some(0));
        assert_eq!(parse_iso("2023-11-14T22:13:20.000Z"), Some(1_700_000_000_000));
        assert_eq!(parse_iso("2023-11-14T22:13:20Z"), Some(1_700_000_000_000));
        assert_eq!(parse_iso("2023-11-14T22:13"), Some(1_699_999_980_000));
        assert_eq!(parse_iso("2023-11-14T23:13:20+01:00"), Some(1_700_000_000_000));
        assert_eq!(parse_iso("2023-11-14T21:13:20.5-01:00"), Some(1_700_000_000_500));
        assert_eq!(parse_iso("2000-02-29"), Some(951_782_400_000));
    }

    #[test]
    fn rejects_what_is_not_iso() {
        for bad in ["", "2023", "2023-13-01", "2023-02-30", "1999-02-29", "2023-01-01T25:00", "2023-01-01T10:00Zjunk",
            "yesterday", "2023-01-01T10:00:00.", "2023-1-1", "１９７０-01-01"] {
            assert_eq!(parse_iso(bad), None, "{bad}");
        }
    }

    #[test]
    fn round_trips() {
        for ms in [0i64, 1, 86_399_999, 1_700_000_000_123, 4_102_444_800_000] {
            assert_eq!(parse_iso(&to_iso(ms)), Some(ms));
        }
    }
}
