// In-memory data model for the GoSquared Live Chat emulator.
//
// Everything here is deterministic by default: timestamps come from a logical clock and
// ids from counters, so the same seed always produces byte-identical data. With the
// real clock (`clock: "real"`), stored items are stamped with Date.now() instead.
//
// Shapes (see README.md for which parts are inferred rather than evidenced):
//   Chat     { id, person:{id,name,email,avatar}, archived, latest:{message},
//              unread, last_read:{client,agent}, created, updated }
//   Message  { id:"m_<n>", timestamp, from, content, entities:[], person_id,
//              agent? (agent messages and notes), private? (notes only, true) }
//   Event    { id:"e_<n>", timestamp, event:"archived"|"unarchived" }
//   Feed     a Message or note with type:"message", or an Event with type:"event"

/** First timestamp handed out by the logical clock (2023-11-14T22:13:20Z). */
export const CLOCK_START = 1700000000000;
/** How far the logical clock moves for every stored message, note or event. */
export const CLOCK_STEP = 1000;

/** The single agent every agent-authored message and note is attributed to. */
export const DEFAULT_AGENT = Object.freeze({
  id: 'agent_1',
  first_name: 'Ada',
  last_name: 'Lovelace',
  avatar: 'https://example.invalid/a.png',
});

/**
 * The error codes the emulator answers with, one per meaning. 4000 to 4004 are GoSquared's documented code
 * classes. The API's code for "not found" (an unknown chat, webhook or route) is not documented: NOT_FOUND is
 * INFERRED, chosen in the function-specific range (7000 and up) so that it cannot be read as a documented
 * class; CONFLICT is the emulator's own (its control route refuses a chat id that exists).
 */
export const CODES = Object.freeze({
  MISSING_PARAMETER: 4000,
  NOT_AUTHORISED: 4001,
  RATE_LIMITED: 4002,
  INVALID_PARAMETER: 4003,
  INVALID_VALUE: 4004,
  INTERNAL: 5000,
  NOT_FOUND: 7404,
  CONFLICT: 7409,
});

export const MESSAGE_SENDERS = Object.freeze(['agent', 'client', 'bot']);

/**
 * An error that maps directly onto an API error response.
 * `status` is the HTTP status, `code` the GoSquared error code.
 */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }

  toJSON() {
    return { code: this.code, message: this.message };
  }
}

export function chatNotFound() {
  return new ApiError(404, CODES.NOT_FOUND, `Error ${CODES.NOT_FOUND}: chat not found`);
}

/**
 * Turns a seed spec into `{ chats, messages }`.
 * Accepts "C:M", `{ chats, messages }`, or nothing (empty store).
 */
export function parseSeed(spec) {
  if (spec === undefined || spec === null || spec === '' || spec === false) {
    return { chats: 0, messages: 0 };
  }
  let chats;
  let messages;
  if (typeof spec === 'string') {
    const m = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(spec);
    if (!m) {
      throw new TypeError(`seed must look like "CHATS:MESSAGES" (e.g. "3:5"), got ${JSON.stringify(spec)}`);
    }
    chats = Number(m[1]);
    messages = Number(m[2]);
  } else if (typeof spec === 'object') {
    chats = spec.chats ?? 0;
    messages = spec.messages ?? 0;
  } else {
    throw new TypeError('seed must be a "CHATS:MESSAGES" string or an object { chats, messages }');
  }
  for (const [name, value] of [['chats', chats], ['messages', messages]]) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new TypeError(`seed ${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
    }
  }
  if (chats * messages > 1_000_000) {
    throw new RangeError('seed is too large (more than one million messages)');
  }
  return { chats, messages };
}

/** Person details used for the n-th seeded chat (1-based). */
export function seededPerson(n) {
  if (n === 1) {
    return {
      id: 'email:ada@example.com',
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      avatar: 'https://example.invalid/avatars/1.png',
    };
  }
  return {
    id: `person-${n}`,
    name: `Person ${n}`,
    email: `person-${n}@example.com`,
    avatar: `https://example.invalid/avatars/${n}.png`,
  };
}

/** Validates message/note content; throws the matching ApiError. */
export function checkContent(content) {
  if (content === undefined) {
    throw new ApiError(400, 4000, 'Error 4000: content parameter is required');
  }
  if (typeof content !== 'string' || content.trim() === '') {
    throw new ApiError(400, 4004, 'Error 4004: content must be a non-empty string');
  }
  return content;
}

/** Validates the `from` of a message; undefined/null fall back to `fallback`. */
export function checkSender(from, fallback = 'agent') {
  if (from === undefined || from === null) return fallback;
  if (typeof from !== 'string' || !MESSAGE_SENDERS.includes(from)) {
    throw new ApiError(400, 4004, 'Error 4004: from must be one of "agent", "client", "bot"');
  }
  return from;
}

function copy(value) {
  return structuredClone(value);
}

function isNote(item) {
  return item.type === 'message' && item.private === true;
}

function isVisibleMessage(item) {
  return item.type === 'message' && item.private !== true;
}

/** Strips the internal `type` marker to get the API Message / note shape. */
function toMessage(item) {
  const { type, ...rest } = item;
  return copy(rest);
}

function toFeedItem(item) {
  const { type, ...rest } = item;
  return { ...copy(rest), type };
}

/**
 * The emulator's whole state. One instance lives for the lifetime of an
 * emulator; `reset()` rebuilds it in place so references stay valid.
 */
export class ChatStore {
  /** `clock`: "logical" (the default, deterministic) or "real" (items stamped with `Date.now()`). */
  constructor(seed, clock = 'logical') {
    this.realClock = clock === 'real';
    this.reset(seed);
  }

  /** Wipes everything and re-seeds. Returns the parsed seed. */
  reset(seed) {
    const parsed = parseSeed(seed);
    this.seed = parsed;
    // On the real clock the seeded history is laid out CLOCK_STEP apart, ending a step before now, so that
    // everything stored later is newer than every seeded item.
    this.clock = this.realClock ? Date.now() - parsed.chats * parsed.messages * CLOCK_STEP : CLOCK_START;
    this.seeding = true;
    this.messageSeq = 0;
    this.eventSeq = 0;
    /** @type {Map<string, object>} insertion-ordered chat records */
    this.chats = new Map();
    for (let n = 1; n <= parsed.chats; n += 1) {
      const person = seededPerson(n);
      this.addChat({ id: person.id, person, messages: parsed.messages });
    }
    this.seeding = false;
    return parsed;
  }

  /** Timestamp the next stored item will get (does not advance the clock). */
  now() {
    return this.realClock && !this.seeding ? Math.max(Date.now(), this.clock) : this.clock;
  }

  /** The timestamp of an item being stored. The real clock never goes backwards (two items may share a ms). */
  tick() {
    if (this.realClock && !this.seeding) {
      this.clock = this.now();
      return this.clock;
    }
    const t = this.clock;
    this.clock += CLOCK_STEP;
    return t;
  }

  has(id) {
    return this.chats.has(id);
  }

  record(id) {
    const rec = this.chats.get(id);
    if (!rec) throw chatNotFound();
    return rec;
  }

  /**
   * Creates a chat.
   * - `person`: optional partial `{ name, email, avatar }` (person.id is always the chat id).
   * - `messages`: a number N (seed-style alternating client/agent messages), or an array
   *   of strings (client messages) / `{ content, from = "client", private }` objects
   *   (`private: true` makes a note).
   * - `archived`: true archives the chat after its messages (adds an "archived" event).
   * Returns the Chat object. Throws ApiError 409 if the id already exists.
   */
  addChat({ id, person, messages, archived } = {}) {
    if (typeof id !== 'string' || id === '') {
      throw new ApiError(400, 4004, 'Error 4004: chat id must be a non-empty string');
    }
    if (this.chats.has(id)) {
      throw new ApiError(409, CODES.CONFLICT, `Error ${CODES.CONFLICT}: chat ${JSON.stringify(id)} already exists`);
    }
    if (person !== undefined && person !== null && (typeof person !== 'object' || Array.isArray(person))) {
      throw new ApiError(400, 4004, 'Error 4004: person must be an object');
    }
    if (messages !== undefined && messages !== null && !Array.isArray(messages)
      && !(Number.isSafeInteger(messages) && messages >= 0)) {
      throw new ApiError(400, 4004, 'Error 4004: messages must be a count or an array');
    }
    // Validate every message up front so a bad entry does not leave a half-built chat.
    const planned = [];
    if (typeof messages === 'number') {
      for (let i = 1; i <= messages; i += 1) {
        planned.push({
          content: `Message ${i} in chat ${id}`,
          from: i % 2 === 1 ? 'client' : 'agent',
          note: false,
        });
      }
    } else if (Array.isArray(messages)) {
      for (const entry of messages) {
        if (typeof entry === 'string') {
          planned.push({ content: checkContent(entry), from: 'client', note: false });
        } else if (entry && typeof entry === 'object') {
          const note = entry.private === true;
          planned.push({
            content: checkContent(entry.content),
            from: note ? 'agent' : checkSender(entry.from, 'client'),
            note,
          });
        } else {
          throw new ApiError(400, 4004, 'Error 4004: each message must be a string or an object');
        }
      }
    }

    const p = person ?? {};
    const rec = {
      id,
      person: {
        id,
        name: p.name ?? null,
        email: p.email ?? (id.startsWith('email:') ? id.slice('email:'.length) : null),
        avatar: p.avatar ?? null,
      },
      archived: false,
      created: this.now(),
      items: [],
      lastRead: { client: 0, agent: 0 },
    };
    this.chats.set(id, rec);
    for (const m of planned) {
      if (m.note) this.addNote(id, { content: m.content });
      else this.addMessage(id, { content: m.content, from: m.from });
    }
    if (archived === true) this.archive(id);
    return this.getChat(id);
  }

  /**
   * Stores a message (default sender: agent). A client message unarchives an
   * archived chat, adding an "unarchived" event right after the message.
   * Returns the created Message.
   */
  addMessage(id, { content, from } = {}) {
    const rec = this.record(id);
    const text = checkContent(content);
    const sender = checkSender(from, 'agent');
    const item = {
      type: 'message',
      id: `m_${++this.messageSeq}`,
      timestamp: this.tick(),
      from: sender,
      content: text,
      entities: [],
      person_id: id,
    };
    if (sender === 'agent') item.agent = { ...DEFAULT_AGENT };
    rec.items.push(item);
    if (sender === 'client') {
      rec.lastRead.client = item.timestamp;
    } else if (sender === 'agent') {
      rec.lastRead.agent = item.timestamp;
    }
    if (sender === 'client' && rec.archived) this.unarchive(id);
    return toMessage(item);
  }

  /** Stores a private agent note. Returns it (a Message with private:true). */
  addNote(id, { content } = {}) {
    const rec = this.record(id);
    const text = checkContent(content);
    const item = {
      type: 'message',
      id: `m_${++this.messageSeq}`,
      timestamp: this.tick(),
      from: 'agent',
      content: text,
      entities: [],
      person_id: id,
      agent: { ...DEFAULT_AGENT },
      private: true,
    };
    rec.items.push(item);
    rec.lastRead.agent = item.timestamp;
    return toMessage(item);
  }

  /**
   * A visitor message, as if typed into the widget. Creates the chat when it
   * does not exist yet (that is how real chats start). Returns the Message.
   */
  clientMessage(id, content) {
    checkContent(content);
    if (!this.chats.has(id)) this.addChat({ id });
    return this.addMessage(id, { content, from: 'client' });
  }

  #setArchived(id, archived) {
    const rec = this.record(id);
    if (rec.archived === archived) return false;
    rec.archived = archived;
    rec.items.push({
      type: 'event',
      id: `e_${++this.eventSeq}`,
      timestamp: this.tick(),
      event: archived ? 'archived' : 'unarchived',
    });
    return true;
  }

  /** Archives a chat; returns false (and adds nothing) if it already was. */
  archive(id) {
    return this.#setArchived(id, true);
  }

  /** Unarchives a chat; returns false (and adds nothing) if it was not archived. */
  unarchive(id) {
    return this.#setArchived(id, false);
  }

  /** The public Chat object for a stored record. */
  view(rec) {
    let latest = null;
    for (let i = rec.items.length - 1; i >= 0; i -= 1) {
      if (isVisibleMessage(rec.items[i])) {
        latest = rec.items[i];
        break;
      }
    }
    let unread = 0;
    for (const item of rec.items) {
      if (isVisibleMessage(item) && item.from === 'client' && item.timestamp > rec.lastRead.agent) unread += 1;
    }
    const last = rec.items[rec.items.length - 1];
    return {
      id: rec.id,
      person: { ...rec.person },
      archived: rec.archived,
      latest: { message: latest ? toMessage(latest) : null },
      unread,
      last_read: { client: rec.lastRead.client, agent: rec.lastRead.agent },
      created: rec.created,
      updated: last ? last.timestamp : rec.created,
    };
  }

  getChat(id) {
    return this.view(this.record(id));
  }

  /**
   * Chats with the given archived flag, sorted by `updated` descending, ties by
   * id ascending (plain code-unit order). `from`/`to` (inclusive ms) filter on `updated`.
   */
  listChats({ archived = false, from = -Infinity, to = Infinity } = {}) {
    const out = [];
    for (const rec of this.chats.values()) {
      if (rec.archived !== archived) continue;
      const chat = this.view(rec);
      if (chat.updated < from || chat.updated > to) continue;
      out.push(chat);
    }
    out.sort((a, b) => (b.updated - a.updated) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return out;
  }

  /** Every feed item of a chat (messages, notes, events), oldest first. */
  feed(id, { from = -Infinity, to = Infinity } = {}) {
    return this.record(id).items
      .filter((item) => item.timestamp >= from && item.timestamp <= to)
      .map(toFeedItem);
  }

  /** Messages only (no notes, no events), oldest first. */
  messages(id, { from = -Infinity, to = Infinity } = {}) {
    return this.record(id).items
      .filter((item) => isVisibleMessage(item) && item.timestamp >= from && item.timestamp <= to)
      .map(toMessage);
  }

  /** Notes only, oldest first. */
  notes(id) {
    return this.record(id).items.filter(isNote).map(toMessage);
  }

  /**
   * Full state dump:
   * `{ clock, next_message_id, next_event_id, chats: [ { ...Chat, feed: [FeedItem…] } ] }`
   * with chats in creation order.
   */
  dump() {
    return {
      clock: this.clock,
      next_message_id: `m_${this.messageSeq + 1}`,
      next_event_id: `e_${this.eventSeq + 1}`,
      chats: [...this.chats.values()].map((rec) => ({
        ...this.view(rec),
        feed: rec.items.map(toFeedItem),
      })),
    };
  }
}
