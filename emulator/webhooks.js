// Webhooks for the emulator: the Account API's registry (`/account/v1/webhooks`) and the delivery of
// `chat_message` payloads to every registered URL. See README.md ("Webhooks").

import { ApiError, CODES } from './store.js';

/** The trigger names the Account API accepts. */
export const TRIGGERS = Object.freeze(['chat_message', 'entered_smart_group', 'exited_smart_group', 'traffic_dip', 'traffic_spike']);
/** The `version` every delivered `chat_message` payload carries. */
export const CHAT_MESSAGE_VERSION = '1.0.0';
/** How long one delivery may take before it is abandoned. */
const DELIVERY_TIMEOUT_MS = 10_000;

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function checkNewWebhook(body) {
  const { url, name, trigger, value, include_unverified: includeUnverified } = body;
  if (url === undefined) throw new ApiError(400, 4000, 'Error 4000: url parameter is required');
  let parsed;
  try {
    parsed = typeof url === 'string' ? new URL(url) : null;
  } catch {
    parsed = null;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new ApiError(400, 4004, 'Error 4004: url must be an absolute http(s) URL');
  }
  if (trigger !== undefined && !TRIGGERS.includes(trigger)) {
    throw new ApiError(400, 4004, `Error 4004: trigger must be one of ${TRIGGERS.join(', ')}`);
  }
  if (name !== undefined && typeof name !== 'string') throw new ApiError(400, 4004, 'Error 4004: name must be a string');
  if (value !== undefined && typeof value !== 'string' && typeof value !== 'number') {
    throw new ApiError(400, 4004, 'Error 4004: value must be a string or a number');
  }
  if (includeUnverified !== undefined && typeof includeUnverified !== 'boolean') {
    throw new ApiError(400, 4004, 'Error 4004: include_unverified must be a boolean');
  }
  return { url, name: name ?? null, trigger: trigger ?? 'chat_message', value: value ?? null, include_unverified: includeUnverified ?? false };
}

/** The registered webhooks, the log of deliveries, and the deliveries still in flight. */
export class WebhookRegistry {
  constructor() {
    this.inFlight = new Set();
    this.reset();
  }

  /** Forgets every webhook and delivery, and abandons deliveries in flight. */
  reset() {
    for (const { controller } of this.inFlight ?? []) controller.abort();
    this.hooks = new Map();
    this.seq = 0;
    /** `{ webhookId, url, payload, status, error }` per delivery, in the order they were sent. */
    this.deliveries = [];
  }

  list() {
    return [...this.hooks.values()].map((h) => ({ ...h }));
  }

  get(id) {
    const hook = this.hooks.get(id);
    if (!hook) throw new ApiError(404, CODES.NOT_FOUND, `Error ${CODES.NOT_FOUND}: webhook not found`);
    return { ...hook };
  }

  /** Registers a webhook from an Account API body; returns it with its numeric `id`. */
  create(body) {
    const fields = checkNewWebhook(body);
    const hook = { id: ++this.seq, ...fields };
    this.hooks.set(String(hook.id), hook);
    return { ...hook };
  }

  remove(id) {
    if (!this.hooks.delete(id)) throw new ApiError(404, CODES.NOT_FOUND, `Error ${CODES.NOT_FOUND}: webhook not found`);
  }

  /** POSTs the `chat_message` payload for `message` (sent by `person`) to every `chat_message` webhook. */
  deliverChatMessage(message, person) {
    const payload = {
      version: CHAT_MESSAGE_VERSION,
      message: {
        id: message.id,
        from: message.from,
        person_id: message.person_id,
        content: message.content,
        html_content: escapeHtml(message.content),
        timestamp: message.timestamp,
      },
      person: { ...person, presence: 'online' },
    };
    for (const hook of this.hooks.values()) {
      if (hook.trigger === 'chat_message') this.#deliver(hook, payload);
    }
  }

  #deliver(hook, payload) {
    const record = { webhookId: hook.id, url: hook.url, payload, status: 0, error: null };
    this.deliveries.push(record);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), DELIVERY_TIMEOUT_MS);
    const entry = { controller, done: null };
    entry.done = fetch(hook.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'gosquared-chat-emulator webhooks' },
      body: JSON.stringify(payload),
      signal: controller.signal,
    })
      .then(async (res) => {
        record.status = res.status;
        await res.arrayBuffer();
      })
      .catch((err) => {
        record.error = err?.cause?.code ?? err?.cause?.message ?? err?.message ?? 'Error';
      })
      .finally(() => {
        clearTimeout(timer);
        this.inFlight.delete(entry);
      });
    this.inFlight.add(entry);
  }

  /** Resolves once every delivery started so far has been answered or has failed. */
  async settled() {
    while (this.inFlight.size > 0) {
      await Promise.all([...this.inFlight].map((e) => e.done));
    }
  }
}
