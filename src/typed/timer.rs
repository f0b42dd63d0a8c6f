//! What both JS transports share: a `setTimeout` future, a race between two futures, an `AbortController`
//! that aborts when dropped, and what a thrown JS value says.

use super::transport::{TransportError, TransportFailure};
use js_sys::{Function, Promise, Reflect};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    // The global timer functions: present in browsers, workers, Node, Deno, Bun and workerd. The handle is a
    // number in browsers and an object in Node, so it stays a JsValue.
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: f64) -> JsValue;

    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(handle: &JsValue);
}

/// Resolves after a delay; dropping it clears the timer.
pub(crate) struct Sleep {
    future: JsFuture,
    handle: JsValue,
    done: bool,
}

/// A future that resolves after `delay` (at most about 24.8 days, `setTimeout`'s limit).
pub(crate) fn sleep(delay: Duration) -> Sleep {
    let ms = delay.as_millis().min(2_147_483_647) as f64;
    let mut handle = JsValue::UNDEFINED;
    let promise = Promise::new(&mut |resolve, _reject| handle = set_timeout(&resolve, ms));
    Sleep { future: JsFuture::from(promise), handle, done: false }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match Pin::new(&mut self.future).poll(cx) {
            Poll::Ready(_) => {
                self.done = true;
                Poll::Ready(())
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if !self.done {
            clear_timeout(&self.handle);
        }
    }
}

/// Which of two raced futures finished first.
pub(crate) enum Either<A, B> {
    /// The first.
    Left(A),
    /// The second.
    Right(B),
}

/// Polls both futures and returns the first result; the other is dropped.
pub(crate) async fn race<A: Future, B: Future>(a: A, b: B) -> Either<A::Output, B::Output> {
    let mut a = std::pin::pin!(a);
    let mut b = std::pin::pin!(b);
    std::future::poll_fn(|cx| {
        if let Poll::Ready(v) = a.as_mut().poll(cx) {
            return Poll::Ready(Either::Left(v));
        }
        if let Poll::Ready(v) = b.as_mut().poll(cx) {
            return Poll::Ready(Either::Right(v));
        }
        Poll::Pending
    })
    .await
}

/// One attempt's `AbortController`: dropping the guard aborts the request unless [`AbortGuard::finish`]
/// was called, so a timed-out or cancelled (dropped) attempt never leaves a request running.
pub(crate) struct AbortGuard(Option<web_sys::AbortController>);

impl AbortGuard {
    pub(crate) fn new() -> Result<AbortGuard, TransportError> {
        web_sys::AbortController::new().map(|c| AbortGuard(Some(c))).map_err(|e| thrown(TransportFailure::Send, &e))
    }

    pub(crate) fn signal(&self) -> Option<web_sys::AbortSignal> {
        self.0.as_ref().map(web_sys::AbortController::signal)
    }

    /// The attempt is over: nothing to abort.
    pub(crate) fn finish(&mut self) {
        self.0 = None;
    }
}

impl Drop for AbortGuard {
    fn drop(&mut self) {
        if let Some(controller) = self.0.take() {
            controller.abort();
        }
    }
}

/// What a thrown JS value says, with up to three of its causes, as `(name, message)`.
pub(crate) fn thrown(failure: TransportFailure, value: &JsValue) -> TransportError {
    let mut causes = Vec::new();
    let mut current = value.clone();
    while causes.len() < 3 && current.is_object() {
        let text = |key: &str| Reflect::get(&current, &JsValue::from_str(key)).ok().and_then(|v| v.as_string());
        let Some(message) = text("message") else { break };
        causes.push((text("name").unwrap_or_else(|| "Error".to_owned()), crate::error::truncate(&message, 200)));
        current = Reflect::get(&current, &JsValue::from_str("cause")).unwrap_or(JsValue::UNDEFINED);
    }
    if causes.is_empty() {
        causes.push(("Error".to_owned(), value.as_string().map_or_else(|| "unknown error".to_owned(), |s| crate::error::truncate(&s, 200))));
    }
    TransportError { failure, causes }
}
