// Decode: a 250-item feed page and a 5 MB feed page through the client (with an in-memory fetch) beside
// `JSON.parse` of the same body read the same way.
import { ChatClient } from "gosquared-chat";
import { elapsed, interleave, median } from "./stats.mjs";

function feedBody(items, contentLength) {
  const list = Array.from({ length: items }, (_, i) => ({
    type: "message", id: `m_${i}`, timestamp: 1700000000000 + i * 1000, from: i % 2 ? "agent" : "client",
    content: "x".repeat(contentLength), entities: [], person_id: "person-1",
  }));
  return JSON.stringify({ list, cardinality: items });
}

/** Times the client and `JSON.parse` as alternating single-call pairs (random order within each pair), after a warm-up. */
async function compare(body, pairs) {
  const fetchBody = async () => new Response(body, { status: 200, headers: { "content-type": "application/json" } });
  const client = new ChatClient({ apiKey: "k", siteToken: "t", baseUrl: "http://bench.invalid", fetch: fetchBody });
  const tasks = {
    client: () => elapsed(() => client.getFeed("person-1", { limit: 250 })),
    raw: () => elapsed(async () => JSON.parse(await (await fetchBody()).text())),
  };
  await interleave(20, tasks);
  const times = await interleave(pairs, tasks);
  return { bytes: body.length, clientMs: median(times.client), rawMs: median(times.raw) };
}

/** Measures both page sizes. */
export async function measureDecode({ smallPairs = 1500, largePairs = 100 } = {}) {
  return {
    page250: await compare(feedBody(250, 120), smallPairs),
    page5mb: await compare(feedBody(250, 20_000), largePairs),
  };
}
