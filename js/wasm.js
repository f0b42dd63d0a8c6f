// The only module that calls the WebAssembly glue. Entries that load the module synchronously (Node, Deno,
// Bun, Workers, edge) never announce a load, and every call goes straight through. The browser entry loads
// it asynchronously: until that load has finished, a new client is a promise of one, and each call waits
// for it — so no user ever calls init(). Errors the core throws become their classes here.
//
// Each of the package's modules (full, client, edge: scripts/modules.mjs) has its own glue with only its own
// exports, and its own copy of this file. The glue is read through its namespace object, by name (`core`):
// a name one module lacks is then undefined here, not an import that fails to link. In each module's copy,
// scripts/assemble.mjs writes each of these reads as a property of `glue`, or as `undefined` where its glue
// lacks the name, so that bundlers resolve every read statically (and drop what an app does not use) without
// warning that a name "will always be undefined".
import * as glue from "./gosquared_chat.js";
import { GoSquaredError, toError } from "./errors.js";
import { shapes } from "./shapes.js";

/** The glue's export `name`, or undefined in a module built without it. */
const core = (name) => glue[name];

export const AttemptFailure = core("AttemptFailure");
export const Operation = core("Operation");
export const answerHeaders = core("answerHeaders");
export const throwIfAborted = core("throwIfAborted");

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
  const Client = core("Client");
  if (loading === undefined) return guarded(() => new Client(options, shapes));
  const client = loading.then(() => guarded(() => new Client(options, shapes)));
  client.catch(() => {}); // a bad option is reported by the client's first call
  return client;
}

/** Starts an export on a client (or a promise of one). */
export function exportChats(client, options, sink) {
  const start = core("exportChats");
  if (client instanceof Promise) return client.then((ready) => start(ready, options, sink));
  return start(client, options, sink);
}

/** The edge toolkit's core functions, each throwing the package's error classes. */
export const edge = {
  parseChatMessageWebhook: (body) => guarded(core("parseChatMessageWebhook"), body),
  verifyWebhookSecretInUrl: (url, secret, param) => guarded(core("verifyWebhookSecretInUrl"), url, secret, param),
  personSignature: (secret, personId) => guarded(core("personSignature"), secret, personId),
  normalizeProxyConfig: (options) => guarded(core("normalizeProxyConfig"), options),
  proxyDecide: (config, method, path, query) => guarded(core("proxyDecide"), config, method, path, query),
  proxyRedact: (config, text) => guarded(core("proxyRedact"), config, text),
};

/** Internal, for leak tests only: `{ wasmMemoryBytes, liveJsValues }` of the WebAssembly instance. */
export const memoryDiagnostics = () => core("memoryDiagnostics")();

/** Internal, for the declaration checks: the operation names of the endpoint table, in its order. */
export const operationNames = () => core("operationNames")();
