// The proxy for Node's `http` server, Express and Fastify (and Bun's and Deno's `node:http`): a
// `(req, res, next?)` handler around the same fetch-style proxy. It builds a `Request` from what came in (the
// Host, Origin and Sec-Fetch-Site headers kept as sent, the body as a stream read only as the proxy asks for
// it), and writes the `Response` back, waiting for the socket to drain and stopping when the client goes
// away (which aborts the upstream call). What is served, and how, is decided by the core, as for
// `createProxy`; this layer only moves headers and bytes.

import { edge as core } from "./wasm.js";
import { proxyWith } from "./proxy.js";

/** The headers the core reads to refuse another site's page; a runtime's `Request` must keep them. */
const CHECKED = ["origin", "sec-fetch-site", "content-type", "content-length"];

function refusal(res, status, code, message) {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "x-content-type-options": "nosniff" });
  res.end(JSON.stringify({ code, message }));
}

/**
 * The incoming body as a byte stream that reads from `req` only when pulled, pausing `req` when the stream's
 * queue is full. Cancelled (the proxy refused a body too large or too slow), it stops queueing and lets the
 * rest of the body be read and dropped, so that the answer can still be sent on the connection.
 */
function bodyOf(req) {
  let started = false;
  let stopped = false;
  let onData;
  let onEnd;
  let onError;
  const detach = () => {
    req.off("data", onData);
    req.off("end", onEnd);
    req.off("error", onError);
  };
  return new ReadableStream({
    pull(controller) {
      if (!started) {
        started = true;
        onData = (chunk) => {
          if (stopped) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if (controller.desiredSize <= 0) req.pause();
        };
        onEnd = () => {
          if (stopped) return;
          stopped = true;
          detach();
          controller.close();
        };
        onError = (error) => {
          if (stopped) return;
          stopped = true;
          detach();
          controller.error(error);
        };
        req.on("data", onData);
        req.on("end", onEnd);
        req.on("error", onError);
      }
      req.resume();
    },
    cancel() {
      stopped = true;
      if (started) detach();
      req.on("error", () => {});
      req.resume();
    },
  }, { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength });
}

/** Resolves once `res` can take more (`drain`) or is gone (`close`); true when it is gone. */
function drained(res) {
  return new Promise((resolve) => {
    const done = (gone) => () => {
      res.off("drain", onDrain);
      res.off("close", onClose);
      resolve(gone);
    };
    const onDrain = done(false);
    const onClose = done(true);
    res.on("drain", onDrain);
    res.on("close", onClose);
  });
}

/** Writes the proxy's answer to `res`, chunk by chunk, as fast as the client reads it. */
async function send(response, res) {
  const headers = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  res.writeHead(response.status, headers);
  if (response.body === null) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  try {
    for (;;) {
      if (res.destroyed) return;
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value) && (await drained(res))) return;
    }
    res.end();
  } finally {
    reader.cancel().catch(() => {});
  }
}

/**
 * Creates the proxy as a Node `http` handler: `http.createServer(handler)`, `app.use(handler)` in Express, or
 * `fastify.use(handler)` with `@fastify/middie`. Same options as `createProxy`. Called with `next` (as a
 * middleware), it hands on every request outside its mount (`prefix`) and answers the rest itself.
 */
export function createNodeProxy(options) {
  const config = core.normalizeProxyConfig(options);
  const proxy = proxyWith(config, options);

  return async function nodeProxy(req, res, next) {
    let request;
    const controller = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) controller.abort();
    };
    try {
      // Express and middie strip the mount from `req.url`; `originalUrl` keeps what the browser asked for.
      const target = typeof req.originalUrl === "string" ? req.originalUrl : req.url;
      const host = req.headers.host;
      if (typeof target !== "string" || !target.startsWith("/") || typeof host !== "string" || host === "") {
        return refusal(res, 400, "proxy_bad_request", "The request could not be read");
      }
      const url = new URL(`${req.socket?.encrypted ? "https" : "http"}://${host}${target}`);
      if (typeof next === "function" && !core.proxyServes(config, url.pathname)) return next();

      const headers = new Headers();
      const raw = req.rawHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
      const method = req.method;
      const init = { method, headers, signal: controller.signal };
      if (method !== "GET" && method !== "HEAD") {
        init.body = bodyOf(req);
        init.duplex = "half";
      }
      request = new Request(url, init);
      // A runtime that drops a header the cross-site check reads would let another site's page through.
      if (CHECKED.some((name) => request.headers.get(name) !== headers.get(name))) {
        return refusal(res, 500, "proxy_bad_runtime", "This runtime's Request drops the headers the proxy checks");
      }
    } catch {
      return refusal(res, 400, "proxy_bad_request", "The request could not be read");
    }
    res.on("close", onClose);
    try {
      await send(await proxy(request), res);
    } catch {
      if (!res.headersSent) refusal(res, 502, "proxy_upstream_unreachable", "The GoSquared API could not be reached");
      else res.destroy();
    } finally {
      res.off("close", onClose);
    }
  };
}
