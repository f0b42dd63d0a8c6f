// Entry for Deno and Bun, and the source of Node's CommonJS build (node.cjs): reads the module from disk
// and instantiates it synchronously on import.
import "./runtime-check.js"; // first, so that inside Workers the import fails with a clear error
import { readFileSync } from "node:fs";
import { loadSync } from "../wasm.js";

loadSync(readFileSync(new URL("../gosquared_chat_bg.wasm", import.meta.url)));

export * from "../index.js";
