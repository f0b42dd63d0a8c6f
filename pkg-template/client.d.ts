// Type declarations for `gosquared-chat/client`: ChatClient without the export, its pages, options and results,
// and the error classes. They are the declarations of `gosquared-chat` (index.d.ts), narrowed.
import type { ChatClient as FullChatClient, ClientOptions } from "./index.js";

export type {
  FetchLike, ClientOptions, ClientEvent, TimeInput, ListParams, RequestOptions, Sender, MessageInput, NoteInput,
  RateLimit, Agent, Message, ChatEvent, FeedItem, Person, Chat, WebhookTrigger, WebhookInput, Webhook, ErrorDetails,
  IdempotencyStore, IdempotencyRecord, SendOptions, ChatLine, ItemLine, ErrorLine, SummaryLine, ExportLine,
  ExportProgress, WatchOptions, WatchCursor, WatchMessageEvent, WatchChatEvent, WatchEvent, WatchStats, Watcher,
} from "./index.js";
export {
  readExportLines, Page, PagePromise, GoSquaredError, AuthenticationError, NotFoundError, RateLimitError, InvalidRequestError,
  ServerError, ConnectionError, TimeoutError, ResponseFormatError,
} from "./index.js";

/** A client for the GoSquared Live Chat API; the export (`exportChats`) is in `gosquared-chat` only. */
export interface ChatClient extends Omit<FullChatClient, "exportChats"> {}
/** Throws `InvalidRequestError` when an option is missing, malformed or unknown. */
export declare const ChatClient: { new (options: ClientOptions): ChatClient; readonly prototype: ChatClient };
