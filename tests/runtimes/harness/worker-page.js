// Starts the conformance Web Worker with the settings from the page's hash and keeps its result on
// `globalThis.__conformance` for the orchestrator.
const worker = new Worker(new URL("./dedicated-worker.js", import.meta.url), { type: "module" });
worker.onmessage = (event) => (globalThis.__conformance = event.data);
worker.onerror = (event) => (globalThis.__conformance = { passed: 0, failed: 1, results: [{ name: "worker", ok: false, error: event.message }] });
worker.postMessage(JSON.parse(decodeURIComponent(location.hash.slice(1))));
