//! GoSquared Live Chat API client, compiled to WebAssembly for edge functions, Node, Deno, Bun and browsers.
//!
//! The layout follows the architecture:
//! - `api`: the endpoint table, argument checks and the error kinds;
//! - `call`: what a call decides (retries, pagination, the rate-limit budget);
//! - `export`: the bulk export's plan;
//! - `edge`: webhooks, Secure Mode signatures and the key-safe proxy;
//! - `util`: encoding, numbers, text and time helpers;
//! - `wasm`: every `#[wasm_bindgen]` item, the only code that touches JS values.
//!
//! Everything outside `wasm` is pure and tested natively with `cargo test`.

pub mod api;
pub mod call;
pub mod edge;
pub mod export;
pub mod util;

pub use api::{endpoints, error, validate};
pub use call::{answer, pagination, rate_limit, retry};
pub use edge::{proxy, signature, webhook};
pub use export::plan as export_plan;
pub use util::{encode, number, text, time};

// A module built with only some of the features (see Cargo.toml) leaves some boundary helpers unused.
#[cfg(target_arch = "wasm32")]
#[cfg_attr(not(all(feature = "client", feature = "edge", feature = "export")), allow(dead_code))]
mod wasm;
#[cfg(target_arch = "wasm32")]
use wasm::{bindings, convert};
#[cfg(all(target_arch = "wasm32", feature = "export"))]
use wasm::client;
