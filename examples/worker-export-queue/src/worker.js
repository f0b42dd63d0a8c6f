// A Cloudflare Worker that exports every GoSquared chat to R2, fanned out over a Queue.
//
// - Producer, `POST /export` (with `Authorization: Bearer <EXPORT_TOKEN>`): lists the chats page by page and
//   enqueues one message per chat. Add `?archived=1` to include archived chats.
// - Consumer, `queue()`: exports each chat (its line, then every feed item) with `exportChats({ chatIds })`
//   and stores it as `chats/<percent-encoded id>.ndjson`. A chat that fails is left to the Queue to retry;
//   an object is only written when the chat's export is complete.
import { ChatClient } from "./gosquared.js";

/** Queues accept at most 100 messages per sendBatch. */
const SEND_BATCH = 100;

function clientFor(env) {
  return new ChatClient({
    apiKey: env.GOSQUARED_API_KEY,
    siteToken: env.GOSQUARED_SITE_TOKEN,
    baseUrl: env.GOSQUARED_BASE_URL || undefined,
  });
}

/** The R2 key of a chat's export; the id is percent-encoded, so every id is one flat key. */
export function objectKey(chatId) {
  return `chats/${encodeURIComponent(chatId)}.ndjson`;
}

async function enqueueChats(client, queue, archived) {
  let enqueued = 0;
  const lists = archived ? [client.listChats({ limit: 250 }), client.listArchivedChats({ limit: 250 })] : [client.listChats({ limit: 250 })];
  for (const list of lists) {
    for await (const page of list.iterPages()) {
      for (let i = 0; i < page.items.length; i += SEND_BATCH) {
        const messages = page.items.slice(i, i + SEND_BATCH).map((chat) => ({ body: { chatId: chat.id } }));
        await queue.sendBatch(messages);
        enqueued += messages.length;
      }
    }
  }
  return enqueued;
}

/** Exports one chat; resolves to its NDJSON (without the summary line) and counts, or to its error line. */
async function exportChat(client, chatId) {
  const text = await new Response(client.exportChats({ chatIds: [chatId], concurrency: 1 })).text();
  const cut = text.lastIndexOf("\n", text.length - 2);
  const summary = JSON.parse(text.slice(cut + 1));
  if (summary.errors > 0) {
    const failure = text.split("\n").find((line) => line.startsWith('{"type":"error"'));
    return { failure: JSON.parse(failure).error };
  }
  return { body: text.slice(0, cut + 1), items: summary.items };
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname !== "/export" || request.method !== "POST") {
      return new Response("POST /export starts an export of every chat to R2\n", { status: 404 });
    }
    if (!env.EXPORT_TOKEN || request.headers.get("authorization") !== `Bearer ${env.EXPORT_TOKEN}`) {
      return new Response("unauthorised\n", { status: 401 });
    }
    const enqueued = await enqueueChats(clientFor(env), env.EXPORT_QUEUE, url.searchParams.get("archived") === "1");
    return Response.json({ enqueued });
  },

  async queue(batch, env) {
    const client = clientFor(env);
    for (const message of batch.messages) {
      const { chatId } = message.body;
      try {
        const result = await exportChat(client, chatId);
        if (result.failure) {
          console.warn(`chat ${chatId}: ${result.failure.name}: ${result.failure.message}; the queue will retry it`);
          message.retry();
          continue;
        }
        await env.EXPORTS.put(objectKey(chatId), result.body, {
          httpMetadata: { contentType: "application/x-ndjson" },
          customMetadata: { chatId, items: String(result.items) },
        });
        message.ack();
      } catch (error) {
        console.warn(`chat ${chatId}: ${error.name}: ${error.message}; the queue will retry it`);
        message.retry();
      }
    }
  },
};
