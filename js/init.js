// Entry for hosts no other entry fits (a service worker, an IIFE bundle, a custom wasm source): nothing is
// loaded on import; call `await init()` or `initSync(module)` once before creating a client.
import load, { initSync as loadSync } from "./gosquared_chat.js";
import { ChatClient as ReadyChatClient } from "./core.js";

let ready = false;

/** Loads the module asynchronously from a URL, Response, bytes or compiled module (default: the .wasm next to this file). */
export async function init(source) {
  await load(source === undefined ? undefined : { module_or_path: source });
  ready = true;
}

/** Loads the module synchronously from bytes or a compiled `WebAssembly.Module`. */
export function initSync(module) {
  loadSync({ module });
  ready = true;
}

/** The client; creating one before `init()` or `initSync()` has finished throws a clear error. */
export class ChatClient extends ReadyChatClient {
  constructor(options) {
    if (!ready) {
      throw new Error("gosquared-chat/init: call `await init()` or `initSync(module)` before creating a ChatClient");
    }
    super(options);
  }
}

export * from "./core.js";
