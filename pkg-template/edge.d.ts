// Type declarations for `gosquared-chat/edge`: the server-side helpers (webhooks, Secure Mode, the proxy) and the
// error classes they throw. They are the declarations of `gosquared-chat` (index.d.ts), narrowed.
export type { FetchLike, ChatMessageWebhook, ProxyOperation, ProxyOptions, NodeProxyRequest, NodeProxyResponse, ErrorDetails } from "./index.js";
export {
  parseChatMessageWebhook, verifyWebhookSecret, personSignature, createProxy, createNodeProxy, GoSquaredError, AuthenticationError,
  NotFoundError, RateLimitError, InvalidRequestError, ServerError, ConnectionError, TimeoutError, ResponseFormatError,
} from "./index.js";
