// The public client: one method per operation of the endpoint table (src/api/endpoints.rs). The core checks
// the arguments, plans each request, judges every answer and shapes the result; driver.js does the sending
// and waiting.

import { Operation, memoryDiagnostics, newClient, newExport, newWatch } from "./wasm.js";
import { toError } from "./errors.js";
import { PagePromise } from "./pagination.js";
import { exportStream } from "./export.js";
import { perform } from "./driver.js";
import { Watcher } from "./watch.js";

export {
  GoSquaredError, AuthenticationError, NotFoundError, RateLimitError, InvalidRequestError, ServerError, ConnectionError,
  TimeoutError, ResponseFormatError,
} from "./errors.js";
export { Page, PagePromise } from "./pagination.js";

/** A client for the GoSquared Live Chat API. */
export class ChatClient {
  /** The core's client, or, while the module loads (browsers), a promise of it. */
  #core;

  /**
   * @param {object} options `{ apiKey, siteToken, baseUrl, fetch, timeoutMs, maxRetries, headers }`
   */
  constructor(options) {
    this.#core = newClient(options);
    if (this.#core instanceof Promise) this.#core.then((core) => (this.#core = core), () => {});
  }

  /** Runs one operation; rejects with the core's error descriptor or the caller's abort reason. */
  #run(operation, target, input, opts, cursor) {
    const core = this.#core;
    if (core instanceof Promise) return core.then((ready) => perform(ready, operation, target, input, opts, cursor));
    return perform(core, operation, target, input, opts, cursor);
  }

  /** Runs one operation and turns a failure into its error class. */
  async #call(operation, target, input, opts) {
    try {
      return await this.#run(operation, target, input, opts, undefined);
    } catch (error) {
      throw toError(error);
    }
  }

  /** Runs a list operation as a `PagePromise`; the core hands back the cursor of the next page. */
  #list(operation, target, params, opts) {
    return new PagePromise((cursor) => this.#run(operation, target, params, opts, cursor));
  }

  /** The rate-limit budget from the last answer: `{ limit, remaining, cost, fullInSeconds }`, or undefined. */
  get rateLimit() {
    const core = this.#core;
    return core instanceof Promise ? undefined : core.rateLimit;
  }

  /** Lists open chats, newest activity first. */
  listChats(params, opts) {
    return this.#list(Operation.ListChats, undefined, params, opts);
  }

  /** Lists archived chats. */
  listArchivedChats(params, opts) {
    return this.#list(Operation.ListArchivedChats, undefined, params, opts);
  }

  /** Reads one chat. */
  getChat(chatId, opts) {
    return this.#call(Operation.GetChat, chatId, undefined, opts);
  }

  /** Lists a chat's feed: its messages, notes and events. */
  getFeed(chatId, params, opts) {
    return this.#list(Operation.GetFeed, chatId, params, opts);
  }

  /** Lists a chat's messages. */
  listMessages(chatId, params, opts) {
    return this.#list(Operation.ListMessages, chatId, params, opts);
  }

  /** Sends a message to a chat, as an agent unless `from` says otherwise. */
  sendMessage(chatId, message, opts) {
    return this.#call(Operation.SendMessage, chatId, message, opts);
  }

  /** Leaves a private note on a chat for the team. */
  addNote(chatId, note, opts) {
    return this.#call(Operation.AddNote, chatId, note, opts);
  }

  /** Archives a chat. */
  archiveChat(chatId, opts) {
    return this.#call(Operation.ArchiveChat, chatId, undefined, opts);
  }

  /** Brings a chat back from the archive. */
  unarchiveChat(chatId, opts) {
    return this.#call(Operation.UnarchiveChat, chatId, undefined, opts);
  }

  /** Lists the project's webhooks (Account API); resolves to an array. */
  listWebhooks(opts) {
    return this.#call(Operation.ListWebhooks, undefined, undefined, opts);
  }

  /** Registers a webhook: `{ url, name?, trigger = "chat_message", value?, includeUnverified? }`. */
  createWebhook(webhook, opts) {
    return this.#call(Operation.CreateWebhook, undefined, webhook, opts);
  }

  /** Removes a webhook by id. */
  deleteWebhook(webhookId, opts) {
    return this.#call(Operation.DeleteWebhook, webhookId, undefined, opts);
  }

  /**
   * Exports every chat and its feed as a stream of NDJSON lines (UTF-8 bytes), read lazily.
   * @param {object} [options] `{ from, to, includeArchived, chatIds, concurrency, pageSize, onProgress, signal,
   *   timeoutMs, maxRetries }`
   */
  exportChats(options) {
    const request = (operation, target, input, opts, cursor) => this.#run(operation, target, input, opts, cursor);
    return exportStream((host) => newExport(this.#core, options, host), request);
  }

  /**
   * Watches the inbox: an async iterable of `message` and `chat` events, found by polling what changed.
   * @param {object} [options] `{ since, intervalMs, archived, pageSize, signal, timeoutMs, maxRetries, headers }`
   */
  watch(options) {
    const run = (operation, target, input, opts, cursor) => this.#run(operation, target, input, opts, cursor);
    return new Watcher(newWatch(this.#core, options), run);
  }

  get [Symbol.toStringTag]() {
    return "ChatClient";
  }

  /** Internal, for leak tests only (not part of the API): `{ wasmMemoryBytes, liveJsValues }` of the module. */
  static [Symbol.for("gosquared-chat.memoryDiagnostics")]() {
    return memoryDiagnostics();
  }
}

export { readExportLines } from "./export-lines.js";
