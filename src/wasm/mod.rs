//! The WebAssembly boundary: every `#[wasm_bindgen]` item. It reads JS arguments, hands them to the pure
//! modules and builds the plain JS objects handed back.

pub mod bindings;
pub mod client;
pub mod convert;
mod diagnostics;
pub mod edge;
mod error;
mod export;
pub mod reconcile;
mod watch;
