// The Worker's entry for workerd: instantiates the Rust module (imported as a compiled module, since Workers
// may not compile WebAssembly from bytes) and hands each request to its `fetch` export.
import module from "./dist/worker_bg.wasm";
import { initSync, fetch as handle } from "./dist/worker.js";

initSync({ module });

export default {
  fetch(request, env, ctx) {
    return handle(request, env, ctx);
  },
};
