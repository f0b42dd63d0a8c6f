//! A typed Rust API on the same core as the npm package, for Rust code that talks to GoSquared Live Chat:
//! a Cloudflare Worker written with workers-rs, a Rust web app in the browser, a Rust service.
//!
//! The JS client and this one share everything that decides: the endpoint table
//! ([`crate::endpoints`]), the argument checks ([`crate::endpoints`]), and the call machine
//! ([`crate::call::machine::Call`]) with its retry policy, timeouts, pagination guard, error classes and key
//! redaction. Only the I/O differs: here a [`Transport`] sends, and serde reads the bodies into
//! [`Chat`], [`Message`], [`FeedItem`] and [`Webhook`], each keeping the fields it does not name.
//!
//! Features (all off by default; the npm package is built without them):
//! - `typed`: this module, with no transport (bring your own [`Transport`]);
//! - `gloo`: `GlooTransport`, the global `fetch` through gloo-net (browsers, Node, Deno, Bun, workers);
//! - `workers`: `WorkersTransport`, `worker::Fetch` for Cloudflare Workers.
//!
//! ```no_run
//! # #[cfg(feature = "gloo")]
//! # async fn demo() -> Result<(), gosquared_chat::typed::Error> {
//! use gosquared_chat::typed::{ChatClient, ErrorKind, GlooTransport, ListParams};
//!
//! let client = ChatClient::builder().api_key("your-api-key").site_token("GSN-123456-A").build(GlooTransport::new())?;
//! let mut chats = client.list_chats(ListParams::default()).await?.into_stream();
//! while let Some(chat) = chats.next().await {
//!     let chat = chat?;
//!     if chat.unread.unwrap_or(0) > 0 {
//!         match client.add_note(&chat.id, "Follow up today").await {
//!             Ok(_) => {}
//!             Err(e) if e.may_have_succeeded() => eprintln!("note may have been added: {e}"),
//!             Err(e) if e.kind() == ErrorKind::RateLimit => eprintln!("slow down for {:?}", e.retry_after()),
//!             Err(e) => return Err(e),
//!         }
//!     }
//! }
//! # Ok(()) }
//! ```

mod body;
mod client;
mod edge;
mod error;
mod models;
mod page;
mod transport;

#[cfg(feature = "gloo")]
mod gloo;
#[cfg(any(feature = "gloo", feature = "workers"))]
mod timer;
#[cfg(feature = "workers")]
mod workers;

pub use client::{CallOptions, ChatClient, ClientBuilder, NewMessage, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT};
pub use edge::{parse_chat_message_webhook, person_signature, verify_webhook_secret, verify_webhook_secret_in, ChatMessageWebhook, WebhookMessage, WebhookPerson};
pub use error::Error;
#[cfg(feature = "gloo")]
pub use gloo::GlooTransport;
pub use models::{Agent, Chat, Event, Extra, FeedItem, LastRead, Latest, Message, Person, Webhook, WebhookId};
pub use page::{Items, Page, Pages};
pub use transport::{HttpRequest, HttpResponse, LocalFuture, Transport, TransportError, TransportFailure, ANSWER_HEADERS};
#[cfg(feature = "workers")]
pub use workers::WorkersTransport;

pub use crate::endpoints::ListParams;
pub use crate::error::{ApiCode, ErrorKind};
pub use crate::call::RateLimit;
pub use crate::endpoints::Sender;
pub use crate::webhook::{NewWebhook, TriggerValue};

#[cfg(test)]
mod tests;
