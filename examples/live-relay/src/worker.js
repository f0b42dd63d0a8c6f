// A Cloudflare Worker that relays GoSquared's `chat_message` webhooks to live inboxes over WebSockets:
//
//   POST /gosquared/webhook?secret=…   GoSquared's webhook: checked, and published to every connected inbox.
//   GET  /events?token=…[&after=SEQ]   a WebSocket: first every buffered event after SEQ, then each new one.
//
// One Durable Object (`Relay`) holds the sockets and a replay buffer of the last events, each numbered. Its
// sockets use the hibernation API, so an idle relay is evicted from memory while its connections stay open.
// A `client.watch({ relay: { url: "wss://…/events?token=…" } })` treats each event as a cue to poll at once;
// its events still come from the API, so a push that is lost or repeated changes nothing.
//
// Environment: GOSQUARED_WEBHOOK_SECRET (in the webhook's URL), RELAY_TOKEN (what inboxes present), and the
// RELAY Durable Object binding.
import { DurableObject } from "cloudflare:workers";
import { InvalidRequestError, parseChatMessageWebhook, verifyWebhookSecret } from "./gosquared.js";

/** How many events the relay keeps for inboxes that reconnect. */
const REPLAY_SIZE = 100;

function reply(status, body) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

/** Constant-time comparison of two short secrets. */
function same(a, b) {
  const x = new TextEncoder().encode(String(a));
  const y = new TextEncoder().encode(String(b));
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const relay = env.RELAY.get(env.RELAY.idFromName("inbox"));
    if (request.method === "POST" && url.pathname === "/gosquared/webhook") {
      if (!verifyWebhookSecret(request, env.GOSQUARED_WEBHOOK_SECRET)) return reply(401, { error: "bad secret" });
      let payload;
      try {
        payload = parseChatMessageWebhook(await request.text());
      } catch (error) {
        if (error instanceof InvalidRequestError) return reply(400, { error: error.message });
        throw error;
      }
      // What an inbox needs to know: which chat moved and when. The message itself is read from the API.
      const { id, person_id: chatId, from, timestamp } = payload.message;
      const seq = await relay.publish({ type: "chat_message", chatId, messageId: id, from, timestamp });
      return reply(200, { seq });
    }
    if (url.pathname === "/events") {
      if (!same(url.searchParams.get("token") ?? "", env.RELAY_TOKEN)) return reply(401, { error: "bad token" });
      if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return reply(426, { error: "expected a WebSocket" });
      return relay.fetch(request);
    }
    return reply(404, { error: "not found" });
  },
};

/** The inboxes' sockets and the replay buffer. Storage keys: `seq` (the last number), `e:<seq>` per event. */
export class Relay extends DurableObject {
  /** Numbers and stores an event, trims the buffer, and sends the event to every open socket. */
  async publish(event) {
    const seq = ((await this.ctx.storage.get("seq")) ?? 0) + 1;
    const numbered = JSON.stringify({ seq, ...event });
    await this.ctx.storage.put({ seq, [key(seq)]: numbered });
    if (seq > REPLAY_SIZE) await this.ctx.storage.delete(key(seq - REPLAY_SIZE));
    for (const socket of this.ctx.getWebSockets()) {
      try {
        socket.send(numbered);
      } catch {} // a socket closing meanwhile
    }
    return seq;
  }

  /** Accepts an inbox's WebSocket (hibernatable) and replays the buffered events after `after`. */
  async fetch(request) {
    const after = Number(new URL(request.url).searchParams.get("after") ?? "NaN");
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    if (Number.isSafeInteger(after) && after >= 0) {
      const last = (await this.ctx.storage.get("seq")) ?? 0;
      const first = Math.max(after + 1, last - REPLAY_SIZE + 1);
      const keys = [];
      for (let seq = first; seq <= last; seq++) keys.push(key(seq));
      const stored = keys.length > 0 ? await this.ctx.storage.get(keys) : new Map();
      for (const k of keys) if (stored.has(k)) server.send(stored.get(k));
    }
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Inboxes only listen; anything they send is ignored. */
  webSocketMessage() {}

  webSocketClose(socket, code) {
    try {
      socket.close(code === 1005 ? 1000 : code, "closing");
    } catch {}
  }
}

const key = (seq) => `e:${String(seq).padStart(12, "0")}`;
