// Entry for Vercel Edge Functions and Next.js edge routes: their bundler turns a `.wasm?module` import into
// a compiled module, instantiated synchronously when it is first used, not on import.
import wasm from "../gosquared_chat_bg.wasm?module";
import { loadOnFirstUse } from "../wasm.js";

loadOnFirstUse(() => wasm);

export * from "../index.js";
