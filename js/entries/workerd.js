// Entry for Cloudflare Workers (workerd): the bundler uploads the .wasm as a compiled module (Workers may not
// compile WebAssembly from bytes), instantiated synchronously when it is first used, not on import.
import wasm from "../gosquared_chat_bg.wasm";
import { loadOnFirstUse } from "../wasm.js";

loadOnFirstUse(() => wasm);

export * from "../index.js";
