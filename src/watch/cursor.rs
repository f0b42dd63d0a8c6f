//! Where a watch stands: a watermark time, and a mark for each chat the watermark alone does not describe.
//!
//! The invariant a cursor stands for: every feed item with a time before the watermark has been handled, in
//! every chat; and for each chat that has a mark, every item up to the mark's time has been handled, with
//! the ids of those handled at exactly that time listed. A chat's mark also keeps the activity its last
//! `chat` event announced and the activity up to which its feed was read, so that a resumed watch neither
//! repeats nor skips them. Marks are dropped once all three fall behind the watermark, which moves up to
//! the newest activity of every poll whose chat list fitted in one page: a cursor holds only the chats
//! active at the watermark's millisecond or written to while the last poll ran.

use crate::error::Error;

/// The most chats a cursor given to `watch({ since })` may hold.
pub const MAX_CURSOR_CHATS: usize = 10_000;
/// The most ids a chat's mark may hold (items of one chat sharing its latest millisecond).
pub const MAX_MARK_IDS: usize = 1_000;
/// The longest item id a cursor may hold.
pub const MAX_ID_LEN: usize = 1_000;

/// What a watch knows about one chat beyond the watermark.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mark {
    /// The time of the last feed item handled, and the ids of every item handled at that time.
    pub at: Option<(i64, Vec<String>)>,
    /// The activity time the chat's last `chat` event announced.
    pub announced: Option<i64>,
    /// The activity time up to which the chat's feed has been read through.
    pub read: Option<i64>,
}

impl Mark {
    /// Whether nothing in the mark reaches the watermark, so that it can be forgotten.
    fn behind(&self, watermark: i64) -> bool {
        let at = self.at.as_ref().map(|(t, _)| *t);
        [at, self.announced, self.read].iter().all(|t| t.is_none_or(|t| t < watermark))
    }

    /// Records an item handled at `time` (never earlier than the mark's time).
    pub fn handled(&mut self, time: i64, id: &str) {
        match &mut self.at {
            Some((at, ids)) if *at == time => ids.push(id.to_owned()),
            Some((at, _)) if *at > time => {}
            _ => self.at = Some((time, vec![id.to_owned()])),
        }
    }

    /// Whether an item at `time` with `id` was handled already, given that every item before `from` was.
    pub fn covers(&self, from: i64, time: i64, id: &str) -> bool {
        if time < from {
            return true;
        }
        match &self.at {
            Some((at, _)) if time < *at => true,
            Some((at, ids)) if time == *at => ids.iter().any(|seen| seen == id),
            _ => false,
        }
    }
}

/// The marks of a watch, sorted by chat id (looked up by binary search: no hashing in the module).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Marks {
    entries: Vec<(String, Mark)>,
}

impl Marks {
    /// The mark of `chat`, if it has one.
    pub fn get(&self, chat: &str) -> Option<&Mark> {
        let at = self.entries.binary_search_by(|(id, _)| id.as_str().cmp(chat)).ok()?;
        self.entries.get(at).map(|(_, mark)| mark)
    }

    /// Changes the mark of `chat` with `change`, starting from an empty mark when it has none.
    pub fn update(&mut self, chat: &str, change: impl FnOnce(&mut Mark)) {
        let at = match self.entries.binary_search_by(|(id, _)| id.as_str().cmp(chat)) {
            Ok(at) => at,
            Err(at) => {
                self.entries.insert(at, (chat.to_owned(), Mark::default()));
                at
            }
        };
        if let Some((_, mark)) = self.entries.get_mut(at) {
            change(mark);
        }
    }

    /// Forgets the marks that fall wholly behind the watermark.
    pub fn prune(&mut self, watermark: i64) {
        self.entries.retain(|(_, mark)| !mark.behind(watermark));
    }

    /// How many chats have a mark.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no chat has a mark.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every mark, by chat id.
    pub fn iter(&self) -> impl Iterator<Item = &(String, Mark)> {
        self.entries.iter()
    }
}

/// A resumable position: the watermark and the marks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cursor {
    /// Every item before this time (epoch ms) has been handled.
    pub watermark: i64,
    /// The chats the watermark does not describe alone.
    pub marks: Marks,
}

impl Cursor {
    /// Checks a cursor read back from JSON: sizes within bounds, times not negative, no chat twice.
    pub fn new(watermark: i64, chats: Vec<(String, Mark)>) -> Result<Cursor, Error> {
        let bad = |why: &str| Error::invalid(["since is not a cursor of this client: ", why].concat());
        if watermark < 0 {
            return Err(bad("the watermark is negative"));
        }
        if chats.len() > MAX_CURSOR_CHATS {
            return Err(bad("it holds too many chats"));
        }
        let entries = crate::util::sort::stable_sorted(chats, &|a, b| a.0 < b.0);
        for pair in entries.windows(2) {
            if let [(a, _), (b, _)] = pair {
                if a == b {
                    return Err(bad("a chat appears twice"));
                }
            }
        }
        for (_, mark) in &entries {
            let at = mark.at.as_ref().map(|(t, _)| *t);
            if [at, mark.announced, mark.read].iter().any(|t| t.is_some_and(|t| t < 0)) {
                return Err(bad("a time is negative"));
            }
            if let Some((_, ids)) = &mark.at {
                if ids.len() > MAX_MARK_IDS || ids.iter().any(|id| id.is_empty() || id.len() > MAX_ID_LEN) {
                    return Err(bad("a chat's ids are too many or malformed"));
                }
            }
        }
        Ok(Cursor { watermark, marks: Marks { entries } })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(at: Option<(i64, &[&str])>, announced: Option<i64>, read: Option<i64>) -> Mark {
        Mark { at: at.map(|(t, ids)| (t, ids.iter().map(|s| (*s).to_owned()).collect())), announced, read }
    }

    #[test]
    fn a_mark_covers_what_came_before_it_and_the_ids_at_its_time() {
        let m = mark(Some((10, &["a", "b"])), None, None);
        assert!(m.covers(0, 9, "x"));
        assert!(m.covers(0, 10, "a"));
        assert!(!m.covers(0, 10, "c"));
        assert!(!m.covers(0, 11, "a"));
        // Before `from` (the watermark, or the mark the feed was asked from) everything was handled.
        assert!(Mark::default().covers(5, 4, "z"));
        assert!(!Mark::default().covers(5, 5, "z"));
    }

    #[test]
    fn handling_moves_the_mark_and_gathers_ids_of_one_time() {
        let mut m = Mark::default();
        m.handled(10, "a");
        m.handled(10, "b");
        assert_eq!(m.at, Some((10, vec!["a".to_owned(), "b".to_owned()])));
        m.handled(12, "c");
        assert_eq!(m.at, Some((12, vec!["c".to_owned()])));
        m.handled(11, "late");
        assert_eq!(m.at, Some((12, vec!["c".to_owned()])), "a mark never moves back");
    }

    #[test]
    fn marks_are_found_by_id_and_pruned_behind_the_watermark() {
        let mut marks = Marks::default();
        marks.update("b", |m| m.read = Some(5));
        marks.update("a", |m| m.announced = Some(20));
        marks.update("c", |m| m.handled(30, "m"));
        assert_eq!(marks.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(marks.get("b").and_then(|m| m.read), Some(5));
        assert!(marks.get("d").is_none());
        marks.prune(20);
        assert_eq!(marks.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), ["a", "c"]);
        marks.prune(31);
        assert!(marks.is_empty());
    }

    #[test]
    fn cursors_read_back_are_checked() {
        let ok = Cursor::new(5, vec![("b".into(), mark(Some((6, &["x"])), None, None)), ("a".into(), Mark::default())]);
        assert_eq!(ok.map(|c| c.marks.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>()), Ok(vec!["a".to_owned(), "b".to_owned()]));
        assert!(Cursor::new(-1, vec![]).is_err());
        assert!(Cursor::new(0, vec![("a".into(), Mark::default()), ("a".into(), Mark::default())]).is_err());
        assert!(Cursor::new(0, vec![("a".into(), mark(None, Some(-3), None))]).is_err());
        assert!(Cursor::new(0, vec![("a".into(), mark(Some((1, &[""])), None, None))]).is_err());
        let many = (0..=MAX_CURSOR_CHATS).map(|i| (i.to_string(), Mark::default())).collect();
        assert!(Cursor::new(0, many).is_err());
    }
}
