// Customers for the emulator: visitor messages written as if typed into the chat widget, one at a time
// (`POST /__emulator/customer-message`) or by a writer that keeps going (`--customers MS` on the CLI), for
// demos of a live inbox. Each message goes through the emulator's `clientMessage`, so it moves the chat's
// activity, brings an archived chat back, and is delivered to the `chat_message` webhooks. See README.md.

import { ApiError } from './store.js';

/** The shortest pause the writer accepts between two messages. */
export const MIN_EVERY_MS = 10;

/**
 * A small seeded random source (mulberry32), so that a demo with the same seed writes the same chats; the tests
 * use it too, so that a failing run can be repeated.
 */
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function checkBody(body) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ApiError(400, 4003, 'Error 4003: the body must be an object like {"chatId":"person-1","content":"Hi"}');
  }
  for (const key of Object.keys(body)) {
    if (key !== 'chatId' && key !== 'content') {
      throw new ApiError(400, 4004, `Error 4004: unknown field ${JSON.stringify(key)} (allowed: chatId, content)`);
    }
  }
  const { chatId, content } = body;
  if (chatId !== undefined && (typeof chatId !== 'string' || chatId === '')) {
    throw new ApiError(400, 4004, 'Error 4004: chatId must be a non-empty string');
  }
  if (content !== undefined && (typeof content !== 'string' || content.trim() === '')) {
    throw new ApiError(400, 4004, 'Error 4004: content must be a non-empty string');
  }
  return { chatId, content };
}

/** What one emulator's customers share: their random source and how many messages they have written. */
const state = new WeakMap();

function stateOf(emulator) {
  let s = state.get(emulator);
  if (!s) {
    s = { next: seededRandom(1), written: 0 };
    state.set(emulator, s);
  }
  return s;
}

/**
 * Writes one customer message on `emulator` (what `startEmulator` resolves to). `chatId` defaults to a chat
 * picked at random (now and then a new one, as a visitor starting a conversation); `content` defaults to
 * `"Customer message <n>"`. Returns the stored Message.
 */
export function customerMessage(emulator, body = {}) {
  const { chatId, content } = checkBody(body);
  const s = stateOf(emulator);
  s.written += 1;
  return emulator.clientMessage(chatId ?? pickChat(emulator.store, s), content ?? `Customer message ${s.written}`);
}

/** A chat to write into: an existing one at random, or, one time in ten (or in an empty store), a new one. */
function pickChat(store, s) {
  const ids = [...store.chats.keys()];
  if (ids.length === 0 || s.next() < 0.1) {
    let n = 1;
    while (store.has(`visitor-${n}`)) n += 1;
    return `visitor-${n}`;
  }
  return ids[Math.floor(s.next() * ids.length)];
}

/**
 * A writer that adds a customer message every `everyMs` milliseconds until `stop()`. `onMessage(message)` sees
 * each one (the CLI prints it); `seed` restarts the emulator's random source, so that the same store and seed
 * pick the same chats. Its timer does not keep a process alive.
 */
export function startCustomers(emulator, { everyMs = 3000, seed = 1, onMessage } = {}) {
  if (!Number.isInteger(everyMs) || everyMs < MIN_EVERY_MS) {
    throw new TypeError(`everyMs must be an integer of at least ${MIN_EVERY_MS}`);
  }
  if (!Number.isInteger(seed)) throw new TypeError('seed must be an integer');
  stateOf(emulator).next = seededRandom(seed);
  const timer = setInterval(() => {
    let message;
    try {
      message = customerMessage(emulator);
    } catch {
      return; // the emulator was reset or closed meanwhile
    }
    onMessage?.(message);
  }, everyMs);
  timer.unref?.();
  return { stop: () => clearInterval(timer) };
}
