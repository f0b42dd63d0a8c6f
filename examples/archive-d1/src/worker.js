// A Cloudflare Worker that keeps an archive of every GoSquared chat in D1, with each run's raw NDJSON in R2.
//
// - `scheduled()` (the Cron Trigger): one archive run (src/archive.js). The first run exports everything;
//   later ones export what changed since the last complete run; a run that spends its time or subrequest
//   budget stops at its last checkpoint, and the next run carries on from there.
// - `GET /archive/chats/:id` (with `Authorization: Bearer <ARCHIVE_TOKEN>`): a chat's archived record and its
//   items (messages, notes and events, oldest first), from D1.
import { runArchive } from "./archive.js";
import { readChat } from "./db.js";

const PREFIX = "/archive/chats/";

export default {
  async scheduled(controller, env) {
    const run = await runArchive(env);
    if (run.id === null) return console.log(`archive: ${run.outcome}`);
    console.log(`archive run ${run.id}${run.resumed ? " (resumed)" : ""}: ${run.outcome}; ${run.chats} chats (${run.repeats} repeats), ${run.items} items, ${run.requests} API requests`);
  },

  async fetch(request, env) {
    const url = new URL(request.url);
    if (request.method !== "GET" || !url.pathname.startsWith(PREFIX) || url.pathname.length === PREFIX.length) {
      return new Response("GET /archive/chats/:id serves a chat's archived history\n", { status: 404 });
    }
    if (!env.ARCHIVE_TOKEN || request.headers.get("authorization") !== `Bearer ${env.ARCHIVE_TOKEN}`) {
      return new Response("unauthorised\n", { status: 401 });
    }
    let id;
    try {
      id = decodeURIComponent(url.pathname.slice(PREFIX.length));
    } catch {
      return new Response("the chat id is not a valid percent-encoded string\n", { status: 400 });
    }
    const archived = await readChat(env.ARCHIVE_DB, id);
    if (archived === null) return new Response("no such chat in the archive\n", { status: 404 });
    return Response.json(archived);
  },
};
