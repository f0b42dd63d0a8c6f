//! The Cloudflare Workers transport: workers-rs `worker::Fetch`, with a timer and an `AbortController`.

use super::timer::{self, race, AbortGuard, Either};
use super::transport::{HttpRequest, HttpResponse, LocalFuture, Transport, TransportError, TransportFailure, ANSWER_HEADERS};
use std::time::Duration;
use wasm_bindgen::JsValue;
use worker::{AbortSignal, Fetch, Headers, Method, Request, RequestInit};

/// Sends with workers-rs [`worker::Fetch`], for a Worker written in Rust. Each attempt has its own
/// `AbortController`: the timeout aborts it, and so does dropping the call's future.
///
/// ```no_run
/// # async fn demo(env: worker::Env) -> Result<(), Box<dyn std::error::Error>> {
/// use gosquared_chat::typed::{ChatClient, WorkersTransport};
///
/// let client = ChatClient::builder()
///     .api_key(env.secret("GOSQUARED_API_KEY")?.to_string())
///     .site_token(env.var("GOSQUARED_SITE_TOKEN")?.to_string())
///     .build(WorkersTransport::new())?;
/// client.add_note("email:ada@example.com", "Invoice paid").await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct WorkersTransport {
    _private: (),
}

impl WorkersTransport {
    /// The transport (it holds no state: each request has its own controller and timer).
    pub fn new() -> Self {
        WorkersTransport { _private: () }
    }
}

impl Transport for WorkersTransport {
    fn send(&self, request: HttpRequest) -> LocalFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(send(request))
    }

    fn sleep(&self, delay: Duration) -> LocalFuture<'_, ()> {
        Box::pin(timer::sleep(delay))
    }
}

fn failed(failure: TransportFailure, e: &worker::Error) -> TransportError {
    TransportError::new(failure, "Error", crate::error::truncate(&e.to_string(), 200))
}

async fn send(request: HttpRequest) -> Result<HttpResponse, TransportError> {
    let mut guard = AbortGuard::new()?;
    let headers = Headers::new();
    for (name, value) in &request.headers {
        headers.set(name, value).map_err(|e| failed(TransportFailure::Send, &e))?;
    }
    let mut init = RequestInit::new();
    init.with_method(match request.method {
        "POST" => Method::Post,
        "DELETE" => Method::Delete,
        _ => Method::Get,
    })
    .with_headers(headers)
    .with_body(request.body.as_deref().map(JsValue::from_str));
    let outgoing = Request::new_with_init(&request.url, &init).map_err(|e| failed(TransportFailure::Send, &e))?;
    let signal = guard.signal().map(AbortSignal::from);
    let exchange = async move {
        let fetch = Fetch::Request(outgoing);
        let sent = match &signal {
            Some(signal) => fetch.send_with_signal(signal).await,
            None => fetch.send().await,
        };
        let mut response = sent.map_err(|e| failed(TransportFailure::Send, &e))?;
        let found = response.headers();
        let headers = ANSWER_HEADERS.iter().filter_map(|name| found.get(name).ok().flatten().map(|value| ((*name).to_owned(), value))).collect();
        let status = response.status_code();
        let body = response.text().await.map_err(|e| failed(TransportFailure::Read, &e))?;
        Ok(HttpResponse { status, headers, body })
    };
    match race(exchange, timer::sleep(request.timeout)).await {
        Either::Left(result) => {
            guard.finish();
            result
        }
        // The guard aborts the request as it drops.
        Either::Right(()) => Err(TransportError::timed_out()),
    }
}
