// The rows of the fault matrix: every fault the emulator can inject, with the outcome expected per retry
// class (read, idempotent write, non-idempotent write). tests/fault-matrix.test.mjs runs each row against
// every method; tests/exactly-once.test.mjs runs each row's faults against the checked sends.
import {
  GoSquaredError, AuthenticationError, NotFoundError, RateLimitError, InvalidRequestError,
  ServerError, ConnectionError, TimeoutError, ResponseFormatError,
} from "gosquared-chat";

const ok = (attempts) => ({ ok: true, attempts });
const fail = (cls, attempts, more = {}) => ({ ok: false, cls, attempts, mayHaveSucceeded: false, ...more });
/** The outcome of a failure whose result is unknown: reads and idempotent writes retry it, other writes stop. */
const unknownOutcome = (cls, attemptsWhenRetried, more = {}) => ({
  read: attemptsWhenRetried === null ? fail(cls, 3, more) : ok(attemptsWhenRetried),
  idempotent: attemptsWhenRetried === null ? fail(cls, 3, { ...more, mayHaveSucceeded: true }) : ok(attemptsWhenRetried),
  write: fail(cls, 1, { ...more, mayHaveSucceeded: true }),
});
const same = (expectation) => ({ read: expectation, idempotent: expectation, write: expectation });
const retryAfter = (value) => ({ "retry-after": String(value) });
const httpDate = (offsetMs) => new Date(Date.now() + offsetMs).toUTCString();

/**
 * The rows. `fault` is injected before the call (an array injects several); `opts` are the call's options;
 * `processed` says the fault lets the emulator apply the request before it misbehaves; `expect` gives the
 * outcome per retry class (or per method name, which wins).
 */
export const ROWS = [
  {
    name: "429 with Retry-After: 0, once",
    fault: { status: 429, headers: retryAfter(0) },
    expect: same(ok(2)),
  },
  {
    name: "429 with Retry-After as an HTTP date already past, once",
    fault: () => ({ status: 429, headers: retryAfter(httpDate(-10_000)) }),
    expect: same(ok(2)),
  },
  {
    name: "429 with Retry-After: 1 (waited out), once",
    fault: { status: 429, headers: retryAfter(1) },
    expect: same(ok(2)),
  },
  {
    name: "429 with Retry-After: 120, beyond the 60 s cap",
    fault: { status: 429, headers: retryAfter(120) },
    expect: same(fail(RateLimitError, 1, { status: 429, code: 4002, retryAfterMs: 120_000 })),
  },
  {
    name: "429 with Retry-After as an HTTP date two minutes ahead",
    fault: () => ({ status: 429, headers: retryAfter(httpDate(120_000)) }),
    expect: same(fail(RateLimitError, 1, { status: 429, retryAfterMs: (ms) => ms > 60_000 && ms <= 120_000 })),
  },
  {
    name: "429 on every attempt, Retry-After: 0",
    fault: { status: 429, headers: retryAfter(0), times: Infinity },
    expect: same(fail(RateLimitError, 3, { status: 429, retryAfterMs: 0 })),
  },
  {
    name: "429 on every attempt, maxRetries: 0 for this call",
    fault: { status: 429, headers: retryAfter(0), times: Infinity },
    opts: { maxRetries: 0 },
    expect: same(fail(RateLimitError, 1, { status: 429 })),
  },
  ...[500, 502, 503, 504].map((status) => ({
    name: `${status} once, no Retry-After (real backoff)`,
    fault: { status },
    expect: unknownOutcome(ServerError, 2, { status }),
  })),
  {
    name: "503 on every attempt, Retry-After: 0",
    fault: { status: 503, headers: retryAfter(0), times: Infinity },
    expect: unknownOutcome(ServerError, null, { status: 503, code: 5000 }),
  },
  {
    name: "503 with Retry-After: 120 is not waited for",
    fault: { status: 503, headers: retryAfter(120) },
    expect: {
      read: fail(ServerError, 1, { status: 503, retryAfterMs: 120_000 }),
      idempotent: fail(ServerError, 1, { status: 503, retryAfterMs: 120_000, mayHaveSucceeded: true }),
      write: fail(ServerError, 1, { status: 503, retryAfterMs: 120_000, mayHaveSucceeded: true }),
    },
  },
  {
    name: "503 after the request was applied, once",
    fault: { status: 503, process: true, headers: retryAfter(0) },
    processed: true,
    expect: unknownOutcome(ServerError, 2, { status: 503 }),
  },
  {
    name: "408 once, Retry-After: 0",
    fault: { status: 408, headers: retryAfter(0), body: { message: "Request Timeout" } },
    expect: { read: ok(2), idempotent: ok(2), write: fail(GoSquaredError, 1, { status: 408, exactClass: true }) },
  },
  {
    name: "401 refused key",
    fault: { status: 401 },
    expect: same(fail(AuthenticationError, 1, { status: 401, code: 4001 })),
  },
  {
    name: "400 invalid request",
    fault: { status: 400, body: { code: 4003, message: "Error 4003: invalid parameter" } },
    expect: same(fail(InvalidRequestError, 1, { status: 400, code: 4003 })),
  },
  {
    name: "404 not found",
    fault: { status: 404, body: { code: 4004, message: "Error 4004: chat not found" } },
    expect: same(fail(NotFoundError, 1, { status: 404 })),
  },
  {
    name: "a slow answer within the timeout",
    fault: { delayMs: 50 },
    processed: true,
    expect: same(ok(1)),
  },
  {
    name: "a hung request, once",
    fault: { hang: true },
    opts: { timeoutMs: 3000 },
    expect: unknownOutcome(TimeoutError, 2),
  },
  {
    name: "a hung request on every attempt, maxRetries: 1",
    fault: { hang: true, times: Infinity },
    opts: { timeoutMs: 1500, maxRetries: 1 },
    expect: {
      read: fail(TimeoutError, 2),
      idempotent: fail(TimeoutError, 2, { mayHaveSucceeded: true }),
      write: fail(TimeoutError, 1, { mayHaveSucceeded: true }),
    },
  },
  {
    name: "applied, but answered after the timeout, once",
    fault: { delayMs: 20_000 },
    opts: { timeoutMs: 3000 },
    processed: true,
    expect: unknownOutcome(TimeoutError, 2),
  },
  {
    name: "connection reset, once",
    fault: { reset: true },
    expect: unknownOutcome(ConnectionError, 2),
  },
  {
    name: "connection reset on every attempt (real backoff)",
    fault: { reset: true, times: Infinity },
    expect: unknownOutcome(ConnectionError, null),
  },
  {
    name: "connection reset after the request was applied, once",
    fault: { reset: true, process: true },
    processed: true,
    expect: unknownOutcome(ConnectionError, 2),
  },
  {
    name: "truncated JSON",
    fault: { truncate: true },
    processed: true,
    expect: {
      read: fail(ResponseFormatError, 1, { status: 200 }),
      idempotent: ok(1), // 204: there is no body to cut
      write: fail(ResponseFormatError, 1, { status: 200, mayHaveSucceeded: true }),
    },
  },
  {
    name: "an HTML error page (502), once",
    fault: { html: true },
    expect: unknownOutcome(ServerError, 2, { status: 502 }),
  },
  {
    name: "an HTML page with status 200",
    fault: { html: true, status: 200 },
    expect: {
      read: fail(ResponseFormatError, 1, { status: 200 }),
      idempotent: fail(ResponseFormatError, 1, { status: 200, mayHaveSucceeded: true }),
      write: fail(ResponseFormatError, 1, { status: 200, mayHaveSucceeded: true }),
    },
  },
  {
    name: "an empty 200 body",
    fault: { empty: true },
    processed: true,
    expect: { read: fail(ResponseFormatError, 1, { status: 200 }), idempotent: ok(1), write: ok(1) },
  },
  {
    name: "a JSON answer with the wrong content-type",
    fault: { contentType: "text/plain; charset=utf-8" },
    processed: true,
    expect: same(ok(1)),
  },
  {
    // One unit every 2 s: the call finds the bucket empty unless 2 s pass after the drain, and the
    // Retry-After it gets (rounded up to whole seconds) always covers the refill.
    name: "the token bucket is empty and refills within two seconds",
    rateLimit: { limit: 1, refillPerMinute: 30 },
    drainBucket: true,
    expect: same(ok(2)),
    budget: { limit: 1 },
  },
  {
    name: "the token bucket is empty for two minutes",
    rateLimit: { limit: 1, refillPerMinute: 0.5 },
    drainBucket: true,
    expect: same(fail(RateLimitError, 1, { status: 429, code: 4002, retryAfterMs: (ms) => ms > 60_000 && ms <= 120_000 })),
    budget: { limit: 1, remaining: 0 },
  },
];
