// Entry for hosts no other entry fits (a service worker, an IIFE bundle, a custom wasm source): nothing is
// loaded on import; call `init()` or `initSync(module)` once before creating a client.
import load, { initSync as loadSync } from "./gosquared_chat.js";
import { loadingFrom } from "./calls.js";
import { ChatClient as LoadedChatClient } from "./core.js";

let started = false;

/** Loads the module asynchronously from a URL, Response, bytes or compiled module (default: the .wasm next to this file). */
export async function init(source) {
  started = true;
  await loadingFrom(load(source === undefined ? undefined : { module_or_path: source }));
}

/** Loads the module synchronously from bytes or a compiled `WebAssembly.Module`. */
export function initSync(module) {
  loadSync({ module });
  started = true;
}

/** The client; creating one before `init()` or `initSync()` was called throws a clear error. */
export class ChatClient extends LoadedChatClient {
  constructor(options) {
    if (!started) {
      throw new Error("gosquared-chat/init: call `init()` or `initSync(module)` before creating a ChatClient");
    }
    super(options);
  }
}

export * from "./core.js";
