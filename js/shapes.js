// Builders of the plain objects the WebAssembly core hands back. The core decides every value; building each
// object here, in one call with a fixed layout, is cheaper than writing its fields one by one from wasm.

const defined = (value) => value !== undefined;

export const shapes = {
  request: (method, url, headers, body, timeoutMs, signal, checked) => ({ method, url, headers, body, timeoutMs, signal, checked }),
  page: (items, cardinality, offset, limit, next) => ({ items, cardinality, offset, limit, next }),
  cursor: (offset, limit, firstKey) => (firstKey === undefined ? { offset, limit } : { offset, limit, firstKey }),
  splicedLines(prefix, values) {
    let text = "";
    for (const value of values) {
      const json = JSON.stringify(value);
      if (json === undefined) return undefined;
      text += prefix + json + "}\n";
    }
    return text;
  },
  rateLimit(limit, remaining, cost, fullInSeconds) {
    const budget = {};
    if (defined(limit)) budget.limit = limit;
    if (defined(remaining)) budget.remaining = remaining;
    if (defined(cost)) budget.cost = cost;
    if (defined(fullInSeconds)) budget.fullInSeconds = fullInSeconds;
    return budget;
  },
};
