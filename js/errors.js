// Error classes for every way a call can fail. The Rust core classifies each failure and hands over a
// plain descriptor; `toError` turns it into an instance of the class it names.

const BRAND = "__gosquaredChatError";
const FIELDS = ["status", "code", "retryAfterMs", "method", "path", "attempts", "mayHaveSucceeded"];

/** The base class of every error this package throws. */
export class GoSquaredError extends Error {
  constructor(message, details = {}) {
    const cause = chain(details.cause);
    super(message, cause === undefined ? undefined : { cause });
    for (const field of FIELDS) {
      if (details[field] !== undefined) this[field] = details[field];
    }
  }
}

/**
 * The underlying errors of a failure (what `fetch` threw and its own causes, already free of the key), as
 * plain `Error`s with their original names, each the `cause` of the one before.
 */
function chain(causes) {
  if (!Array.isArray(causes)) return undefined;
  let inner;
  for (let i = causes.length - 1; i >= 0; i--) {
    const error = new Error(causes[i].message, inner === undefined ? undefined : { cause: inner });
    error.name = causes[i].name;
    inner = error;
  }
  return inner;
}

/** The API key or site token was refused (401/403, code 4001). */
export class AuthenticationError extends GoSquaredError {}
/** The chat or route does not exist (404). */
export class NotFoundError extends GoSquaredError {}
/** The rate-limit budget is spent (429, code 4002); `retryAfterMs` says when to come back. */
export class RateLimitError extends GoSquaredError {}
/** The arguments were refused, by this client before sending or by the API (400/422, codes 4000/4003/4004). */
export class InvalidRequestError extends GoSquaredError {}
/** The API failed on its side (5xx). */
export class ServerError extends GoSquaredError {}
/** `fetch` failed: no connection, DNS, a reset, or CORS. */
export class ConnectionError extends GoSquaredError {}
/** An attempt took longer than `timeoutMs`. */
export class TimeoutError extends GoSquaredError {}
/** A 2xx answer whose body was not the JSON expected. */
export class ResponseFormatError extends GoSquaredError {}

const CLASSES = {
  GoSquaredError, AuthenticationError, NotFoundError, RateLimitError, InvalidRequestError,
  ServerError, ConnectionError, TimeoutError, ResponseFormatError,
};

// Names are set on the prototypes so that they survive minifiers that rename classes.
for (const [name, cls] of Object.entries(CLASSES)) {
  Object.defineProperty(cls.prototype, "name", { value: name, writable: true, configurable: true });
}

/** Turns a descriptor from the core into its error class; anything else (an abort reason) passes through. */
export function toError(value) {
  if (value === null || typeof value !== "object" || value[BRAND] !== true) return value;
  const cls = Object.hasOwn(CLASSES, value.name) ? CLASSES[value.name] : GoSquaredError;
  return new cls(value.message, value);
}
