// Entry for Deno and Bun, and the source of Node's CommonJS build (node.cjs): the module is read from disk
// and instantiated synchronously when it is first used (the first client), not on import.
//
// `fs` is taken with process.getBuiltinModule (Node 20.16+ and 22.3+, Deno, Bun), not `import … from "node:fs"`:
// importing node:fs as an ES module makes Node build its ES module facade, which reads every export of fs,
// ReadStream and WriteStream included, and so loads Node's whole streams stack (about 20 internal modules, about
// 2 ms of a cold start that reads one file). Older Node releases get it through createRequire.
import "./runtime-check.js"; // first, so that inside Workers the import fails with a clear error
import { createRequire } from "node:module";
import { loadOnFirstUse } from "../wasm.js";

loadOnFirstUse(() => {
  const { readFileSync } = process.getBuiltinModule?.("node:fs") ?? createRequire(import.meta.url)("node:fs");
  return readFileSync(new URL("../gosquared_chat_bg.wasm", import.meta.url));
});

export * from "../index.js";
