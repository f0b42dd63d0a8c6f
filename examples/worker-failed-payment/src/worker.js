// A Cloudflare Worker for failed payments:
//
//   POST /payments/webhook?secret=…   a payment provider's `invoice.payment_failed` event (Stripe's shape):
//                                     message the customer in GoSquared chat and leave a note for the team.
//   POST /gosquared/webhook?secret=…  GoSquared's `chat_message` webhook: when the customer of a failed-payment
//                                     conversation says it is sorted, note it and archive the chat.
//
// Environment: GOSQUARED_API_KEY, GOSQUARED_SITE_TOKEN, PAYMENT_WEBHOOK_SECRET, GOSQUARED_WEBHOOK_SECRET,
// optionally GOSQUARED_BASE_URL (the emulator, in development), and the KV namespace SENT_EVENTS, where each
// payment event's message and note are recorded so that a retried event never messages the customer twice.
import { ChatClient, GoSquaredError, InvalidRequestError, NotFoundError, parseChatMessageWebhook, verifyWebhookSecret } from "./gosquared.js";

/** Every note this Worker leaves starts with this, which is how it recognises its own conversations. */
const NOTE_PREFIX = "Payment failed:";
const RESOLVED = /\b(resolved|sorted|fixed|all good|works now|that worked|updated my card)\b/i;
const NOT_RESOLVED = /\b(not|still|isn't|hasn't|doesn't|didn't|never)\b/i;

function reply(status, body) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

/**
 * Idempotency records in a KV namespace, kept a week (longer than any provider retries an event). Without the
 * binding, the client keeps them in memory, which a retry landing in another isolate does not see.
 */
function kvStore(kv) {
  return {
    async get(key) {
      const text = await kv.get(key);
      return text === null ? undefined : JSON.parse(text);
    },
    set: (key, record) => kv.put(key, JSON.stringify(record), { expirationTtl: 7 * 24 * 3600 }),
  };
}

function chatClient(env) {
  return new ChatClient({
    apiKey: env.GOSQUARED_API_KEY,
    siteToken: env.GOSQUARED_SITE_TOKEN,
    ...(env.GOSQUARED_BASE_URL ? { baseUrl: env.GOSQUARED_BASE_URL } : {}),
    ...(env.SENT_EVENTS ? { idempotencyStore: kvStore(env.SENT_EVENTS) } : {}),
  });
}

function money(minor, currency) {
  const code = String(currency ?? "usd").toUpperCase();
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency: code }).format(minor / 100);
  } catch {
    return `${(minor / 100).toFixed(2)} ${code}`;
  }
}

/** The GoSquared person id of the invoice's customer: set in the invoice metadata, or their email. */
function personId(invoice) {
  const fromMetadata = invoice.metadata?.gosquared_person_id;
  if (typeof fromMetadata === "string" && fromMetadata !== "") return fromMetadata;
  if (typeof invoice.customer_email === "string" && invoice.customer_email !== "") return `email:${invoice.customer_email}`;
  return null;
}

async function paymentFailed(request, env) {
  if (!verifyWebhookSecret(request, env.PAYMENT_WEBHOOK_SECRET)) return reply(401, { error: "bad secret" });
  let event;
  try {
    event = await request.json();
  } catch {
    return reply(400, { error: "the body is not JSON" });
  }
  if (event?.type !== "invoice.payment_failed") return reply(200, { ignored: event?.type ?? null });
  const invoice = event.data?.object ?? {};
  const chatId = personId(invoice);
  if (!chatId || !Number.isFinite(invoice.amount_due)) return reply(422, { error: "the invoice names no customer or amount" });

  const amount = money(invoice.amount_due, invoice.currency);
  const link = invoice.hosted_invoice_url ? ` You can update your card here: ${invoice.hosted_invoice_url}` : "";
  const chat = chatClient(env);
  // The event's id keys the message and the note: the provider's retry of this event (after a 5xx, or an answer
  // it never got) resolves to what was sent instead of sending it again.
  const keyed = typeof event.id === "string" && event.id !== "" && event.id.length <= 200;
  const once = (what) => (keyed ? { idempotencyKey: `${event.id}:${what}` } : { reconcile: true });
  let message;
  try {
    message = await chat.sendMessage(chatId, {
      content: `Hi! Your payment of ${amount} didn't go through.${link} Just reply here if you need a hand.`,
    }, once("message"));
  } catch (error) {
    if (!(error instanceof GoSquaredError)) throw error;
    // No conversation with this customer yet: nothing to do, and a retry would not change that.
    if (error instanceof NotFoundError) return reply(200, { chatId, skipped: "GoSquared has no chat with this customer" });
    // With the event's key, the provider's retry is safe: it finds the message if it went out. Without one, a
    // message that may have gone out must not be sent again by a retry: answer 2xx then.
    return reply(error.mayHaveSucceeded && !keyed ? 202 : 503, { error: error.name, message: error.message });
  }
  let note = "added";
  try {
    await chat.addNote(chatId, {
      content: `${NOTE_PREFIX} invoice ${invoice.id ?? "?"}, ${amount}, attempt ${invoice.attempt_count ?? 1} (event ${event.id ?? "?"}). `
        + "The chat is archived automatically when the customer says it is sorted.",
    }, once("note"));
  } catch (error) {
    if (!(error instanceof GoSquaredError)) throw error;
    // The message went out: report the missing note instead of failing (a retry of the event would add it, the
    // message resolving from its record, but the provider has no reason to retry a 200).
    note = `failed: ${error.message}`;
  }
  return reply(200, { chatId, messageId: message.id ?? null, note });
}

/** Whether this Worker opened the conversation (its note is in the feed). */
async function isPaymentConversation(chat, chatId) {
  for await (const item of chat.getFeed(chatId, { limit: 250 })) {
    if (item.private === true && typeof item.content === "string" && item.content.startsWith(NOTE_PREFIX)) return true;
  }
  return false;
}

async function chatMessage(request, env) {
  if (!verifyWebhookSecret(request, env.GOSQUARED_WEBHOOK_SECRET)) return reply(401, { error: "bad secret" });
  let payload;
  try {
    payload = parseChatMessageWebhook(await request.text());
  } catch (error) {
    if (error instanceof InvalidRequestError) return reply(400, { error: error.message });
    throw error;
  }
  const { message } = payload;
  const resolved = message.from === "client" && RESOLVED.test(message.content) && !NOT_RESOLVED.test(message.content);
  if (!resolved) return reply(200, { action: "none" });
  const chat = chatClient(env);
  const chatId = message.person_id;
  try {
    if (!(await isPaymentConversation(chat, chatId))) return reply(200, { action: "none", reason: "not a payment conversation" });
    await chat.addNote(chatId, { content: `Customer confirmed it is sorted ("${message.content.slice(0, 80)}"); archived by the payments worker.` });
    await chat.archiveChat(chatId);
    return reply(200, { action: "archived", chatId });
  } catch (error) {
    if (!(error instanceof GoSquaredError)) throw error;
    return reply(503, { error: error.name, message: error.message });
  }
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    const routes = { "/payments/webhook": paymentFailed, "/gosquared/webhook": chatMessage };
    const handler = routes[pathname];
    if (!handler) return reply(404, { error: "not found" });
    if (request.method !== "POST") return reply(405, { error: "POST only" });
    return handler(request, env);
  },
};
