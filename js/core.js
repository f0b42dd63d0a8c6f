// The public client. Each method hands its arguments to the WebAssembly core, which checks them, builds
// and sends the request, retries as its policy allows and classifies failures; this layer only gives the
// results their JavaScript shape.

import core from "./calls.js";
import { Operation } from "./gosquared_chat.js";
import { toError } from "./errors.js";
import { PagePromise } from "./pagination.js";
import { exportStream } from "./export.js";

export * from "./errors.js";
export { Page, PagePromise } from "./pagination.js";

async function settle(pending) {
  try {
    return await pending;
  } catch (error) {
    throw toError(error);
  }
}

/** A client for the GoSquared Live Chat API. */
export class ChatClient {
  #config;
  #state = { rateLimit: undefined };

  /**
   * @param {object} options `{ apiKey, siteToken, baseUrl, fetch, timeoutMs, maxRetries, headers }`
   */
  constructor(options) {
    try {
      this.#config = core.normalizeConfig(options);
    } catch (error) {
      throw toError(error);
    }
  }

  /** The rate-limit budget from the last answer: `{ limit, remaining, cost, fullInSeconds }`, or undefined. */
  get rateLimit() {
    return this.#state.rateLimit;
  }

  /** Lists open chats, newest activity first. */
  listChats(params, opts) {
    return new PagePromise((cursor) => core.request(this.#config, Operation.ListChats, undefined, params, opts, this.#state, cursor));
  }

  /** Lists archived chats. */
  listArchivedChats(params, opts) {
    return new PagePromise((cursor) => core.request(this.#config, Operation.ListArchivedChats, undefined, params, opts, this.#state, cursor));
  }

  /** Reads one chat. */
  getChat(chatId, opts) {
    return settle(core.request(this.#config, Operation.GetChat, chatId, undefined, opts, this.#state));
  }

  /** Lists a chat's feed: its messages, notes and events. */
  getFeed(chatId, params, opts) {
    return new PagePromise((cursor) => core.request(this.#config, Operation.GetFeed, chatId, params, opts, this.#state, cursor));
  }

  /** Lists a chat's messages. */
  listMessages(chatId, params, opts) {
    return new PagePromise((cursor) => core.request(this.#config, Operation.ListMessages, chatId, params, opts, this.#state, cursor));
  }

  /** Sends a message to a chat, as an agent unless `from` says otherwise. */
  sendMessage(chatId, message, opts) {
    return settle(core.request(this.#config, Operation.SendMessage, chatId, message, opts, this.#state));
  }

  /** Leaves a private note on a chat for the team. */
  addNote(chatId, note, opts) {
    return settle(core.request(this.#config, Operation.AddNote, chatId, note, opts, this.#state));
  }

  /** Archives a chat. */
  archiveChat(chatId, opts) {
    return settle(core.request(this.#config, Operation.ArchiveChat, chatId, undefined, opts, this.#state));
  }

  /** Brings a chat back from the archive. */
  unarchiveChat(chatId, opts) {
    return settle(core.request(this.#config, Operation.UnarchiveChat, chatId, undefined, opts, this.#state));
  }

  /** Lists the project's webhooks (Account API); resolves to an array. */
  listWebhooks(opts) {
    return settle(core.request(this.#config, Operation.ListWebhooks, undefined, undefined, opts, this.#state));
  }

  /** Registers a webhook: `{ url, name?, trigger = "chat_message", value?, includeUnverified? }`. */
  createWebhook(webhook, opts) {
    return settle(core.request(this.#config, Operation.CreateWebhook, undefined, webhook, opts, this.#state));
  }

  /** Removes a webhook by id. */
  deleteWebhook(webhookId, opts) {
    return settle(core.request(this.#config, Operation.DeleteWebhook, webhookId, undefined, opts, this.#state));
  }

  /**
   * Exports every chat and its feed as a stream of NDJSON lines (UTF-8 bytes), read lazily.
   * @param {object} [options] `{ from, to, includeArchived, chatIds, concurrency, pageSize, onProgress, signal,
   *   timeoutMs, maxRetries }`
   */
  exportChats(options) {
    return exportStream((sink) => core.exportChats(this.#config, options, this.#state, sink));
  }

  get [Symbol.toStringTag]() {
    return "ChatClient";
  }
}

export { parseChatMessageWebhook, verifyWebhookSecret, personSignature } from "./edge.js";
export { createProxy } from "./proxy.js";

/** Internal, for leak tests only: `{ wasmMemoryBytes, liveJsValues }` of the WebAssembly instance. */
export const __memoryDiagnostics = core.memoryDiagnostics;
