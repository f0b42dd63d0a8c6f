// What `gosquared-chat` exports: the client with its export, and the edge toolkit (webhooks, Secure Mode, the
// proxy), all on the one full module. `gosquared-chat/client` (index.client.js) and `gosquared-chat/edge`
// (index.edge.js) each export a part of it on a smaller module of their own.
export * from "./client.js";
export { parseChatMessageWebhook, verifyWebhookSecret, personSignature } from "./edge.js";
export { createProxy } from "./proxy.js";
export { createNodeProxy } from "./proxy-node.js";
