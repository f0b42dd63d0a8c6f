// The WebAssembly core's functions as the client calls them. Entries that load the module synchronously
// (Node, Deno, Bun, Workers, edge) never announce a load, and every call goes straight through. The browser
// entry loads it asynchronously: until that load has finished, a client's config is a promise that checks
// the options once the module is there, and each call waits for it — so no user ever calls init().
import * as glue from "./gosquared_chat.js";

let loading;

/** Announces that the module is being loaded asynchronously; clients made meanwhile wait for `load`. */
export function loadingFrom(load) {
  const pending = Promise.resolve(load).then(() => {
    if (loading === pending) loading = undefined;
  });
  loading = pending;
  return pending;
}

const calls = {
  /** Checks the client options now, or, while the module loads, once it has (the promise rejects if they are bad). */
  normalizeConfig(options) {
    if (loading === undefined) return glue.normalizeConfig(options);
    const config = loading.then(() => glue.normalizeConfig(options));
    config.catch(() => {}); // a bad option is reported by the client's first call
    return config;
  },
};

// Every other core function takes the config first: it waits for a config that is still a promise.
for (const [name, fn] of Object.entries(glue)) {
  if (typeof fn !== "function" || name in calls) continue;
  calls[name] = (config, ...args) => (config instanceof Promise ? config.then((ready) => fn(ready, ...args)) : fn(config, ...args));
}

export default calls;
