//! Small helpers with no knowledge of the API: percent and JSON encoding, numbers, substring search, time.

pub mod encode;
pub mod number;
pub mod sort;
pub mod text;
pub mod time;
