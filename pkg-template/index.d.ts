// Type declarations for the public surface of gosquared-chat: the client, its options and parameters, the
// shapes the API returns, pages, every error class, and the edge helpers (webhooks, Secure Mode, the proxy).
// The same file serves every runtime entry.

/** A `fetch`-compatible function; the client calls it unbound with a URL string and an init object. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** Options for `new ChatClient(options)`; unknown keys are refused. */
export interface ClientOptions {
  /** The API key; required unless `baseUrl` points at a proxy that adds it. */
  apiKey?: string;
  /** The project's site token, `GSN-…`. */
  siteToken: string;
  /** `https://api.gosquared.com` by default; an `http(s)://` URL or a same-origin path such as `/api/chat`. */
  baseUrl?: string;
  /** The `fetch` to call; `globalThis.fetch` at call time by default. */
  fetch?: FetchLike;
  /** Milliseconds allowed per attempt, body included (default 10000). */
  timeoutMs?: number;
  /** Retries after the first attempt (default 2, at most 10). */
  maxRetries?: number;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
  /**
   * Observes every attempt of every call, for logs and metrics: the request going out, its answer (or how it
   * failed), and each retry's wait. Paths are percent-encoded and carry no query, so never the key. An
   * observer that throws is ignored.
   */
  onEvent?: (event: ClientEvent) => void;
  /**
   * Makes every `sendMessage` and `addNote` checked (exactly-once, docs/exactly-once.md): the chat's identical
   * messages are counted before the send and after any attempt that does not return the stored message, so an
   * unknown outcome resolves with the stored message or is sent again. Off by default; `opts.reconcile` overrides.
   */
  reconcile?: boolean;
  /**
   * Where `idempotencyKey` records are kept (a KV namespace, a database, a `Map`…); by default in memory, per
   * client, the 10,000 most recently written keys.
   */
  idempotencyStore?: IdempotencyStore;
}

/**
 * A store of idempotency records: `get` resolves to what `set` was given for the key (or undefined), as a
 * value or a promise. A store that keeps text can keep `JSON.stringify(record)` and give back `JSON.parse`d.
 */
export interface IdempotencyStore {
  get(key: string): IdempotencyRecord | undefined | null | Promise<IdempotencyRecord | undefined | null>;
  set(key: string, record: IdempotencyRecord): unknown;
}

/** What is kept under an idempotency key: a send under way (with its baseline count), or its stored message. */
export type IdempotencyRecord =
  | { version: 1; state: "pending"; fingerprint: string; count: number | null }
  | { version: 1; state: "done"; fingerprint: string; message: Message };

/** What `onEvent` observes. `attempt` counts from 1; `durationMs` is the attempt's time, body included. */
export type ClientEvent =
  | { type: "request"; method: string; path: string; attempt: number }
  | { type: "response"; method: string; path: string; attempt: number; status: number; durationMs: number }
  | { type: "failure"; method: string; path: string; attempt: number; reason: "network" | "timeout" | "not-a-response" | "no-fetch" | "redirect"; durationMs: number }
  | { type: "retry"; method: string; path: string; attempt: number; delayMs: number };

/** A point in time: a `Date`, an ISO 8601 string (UTC when it has no offset) or epoch milliseconds. */
export type TimeInput = Date | string | number;

/** Parameters of the list methods. */
export interface ListParams {
  /** Page size, an integer from 1 to 250. */
  limit?: number;
  /** Items to skip, an integer ≥ 0. */
  offset?: number;
  /** Only items at or after this time. */
  from?: TimeInput;
  /** Only items at or before this time. */
  to?: TimeInput;
}

/** Per-call options. */
export interface RequestOptions {
  /** Aborts the call; it rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Overrides the client's `timeoutMs` for this call. */
  timeoutMs?: number;
  /** Overrides the client's `maxRetries` for this call. */
  maxRetries?: number;
  /** Headers for this call only, added to the client's (a header named in both takes this call's value). */
  headers?: Record<string, string>;
}

/** Per-call options of `sendMessage` and `addNote`. */
export interface SendOptions extends RequestOptions {
  /** Checks this send (exactly-once, docs/exactly-once.md), or not, whatever the client's `reconcile` says. */
  reconcile?: boolean;
  /**
   * A key of at most 256 characters (such as the event id of the webhook being handled): a later call with
   * the same key, in this process or one sharing the `idempotencyStore`, resolves to the same message instead
   * of sending it again. Implies `reconcile`.
   */
  idempotencyKey?: string;
}

/** Who wrote a message. */
export type Sender = "agent" | "client" | "bot";

/** The body of `sendMessage`. */
export interface MessageInput {
  /** A non-blank string of at most 100,000 characters. */
  content: string;
  /** `"agent"` by default. */
  from?: Sender;
}

/** The body of `addNote`. */
export interface NoteInput {
  /** A non-blank string of at most 100,000 characters. */
  content: string;
}

/** The rate-limit budget reported by the last answer; a field is absent when its header was. */
export interface RateLimit {
  limit?: number;
  remaining?: number;
  cost?: number;
  fullInSeconds?: number;
}

/** The agent who wrote a message or note. */
export interface Agent {
  id: string;
  first_name?: string;
  last_name?: string;
  avatar?: string;
  [field: string]: unknown;
}

/** A chat message (or, with `private: true`, a note). Unknown fields the API adds are kept. */
export interface Message {
  id: string;
  /** Epoch milliseconds. */
  timestamp: number;
  from: Sender;
  content: string;
  entities?: unknown[];
  person_id?: string;
  agent?: Agent;
  /** `true` on notes, which only the team sees. */
  private?: boolean;
  [field: string]: unknown;
}

/** Something that happened to a chat, as it appears in the feed. */
export interface ChatEvent {
  id: string;
  /** Epoch milliseconds. */
  timestamp: number;
  /** For example `"archived"` or `"unarchived"`. */
  event: string;
  [field: string]: unknown;
}

/** One item of a chat's feed: a message or note, or an event. */
export type FeedItem = (Message & { type: "message" }) | (ChatEvent & { type: "event" });

/** The visitor a chat is with. */
export interface Person {
  id: string;
  name?: string | null;
  email?: string | null;
  avatar?: string | null;
  [field: string]: unknown;
}

/** A conversation; its `id` is the person id GoSquared knows the visitor by. */
export interface Chat {
  id: string;
  person?: Person;
  archived?: boolean;
  latest?: { message: Message | null; [field: string]: unknown };
  unread?: number;
  last_read?: { client?: number; agent?: number; [field: string]: unknown };
  /** Epoch milliseconds. */
  created?: number;
  /** Epoch milliseconds. */
  updated?: number;
  [field: string]: unknown;
}

/** One page of a list. */
export declare class Page<T> implements AsyncIterable<T> {
  private constructor();
  /** The items of this page. */
  readonly items: T[];
  /** The total number of items in the list, when the API says. */
  readonly cardinality: number | undefined;
  /** The offset of this page's first item. */
  readonly offset: number;
  /** The page size asked for (or this page's length when none was). */
  readonly limit: number;
  /** Whether another page follows this one. */
  hasNextPage(): boolean;
  /** Fetches the page after this one; rejects with `InvalidRequestError` when there is none. */
  getNextPage(): Promise<Page<T>>;
  /** Iterates this page and every page after it. */
  iterPages(): AsyncGenerator<Page<T>, void, undefined>;
  /** Iterates every item of this page and of every page after it. */
  [Symbol.asyncIterator](): AsyncGenerator<T, void, undefined>;
}

/** What list methods return: `await` it for the first page, `for await` it for every item of every page. */
export declare class PagePromise<T> implements PromiseLike<Page<T>>, AsyncIterable<T> {
  private constructor();
  then<R1 = Page<T>, R2 = never>(
    onFulfilled?: ((page: Page<T>) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2>;
  catch<R = never>(onRejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<Page<T> | R>;
  finally(onFinally?: (() => void) | null): Promise<Page<T>>;
  /** Iterates every page, starting with the first. */
  iterPages(): AsyncGenerator<Page<T>, void, undefined>;
  /** Iterates every item of every page. */
  [Symbol.asyncIterator](): AsyncGenerator<T, void, undefined>;
  readonly [Symbol.toStringTag]: "PagePromise";
}

/** A client for the GoSquared Live Chat API. */
export declare class ChatClient {
  /** Throws `InvalidRequestError` when an option is missing, malformed or unknown. */
  constructor(options: ClientOptions);
  /** The rate-limit budget from the last answer, or undefined before the first. */
  readonly rateLimit: RateLimit | undefined;
  /** Lists open chats, newest activity first: `GET /chat/v1/chats`. */
  listChats(params?: ListParams, opts?: RequestOptions): PagePromise<Chat>;
  /** Lists archived chats: `GET /chat/v1/archivedChats`. */
  listArchivedChats(params?: ListParams, opts?: RequestOptions): PagePromise<Chat>;
  /** Reads one chat: `GET /chat/v1/chats/{id}`. */
  getChat(chatId: string, opts?: RequestOptions): Promise<Chat>;
  /** Lists a chat's messages, notes and events, oldest first: `GET /chat/v1/chats/{id}/feed`. */
  getFeed(chatId: string, params?: ListParams, opts?: RequestOptions): PagePromise<FeedItem>;
  /** Lists a chat's messages, oldest first: `GET /chat/v1/chats/{id}/messages`. */
  listMessages(chatId: string, params?: ListParams, opts?: RequestOptions): PagePromise<Message>;
  /** Sends a message, as an agent unless `from` says otherwise: `POST /chat/v1/chats/{id}/messages`. */
  sendMessage(chatId: string, message: MessageInput, opts?: SendOptions): Promise<Message>;
  /** Leaves a private note for the team: `POST /chat/v1/chats/{id}/notes`. */
  addNote(chatId: string, note: NoteInput, opts?: SendOptions): Promise<Message>;
  /** Archives a chat: `POST /chat/v1/chats/{id}/archive`; resolves to the API's body, `{}` when empty. */
  archiveChat(chatId: string, opts?: RequestOptions): Promise<Record<string, unknown>>;
  /** Brings a chat back from the archive: `POST /chat/v1/chats/{id}/unarchive`. */
  unarchiveChat(chatId: string, opts?: RequestOptions): Promise<Record<string, unknown>>;
  /** Lists the project's webhooks (Account API): `GET /account/v1/webhooks`. */
  listWebhooks(opts?: RequestOptions): Promise<Webhook[]>;
  /** Registers a webhook (never retried after an unknown outcome): `POST /account/v1/webhooks`. */
  createWebhook(webhook: WebhookInput, opts?: RequestOptions): Promise<Webhook>;
  /** Removes a webhook: `DELETE /account/v1/webhooks/{id}`; resolves to the API's body, `{}` when empty. */
  deleteWebhook(webhookId: string | number, opts?: RequestOptions): Promise<Record<string, unknown>>;
  /**
   * Streams every chat and its feed as NDJSON, pulled lazily with bounded concurrency and read-ahead.
   * Lines: `chat`, then `item` lines (with `chatId`), an `error` line for a chat that still fails after
   * retries, and a last `summary`. Bad options throw `InvalidRequestError` before any request.
   */
  exportChats(options?: ExportOptions): ReadableStream<Uint8Array>;
  /**
   * Watches the inbox by polling only what changed: the chats active since the last poll, then each one's
   * new feed items, through the same calls (retries, timeouts, errors) as every method. An async iterable of
   * `message` and `chat` events; `watcher.cursor` resumes it later with no gap and no repeat. It rests
   * longer as the rate-limit budget runs low and after failed polls; only a refused key, a request the API
   * refuses, the signal, or leaving the loop ends it. Bad options throw `InvalidRequestError` at once.
   */
  watch(options?: WatchOptions): Watcher;
  readonly [Symbol.toStringTag]: "ChatClient";
}

/** Progress of `exportChats`, reported every half second while it runs and once at the end. */
export interface ExportProgress {
  chatsDone: number;
  /**
   * The number of chats to export: the sum of the lists' `cardinality` as each list's first page arrives (so it
   * can grow once, when the archived list starts), or the length of `chatIds`; `null` when the API sends none.
   */
  chatsTotal: number | null;
  items: number;
  bytes: number;
  errors: number;
  /** With `since` or `resume`: the value to pass as `since` next time (epoch ms). */
  watermark?: number;
  /** With `since` or `resume`: the last checkpoint written so far, or `null` (not on the summary line). */
  checkpoint?: string | null;
}

/** Options of `exportChats`. */
export interface ExportOptions {
  /** Only feed items (and chats active) from this time: a Date, an ISO 8601 string or epoch ms. */
  from?: Date | string | number;
  /** Only feed items up to this time. */
  to?: Date | string | number;
  /** Also export archived chats. */
  includeArchived?: boolean;
  /** Export just these chats (not with `includeArchived`; no duplicates). */
  chatIds?: string[];
  /** Chats exported at once, 1–8; 4 by default. */
  concurrency?: number;
  /** Items per request, 1–250; 250 by default. */
  pageSize?: number;
  onProgress?: (progress: ExportProgress) => void;
  signal?: AbortSignal;
  timeoutMs?: number;
  maxRetries?: number;
  /**
   * Incremental: only chats updated, and items stamped, at or after this time (`0` for everything); pass the
   * previous run's `summary.watermark`. Not with `from`, `to`, `chatIds` or `resume`.
   */
  since?: Date | string | number;
  /** Carries on a killed run from its last checkpoint line's value. Not with `since`, `from`, `to` or `chatIds`. */
  resume?: ExportCheckpoint;
}

/** An opaque checkpoint of an export run with `since` or `resume` (a short string; keep it as it is). */
export type ExportCheckpoint = string;

/** The first line of a chat in an export: the chat as the API gives it. */
export interface ChatLine {
  type: "chat";
  chatId: string;
  chat: Chat;
  /** A resumed run's chat that the run it carries on may have written already (its lines replace those). */
  repeat?: true;
}
/** Where a run with `since` or `resume` stands: pass it as `resume` to carry on after it. */
export interface CheckpointLine {
  type: "checkpoint";
  checkpoint: ExportCheckpoint;
}
/** One feed item (a message, note or event) of a chat, after its chat line, in the API's order. */
export interface ItemLine {
  type: "item";
  chatId: string;
  item: FeedItem;
}
/** A chat whose chat or feed request still failed after its retries; the export went on. */
export interface ErrorLine {
  type: "error";
  chatId: string;
  error: { name: string; message: string; status?: number; code?: number | string; attempts?: number };
  /** How many of the chat's items were written before the failure. */
  itemsWritten: number;
}
/** The last line: the counts of the whole export. */
export interface SummaryLine extends Omit<ExportProgress, "checkpoint"> {
  type: "summary";
}
/** One line of an `exportChats` NDJSON stream. */
export type ExportLine = ChatLine | ItemLine | ErrorLine | CheckpointLine | SummaryLine;

/**
 * Reads an export back as typed records: from the stream `exportChats` returns, a file's text, or any async
 * iterable of text or bytes (a Node read stream). Throws `InvalidRequestError` naming the line for a line that
 * is not JSON or not one of the export's kinds.
 */
export declare function readExportLines(
  source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string> | string,
): AsyncIterableIterator<ExportLine>;

/** Options of `watch`. */
export interface WatchOptions {
  /**
   * Where to start: a cursor from `watcher.cursor` (go on from there), or a time (every message from it on);
   * by default, after the newest activity the chat lists show when the watch starts.
   */
  since?: WatchCursor | Date | string | number;
  /** The rest between polls, in ms, while the budget is comfortable: 10 to 600,000; 5,000 by default. */
  intervalMs?: number;
  /** Also list archived chats (to see chats being archived); `true` by default. Off, a poll costs one request less. */
  archived?: boolean;
  /** Chats and feed items asked for per request, 1–250; 250 by default. */
  pageSize?: number;
  /**
   * A relay of GoSquared's webhooks (see examples/live-relay): each push makes the watch poll at once (at most once
   * a second); while connected it polls every `intervalMs` of the relay (60,000 by default) as a safety net. Events
   * still come from the API, so nothing is lost or repeated when pushes are. `WebSocket` where the runtime has none.
   */
  relay?: { url: string; intervalMs?: number; WebSocket?: new (url: string) => WebSocket };
  /** Ends the watch: a pending `next()` rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Per-attempt timeout of each call the watch makes. */
  timeoutMs?: number;
  /** Retries of each call the watch makes, before the watch's own rest and retry. */
  maxRetries?: number;
  /** Headers for each call the watch makes. */
  headers?: Record<string, string>;
}

/**
 * Where a watch stands, JSON-serialisable: every feed item before `watermark` (epoch ms) was handled; for each
 * chat listed, every item up to `at` was, with `ids` those handled at exactly `at`. Treat it as opaque.
 */
export interface WatchCursor {
  v: 1;
  watermark: number;
  chats: { id: string; at?: number; ids?: string[]; announced?: number; read?: number }[];
}

/** A new message or note (`message.private` is `true` on notes), in order within its chat, each once. */
export interface WatchMessageEvent {
  type: "message";
  chatId: string;
  message: Message & { type?: "message" };
}

/** A chat appeared or moved (new activity, archived, brought back); `archived` says which list it is in now. */
export interface WatchChatEvent {
  type: "chat";
  chatId: string;
  chat: Chat;
  archived: boolean;
}

/** What `watch` hands out. */
export type WatchEvent = WatchMessageEvent | WatchChatEvent;

/** What a watch has done: polls started, requests sent, events handed out, calls failed, the last rest in ms. */
export interface WatchStats {
  polls: number;
  requests: number;
  events: number;
  failures: number;
  restMs: number;
}

/** A running watch: `for await` its events; `break` (or `return()`) ends it and frees its timer and listener. */
export interface Watcher extends AsyncIterableIterator<WatchEvent> {
  /** Where the watch stands; pass it to `watch({ since })` to go on from here. Undefined until it knows. */
  readonly cursor: WatchCursor | undefined;
  /** Its counts so far, or undefined before it has started. */
  readonly stats: WatchStats | undefined;
  next(): Promise<IteratorResult<WatchEvent, undefined>>;
  return(value?: unknown): Promise<IteratorResult<WatchEvent, undefined>>;
  [Symbol.asyncIterator](): Watcher;
}

/** What a webhook fires on; `chat_message` by default. */
export type WebhookTrigger = "chat_message" | "entered_smart_group" | "exited_smart_group" | "traffic_dip" | "traffic_spike";

/** The body of `createWebhook`. */
export interface WebhookInput {
  /** An absolute `http(s)` URL; put a long random secret in its query and check it with `verifyWebhookSecret`. */
  url: string;
  name?: string;
  trigger?: WebhookTrigger;
  /** The trigger's value (a smart group id, a traffic threshold): a string or an integer. */
  value?: string | number;
  includeUnverified?: boolean;
}

/** A registered webhook, as the Account API returns it. */
export interface Webhook {
  id: string | number;
  url?: string;
  name?: string;
  trigger?: string;
  [field: string]: unknown;
}

/** A `chat_message` webhook delivery, checked by `parseChatMessageWebhook`; unknown fields are kept. */
export interface ChatMessageWebhook {
  message: {
    id: string;
    from: string;
    /** The chat id to answer with. */
    person_id: string;
    content: string;
    /** Epoch milliseconds. */
    timestamp: number;
    html_content?: string;
    translated?: Record<string, unknown>;
    [field: string]: unknown;
  };
  person: { id: string; email?: string; name?: string; avatar?: string; presence?: string; [field: string]: unknown };
  /** A semver string of major version 1. */
  version: string;
  [field: string]: unknown;
}

/** Checks a `chat_message` webhook body (JSON text or parsed); throws `InvalidRequestError` naming the first bad field. */
export declare function parseChatMessageWebhook(body: string | object): ChatMessageWebhook;

/** Whether a webhook request's URL carries `secret` in its query (`?secret=`, or `options.param`), compared in constant time. */
export declare function verifyWebhookSecret(request: Request | URL | string, secret: string, options?: { param?: string }): boolean;

/** The Secure Mode signature of a person: lowercase hex HMAC-SHA256 of `personId`, keyed with the project secret. */
export declare function personSignature(secret: string, personId: string): string;

/** A `ChatClient` method a proxy may forward. */
export type ProxyOperation =
  | "listChats" | "listArchivedChats" | "getChat" | "getFeed" | "listMessages" | "sendMessage" | "addNote"
  | "archiveChat" | "unarchiveChat" | "listWebhooks" | "createWebhook" | "deleteWebhook";

/** Options for `createProxy`. */
export interface ProxyOptions {
  apiKey: string;
  siteToken: string;
  /** The operations the browser may use. */
  allow: ProxyOperation[];
  /**
   * Must resolve to `true` for a request to go through; anything else (or a throw) is answered 401. It is
   * handed a clone of the request, so reading its body leaves the body for forwarding. A request from another
   * site's page is refused before `authorize` is asked.
   */
  authorize: (request: Request) => boolean | Promise<boolean>;
  /** Where requests are forwarded (default `https://api.gosquared.com`). */
  baseUrl?: string;
  /** Where the proxy is mounted, such as `/api/chat`. */
  prefix?: string;
  /**
   * Origins (`https://host[:port]`, nothing after) besides the request's own whose pages may use the proxy:
   * for a dashboard on another origin of yours, or a proxy that sees another URL than the browser used.
   */
  allowedOrigins?: string[];
  /** Time limit of the upstream request, its body included, in ms (default 10000); over it the browser gets 504. */
  timeoutMs?: number;
  /** Time limit on reading the browser's request body, in ms (default 10000); over it the browser gets 408. */
  bodyTimeoutMs?: number;
  fetch?: FetchLike;
}

/**
 * A same-origin proxy for browser dashboards: a fetch-style handler that adds the credentials server-side.
 * It answers only JSON; its refusals are `{ code: "proxy_…", message }` (see docs/security.md).
 */
export declare function createProxy(options: ProxyOptions): (request: Request) => Promise<Response>;

/** What is known about a failure; every field is optional. */
export interface ErrorDetails {
  /** The HTTP status, when an answer came. */
  status?: number;
  /** The API's error code, a number or a string. */
  code?: number | string;
  /** How long the API asked to wait before retrying. */
  retryAfterMs?: number;
  /** The HTTP method of the request. */
  method?: string;
  /** The request path, percent-encoded, never with its query. */
  path?: string;
  /** How many attempts were made. */
  attempts?: number;
  /** `true` when a write may have been stored although the call failed. */
  mayHaveSucceeded?: boolean;
}

/** The base class of every error this package throws; `name` is the class name. */
export declare class GoSquaredError extends Error {
  constructor(message: string, details?: ErrorDetails);
  /**
   * For a `ConnectionError`: what `fetch` threw (and its own `cause`s, up to three deep), as plain `Error`s
   * with the original names and messages, the key taken out.
   */
  cause?: Error;
}
/** Every error carries the details known about its failure. */
export interface GoSquaredError extends ErrorDetails {}
/** The API key or site token was refused (401/403, code 4001). */
export declare class AuthenticationError extends GoSquaredError {}
/** The chat or route does not exist (404). */
export declare class NotFoundError extends GoSquaredError {}
/** The rate-limit budget is spent (429, code 4002); `retryAfterMs` says when to come back. */
export declare class RateLimitError extends GoSquaredError {}
/** The arguments were refused, by this client before sending or by the API (400/422). */
export declare class InvalidRequestError extends GoSquaredError {}
/** The API failed on its side (5xx). */
export declare class ServerError extends GoSquaredError {}
/** `fetch` failed: no connection, DNS, a reset, or CORS. */
export declare class ConnectionError extends GoSquaredError {}
/** An attempt took longer than `timeoutMs`. */
export declare class TimeoutError extends GoSquaredError {}
/**
 * A 2xx answer whose body was not the JSON expected, or a redirect (3xx, or a browser's opaque redirect): the
 * client sends `redirect: "manual"` and never follows one, so the key never travels to another URL.
 */
export declare class ResponseFormatError extends GoSquaredError {}
