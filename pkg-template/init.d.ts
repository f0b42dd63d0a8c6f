// Type declarations for `gosquared-chat/init`: the client without automatic loading, plus the two loaders.
export * from "./index.js";

/** Where the module can come from: a URL or path to fetch, a Response, bytes, or a compiled module. */
export type WasmSource = URL | string | Request | Response | BufferSource | WebAssembly.Module;

/** Loads the module asynchronously (default: fetches the .wasm next to this file); clients made once it is called wait for it. */
export declare function init(source?: WasmSource | Promise<WasmSource>): Promise<void>;

/** Loads the module synchronously from bytes or a compiled module; call once before creating a client. */
export declare function initSync(module: BufferSource | WebAssembly.Module): void;
