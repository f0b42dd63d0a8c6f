// The package's three WebAssembly modules and the entry points each one serves, shared by the build
// (scripts/assemble.mjs), the runtime stage and the bench. Each module is built from the crate with its own
// cargo features and has its own directory in the package: its glue, its .wasm, its loaders (one per runtime,
// from js/entries/) and its own copy of every JS module it uses, since a JS module is one instance per URL.

/**
 * The runtime loaders every module has, from js/entries/; node.js (with runtime-check.js) is the source of the
 * Node, Deno and Bun loaders scripts/assemble.mjs builds (node.mjs, node.cjs, node.legacy.cjs).
 */
export const LOADERS = ["node.js", "browser.js", "workerd.js", "edge-light.js", "runtime-check.js"];

export const MODULES = [
  {
    // `gosquared-chat`: everything, in one module (what the package has always loaded).
    name: "full",
    dir: ".",
    subpath: ".",
    glue: "gosquared_chat",
    features: ["--features", "small-alloc"],
    barrel: "index.js",
    loaders: [...LOADERS, "init.js"],
    forbidden: [],
    stubs: {},
  },
  {
    // `gosquared-chat/client`: ChatClient's calls, pages, errors and diagnostics; no export, no edge toolkit.
    name: "client",
    dir: "client",
    subpath: "./client",
    glue: "gosquared_chat_client",
    features: ["--no-default-features", "--features", "client,small-alloc"],
    barrel: "index.client.js",
    loaders: LOADERS,
    forbidden: ["edge.js", "proxy.js", "proxy-node.js"],
    // The export drives a ChatClient's calls and reads its state, so it lives on the full module only: this
    // module's `exportChats` throws an error that names the full entry.
    stubs: {
      "export.js":
        'exportChats is not part of gosquared-chat/client; import ChatClient from "gosquared-chat" to export chats',
    },
  },
  {
    // `gosquared-chat/edge`: webhooks, Secure Mode and the proxy, with the error classes; no client.
    name: "edge",
    dir: "edge",
    subpath: "./edge",
    glue: "gosquared_chat_edge",
    features: ["--no-default-features", "--features", "edge,small-alloc"],
    barrel: "index.edge.js",
    loaders: LOADERS,
    forbidden: ["client.js", "driver.js", "pagination.js", "export.js"],
    stubs: {},
  },
];

/** A module's file inside the package, as a package-relative path (`client/node.js`, `node.js`). */
export const inPackage = (module, file) => (module.dir === "." ? file : `${module.dir}/${file}`);
