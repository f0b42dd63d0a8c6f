// The only module that calls the WebAssembly glue. Entries that load the module synchronously (Node, Deno,
// Bun, Workers, edge) never announce a load, and every call goes straight through. The browser entry loads
// it asynchronously: until that load has finished, a new client is a promise of one, and each call waits
// for it — so no user ever calls init(). Errors the core throws become their classes here.
import * as glue from "./gosquared_chat.js";
import { GoSquaredError, toError } from "./errors.js";
import { shapes } from "./shapes.js";

export { AttemptFailure, CheckedStep, Operation, answerHeaders, throwIfAborted } from "./gosquared_chat.js";

/** Whether the module has been instantiated. */
let ready = false;
/** While the module loads asynchronously: the promise of its load. */
let loading;

const NOT_LOADED =
  "gosquared-chat: the WebAssembly module is not loaded; with gosquared-chat/init, call `init()` or `initSync(module)` first";

/** Instantiates the module synchronously from bytes or a compiled `WebAssembly.Module`. */
export function loadSync(module) {
  glue.initSync({ module });
  ready = true;
}

/**
 * Starts loading the module asynchronously (from a URL, Response, bytes or compiled module; the default is the
 * .wasm next to the glue); clients made meanwhile wait for it. Resolves once it is loaded.
 */
export function loadAsync(source) {
  const pending = glue.default(source === undefined ? undefined : { module_or_path: source }).then(() => {
    ready = true;
    if (loading === pending) loading = undefined;
  });
  loading = pending;
  return pending;
}

/** Runs `fn`, turning an error descriptor from the core into its class; refuses clearly before the module is loaded. */
export function guarded(fn, ...args) {
  if (!ready) throw new GoSquaredError(NOT_LOADED);
  try {
    return fn(...args);
  } catch (error) {
    throw toError(error);
  }
}

/**
 * Checks client options and makes the core's client now, or, while the module loads, a promise of it once
 * it has loaded (the promise rejects if an option is bad).
 */
export function newClient(options) {
  if (loading === undefined) return guarded(() => new glue.Client(options, shapes));
  const client = loading.then(() => guarded(() => new glue.Client(options, shapes)));
  client.catch(() => {}); // a bad option is reported by the client's first call
  return client;
}

/** Starts an export on a client (or a promise of one). */
export function exportChats(client, options, sink) {
  if (client instanceof Promise) return client.then((ready) => glue.exportChats(ready, options, sink));
  return glue.exportChats(client, options, sink);
}

/** Starts the core's watch on a client (or, while the module loads, a promise of it); bad options throw. */
export function newWatch(client, options) {
  if (client instanceof Promise) return client.then((ready) => guarded(() => new glue.Watch(ready, options)));
  return guarded(() => new glue.Watch(client, options));
}

/** The edge toolkit's core functions, each throwing the package's error classes. */
export const edge = Object.fromEntries(
  ["parseChatMessageWebhook", "verifyWebhookSecretInUrl", "personSignature", "normalizeProxyConfig", "proxyDecide", "proxyAnswer", "proxyBodyTooLarge"].map(
    (name) => [name, (...args) => guarded(glue[name], ...args)],
  ),
);

/** Internal, for leak tests only: `{ wasmMemoryBytes, liveJsValues }` of the WebAssembly instance. */
export const memoryDiagnostics = () => glue.memoryDiagnostics();

/** Internal, for the declaration checks: the operation names of the endpoint table, in its order. */
export const operationNames = () => glue.operationNames();
