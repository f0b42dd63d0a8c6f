// Entry for hosts no other entry fits (a service worker, an IIFE bundle, a custom wasm source): nothing is
// loaded on import; call `init()` or `initSync(module)` once before using anything else. Before that, every
// export (the client, the export, the edge helpers) throws a clear GoSquaredError.
import { loadAsync, loadSync } from "../wasm.js";

/** Loads the module asynchronously from a URL, Response, bytes or compiled module (default: the .wasm next to this file). */
export async function init(source) {
  await loadAsync(source);
}

/** Loads the module synchronously from bytes or a compiled `WebAssembly.Module`. */
export function initSync(module) {
  loadSync(module);
}

export * from "../index.js";
