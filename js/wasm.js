// The only module that calls the WebAssembly glue. Entries that have the module synchronously (Node, Deno,
// Bun, Workers, edge) hand over where it comes from, and it is read (Node), compiled and instantiated on first
// use, synchronously: importing the package costs no WebAssembly work, and an app that imports it but makes
// no client (or only uses the error classes) never pays for the module. The browser entry loads
// it asynchronously: until that load has finished, a new client is a promise of one, and each call waits
// for it — so no user ever calls init(). Errors the core throws become their classes here.
//
// Each of the package's modules (full, client, edge: scripts/modules.mjs) has its own glue with only its own
// exports, and its own copy of this file. The glue is read through its namespace object, by name (`core`):
// a name one module lacks is then undefined here, not an import that fails to link. In each module's copy,
// scripts/assemble.mjs writes each of these reads as a property of `glue`, or as `undefined` where its glue
// lacks the name, so that bundlers resolve every read statically.
import * as glue from "./gosquared_chat.js";
import { GoSquaredError, toError } from "./errors.js";
import { shapes } from "./shapes.js";

/** The glue's export `name`, or undefined in a module built without it. */
const core = (name) => glue[name];

export const AttemptFailure = core("AttemptFailure");
export const CheckedStep = core("CheckedStep");
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

/** Until the first use: a function that returns the module's bytes or compiled module, from a loader. */
let source;

/** Has the module instantiated from `get()` (bytes or a compiled module) when it is first needed. */
export function loadOnFirstUse(get) {
  source = get;
}

/**
 * Whether the module is loaded, loading it now from a loader's source if it has one. An error reading or
 * instantiating it is thrown as it is, and the next use tries again.
 */
function loaded() {
  if (!ready && source !== undefined) {
    loadSync(source());
    source = undefined;
  }
  return ready;
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
  if (!loaded()) throw new GoSquaredError(NOT_LOADED);
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

/**
 * Sets up an export on a client (or a promise of one): the core's ExportRun, its options checked (a bad one
 * throws the core's error descriptor); `host` lends it the builders of the objects and text it hands back.
 */
export function newExport(client, options, host) {
  const ExportRun = core("ExportRun");
  if (client instanceof Promise) return client.then((ready) => new ExportRun(ready, options, host));
  return new ExportRun(client, options, host);
}

/** Starts the core's watch on a client (or, while the module loads, a promise of it); bad options throw. */
export function newWatch(client, options) {
  const Watch = core("Watch");
  if (client instanceof Promise) return client.then((ready) => guarded(() => new Watch(ready, options)));
  return guarded(() => new Watch(client, options));
}

/** The edge toolkit's core functions, each throwing the package's error classes. */
export const edge = {
  parseChatMessageWebhook: (...args) => guarded(core("parseChatMessageWebhook"), ...args),
  verifyWebhookSecretInUrl: (...args) => guarded(core("verifyWebhookSecretInUrl"), ...args),
  personSignature: (...args) => guarded(core("personSignature"), ...args),
  normalizeProxyConfig: (...args) => guarded(core("normalizeProxyConfig"), ...args),
  proxyDecide: (...args) => guarded(core("proxyDecide"), ...args),
  proxyAnswer: (...args) => guarded(core("proxyAnswer"), ...args),
  proxyBodyTooLarge: (...args) => guarded(core("proxyBodyTooLarge"), ...args),
  proxyServes: (...args) => guarded(core("proxyServes"), ...args),
};

/** Internal, for leak tests only: `{ wasmMemoryBytes, liveJsValues }` of the WebAssembly instance. */
export const memoryDiagnostics = () => guarded(core("memoryDiagnostics"));

/** Internal, for the declaration checks: the operation names of the endpoint table, in its order. */
export const operationNames = () => guarded(core("operationNames"));
