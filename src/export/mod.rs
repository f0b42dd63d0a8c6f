//! The bulk export: its state machine, and the decisions it is made of (option checks, pacing from the
//! rate-limit budget, de-duplication and counts).

pub mod machine;
pub mod plan;
pub mod window;
#[cfg(test)]
mod window_sim;
