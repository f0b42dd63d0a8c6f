// A same-origin proxy for browser dashboards, as a `(request: Request) => Promise<Response>` handler for any
// fetch-style server (Workers, Deno, Bun, Node's Request/Response). The WebAssembly core decides whether the
// request comes from another site and which upstream request it becomes (allow list, id checks, the query
// rebuilt, credentials swapped); this layer only reads headers and moves requests and responses.

import * as core from "./gosquared_chat.js";
import { toError } from "./errors.js";

/** The largest request body forwarded (a 100,000-character message is at most 400 KB of UTF-8). */
const MAX_BODY_BYTES = 1024 * 1024;
/** Upstream headers handed back to the browser; everything else (cookies included) is dropped. */
const PASSED_BACK = ["content-type", "retry-after", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-cost", "x-ratelimit-full"];
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

function refusal(status, code, message) {
  return new Response(JSON.stringify({ code, message }), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  });
}

/**
 * Creates the proxy handler.
 * @param {object} options `{ apiKey, siteToken, allow, authorize, baseUrl?, prefix?, allowedOrigins?, fetch? }`:
 *   `allow` lists the `ChatClient` methods the browser may use (e.g. `["listChats", "getFeed"]`);
 *   `authorize(request)` must resolve to `true` for a request to go through; `prefix` is where the proxy is
 *   mounted (`/api/chat`); `allowedOrigins` lists other origins whose pages may use it (a request's own origin
 *   always may).
 */
export function createProxy(options) {
  let config;
  try {
    config = core.normalizeProxyConfig(options);
  } catch (error) {
    throw toError(error);
  }
  const { authorize, fetch: injectedFetch } = options;

  return async function proxy(request) {
    let decision;
    try {
      const url = new URL(request.url);
      const h = request.headers;
      decision = core.proxyDecide(
        config, request.method, url.pathname, url.search, url.origin,
        h.get("origin"), h.get("sec-fetch-site"), h.get("content-type"), h.get("content-length"),
      );
    } catch {
      return refusal(400, "proxy_bad_request", "The request could not be read");
    }
    // Another site's page is refused before authorize is asked: its cookies prove nothing.
    if (!decision.forward && decision.beforeAuthorize) return refusal(decision.status, decision.code, decision.message);

    let allowed = false;
    try {
      allowed = (await authorize(request)) === true;
    } catch {
      allowed = false;
    }
    if (!allowed) return refusal(401, "proxy_unauthorized", "This request is not authorised to use the chat proxy");
    if (!decision.forward) return refusal(decision.status, decision.code, decision.message);

    let body;
    if (decision.body) {
      body = await request.text();
      if (new TextEncoder().encode(body).length > MAX_BODY_BYTES) {
        return refusal(413, "proxy_body_too_large", `The request body is larger than ${MAX_BODY_BYTES} bytes`);
      }
    }
    const headers = { accept: "application/json" };
    if (body) headers["content-type"] = "application/json";

    let upstream;
    let text;
    try {
      const send = injectedFetch ?? globalThis.fetch;
      upstream = await send(decision.url, { method: decision.method, headers, body: body || undefined, signal: request.signal });
      text = await upstream.text();
    } catch {
      // The error may name the upstream URL, which holds the key: say nothing of it.
      return refusal(502, "proxy_upstream_unreachable", "The GoSquared API could not be reached");
    }
    const out = new Headers({ "cache-control": "no-store" });
    for (const name of PASSED_BACK) {
      const value = upstream.headers.get(name);
      if (value !== null) out.set(name, value);
    }
    const safe = NULL_BODY_STATUSES.has(upstream.status) ? null : core.proxyRedact(config, text);
    return new Response(safe, { status: upstream.status, headers: out });
  };
}
