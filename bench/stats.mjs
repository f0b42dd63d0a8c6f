// Small statistics helpers for the bench: medians, percentiles and ratio formatting.

/** The value at percentile `p` (0–100) of `values`, by nearest rank. */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** The median of `values`. */
export const median = (values) => percentile(values, 50);

/** Formats a number with `digits` decimals. */
export const fixed = (n, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");

/** Formats a byte count as KB with one decimal. */
export const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

/** Runs `fn` `rounds` times and returns the median of what it returns. */
export async function medianOf(rounds, fn) {
  const results = [];
  for (let i = 0; i < rounds; i++) results.push(await fn(i));
  return median(results);
}

/** Milliseconds that awaiting `fn()` takes. */
export async function elapsed(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/**
 * Runs every task of `tasks` (name → async function) once per round, in a fresh random order each round
 * (`order: "shuffle"`) or rotated by one each round (`order: "rotate"`), and returns each task's results by name.
 */
export async function interleave(rounds, tasks, { order = "shuffle" } = {}) {
  const names = Object.keys(tasks);
  const results = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    const sequence = order === "rotate" ? rotated(names, round) : shuffled(names);
    for (const name of sequence) results[name].push(await tasks[name]());
  }
  return results;
}

const rotated = (items, by) => items.map((_, i) => items[(i + by) % items.length]);

function shuffled(items) {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}
