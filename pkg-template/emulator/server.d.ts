// Type declarations for `gosquared-chat/emulator`: a local stand-in for the GoSquared Live Chat API.
import type { Chat, Message } from "../index.js";

/** Options for `startEmulator`; see the emulator's README for each. */
export interface EmulatorOptions {
  port?: number;
  host?: string;
  /**
   * Host names (without port) the emulator also answers, besides `localhost`, `127.0.0.1`, `[::1]` and `host`;
   * a request whose `Host` header names any other is refused with 403.
   */
  allowedHosts?: string[];
  apiKey?: string;
  siteToken?: string;
  /** `"CHATS:MESSAGES"` such as `"3:5"`, or `{ chats, messages }`. */
  seed?: string | { chats: number; messages: number };
  /**
   * `"logical"` (the default): stored items are stamped from 1700000000000, 1000 ms apart, so that runs are
   * reproducible. `"real"`: stamped with `Date.now()`, the seeded history ending just before the start.
   */
  clock?: "logical" | "real";
  rateLimit?: false | { limit?: number; refillPerMinute?: number; cost?: number };
  log?: boolean;
}

/** One request the emulator received. */
export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: string | null;
  status: number;
  time: number;
}

/** A fault to inject into the next matching requests; see the emulator's README. */
export interface Fault {
  match?: { method?: string; path?: string };
  times?: number;
  status?: number;
  body?: string | object;
  headers?: Record<string, string>;
  delayMs?: number;
  hang?: boolean;
  reset?: boolean;
  truncate?: boolean;
  html?: boolean;
  empty?: boolean;
  contentType?: string;
  process?: boolean;
}

/** A running emulator. */
export interface Emulator {
  url: string;
  port: number;
  apiKey: string;
  siteToken: string;
  requests: LoggedRequest[];
  close(): Promise<void>;
  reset(seed?: EmulatorOptions["seed"]): void;
  clearRequests(): void;
  inject(fault: Fault): Fault & { id: number };
  clearFaults(): void;
  addChat(spec: { id: string; person?: object; messages?: number | Array<string | object>; archived?: boolean }): Chat;
  clientMessage(chatId: string, content: string): Message;
  setRateLimit(options: EmulatorOptions["rateLimit"]): void;
  [extra: string]: unknown;
}

/** Starts an emulator on loopback (a free port by default). */
export declare function startEmulator(options?: EmulatorOptions): Promise<Emulator>;

export declare const DEFAULT_API_KEY: string;
export declare const DEFAULT_SITE_TOKEN: string;

/**
 * Writes one customer message, as `POST /__emulator/customer-message` does: into `chatId` (created when new),
 * or a chat picked at random (now and then a new `visitor-<n>`); `content` defaults to `"Customer message <n>"`.
 * The chat's activity moves, an archived chat comes back, and `chat_message` webhooks are delivered.
 */
export declare function customerMessage(emulator: Emulator, body?: { chatId?: string; content?: string }): Message;

/**
 * Starts a writer that adds a customer message every `everyMs` (at least 10; 3000 by default) until `stop()`,
 * as the CLI's `--customers MS` does. `seed` fixes the chats picked; `onMessage` sees each message.
 */
export declare function startCustomers(
  emulator: Emulator,
  options?: { everyMs?: number; seed?: number; onMessage?: (message: Message) => void },
): { stop(): void };
