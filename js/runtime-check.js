// Guards the disk-reading Node entry against hosts where it cannot work, with an error that names the fix.

/** Throws a clear error when the Node entry was bundled into a Cloudflare Worker, which cannot read files or compile wasm bytes. */
export function refuseInsideWorkers() {
  if (globalThis.navigator?.userAgent === "Cloudflare-Workers") {
    throw new Error(
      'gosquared-chat: the Node entry was loaded inside Cloudflare Workers, where it cannot load its WebAssembly. ' +
        'Import "gosquared-chat/workerd" instead, or bundle with the "workerd" export condition (wrangler does).',
    );
  }
}
