//! GoSquared Live Chat API client, compiled to WebAssembly for edge functions, Node, Deno, Bun and browsers.
//!
//! The pure modules (`encode`, `time`, `validate`, `endpoints`, `error`, `retry`, `pagination`, `rate_limit`,
//! and for the edge toolkit `signature`, `webhook`, `proxy` and its `key_scan`; `text` for substring search)
//! hold the behaviour and are tested natively with `cargo test`. The `js` modules (`bindings`, `convert`,
//! `client`, `edge`) are the thin WebAssembly boundary: they read JS inputs, call the global `fetch` and hand
//! plain JS objects back.

pub mod encode;
pub mod endpoints;
pub mod error;
pub mod export_plan;
pub mod key_scan;
pub mod number;
pub mod pagination;
pub mod proxy;
pub mod rate_limit;
pub mod retry;
pub mod signature;
pub mod text;
pub mod time;
pub mod validate;
pub mod webhook;

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
mod edge;
#[cfg(target_arch = "wasm32")]
mod export;
