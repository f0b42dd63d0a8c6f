//! The edge toolkit: `chat_message` webhooks and their URL secret, Secure Mode signatures, and the key-safe
//! proxy's decisions and its search for the key in what it passes back.

pub mod key_scan;
pub mod proxy;
pub mod signature;
pub mod webhook;
