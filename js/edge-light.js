// Entry for Vercel Edge Functions and Next.js edge routes: their bundler turns a `.wasm?module` import into
// a compiled module, instantiated synchronously on import.
import wasm from "./gosquared_chat_bg.wasm?module";
import { initSync } from "./gosquared_chat.js";

initSync({ module: wasm });

export * from "./core.js";
