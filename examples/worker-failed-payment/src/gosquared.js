// The one place this Worker loads the package's WebAssembly module: Workers must import the .wasm as a
// module (compiling bytes at run time is not allowed there), then hand it to the glue's initSync.
// Once the package's `workerd` entry exists, this file becomes `export * from "gosquared-chat";`.
import wasm from "gosquared-chat/gosquared_chat_bg.wasm";
import { initSync } from "gosquared-chat/gosquared_chat.js";

initSync({ module: wasm });

export * from "gosquared-chat/core.js";
