// Decode: a 250-item feed page and a 5 MB feed page through the client (with an in-memory fetch) beside
// `JSON.parse` of the same body read the same way.
import { ChatClient } from "gosquared-chat";
import { median } from "./stats.mjs";

function feedBody(items, contentLength) {
  const list = Array.from({ length: items }, (_, i) => ({
    type: "message", id: `m_${i}`, timestamp: 1700000000000 + i * 1000, from: i % 2 ? "agent" : "client",
    content: "x".repeat(contentLength), entities: [], person_id: "person-1",
  }));
  return JSON.stringify({ list, cardinality: items });
}

async function compare(body, iterations) {
  const fetchBody = async () => new Response(body, { status: 200, headers: { "content-type": "application/json" } });
  const client = new ChatClient({ apiKey: "k", siteToken: "t", baseUrl: "http://bench.invalid", fetch: fetchBody });
  const clientRun = () => client.getFeed("person-1", { limit: 250 });
  const rawRun = async () => JSON.parse(await (await fetchBody()).text());
  for (let i = 0; i < 20; i++) { await clientRun(); await rawRun(); }
  const c = [], r = [];
  for (let round = 0; round < 5; round++) {
    let t0 = performance.now();
    for (let i = 0; i < iterations; i++) await clientRun();
    c.push((performance.now() - t0) / iterations);
    t0 = performance.now();
    for (let i = 0; i < iterations; i++) await rawRun();
    r.push((performance.now() - t0) / iterations);
  }
  return { bytes: body.length, clientMs: median(c), rawMs: median(r) };
}

/** Measures both page sizes. */
export async function measureDecode() {
  return {
    page250: await compare(feedBody(250, 120), 300),
    page5mb: await compare(feedBody(250, 20_000), 20),
  };
}
