// The one place that knows how this Worker loads gosquared-chat. Workers must import the WebAssembly module
// as a module (compiling it from bytes is refused), so the module is imported and instantiated here.
// Once the package has its `workerd` entry, this whole file becomes:
//   export { ChatClient } from "gosquared-chat";
import wasm from "gosquared-chat/gosquared_chat_bg.wasm";
import { initSync } from "gosquared-chat/gosquared_chat.js";

initSync({ module: wasm });

export { ChatClient } from "gosquared-chat/core.js";
