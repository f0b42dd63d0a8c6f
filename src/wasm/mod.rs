//! The WebAssembly boundary: every `#[wasm_bindgen]` item. It reads JS arguments, hands them to the pure
//! modules and builds the plain JS objects handed back. Cargo features choose what a module exports: `client`
//! (the client and its calls), `export` (the bulk export, with the client) and `edge` (webhooks, Secure Mode,
//! the proxy); see Cargo.toml.

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
#[cfg(feature = "client")]
pub mod reconcile;
#[cfg(feature = "client")]
mod watch;

/// The package's allocator (feature `small-alloc`, which only the package's build turns on). A call allocates a
/// few short strings and vectors and frees them when it ends; a first-fit free list that merges neighbouring
/// blocks serves that as well as the standard dlmalloc, in about 8 KB less code. `LockedAllocator` makes it
/// shareable with a spin lock, which is never contended (a module instance runs on one thread) and needs no
/// `unsafe` here, unlike the lock-free `AssumeSingleThreaded`.
#[cfg(feature = "small-alloc")]
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> = lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());
