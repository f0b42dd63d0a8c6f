//! What a call decides: whether to retry and how long to wait, whether a list has another page, and the
//! rate-limit budget an answer reports.

pub mod pagination;
pub mod rate_limit;
pub mod retry;
