// What `gosquared-chat/edge` exports: the server-side helpers (webhooks, Secure Mode, the proxy) and the error
// classes they throw, on a module built with the edge toolkit alone. It imports nothing of the client.
export {
  GoSquaredError, AuthenticationError, NotFoundError, RateLimitError, InvalidRequestError, ServerError, ConnectionError,
  TimeoutError, ResponseFormatError,
} from "./errors.js";
export { parseChatMessageWebhook, verifyWebhookSecret, personSignature } from "./edge.js";
export { createProxy } from "./proxy.js";
export { createNodeProxy } from "./proxy-node.js";
