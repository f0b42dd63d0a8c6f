// Local, deterministic stand-in for the GoSquared Live Chat API
// (https://api.gosquared.com/chat/v1/...). Zero dependencies: node built-ins only.
//
//   import { startEmulator } from './emulator/server.js';
//   const emu = await startEmulator({ seed: '3:5' });
//   await fetch(`${emu.url}/chat/v1/chats?api_key=demo_key&site_token=GSN-000000-A`);
//   await emu.close();
//
// See README.md in this folder for routes, shapes and fault injection.

import http from 'node:http';
import { performance } from 'node:perf_hooks';

import { ApiError, CODES, ChatStore, parseSeed } from './store.js';
import { page, parsePaging, parseRange } from './params.js';
import { RateLimiter, normalizeRateLimit } from './ratelimit.js';
import { FaultQueue, defaultFaultBody, htmlErrorPage } from './faults.js';
import { WebhookRegistry } from './webhooks.js';
import { customerMessage } from './customers.js';

export { ChatStore, ApiError } from './store.js';
export { customerMessage, startCustomers } from './customers.js';

export const DEFAULT_API_KEY = 'demo_key';
export const DEFAULT_SITE_TOKEN = 'GSN-000000-A';

const JSON_TYPE = 'application/json; charset=utf-8';
const HTML_TYPE = 'text/html; charset=utf-8';
const EXPOSED_HEADERS = 'X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Cost, X-RateLimit-Full, Retry-After';
const ALLOWED_HEADERS = 'content-type, authorization, accept';
const API_METHODS = 'GET, POST, DELETE, OPTIONS';
const CONTROL_PREFIX = '/__emulator';
/** Host names every emulator answers to (the port is not compared). */
const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];
const MAX_BODY_BYTES = 5 * 1024 * 1024;

// ---------------------------------------------------------------------------
// Small response helpers. A "response" is { status, headers, body } where body
// is a string (or null for no body); it is only written out by send().

function jsonResponse(status, payload, headers = {}) {
  return { status, headers: { ...headers, 'content-type': JSON_TYPE }, body: JSON.stringify(payload) };
}

function errorResponse(err, headers = {}) {
  return jsonResponse(err.status, { code: err.code, message: err.message }, headers);
}

function noContent(headers = {}) {
  return { status: 204, headers: { ...headers }, body: null };
}

function unknownRoute(method, rawPath) {
  return new ApiError(404, CODES.NOT_FOUND, `Unknown route: ${method} ${rawPath}`);
}

/** Splits the raw request target into path and query, without normalising it. */
function splitTarget(target) {
  let t = target || '/';
  if (!t.startsWith('/')) {
    // absolute-form ("http://host/path?q") as sent to proxies, or "*"
    const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(.*)$/i.exec(t);
    t = m ? (m[1] || '/') : `/${t}`;
  }
  const hash = t.indexOf('#');
  if (hash !== -1) t = t.slice(0, hash);
  const q = t.indexOf('?');
  return q === -1 ? { rawPath: t, rawQuery: '' } : { rawPath: t.slice(0, q), rawQuery: t.slice(q + 1) };
}

/** Decoded query params as a plain object (a repeated name keeps its last value). */
function queryObject(rawQuery) {
  const out = {};
  for (const [k, v] of new URLSearchParams(rawQuery)) out[k] = v;
  return out;
}

/** Decodes each path segment once; null when some segment is not valid percent-encoding. */
function decodePath(rawPath) {
  try {
    return rawPath.split('/').map((s) => decodeURIComponent(s)).join('/');
  } catch {
    return null;
  }
}

function decodeChatId(rawSegment) {
  try {
    return decodeURIComponent(rawSegment);
  } catch {
    throw new ApiError(400, 4004, 'Error 4004: chat id is not valid percent-encoding');
  }
}

function isChatApiPath(rawPath) {
  return rawPath === '/chat/v1' || rawPath.startsWith('/chat/v1/');
}

function isControlPath(rawPath) {
  return rawPath === CONTROL_PREFIX || rawPath.startsWith(`${CONTROL_PREFIX}/`);
}

/** Parses a JSON request body that must be an object; empty means {}. */
function parseObjectBody(raw) {
  if (raw === null || raw.trim() === '') return {};
  let value;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ApiError(400, 4003, 'Error 4003: request body is not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ApiError(400, 4003, 'Error 4003: request body must be a JSON object');
  }
  return value;
}

/** Parses any JSON body (control routes); empty means undefined. */
function parseAnyBody(raw) {
  if (raw === null || raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw new ApiError(400, 4003, 'Error 4003: request body is not valid JSON');
  }
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      done = true;
      if (size > MAX_BODY_BYTES) resolve({ tooLarge: true, text: null });
      else resolve({ tooLarge: false, text: size === 0 ? null : Buffer.concat(chunks).toString('utf8') });
    });
    req.on('error', (err) => {
      if (!done) reject(err);
    });
    req.on('close', () => {
      if (!done) reject(new Error('request aborted'));
    });
  });
}

/** A host name as the Host header spells it: lower-case, IPv6 addresses in brackets, no port. */
function hostName(host) {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  if (h.split(':').length > 2) return `[${h}]`; // a bare IPv6 address, as given to listen()
  return h.split(':')[0];
}

function normalizeOptions(options) {
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError('port must be an integer 0-65535');
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') throw new TypeError('host must be a non-empty string');
  const apiKey = options.apiKey ?? DEFAULT_API_KEY;
  if (typeof apiKey !== 'string' || apiKey === '') throw new TypeError('apiKey must be a non-empty string');
  const siteToken = options.siteToken ?? DEFAULT_SITE_TOKEN;
  if (typeof siteToken !== 'string' || siteToken === '') throw new TypeError('siteToken must be a non-empty string');
  const allowedHosts = options.allowedHosts ?? [];
  if (!Array.isArray(allowedHosts) || allowedHosts.some((h) => typeof h !== 'string' || h.trim() === '')) {
    throw new TypeError('allowedHosts must be an array of host names');
  }
  const clock = options.clock ?? 'logical';
  if (clock !== 'logical' && clock !== 'real') throw new TypeError('clock must be "logical" or "real"');
  parseSeed(options.seed); // throws early on a bad seed
  normalizeRateLimit(options.rateLimit); // likewise
  return {
    port,
    host,
    apiKey,
    siteToken,
    seed: options.seed,
    clock,
    rateLimit: options.rateLimit,
    log: options.log === true,
    // The Host header must name one of these: a page from another site (or one that rebinds its own name to
    // 127.0.0.1) can then neither call the API routes nor drive the control routes.
    allowedHosts: new Set([...LOOPBACK_HOSTS, hostName(host), ...allowedHosts.map(hostName)]),
    webhookAgentMessages: options.webhookAgentMessages === true,
  };
}

// ---------------------------------------------------------------------------

/**
 * Starts an emulator. Resolves to
 * `{ url, port, close, store, requests, reset, clearRequests, inject,
 *    clearFaults, addChat, clientMessage, setRateLimit, apiKey, siteToken, server }`.
 */
export async function startEmulator(options = {}) {
  const opts = normalizeOptions(options);
  const store = new ChatStore(opts.seed, opts.clock);
  const limiter = new RateLimiter(opts.rateLimit);
  const faults = new FaultQueue();
  const webhooks = new WebhookRegistry();
  /** The request log (live array; cleared in place). */
  const requests = [];
  const timers = new Set();
  let closing = null;

  // ---- public API route handlers ------------------------------------------

  function listChats(ctx, archived) {
    const paging = parsePaging(ctx.query, { defaultCount: 10 });
    const range = parseRange(ctx.query);
    const all = store.listChats({ archived, ...range });
    return jsonResponse(200, { list: page(all, paging), cardinality: all.length });
  }

  const chatRoutes = {
    'GET ': (ctx, id) => jsonResponse(200, store.getChat(id)),
    'GET feed': (ctx, id) => {
      store.record(id);
      const paging = parsePaging(ctx.query, { defaultCount: 10 });
      const all = store.feed(id, parseRange(ctx.query));
      return jsonResponse(200, { list: page(all, paging), cardinality: all.length });
    },
    'GET messages': (ctx, id) => {
      store.record(id);
      const paging = parsePaging(ctx.query, { defaultCount: 20, allowOffset: true });
      const all = store.messages(id, parseRange(ctx.query));
      return jsonResponse(200, { list: page(all, paging), cardinality: all.length });
    },
    'POST messages': (ctx, id) => {
      store.record(id);
      const body = parseObjectBody(ctx.rawBody);
      return jsonResponse(200, announce(store.addMessage(id, { content: body.content, from: body.from })));
    },
    'POST notes': (ctx, id) => {
      store.record(id);
      const body = parseObjectBody(ctx.rawBody);
      return jsonResponse(200, store.addNote(id, { content: body.content }));
    },
    'POST archive': (ctx, id) => {
      store.archive(id);
      return noContent();
    },
    'POST unarchive': (ctx, id) => {
      store.unarchive(id);
      return noContent();
    },
  };

  /** Fires the chat_message webhooks for a stored message: client messages, and others when switched on. */
  function announce(message) {
    if (message.from === 'client' || opts.webhookAgentMessages) {
      webhooks.deliverChatMessage(message, store.getChat(message.person_id).person);
    }
    return message;
  }

  function isWebhookPath(rawPath) {
    return rawPath === '/account/v1/webhooks' || rawPath.startsWith('/account/v1/webhooks/');
  }

  function routeWebhooks(ctx) {
    const rest = ctx.rawPath.split('/').slice(4); // after "", "account", "v1", "webhooks"
    if (rest.length === 0 && ctx.method === 'GET') return jsonResponse(200, { list: webhooks.list() });
    if (rest.length === 0 && ctx.method === 'POST') return jsonResponse(200, webhooks.create(parseObjectBody(ctx.rawBody)));
    if (rest.length === 1 && rest[0] !== '') {
      const id = decodeChatId(rest[0]);
      if (ctx.method === 'GET') return jsonResponse(200, webhooks.get(id));
      if (ctx.method === 'DELETE') {
        webhooks.remove(id);
        return noContent();
      }
    }
    throw unknownRoute(ctx.method, ctx.rawPath);
  }

  function routeChatApi(ctx) {
    const rest = ctx.rawPath.split('/').slice(3); // after "", "chat", "v1"
    if (rest.length === 1 && ctx.method === 'GET') {
      if (rest[0] === 'chats') return listChats(ctx, false);
      if (rest[0] === 'archivedChats') return listChats(ctx, true);
    }
    if (rest[0] === 'chats' && (rest.length === 2 || (rest.length === 3 && rest[2] !== '')) && rest[1] !== '') {
      const handler = chatRoutes[`${ctx.method} ${rest[2] ?? ''}`];
      if (handler) return handler(ctx, decodeChatId(rest[1]));
    }
    throw unknownRoute(ctx.method, ctx.rawPath);
  }

  function presentedKey(ctx) {
    if (ctx.query.api_key !== undefined) return ctx.query.api_key;
    const auth = ctx.headers.authorization;
    if (typeof auth === 'string') {
      const m = /^\s*bearer\s+(\S+)\s*$/i.exec(auth);
      if (m) return m[1];
    }
    return undefined;
  }

  function checkAuth(ctx, key) {
    if (key === undefined || key !== opts.apiKey) {
      throw new ApiError(401, 4001, 'Your API Key is not authorised for this endpoint');
    }
    const token = ctx.query.site_token;
    if (token === undefined || token === '') {
      throw new ApiError(400, 4000, 'Error 4000: site_token parameter is required');
    }
    if (token !== opts.siteToken) {
      throw new ApiError(403, 4001, 'Error 4001: API key not authorised for this site');
    }
  }

  /** The real (un-faulted) answer to a non-control, non-OPTIONS request. */
  function apiResponse(ctx) {
    const account = isWebhookPath(ctx.rawPath);
    if (!isChatApiPath(ctx.rawPath) && !account) return errorResponse(unknownRoute(ctx.method, ctx.rawPath));
    const key = presentedKey(ctx);
    const rl = limiter.take(key ?? '');
    if (!rl.allowed) {
      return jsonResponse(
        429,
        { code: 4002, message: 'Error 4002: request rate limit exceeded' },
        { ...rl.headers, 'retry-after': String(rl.retryAfter) },
      );
    }
    try {
      checkAuth(ctx, key);
      const r = account ? routeWebhooks(ctx) : routeChatApi(ctx);
      return { ...r, headers: { ...rl.headers, ...r.headers } };
    } catch (err) {
      if (err instanceof ApiError) return errorResponse(err, rl.headers);
      return jsonResponse(500, { code: 5000, message: `Error 5000: emulator failure: ${err.message}` }, rl.headers);
    }
  }

  function preflight(ctx, methods) {
    const requested = ctx.headers['access-control-request-headers'];
    return noContent({
      'access-control-allow-methods': methods,
      'access-control-allow-headers': requested ? String(requested) : ALLOWED_HEADERS,
      'access-control-max-age': '600',
    });
  }

  // ---- fault handling --------------------------------------------------------

  function wait(ms) {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });
  }

  /** Builds the response a fault turns `real` (null when unprocessed) into. */
  function faultResponse(fault, real, ctx) {
    let status;
    let headers;
    let body;
    if (real) {
      ({ status, headers, body } = real);
      headers = { ...headers };
    } else {
      status = 503;
      headers = isChatApiPath(ctx.rawPath) ? limiter.peek(presentedKey(ctx) ?? '') : {};
      body = null;
    }
    const setBody = (value) => {
      body = typeof value === 'string' ? value : JSON.stringify(value);
      headers['content-type'] = JSON_TYPE;
    };
    if (fault.status !== undefined) {
      status = fault.status;
      setBody(fault.body ?? defaultFaultBody(status));
      if (status === 429 && fault.headers['retry-after'] === undefined) headers['retry-after'] = '1';
    } else if (fault.body !== undefined) {
      setBody(fault.body);
    } else if (!real && !fault.html && !fault.empty) {
      setBody(defaultFaultBody(status));
    }
    if (fault.html) {
      status = fault.status ?? 502;
      body = htmlErrorPage(status);
      headers['content-type'] = HTML_TYPE;
    }
    if (fault.empty) {
      status = fault.status ?? 200;
      body = '';
      headers['content-type'] = JSON_TYPE;
    }
    if (fault.contentType !== undefined) headers['content-type'] = fault.contentType;
    Object.assign(headers, fault.headers);
    if (fault.truncate && body) {
      const bytes = Buffer.from(body, 'utf8');
      body = bytes.subarray(0, Math.floor(bytes.length / 2));
    }
    return { status, headers, body };
  }

  // ---- sending and logging ---------------------------------------------------

  function logLine(ctx, status) {
    if (!opts.log) return;
    const ms = Math.round(performance.now() - ctx.startedAt);
    const target = ctx.rawQuery ? `${ctx.rawPath}?${ctx.rawQuery}` : ctx.rawPath;
    const tag = ctx.control ? ' (control)' : '';
    process.stderr.write(`[gosquared-chat emulator] ${ctx.method} ${target} -> ${status === 0 ? 'no response' : status} ${ms}ms${tag}\n`);
  }

  function send(ctx, response) {
    const { res } = ctx;
    if (res.destroyed || res.headersSent) return;
    // The API routes answer any origin, as the API does for browser dashboards. The control routes answer
    // none: the request log holds keys, and faults or resets must not be injectable from a web page.
    const headers = ctx.control || ctx.refused
      ? { ...response.headers }
      : { 'access-control-allow-origin': '*', 'access-control-expose-headers': EXPOSED_HEADERS, ...response.headers };
    let body = response.body;
    const bodiless = response.status === 204 || response.status === 304 || ctx.method === 'HEAD';
    if (bodiless) body = null;
    if (body !== null && body !== undefined) {
      headers['content-length'] = String(Buffer.byteLength(body));
    } else if (!bodiless) {
      headers['content-length'] = '0';
    }
    res.writeHead(response.status, headers);
    res.end(body ?? undefined);
    if (ctx.entry) ctx.entry.status = response.status;
    logLine(ctx, response.status);
  }

  // ---- control routes --------------------------------------------------------

  function controlResponse(ctx) {
    // No CORS preflight succeeds here: browsers then refuse to send cross-origin writes with a JSON body.
    if (ctx.method === 'OPTIONS') {
      return jsonResponse(403, { code: 4001, message: 'Error 4001: the control routes do not answer cross-origin requests' });
    }
    const rest = ctx.rawPath.slice(CONTROL_PREFIX.length).split('/').slice(1);
    const route = `${ctx.method} ${rest.join('/')}`;
    try {
      switch (route) {
        case 'GET health':
          return jsonResponse(200, { ok: true });
        case 'GET requests':
          return jsonResponse(200, requests);
        case 'DELETE requests':
          api.clearRequests();
          return jsonResponse(200, { ok: true });
        case 'POST reset': {
          const body = parseAnyBody(ctx.rawBody) ?? {};
          if (typeof body !== 'object' || Array.isArray(body) || body === null) {
            throw new ApiError(400, 4003, 'Error 4003: reset body must be an object like {"seed":"3:5"}');
          }
          const seed = api.reset(Object.hasOwn(body, 'seed') ? body.seed : undefined);
          return jsonResponse(200, { ok: true, seed });
        }
        case 'GET store':
          return jsonResponse(200, store.dump());
        case 'POST chats':
          return jsonResponse(201, api.addChat(parseObjectBody(ctx.rawBody)));
        case 'POST customer-message':
          return jsonResponse(200, customerMessage(api, parseAnyBody(ctx.rawBody) ?? {}));
        case 'GET webhook-deliveries':
          return jsonResponse(200, webhooks.deliveries);
        case 'GET faults':
          return jsonResponse(200, faults.list());
        case 'POST faults': {
          const fault = api.inject(parseObjectBody(ctx.rawBody));
          return jsonResponse(200, { ok: true, id: fault.id });
        }
        case 'DELETE faults':
          api.clearFaults();
          return jsonResponse(200, { ok: true });
        case 'GET rate-limit':
          return jsonResponse(200, { rateLimit: limiter.describe() });
        case 'PUT rate-limit':
          api.setRateLimit(parseAnyBody(ctx.rawBody));
          return jsonResponse(200, { ok: true, rateLimit: limiter.describe() });
        default:
          break;
      }
      if (ctx.method === 'POST' && rest.length === 3 && rest[0] === 'chats' && rest[2] === 'client-message' && rest[1] !== '') {
        const id = decodeChatId(rest[1]);
        const body = parseObjectBody(ctx.rawBody);
        return jsonResponse(200, api.clientMessage(id, body.content));
      }
      throw unknownRoute(ctx.method, ctx.rawPath);
    } catch (err) {
      if (err instanceof ApiError) return errorResponse(err);
      if (err instanceof TypeError || err instanceof RangeError) {
        return jsonResponse(400, { code: 4004, message: `Error 4004: ${err.message}` });
      }
      throw err;
    }
  }

  // ---- the request handler ---------------------------------------------------

  /** Whether the Host header names this emulator: loopback, the host it listens on, or one of `allowedHosts`. */
  function hostAllowed(req) {
    const host = req.headers.host;
    return typeof host === 'string' && opts.allowedHosts.has(hostName(host));
  }

  async function handle(req, res) {
    const startedAt = performance.now();
    const { rawPath, rawQuery } = splitTarget(req.url);
    const query = queryObject(rawQuery);
    const control = isControlPath(rawPath);
    const ctx = {
      req, res, method: req.method, rawPath, rawQuery, query, headers: req.headers,
      rawBody: null, entry: null, control, startedAt, refused: false,
    };
    if (!hostAllowed(req)) {
      // Refused before anything is read, logged or answered with CORS headers.
      ctx.refused = true;
      send(ctx, jsonResponse(403, {
        code: 4001,
        message: 'Error 4001: this emulator answers only requests for localhost, 127.0.0.1, [::1] and its allowedHosts',
      }));
      return;
    }
    if (!control) {
      ctx.entry = {
        method: req.method,
        path: rawPath,
        query,
        headers: { ...req.headers },
        body: null,
        status: 0,
        time: Date.now(),
      };
      requests.push(ctx.entry);
    }

    let body;
    try {
      body = await readBody(req);
    } catch {
      return; // client went away mid-body
    }
    ctx.rawBody = body.text;
    if (ctx.entry) ctx.entry.body = body.text;
    if (body.tooLarge) {
      send(ctx, jsonResponse(413, { code: 4003, message: 'Error 4003: request body too large' }));
      return;
    }

    if (control) {
      send(ctx, controlResponse(ctx));
      return;
    }

    const realAnswer = () => (ctx.method === 'OPTIONS' ? preflight(ctx, API_METHODS) : apiResponse(ctx));
    const paths = [rawPath];
    const decoded = decodePath(rawPath);
    if (decoded !== null && decoded !== rawPath) paths.push(decoded);
    const fault = faults.take(ctx.method, paths);
    if (!fault) {
      send(ctx, realAnswer());
      return;
    }

    const real = fault.process ? realAnswer() : null;
    if (fault.delayMs > 0) await wait(fault.delayMs);
    if (closing || res.destroyed) return;
    if (fault.reset) {
      logLine(ctx, 0);
      req.socket.destroy();
      return;
    }
    if (fault.hang) {
      logLine(ctx, 0);
      return; // keep the socket open until the client gives up or close()
    }
    send(ctx, faultResponse(fault, real, ctx));
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent && !res.destroyed) {
        const cors = isControlPath(splitTarget(req.url).rawPath) ? {} : { 'access-control-allow-origin': '*' };
        res.writeHead(500, { 'content-type': JSON_TYPE, ...cors });
        res.end(JSON.stringify({ code: 5000, message: `Error 5000: emulator failure: ${err.message}` }));
      }
    });
  });
  // Keep idle connections open for a minute, as API front ends commonly do. With Node's 5 s default, a client
  // that reuses a socket just as the server closes it sees a reset; on a busy machine, where timers run late,
  // that race turned a load test's calls into connection errors.
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;

  await new Promise((resolve, reject) => {
    const onError = (err) => reject(err);
    server.once('error', onError);
    server.listen(opts.port, opts.host, () => {
      server.off('error', onError);
      resolve();
    });
  });

  const { port } = server.address();
  const urlHost = opts.host.includes(':') ? `[${opts.host}]` : opts.host;

  const api = {
    url: `http://${urlHost}:${port}`,
    port,
    apiKey: opts.apiKey,
    siteToken: opts.siteToken,
    server,
    store,
    requests,
    webhooks,

    /** Resolves once every webhook delivery started so far has been answered or has failed. */
    webhooksSettled() {
      return webhooks.settled();
    },

    /** Stops listening and destroys every open connection (hanging ones too). */
    close() {
      if (!closing) {
        closing = new Promise((resolve) => {
          for (const t of timers) clearTimeout(t);
          timers.clear();
          webhooks.reset();
          server.close(() => resolve());
          server.closeAllConnections();
        });
      }
      return closing;
    },

    /**
     * Re-seeds the store (default: the seed given at start), clears the request
     * log and the faults, and refills the rate-limit buckets. Returns the parsed seed.
     */
    reset(seedSpec) {
      const seed = store.reset(seedSpec === undefined ? opts.seed : seedSpec);
      requests.length = 0;
      faults.clear();
      limiter.reset();
      webhooks.reset();
      return seed;
    },

    clearRequests() {
      requests.length = 0;
    },

    /** Queues a fault; returns the normalised fault (it has an `id`). */
    inject(fault) {
      return faults.add(fault);
    },

    clearFaults() {
      faults.clear();
    },

    /** Adds a chat; see ChatStore#addChat. Returns the Chat object. */
    addChat(spec) {
      return store.addChat(spec ?? {});
    },

    /** A visitor message (creates the chat if needed). Returns the Message. */
    clientMessage(chatId, content) {
      if (typeof chatId !== 'string' || chatId === '') {
        throw new ApiError(400, 4004, 'Error 4004: chat id must be a non-empty string');
      }
      return announce(store.clientMessage(chatId, content));
    },

    /** New rate-limit settings (object, or false to disable); refills buckets. */
    setRateLimit(rateLimit) {
      limiter.configure(rateLimit);
    },
  };
  return api;
}
