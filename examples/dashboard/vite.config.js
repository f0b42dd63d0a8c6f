// Builds the admin page into dist/. The top-level await that loads the WebAssembly module needs ES2022.
import { defineConfig } from "vite";
import { fileURLToPath } from "node:url";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  logLevel: "warn",
  build: { outDir: "dist", emptyOutDir: true, target: "es2022" },
});
