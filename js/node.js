// Entry for Node, Deno and Bun: reads the module from disk and instantiates it synchronously on import.
import { readFileSync } from "node:fs";
import { initSync } from "./gosquared_chat.js";
import { refuseInsideWorkers } from "./runtime-check.js";

refuseInsideWorkers();
initSync({ module: readFileSync(new URL("./gosquared_chat_bg.wasm", import.meta.url)) });

export * from "./core.js";
