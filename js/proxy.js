// A same-origin proxy for browser dashboards, as a `(request: Request) => Promise<Response>` handler for any
// fetch-style server (Workers, Deno, Bun, Node's Request/Response). The WebAssembly core makes every decision:
// whether the request comes from another site, which upstream request it becomes (allow list, ids, the query
// rebuilt, credentials swapped) and what the browser is answered (JSON only, the key redacted). This layer only
// reads headers, moves bodies and keeps time.

import { edge as core } from "./wasm.js";

/** Upstream headers handed back to the browser, once the core has checked them; everything else is dropped. */
const PASSED_BACK = ["retry-after", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-cost", "x-ratelimit-full"];
const TIMED_OUT = Symbol("timed out");

/** Every answer of the proxy, refusals included: JSON when there is a body, never sniffed, never cached. */
function answer(status, body, headers = []) {
  const out = new Headers({ "cache-control": "no-store", "x-content-type-options": "nosniff" });
  if (body !== null) out.set("content-type", "application/json; charset=utf-8");
  for (let i = 0; i + 1 < headers.length; i += 2) out.set(headers[i], headers[i + 1]);
  return new Response(body, { status, headers: out });
}

function refusal(status, code, message) {
  return answer(status, JSON.stringify({ code, message }));
}

/** Cancels a body reader without waiting, whatever the stream does with it. */
function cancel(reader) {
  try {
    reader.cancel().catch(() => {});
  } catch {}
}

/**
 * Reads the browser's body as a stream: stops and cancels at `limit` bytes (413) or after `timeoutMs` (408),
 * so that neither a huge nor a slow body is buffered. Resolves to `{ text }` or `{ refusal: Response }`.
 */
async function readBody(request, limit, timeoutMs) {
  const unreadable = () => ({ refusal: refusal(400, "proxy_bad_body", "The request body could not be read as UTF-8 text") });
  let reader;
  try {
    if (request.body === null || request.body === undefined) return { text: "" };
    reader = request.body.getReader();
  } catch {
    return unreadable();
  }
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
  });
  const chunks = [];
  let size = 0;
  try {
    for (;;) {
      const step = await Promise.race([reader.read(), timeout]);
      if (step === TIMED_OUT) {
        cancel(reader);
        return { refusal: refusal(408, "proxy_body_timeout", `The request body did not arrive within ${timeoutMs} ms`) };
      }
      if (step.done) break;
      const chunk = step.value;
      if (!ArrayBuffer.isView(chunk)) {
        cancel(reader);
        return unreadable();
      }
      size += chunk.byteLength;
      if (size > limit) {
        cancel(reader);
        const { status, code, message } = core.proxyBodyTooLarge();
        return { refusal: refusal(status, code, message) };
      }
      chunks.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    }
  } catch {
    cancel(reader);
    return unreadable();
  } finally {
    clearTimeout(timer);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    return unreadable();
  }
}

/** The incoming request's signal, when it has a usable one (a client that went away stops the upstream call). */
function signalOf(request) {
  try {
    const signal = request.signal;
    return signal && typeof signal.addEventListener === "function" ? signal : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Sends the upstream request without following redirects, within `timeoutMs` (the answer's body included),
 * and turns the answer into the browser's through the core. The timer is always cleared.
 */
async function forward(config, decision, body, request, send) {
  const controller = new AbortController();
  let stop;
  // Rejects when the call is stopped, so that a fetch or body that ignores the abort cannot hold the proxy.
  const stopped = new Promise((_, reject) => (stop = reject));
  stopped.catch(() => {});
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
    stop();
  }, config.timeoutMs);
  const signal = signalOf(request);
  const onAbort = () => {
    controller.abort();
    stop();
  };
  try {
    if (signal !== undefined) {
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort);
    }
    const headers = { accept: "application/json" };
    const init = { method: decision.method, headers, signal: controller.signal, redirect: "manual" };
    if (body !== undefined) {
      headers["content-type"] = "application/json";
      init.body = body;
    }
    const upstream = await Promise.race([send(decision.url, init), stopped]);
    const passed = [];
    for (const name of PASSED_BACK) {
      const value = upstream.headers.get(name);
      if (value !== null) passed.push(name, value);
    }
    const contentType = upstream.headers.get("content-type");
    const text = await Promise.race([upstream.text(), stopped]);
    const out = core.proxyAnswer(config, upstream.status, contentType, text, passed);
    return answer(out.status, out.body, out.headers);
  } catch {
    // The error may name the upstream URL, which holds the key: say nothing of it.
    if (timedOut) return refusal(504, "proxy_upstream_timeout", "The GoSquared API did not answer in time");
    return refusal(502, "proxy_upstream_unreachable", "The GoSquared API could not be reached");
  } finally {
    clearTimeout(timer);
    if (signal !== undefined) {
      try {
        signal.removeEventListener("abort", onAbort);
      } catch {}
    }
  }
}

/**
 * Creates the proxy handler.
 * @param {object} options `{ apiKey, siteToken, allow, authorize, baseUrl?, prefix?, allowedOrigins?, timeoutMs?,
 *   bodyTimeoutMs?, fetch? }`: `allow` lists the `ChatClient` methods the browser may use (e.g.
 *   `["listChats", "getFeed"]`); `authorize(request)` is handed a clone of the request and must resolve to
 *   `true` for it to go through; `prefix` is where the proxy is mounted (`/api/chat`); `allowedOrigins` lists
 *   other origins whose pages may use it (a request's own origin always may).
 */
export function createProxy(options) {
  return proxyWith(core.normalizeProxyConfig(options), options);
}

/** The handler of a configuration the core has checked (`createProxy`, and the Node adapter). */
export function proxyWith(config, options) {
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
      // A clone, so that an authorize that reads the body leaves it for forwarding.
      allowed = (await authorize(request.clone())) === true;
    } catch {
      allowed = false;
    }
    if (!allowed) return refusal(401, "proxy_unauthorized", "This request is not authorised to use the chat proxy");
    if (!decision.forward) return refusal(decision.status, decision.code, decision.message);

    let body;
    if (decision.body) {
      const read = await readBody(request, config.maxBodyBytes, config.bodyTimeoutMs);
      if (read.refusal !== undefined) return read.refusal;
      body = read.text;
    }
    return forward(config, decision, body, request, injectedFetch ?? globalThis.fetch);
  };
}
