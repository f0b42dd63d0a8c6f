// The one place the dashboard loads the package's WebAssembly module: the glue's `init` fetches the .wasm
// that Vite emits as an asset. Once the package's browser entry exists, this file becomes
// `export * from "gosquared-chat";`.
import init from "gosquared-chat/gosquared_chat.js";
import wasmUrl from "gosquared-chat/gosquared_chat_bg.wasm?url";

await init({ module_or_path: wasmUrl });

export * from "gosquared-chat/core.js";
