//! The browser transport: the global `fetch` through gloo-net, with a timer and an `AbortController`.

use super::timer::{self, race, AbortGuard, Either};
use super::transport::{HttpRequest, HttpResponse, LocalFuture, Transport, TransportError, TransportFailure, ANSWER_HEADERS};
use gloo_net::http::{Method, RequestBuilder};
use std::time::Duration;

/// Sends with gloo-net, which calls the global `fetch`: it works in browser pages and workers, Node ≥ 18,
/// Deno, Bun and workerd. Each attempt has its own `AbortController`: the timeout aborts it, and so does
/// dropping the call's future.
///
/// ```no_run
/// # async fn demo() -> Result<(), gosquared_chat::typed::Error> {
/// use gosquared_chat::typed::{ChatClient, GlooTransport};
///
/// // In a page served with the package's `createProxy` at /api/chat: no key in the browser.
/// let client = ChatClient::builder().site_token("GSN-123456-A").base_url("/api/chat").build(GlooTransport::new())?;
/// let chat = client.get_chat("email:ada@example.com").await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct GlooTransport {
    _private: (),
}

impl GlooTransport {
    /// The transport (it holds no state: each request has its own controller and timer).
    pub fn new() -> Self {
        GlooTransport { _private: () }
    }
}

impl Transport for GlooTransport {
    fn send(&self, request: HttpRequest) -> LocalFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(send(request))
    }

    fn sleep(&self, delay: Duration) -> LocalFuture<'_, ()> {
        Box::pin(timer::sleep(delay))
    }
}

fn failed(failure: TransportFailure, e: gloo_net::Error) -> TransportError {
    match e {
        gloo_net::Error::JsError(js) => TransportError::new(failure, js.name, crate::error::truncate(&js.message, 200)),
        other => TransportError::new(failure, "Error", crate::error::truncate(&other.to_string(), 200)),
    }
}

async fn send(request: HttpRequest) -> Result<HttpResponse, TransportError> {
    let mut guard = AbortGuard::new()?;
    let method = match request.method {
        "POST" => Method::POST,
        "DELETE" => Method::DELETE,
        _ => Method::GET,
    };
    let signal = guard.signal();
    let mut builder = RequestBuilder::new(&request.url).method(method).abort_signal(signal.as_ref());
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    let built = match request.body {
        Some(body) => builder.body(body),
        None => builder.build(),
    }
    .map_err(|e| failed(TransportFailure::Send, e))?;
    let exchange = async move {
        let response = built.send().await.map_err(|e| failed(TransportFailure::Send, e))?;
        let found = response.headers();
        let headers = ANSWER_HEADERS.iter().filter_map(|name| found.get(name).map(|value| ((*name).to_owned(), value))).collect();
        let status = response.status();
        let body = response.text().await.map_err(|e| failed(TransportFailure::Read, e))?;
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
