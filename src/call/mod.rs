//! One call to the API as a state machine ([`machine::Call`]) and what it decides with: what an answer's
//! body means, whether to retry and how long to wait, whether a list has another page, and the rate-limit
//! budget an answer reports; and how a send is made exactly-once (counting, verdicts, idempotency records).

pub mod answer;
pub mod idempotency;
pub mod machine;
pub mod pagination;
pub mod rate_limit;
pub mod reconcile;
pub mod retry;
