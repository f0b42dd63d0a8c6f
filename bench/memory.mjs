// Memory: 100,000 sequential calls with an in-memory fetch; JS heap and wasm memory before and after.
import { ChatClient } from "gosquared-chat";

// Internal diagnostics, reached through a symbol so that they stay off the public surface.
const __memoryDiagnostics = () => ChatClient[Symbol.for("gosquared-chat.memoryDiagnostics")]();

const wasmBytes = () => __memoryDiagnostics().wasmMemoryBytes;

async function settledHeap() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return process.memoryUsage().heapUsed;
}

/** Runs `calls` calls and reports the growth of the heap and of wasm memory. */
export async function measureMemory(calls = 100_000) {
  const body = JSON.stringify({ id: "person-1", person: { id: "person-1", name: "Ada" }, archived: false });
  const client = new ChatClient({
    apiKey: "k", siteToken: "t", baseUrl: "http://bench.invalid",
    fetch: async () => new Response(body, { status: 200, headers: { "x-ratelimit-remaining": "700" } }),
  });
  for (let i = 0; i < 2000; i++) await client.getChat("person-1");
  const heapBefore = await settledHeap();
  const wasmBefore = wasmBytes();
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) await client.getChat("person-1");
  const seconds = (performance.now() - t0) / 1000;
  const heapAfter = await settledHeap();
  return { calls, seconds, heapBefore, heapAfter, wasmBefore, wasmAfter: wasmBytes(), gcExposed: typeof globalThis.gc === "function" };
}
