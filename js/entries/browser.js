// Entry for browsers and web workers: starts fetching and compiling the module on import, without a
// top-level await (which would hold up the importing module, break service workers, and lose messages a
// module worker receives while it waits). Clients made before the load finishes wait for it on first use.
import { loadAsync } from "../wasm.js";

// A failed load is not left unhandled: every call of every client rejects with it instead.
loadAsync(new URL("../gosquared_chat_bg.wasm", import.meta.url)).catch(() => {});

export * from "../index.js";
