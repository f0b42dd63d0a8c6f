//! The API as this client knows it: one table of endpoints, the checks on every argument, and the error kinds.

pub mod endpoints;
pub mod error;
pub mod validate;
