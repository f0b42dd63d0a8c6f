//! One call to the API as a state machine ([`machine::Call`]) and what it decides with: what an answer's
//! body means, whether a list has another page, whether to retry and how long to wait, and the rate-limit
//! budget an answer reports (all in `machine.rs`, the call's whole path); and how a send is made exactly-once
//! (counting, verdicts, idempotency records).

pub mod idempotency;
pub mod machine;
pub mod reconcile;

pub use machine::RateLimit;
