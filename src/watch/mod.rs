//! The live inbox (`client.watch()`): which requests to send next, which feed items are new, the resumable
//! cursor, and how long to pause between polls. All of it is a pure state machine, tested natively; the
//! wasm wrapper reads the facts it needs out of JS bodies and `js/watch.js` does the I/O.

pub mod cursor;
pub mod machine;
pub mod pace;
