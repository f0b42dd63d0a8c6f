// Server-side helpers for webhooks and Secure Mode. The checks themselves run in the WebAssembly core; this
// layer only picks the URL out of a request and turns failures into the package's error classes.

import { edge } from "./wasm.js";

/**
 * Checks a `chat_message` webhook body (the raw JSON text, or the object already parsed) and returns the
 * payload `{ message, person, version }` with every field kept. Throws `InvalidRequestError` naming the first
 * bad field, or an unsupported major `version`.
 */
export function parseChatMessageWebhook(body) {
  return edge.parseChatMessageWebhook(body);
}

/**
 * Whether a webhook request carries your secret in its URL query (`?secret=…`, or the parameter named by
 * `options.param`), compared in constant time. `request` is a `Request`, a `URL` or a URL string.
 */
export function verifyWebhookSecret(request, secret, options = {}) {
  const url = typeof request === "string" ? request : request?.href ?? request?.url;
  return edge.verifyWebhookSecretInUrl(url, secret, options?.param);
}

/** The Secure Mode signature of a person: lowercase hex HMAC-SHA256 of `personId` keyed with your project secret. */
export function personSignature(secret, personId) {
  return edge.personSignature(secret, personId);
}
