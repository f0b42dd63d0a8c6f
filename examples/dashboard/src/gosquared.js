// The one place the dashboard imports the package. Its browser entry loads the WebAssembly module by itself
// (Vite emits the .wasm as an asset), so there is nothing to initialise here.
export * from "gosquared-chat";
