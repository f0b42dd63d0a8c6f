//! The WebAssembly boundary: every `#[wasm_bindgen]` item. It reads JS arguments, hands them to the pure
//! modules and builds the plain JS objects handed back. Cargo features choose what a module exports: `client`
//! (the client and its calls), `export` (the bulk export, with the client) and `edge` (webhooks, Secure Mode,
//! the proxy); see Cargo.toml.

pub mod bindings;
#[cfg(feature = "client")]
pub mod client;
pub mod convert;
#[cfg(feature = "client")]
mod diagnostics;
#[cfg(feature = "edge")]
pub mod edge;
mod error;
#[cfg(feature = "export")]
mod export;
