// What `gosquared-chat/client` exports: ChatClient (its calls, pages, errors and diagnostics) without the
// export, on a module built with the client alone. It imports nothing of the edge toolkit.
export * from "./client.js";
