// Entry for Cloudflare Workers (workerd): the bundler uploads the .wasm as a compiled module, instantiated
// synchronously on import, because Workers may not compile WebAssembly from bytes.
import wasm from "../gosquared_chat_bg.wasm";
import { loadSync } from "../wasm.js";

loadSync(wasm);

export * from "../index.js";
