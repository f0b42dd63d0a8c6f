//! GoSquared Live Chat API client, compiled to WebAssembly for edge functions, Node, Deno, Bun and browsers.
//!
//! The pure modules (`encode`, `time`, `validate`, `endpoints`, `error`, `retry`, `pagination`, `rate_limit`)
//! hold the behaviour and are tested natively with `cargo test`. The `js` modules (`bindings`, `convert`,
//! `transport`, `client`) are the thin WebAssembly boundary: they read JS inputs, call the global `fetch`
//! and hand plain JS objects back.

pub mod encode;
pub mod endpoints;
pub mod error;
pub mod pagination;
pub mod rate_limit;
pub mod retry;
pub mod time;
pub mod validate;

#[cfg(target_arch = "wasm32")]
mod bindings;
#[cfg(target_arch = "wasm32")]
mod client;
#[cfg(target_arch = "wasm32")]
mod config;
#[cfg(target_arch = "wasm32")]
mod convert;
#[cfg(target_arch = "wasm32")]
mod diagnostics;
#[cfg(target_arch = "wasm32")]
mod transport;
