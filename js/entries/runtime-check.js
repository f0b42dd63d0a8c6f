// Imported first by the Node entry: inside Cloudflare Workers, where that entry can neither read the .wasm
// from disk nor compile WebAssembly from bytes, it stops the import with an error that names the fix.

if (globalThis.navigator?.userAgent === "Cloudflare-Workers") {
  throw new Error(
    "gosquared-chat: the Node entry was loaded inside Cloudflare Workers, where it cannot load its WebAssembly. " +
      'Import "gosquared-chat/workerd" instead, or bundle with the "workerd" export condition (wrangler does).',
  );
}
