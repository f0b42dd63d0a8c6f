// Entry for browsers and web workers: fetches and compiles the module asynchronously with a top-level
// await, so the client is ready (and validates its options synchronously) as soon as the import resolves.
import init from "./gosquared_chat.js";

await init({ module_or_path: new URL("./gosquared_chat_bg.wasm", import.meta.url) });

export * from "./core.js";
