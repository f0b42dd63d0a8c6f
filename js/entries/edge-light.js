// Entry for Vercel Edge Functions and Next.js edge routes: their bundler turns a `.wasm?module` import into
// a compiled module, instantiated synchronously on import.
import wasm from "../gosquared_chat_bg.wasm?module";
import { loadSync } from "../wasm.js";

loadSync(wasm);

export * from "../index.js";
