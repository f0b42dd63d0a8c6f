//! The bulk export's decisions: option checks, pacing from the rate-limit budget, de-duplication and counts.

pub mod plan;
