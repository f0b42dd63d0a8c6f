//! A Cloudflare Worker in Rust (workers-rs) for failed payments, on the typed API:
//!
//!   POST /payments/webhook?secret=…   a payment provider's `invoice.payment_failed` event (Stripe's shape):
//!                                     message the customer in GoSquared chat and leave a note for the team.
//!
//! Environment: GOSQUARED_API_KEY, GOSQUARED_SITE_TOKEN, PAYMENT_WEBHOOK_SECRET, and optionally
//! GOSQUARED_BASE_URL (the emulator, in development). Built by `examples/worker-rust/build.sh` with cargo and
//! wasm-bindgen (no worker-build), run by `harness.mjs` in Miniflare.

use gosquared_chat::typed::{verify_webhook_secret, ChatClient, ErrorKind, WorkersTransport};
use serde::Deserialize;
use serde_json::json;
use worker::{event, Context, Env, Method, Request, Response, Result};

/// Every note this Worker leaves starts with this, which is how the team (and a later run) recognises it.
const NOTE_PREFIX: &str = "Payment failed:";

/// The parts of the provider's event this Worker reads (serde ignores the rest).
#[derive(Deserialize)]
struct BillingEvent {
    #[serde(default)]
    id: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    data: Option<EventData>,
}

#[derive(Deserialize)]
struct EventData {
    object: Invoice,
}

#[derive(Deserialize)]
struct Invoice {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    customer_email: Option<String>,
    #[serde(default)]
    amount_due: Option<i64>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    attempt_count: Option<u32>,
    #[serde(default)]
    hosted_invoice_url: Option<String>,
    #[serde(default)]
    metadata: serde_json::Map<String, serde_json::Value>,
}

impl Invoice {
    /// The GoSquared person id of the invoice's customer: set in the invoice metadata, or their email.
    fn person_id(&self) -> Option<String> {
        let from_metadata = self.metadata.get("gosquared_person_id").and_then(|v| v.as_str()).filter(|s| !s.is_empty());
        from_metadata.map(str::to_owned).or_else(|| self.customer_email.as_deref().filter(|e| !e.is_empty()).map(|e| format!("email:{e}")))
    }
}

fn reply(status: u16, body: serde_json::Value) -> Result<Response> {
    Ok(Response::from_json(&body)?.with_status(status))
}

fn money(minor: i64, currency: Option<&str>) -> String {
    let code = currency.unwrap_or("usd").to_ascii_uppercase();
    format!("{}.{:02} {code}", minor / 100, (minor % 100).abs())
}

fn chat_client(env: &Env) -> std::result::Result<ChatClient<WorkersTransport>, Box<dyn std::error::Error>> {
    let mut builder = ChatClient::builder().api_key(env.secret("GOSQUARED_API_KEY")?.to_string()).site_token(env.var("GOSQUARED_SITE_TOKEN")?.to_string());
    if let Ok(base_url) = env.var("GOSQUARED_BASE_URL") {
        builder = builder.base_url(base_url.to_string());
    }
    Ok(builder.build(WorkersTransport::new())?)
}

async fn payment_failed(mut req: Request, env: Env) -> Result<Response> {
    let secret = env.secret("PAYMENT_WEBHOOK_SECRET")?.to_string();
    if !verify_webhook_secret(req.url()?.as_str(), &secret).map_err(|e| worker::Error::RustError(e.to_string()))? {
        return reply(401, json!({ "error": "bad secret" }));
    }
    let Ok(event) = req.json::<BillingEvent>().await else {
        return reply(400, json!({ "error": "the body is not a billing event" }));
    };
    if event.kind != "invoice.payment_failed" {
        return reply(200, json!({ "ignored": event.kind }));
    }
    let Some(invoice) = event.data.map(|d| d.object) else {
        return reply(422, json!({ "error": "the event has no invoice" }));
    };
    let (Some(chat_id), Some(amount_due)) = (invoice.person_id(), invoice.amount_due) else {
        return reply(422, json!({ "error": "the invoice names no customer or amount" }));
    };
    let amount = money(amount_due, invoice.currency.as_deref());
    let link = invoice.hosted_invoice_url.as_deref().map(|url| format!(" You can update your card here: {url}")).unwrap_or_default();
    let chat = chat_client(&env).map_err(|e| worker::Error::RustError(e.to_string()))?;

    let message = match chat.send_message(&chat_id, format!("Hi! Your payment of {amount} didn't go through.{link} Just reply here if you need a hand.")).await {
        Ok(message) => message,
        // No conversation with this customer yet: nothing to do, and a retry would not change that.
        Err(e) if e.kind() == ErrorKind::NotFound => return reply(200, json!({ "chatId": chat_id, "skipped": "GoSquared has no chat with this customer" })),
        // A message that may have gone out must not be sent again by the provider's retry: answer 2xx then.
        Err(e) => return reply(if e.may_have_succeeded() { 202 } else { 503 }, json!({ "error": e.name(), "message": e.message() })),
    };
    let content = format!(
        "{NOTE_PREFIX} invoice {}, {amount}, attempt {} (event {}).",
        invoice.id.as_deref().unwrap_or("?"),
        invoice.attempt_count.unwrap_or(1),
        event.id.as_deref().unwrap_or("?")
    );
    // The message went out, so a retry would repeat it: a failed note is reported, not failed on.
    let note = match chat.add_note(&chat_id, &content).await {
        Ok(_) => "added".to_owned(),
        Err(e) => format!("failed: {e}"),
    };
    reply(200, json!({ "chatId": chat_id, "messageId": message.id, "note": note }))
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    match (req.method(), req.path().as_str()) {
        (Method::Post, "/payments/webhook") => payment_failed(req, env).await,
        _ => reply(404, json!({ "error": "not found" })),
    }
}
