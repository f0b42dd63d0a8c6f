//! Deciding whether a list has another page, and which window to ask for next.

use crate::endpoints::MAX_LIMIT;

/// What is known about a page just received.
#[derive(Clone, Debug, PartialEq)]
pub struct PageFacts {
    /// The offset the page was asked for.
    pub offset: u64,
    /// The page size asked for, when one was sent.
    pub limit: Option<u32>,
    /// How many items came back.
    pub len: usize,
    /// The total the API reported, when it did.
    pub cardinality: Option<f64>,
    /// Whether the page's first item has the same fingerprint as the previous page's (false on a first page).
    pub repeats_previous: bool,
}

/// The verdict on a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The page is new; fetch the next window if there is one.
    Next(Option<(u64, u32)>),
    /// The page repeats the previous one: the server ignored the offset, so the list ends here.
    Repeated,
}

/// Judges a page: a short or empty page ends the list, as does reaching `cardinality` or a repeated page.
pub fn judge(p: &PageFacts) -> Verdict {
    if p.len > 0 && p.repeats_previous {
        return Verdict::Repeated;
    }
    let len = p.len as u64;
    if len == 0 || p.limit.is_some_and(|l| len < u64::from(l)) {
        return Verdict::Next(None);
    }
    let next_offset = p.offset.saturating_add(len);
    if p.cardinality.is_some_and(|c| next_offset as f64 >= c) {
        return Verdict::Next(None);
    }
    let size = p.limit.unwrap_or_else(|| u32::try_from(p.len).unwrap_or(MAX_LIMIT).min(MAX_LIMIT));
    Verdict::Next(Some((next_offset, size)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(offset: u64, limit: Option<u32>, len: usize, cardinality: Option<f64>) -> PageFacts {
        PageFacts { offset, limit, len, cardinality, repeats_previous: false }
    }

    #[test]
    fn full_pages_continue() {
        assert_eq!(judge(&facts(0, Some(10), 10, Some(25.0))), Verdict::Next(Some((10, 10))));
        assert_eq!(judge(&facts(0, Some(10), 10, None)), Verdict::Next(Some((10, 10))));
        assert_eq!(judge(&facts(0, None, 7, None)), Verdict::Next(Some((7, 7))));
        assert_eq!(judge(&facts(0, None, 400, None)), Verdict::Next(Some((400, 250))));
    }

    #[test]
    fn short_empty_or_complete_pages_end() {
        assert_eq!(judge(&facts(0, Some(10), 9, None)), Verdict::Next(None));
        assert_eq!(judge(&facts(20, Some(10), 0, None)), Verdict::Next(None));
        assert_eq!(judge(&facts(20, Some(10), 10, Some(30.0))), Verdict::Next(None));
        assert_eq!(judge(&facts(0, None, 0, None)), Verdict::Next(None));
    }

    #[test]
    fn a_repeated_page_ends_the_list() {
        let mut f = facts(10, Some(10), 10, None);
        f.repeats_previous = true;
        assert_eq!(judge(&f), Verdict::Repeated);
        f.repeats_previous = false;
        assert_eq!(judge(&f), Verdict::Next(Some((20, 10))));
        f.len = 0;
        f.repeats_previous = true;
        assert_eq!(judge(&f), Verdict::Next(None), "an empty page is an end, not a repeat");
    }
}
