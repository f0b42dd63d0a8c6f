//! The edge toolkit: `chat_message` webhooks and their URL secret, Secure Mode signatures, and the key-safe
//! proxy's routing decision.

pub mod proxy;
pub mod signature;
pub mod webhook;
