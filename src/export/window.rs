//! The export's window mode (`since`, `resume`): where a chat stands in the listing order, and the checkpoint
//! a run writes so that a later run can carry on from it.
//!
//! A window-mode run fixes its upper bound `to` at its start (the newest `updated` its first list pages
//! show, a time the server stamped) and reads each chat list newest first by keyset: every page after the
//! first asks for the chats at or before the last one read (`to` = its `updated`) and drops those already
//! read at that millisecond. Chats only ever leave the window while it is read (new activity stamps them
//! after `to`), and a chat leaving does not move the ones not read yet past the cursor, as it would with
//! offset paging. The chats that left are found afterwards by a catch-up pass over the chats updated after
//! `to`.

use crate::error::Error;
use crate::number;
use crate::util::encode;

/// Which pass of a window-mode run: the open list, the archived list, or the catch-up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// The open chats in the window, newest first.
    Open,
    /// The archived chats in the window, newest first.
    Archived,
    /// The chats updated after the window's `to`, both lists.
    CatchUp,
}

impl Stage {
    fn letter(self) -> &'static str {
        match self {
            Stage::Open => "o",
            Stage::Archived => "a",
            Stage::CatchUp => "c",
        }
    }

    fn from_letter(s: &str) -> Option<Stage> {
        match s {
            "o" => Some(Stage::Open),
            "a" => Some(Stage::Archived),
            "c" => Some(Stage::CatchUp),
            _ => None,
        }
    }
}

/// A chat's place in a list: its `updated` time and its id. Lists are sorted newest first, ties by id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    /// The chat's `updated` (epoch ms).
    pub at: i64,
    /// The chat's id.
    pub id: String,
}

impl Key {
    /// Whether `self` comes before `other` in a list, or is it.
    pub fn up_to(&self, other: &Key) -> bool {
        self.at > other.at || (self.at == other.at && self.id <= other.id)
    }
}

/// A place across the passes: the stage and, within a list, the key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    /// The pass.
    pub stage: Stage,
    /// The key within the pass's list (none in the catch-up).
    pub key: Option<Key>,
}

impl Place {
    /// Whether `self` comes at or before `other` in the order the passes read chats.
    pub fn up_to(&self, other: &Place) -> bool {
        match self.stage.cmp(&other.stage) {
            std::cmp::Ordering::Less => true,
            std::cmp::Ordering::Greater => false,
            std::cmp::Ordering::Equal => match (&self.key, &other.key) {
                (Some(a), Some(b)) => a.up_to(b),
                (None, _) => true,
                (Some(_), None) => false,
            },
        }
    }
}

/// Where a window-mode run stands, as its checkpoint says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The run's `since` (epoch ms).
    pub since: i64,
    /// The run's fixed upper bound (epoch ms).
    pub to: i64,
    /// Whether the run reads the archived list too.
    pub archived: bool,
    /// Every chat up to this place is done (its lines are before the checkpoint); the stage is the pass to
    /// carry on with, and no key means nothing of that pass is done yet.
    pub done: Place,
    /// The furthest chat the run had started when it wrote the checkpoint: chats after `done` and up to it may
    /// have lines already, and are marked as repeats by the run that resumes.
    pub started: Option<Place>,
    /// Whether a chat of the run (or of a run it resumed) had failed when the checkpoint was written: the run
    /// that resumes it keeps the watermark at `since`, so that the next run reads that chat again.
    pub failed: bool,
}

/// The start of every checkpoint, with its format's version.
const PREFIX: &str = "gsqx2";
/// The longest checkpoint read: two chat ids of at most 1024 characters, each percent-encoded to at most
/// 12 characters a character, and the numbers.
pub const MAX_CHECKPOINT_CHARS: usize = 26 * 1024;

fn bad() -> Error {
    Error::invalid("resume must be a checkpoint written by an export of this project (a checkpoint line's value)")
}

/// FNV-1a over the project's site token and the checkpoint's fields: a checkpoint of another project, or one
/// that was changed, does not match.
fn check(site: &str, body: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in site.as_bytes().iter().chain([0u8].iter()).chain(body.as_bytes()) {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    crate::signature::hex(&hash.to_be_bytes())
}

fn push_place(out: &mut String, place: Option<&Place>) {
    match place {
        None => out.push_str(",-,-,-"),
        Some(place) => {
            out.push(',');
            out.push_str(place.stage.letter());
            match &place.key {
                Some(key) => {
                    out.push(',');
                    out.push_str(&number::signed(key.at));
                    out.push(',');
                    out.push_str(&encode::component(&key.id));
                }
                None => out.push_str(",-,-"),
            }
        }
    }
}

impl Checkpoint {
    /// The checkpoint as the opaque string a checkpoint line carries, sealed for the project `site`.
    pub fn encode(&self, site: &str) -> String {
        let mut body = String::with_capacity(64);
        body.push_str(&number::signed(self.since));
        body.push(',');
        body.push_str(&number::signed(self.to));
        body.push_str(if self.archived { ",1" } else { ",0" });
        push_place(&mut body, Some(&self.done));
        push_place(&mut body, self.started.as_ref());
        body.push_str(if self.failed { ",1" } else { ",0" });
        let mut out = String::with_capacity(body.len() + 24);
        out.push_str(PREFIX);
        out.push(',');
        out.push_str(&check(site, &body));
        out.push(',');
        out.push_str(&body);
        out
    }

    /// Reads a checkpoint string of the project `site`; anything else is an `InvalidRequestError`.
    pub fn decode(text: &str, site: &str) -> Result<Checkpoint, Error> {
        if text.len() > MAX_CHECKPOINT_CHARS {
            return Err(bad());
        }
        let rest = text.strip_prefix(PREFIX).and_then(|r| r.strip_prefix(',')).ok_or_else(bad)?;
        let (sum, body) = rest.split_once(',').ok_or_else(bad)?;
        if sum != check(site, body) {
            return Err(bad());
        }
        let fields: Vec<&str> = body.split(',').collect();
        let [since, to, archived, stage, at, id, s_stage, s_at, s_id, failed] = fields.as_slice() else { return Err(bad()) };
        let time = |s: &str| s.parse::<i64>().ok().filter(|t| *t >= 0).ok_or_else(bad);
        let place = |stage: &str, at: &str, id: &str| -> Result<Option<Place>, Error> {
            if stage == "-" {
                return Ok(None);
            }
            let stage = Stage::from_letter(stage).ok_or_else(bad)?;
            let key = if at == "-" { None } else { Some(Key { at: time(at)?, id: encode::decode(id).ok_or_else(bad)? }) };
            Ok(Some(Place { stage, key }))
        };
        let flag = |s: &str| match s {
            "1" => Ok(true),
            "0" => Ok(false),
            _ => Err(bad()),
        };
        let (archived, failed) = (flag(archived)?, flag(failed)?);
        let done = place(stage, at, id)?.ok_or_else(bad)?;
        let started = place(s_stage, s_at, s_id)?;
        let (since, to) = (time(since)?, time(to)?);
        if since > to || (!archived && [Some(&done), started.as_ref()].into_iter().flatten().any(|p| p.stage == Stage::Archived)) {
            return Err(bad());
        }
        Ok(Checkpoint { since, to, archived, done, started, failed })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(at: i64, id: &str) -> Key {
        Key { at, id: id.to_owned() }
    }

    #[test]
    fn keys_follow_the_list_order() {
        assert!(key(5, "b").up_to(&key(4, "a")), "newer first");
        assert!(key(5, "a").up_to(&key(5, "b")), "ties by id");
        assert!(key(5, "a").up_to(&key(5, "a")));
        assert!(!key(4, "a").up_to(&key(5, "z")));
        let open = Place { stage: Stage::Open, key: Some(key(1, "z")) };
        let archived = Place { stage: Stage::Archived, key: Some(key(9, "a")) };
        assert!(open.up_to(&archived) && !archived.up_to(&open));
        assert!(Place { stage: Stage::Open, key: None }.up_to(&open));
    }

    #[test]
    fn a_checkpoint_reads_back_for_its_project_only() {
        let cp = Checkpoint {
            since: 0,
            to: 1_700_000_123_000,
            archived: true,
            done: Place { stage: Stage::Open, key: Some(key(1_700_000_100_000, "email:a,b@x.com")) },
            started: Some(Place { stage: Stage::Archived, key: Some(key(17, "päß/%,")) }),
            failed: true,
        };
        let text = cp.encode("GSN-1");
        assert!(text.starts_with("gsqx2,"), "{text}");
        assert_eq!(Checkpoint::decode(&text, "GSN-1").ok(), Some(cp.clone()));
        assert!(Checkpoint::decode(&text, "GSN-2").is_err(), "another project's");
        let changed = text.replace("1700000123000", "1700000124000");
        assert!(Checkpoint::decode(&changed, "GSN-1").is_err(), "a changed one");
        let not_failed = Checkpoint { failed: false, ..cp.clone() };
        assert_eq!(Checkpoint::decode(&not_failed.encode("GSN-1"), "GSN-1").ok(), Some(not_failed));
        let catch_up = Checkpoint { done: Place { stage: Stage::CatchUp, key: None }, started: None, ..cp };
        assert_eq!(Checkpoint::decode(&catch_up.encode("s"), "s").ok(), Some(catch_up));
        for junk in ["", "gsqx2", "gsqx2,", "gsqx1,abc,1", "gsqx3,abc,1", "{}", &"x".repeat(MAX_CHECKPOINT_CHARS + 1)] {
            assert!(Checkpoint::decode(junk, "s").is_err(), "{junk}");
        }
    }

    #[test]
    fn a_checkpoint_stays_small() {
        let long = "x".repeat(1024);
        let cp = Checkpoint {
            since: i64::from(u32::MAX),
            to: crate::time::MAX_EPOCH_MS as i64,
            archived: true,
            done: Place { stage: Stage::Archived, key: Some(key(crate::time::MAX_EPOCH_MS as i64, &long)) },
            started: Some(Place { stage: Stage::Archived, key: Some(key(crate::time::MAX_EPOCH_MS as i64, &long)) }),
            failed: true,
        };
        assert!(cp.encode("GSN-123456-A").len() < 2200);
    }
}
