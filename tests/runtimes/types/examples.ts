// Typed usage of the whole public surface; it must type-check under --strict with no error.
import {
  ChatClient, GoSquaredError, AuthenticationError, NotFoundError, RateLimitError, InvalidRequestError,
  ServerError, ConnectionError, TimeoutError, ResponseFormatError, Page, PagePromise,
  type Chat, type FeedItem, type Message, type ClientOptions, type ListParams, type RequestOptions,
  type RateLimit, type MessageInput, type ErrorDetails, type IdempotencyRecord, type IdempotencyStore,
} from "gosquared-chat";
import { ChatClient as WorkerClient } from "gosquared-chat/workerd";
import {
  createProxy, parseChatMessageWebhook, personSignature, verifyWebhookSecret,
  type ChatMessageWebhook, type Webhook, type WebhookInput, type ExportOptions, type ExportProgress,
  readExportLines, type ExportLine, type ClientEvent, type CheckpointLine, type ExportCheckpoint,
  type WatchEvent, type WatchCursor, type Watcher, type WatchOptions,
} from "gosquared-chat";
import { init, initSync, ChatClient as ManualClient } from "gosquared-chat/init";
import { startEmulator, type Emulator } from "gosquared-chat/emulator";

const options: ClientOptions = {
  apiKey: "key",
  siteToken: "GSN-123456-A",
  baseUrl: "https://api.gosquared.com",
  fetch: (url, init) => fetch(url, init),
  timeoutMs: 5000,
  maxRetries: 2,
  headers: { "X-Trace-Id": "t-1" },
};
const client = new ChatClient(options);
const proxied = new ChatClient({ baseUrl: "/api/chat", siteToken: "GSN-123456-A", fetch });
const params: ListParams = { limit: 50, offset: 0, from: new Date(), to: "2030-01-01" };
const controller = new AbortController();
const opts: RequestOptions = { signal: controller.signal, timeoutMs: 1000, maxRetries: 0 };

export async function everyMethod(): Promise<number> {
  const chats: PagePromise<Chat> = client.listChats(params, opts);
  const first: Page<Chat> = await chats;
  const total: number | undefined = first.cardinality;
  const ids: string[] = first.items.map((c) => c.id);
  const name: string | null | undefined = first.items[0]?.person?.name;
  if (first.hasNextPage()) {
    const second: Page<Chat> = await first.getNextPage();
    ids.push(...second.items.map((c) => c.id));
  }
  for await (const chat of client.listArchivedChats({ from: 1700000000000 })) ids.push(chat.id);
  for await (const page of client.listChats().iterPages()) ids.push(String(page.offset + page.limit));

  const chat: Chat = await client.getChat("email:ada@example.com", { signal: AbortSignal.timeout(1000) });
  const archived: boolean | undefined = chat.archived;

  for await (const item of client.getFeed(chat.id, { limit: 250 })) {
    if (item.type === "message") {
      const text: string = item.content;
      const isNote: boolean | undefined = item.private;
      ids.push(text, String(isNote));
    } else {
      const event: string = item.event;
      ids.push(event);
    }
  }
  const feedItem: FeedItem | undefined = (await client.getFeed(chat.id)).items[0];

  const messages: Page<Message> = await client.listMessages(chat.id, { limit: 20, offset: 20 });
  const from: "agent" | "client" | "bot" | undefined = messages.items[0]?.from;

  const input: MessageInput = { content: "Hello", from: "agent" };
  const sent: Message = await client.sendMessage(chat.id, input);
  const note: Message = await client.addNote(chat.id, { content: "A note" });
  const once = new ChatClient({ ...options, reconcile: true, idempotencyStore: new Map<string, IdempotencyRecord>() });
  const again: Message = await once.sendMessage(chat.id, input, { idempotencyKey: "evt_1", timeoutMs: 1000 });
  await once.addNote(chat.id, { content: "A note" }, { reconcile: false });
  const kv: IdempotencyStore = { get: async (key) => JSON.parse(key) as IdempotencyRecord, set: async () => {} };
  void [again, kv];
  const archivedBody: Record<string, unknown> = await client.archiveChat(chat.id);
  await client.unarchiveChat(chat.id, { maxRetries: 1 });

  const budget: RateLimit | undefined = client.rateLimit;
  const remaining: number | undefined = budget?.remaining;

  const firstPageOnly = await client.listChats().then((page) => page.items.length);
  await proxied.listChats().catch(() => undefined);
  void [total, name, archived, feedItem, from, sent.id, note.timestamp, archivedBody, remaining];
  return ids.length + firstPageOnly;
}

export async function watchInbox(saved: string | undefined): Promise<string | undefined> {
  const options: WatchOptions = {
    intervalMs: 3000, archived: false, signal: controller.signal, maxRetries: 1,
    relay: { url: "wss://relay.example.com/events?token=t", intervalMs: 60_000, WebSocket },
  };
  const since: WatchCursor | undefined = saved === undefined ? undefined : (JSON.parse(saved) as WatchCursor);
  const watcher: Watcher = client.watch({ ...options, since: since ?? new Date(Date.now() - 3_600_000) });
  for await (const event of watcher) {
    const e: WatchEvent = event;
    if (e.type === "message") {
      const text: string = e.message.content;
      const note: boolean | undefined = e.message.private;
      void [text, note, e.chatId];
    } else {
      const archived: boolean = e.archived;
      const unread: number | undefined = e.chat.unread;
      void [archived, unread];
    }
    if (watcher.stats !== undefined && watcher.stats.events > 100) break;
  }
  return JSON.stringify(watcher.cursor);
}

export function describeError(error: unknown): string {
  if (error instanceof RateLimitError) return `wait ${error.retryAfterMs ?? 0} ms`;
  if (error instanceof AuthenticationError || error instanceof NotFoundError) return `${error.status}`;
  if (error instanceof InvalidRequestError) return `${error.code}`;
  if (error instanceof ServerError || error instanceof ConnectionError) return `${error.attempts}`;
  if (error instanceof TimeoutError) return `${error.mayHaveSucceeded === true}`;
  if (error instanceof ResponseFormatError) return `${error.method} ${error.path}`;
  if (error instanceof GoSquaredError) return `${error.name}: ${error.message}`;
  return String(error);
}

const details: ErrorDetails = { status: 500, code: "x", attempts: 3 };
export const made: GoSquaredError = new ServerError("boom", details);

export async function otherEntries(bytes: Uint8Array, module: WebAssembly.Module): Promise<void> {
  await init();
  await init(new URL("https://example.com/gosquared_chat_bg.wasm"));
  initSync(bytes);
  initSync(module);
  const manual = new ManualClient({ apiKey: "k", siteToken: "GSN-1-A" });
  const worker = new WorkerClient({ apiKey: "k", siteToken: "GSN-1-A" });
  await Promise.all([manual.getChat("a"), worker.getChat("b")]);
  const emu: Emulator = await startEmulator({ seed: "3:5", rateLimit: false });
  emu.inject({ status: 503, times: 2 });
  await emu.close();
}

export async function edgeHelpers(request: Request, env: { SECRET: string; KEY: string }): Promise<Response> {
  if (!verifyWebhookSecret(request, env.SECRET, { param: "token" })) return new Response("forbidden", { status: 401 });
  const payload: ChatMessageWebhook = parseChatMessageWebhook(await request.text());
  const chatId: string = payload.message.person_id;
  const signature: string = personSignature(env.SECRET, chatId);
  const input: WebhookInput = { url: "https://example.com/hook?secret=x", trigger: "traffic_spike", value: 50 };
  const hook: Webhook = await client.createWebhook(input);
  const hooks: Webhook[] = await client.listWebhooks();
  await client.deleteWebhook(hook.id);
  const proxy = createProxy({
    apiKey: env.KEY,
    siteToken: "GSN-123456-A",
    allow: ["listChats", "getFeed", "sendMessage"],
    authorize: async (req) => req.headers.get("x-admin") === signature,
    prefix: "/api/chat",
    allowedOrigins: ["https://admin.example.com"],
    timeoutMs: 5000,
    bodyTimeoutMs: 2000,
  });
  void hooks;
  return proxy(request);
}

export async function exportEverything(signal: AbortSignal): Promise<number> {
  const seen: ExportProgress[] = [];
  const options: ExportOptions = {
    from: new Date("2024-01-01"), includeArchived: true, concurrency: 4, pageSize: 250, signal,
    onProgress: (p) => seen.push(p),
  };
  const stream: ReadableStream<Uint8Array> = client.exportChats(options);
  let bytes = 0;
  for await (const chunk of stream) bytes += chunk.byteLength;
  const total: number | null = seen.at(-1)?.chatsTotal ?? null;
  return bytes + (total ?? 0);
}

export async function countMessages(file: string): Promise<Record<string, number>> {
  const perChat: Record<string, number> = {};
  for await (const line of readExportLines(file)) {
    const typed: ExportLine = line;
    if (typed.type === "item" && typed.item.type === "message") perChat[typed.chatId] = (perChat[typed.chatId] ?? 0) + 1;
    if (typed.type === "error") perChat[typed.chatId] = typed.itemsWritten;
    if (typed.type === "summary") void typed.chatsTotal;
  }
  return perChat;
}

/** An incremental, resumable run: the new option names, the checkpoint line and the summary's watermark. */
export async function archiveRun(previous: { watermark?: number; checkpoint?: ExportCheckpoint }): Promise<number | undefined> {
  const options: ExportOptions = previous.checkpoint !== undefined
    ? { resume: previous.checkpoint, includeArchived: true }
    : { since: previous.watermark ?? 0, includeArchived: true, onProgress: (p) => void p.checkpoint };
  let watermark: number | undefined;
  for await (const line of readExportLines(client.exportChats(options))) {
    const typed: ExportLine = line;
    if (typed.type === "checkpoint") {
      const saved: CheckpointLine = typed;
      previous.checkpoint = saved.checkpoint;
    }
    if (typed.type === "chat" && typed.repeat === true) void typed.chatId;
    if (typed.type === "summary") watermark = typed.watermark;
  }
  return watermark;
}

export function logged(): ChatClient {
  return new ChatClient({
    siteToken: "GSN-1",
    apiKey: "k",
    onEvent: (event: ClientEvent) => {
      if (event.type === "response") void event.status;
      if (event.type === "failure") void event.reason;
    },
  });
}

// gosquared-chat/client: the client without the export; gosquared-chat/edge: the server-side helpers.
import * as onlyClient from "gosquared-chat/client";
import * as onlyEdge from "gosquared-chat/edge";

export async function smallEntries(request: Request, env: { KEY: string; SECRET: string }): Promise<Response> {
  const small: onlyClient.ChatClient = new onlyClient.ChatClient({ apiKey: env.KEY, siteToken: "GSN-123456-A" });
  const sent: onlyClient.Message = await small.sendMessage("email:ada@example.com", { content: "hi" });
  const page: onlyClient.Page<onlyClient.Chat> = await small.listChats({ limit: 10 });
  const budget: onlyClient.RateLimit | undefined = small.rateLimit;
  try {
    await small.getChat(sent.id);
  } catch (error) {
    if (error instanceof onlyClient.NotFoundError) return new Response(error.path ?? "", { status: 404 });
  }
  const payload: onlyEdge.ChatMessageWebhook = onlyEdge.parseChatMessageWebhook(await request.text());
  const signature: string = onlyEdge.personSignature(env.SECRET, payload.message.person_id);
  const ok: boolean = onlyEdge.verifyWebhookSecret(request, env.SECRET, { param: "s" });
  const proxy = onlyEdge.createProxy({ apiKey: env.KEY, siteToken: "GSN-123456-A", allow: ["listChats"], authorize: () => ok });
  void [page, budget, signature];
  return proxy(request);
}
