//! The API as this client knows it: one table of endpoints with the checks on every argument, and the error
//! kinds.

pub mod endpoints;
pub mod error;
