//! GoSquared Live Chat API client, compiled to WebAssembly for edge functions, Node, Deno, Bun and browsers.
//!
//! The layout follows the architecture:
//! - `api`: the endpoint table, argument checks and the error kinds;
//! - `call`: what a call decides (retries, pagination, the rate-limit budget);
//! - `export`: the bulk export as a state machine, and its decisions;
//! - `edge`: webhooks, Secure Mode signatures and the key-safe proxy;
//! - `util`: encoding, numbers, text and time helpers;
//! - `watch`: the live inbox's polling decisions, cursor and pacing;
//! - `wasm`: every `#[wasm_bindgen]` item, the only code that touches JS values;
//! - `typed` (cargo feature `typed`, off in the package): the typed Rust API on the same core.
//!
//! Everything outside `wasm` is pure and tested natively with `cargo test`.

pub mod api;
pub mod call;
pub mod edge;
pub mod export;
pub mod util;
pub mod watch;
#[cfg(feature = "typed")]
pub mod typed;

pub use api::{endpoints, error};
pub use edge::{proxy, signature, webhook};
pub use export::plan as export_plan;
pub use util::{encode, number, text, time};

// A module built with only some of the features (see Cargo.toml) leaves some boundary helpers unused.
#[cfg(all(target_arch = "wasm32", not(feature = "boundary-tests")))]
#[cfg_attr(not(all(feature = "client", feature = "edge", feature = "export")), allow(dead_code))]
mod wasm;
// Public only in the build of the boundary's tests (`tests/wasm/`, run by wasm-bindgen-test), which call its items
// as Rust functions; the package's build keeps it private, so its module is the same byte for byte.
#[cfg(all(target_arch = "wasm32", feature = "boundary-tests"))]
#[doc(hidden)]
pub mod wasm;
#[cfg(target_arch = "wasm32")]
use wasm::convert;
#[cfg(all(target_arch = "wasm32", feature = "client"))]
use wasm::client;
