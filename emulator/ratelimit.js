// Token-bucket rate limiter, one bucket per API key, mirroring the documented
// GoSquared budget (750 units per minute, refilled continuously). This is the
// only part of the emulator that uses real time.

import { performance } from 'node:perf_hooks';

export const DEFAULT_RATE_LIMIT = Object.freeze({ limit: 750, refillPerMinute: 750, cost: 1 });

// Used for Full / Retry-After when the bucket never refills.
const NEVER_SECONDS = 86_400;

/**
 * Normalises a rate-limit option: `false` disables limiting, `true`/undefined
 * mean the defaults, an object overrides some of the defaults.
 * Returns `{ enabled, limit, refillPerMinute, cost }`.
 */
export function normalizeRateLimit(opts) {
  if (opts === false) return { enabled: false, ...DEFAULT_RATE_LIMIT };
  if (opts === undefined || opts === null || opts === true) return { enabled: true, ...DEFAULT_RATE_LIMIT };
  if (typeof opts !== 'object' || Array.isArray(opts)) {
    throw new TypeError('rateLimit must be false or an object { limit, refillPerMinute, cost }');
  }
  const allowed = new Set(['limit', 'refillPerMinute', 'cost', 'enabled']);
  for (const key of Object.keys(opts)) {
    if (!allowed.has(key)) throw new TypeError(`unknown rateLimit option ${JSON.stringify(key)}`);
  }
  const out = { enabled: opts.enabled !== false, ...DEFAULT_RATE_LIMIT };
  for (const key of ['limit', 'refillPerMinute', 'cost']) {
    if (opts[key] === undefined) continue;
    const v = opts[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (key === 'limit' && v === 0)) {
      throw new TypeError(`rateLimit.${key} must be a ${key === 'limit' ? 'positive' : 'non-negative'} number`);
    }
    out[key] = v;
  }
  return out;
}

export class RateLimiter {
  constructor(opts, clock = () => performance.now()) {
    this.clock = clock;
    this.configure(opts);
  }

  /** Replaces the configuration and refills every bucket. */
  configure(opts) {
    this.config = normalizeRateLimit(opts);
    this.buckets = new Map();
  }

  /** Refills every bucket (configuration unchanged). */
  reset() {
    this.buckets = new Map();
  }

  #bucket(key) {
    const now = this.clock();
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: this.config.limit, at: now };
      this.buckets.set(key, b);
      return b;
    }
    const perMs = this.config.refillPerMinute / 60_000;
    b.tokens = Math.min(this.config.limit, b.tokens + (now - b.at) * perMs);
    b.at = now;
    return b;
  }

  #secondsFor(units) {
    if (units <= 0) return 0;
    const perSecond = this.config.refillPerMinute / 60;
    if (perSecond <= 0) return NEVER_SECONDS;
    return Math.ceil(units / perSecond);
  }

  #headers(tokens) {
    const { limit, cost } = this.config;
    return {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(Math.max(0, Math.floor(tokens))),
      'x-ratelimit-cost': String(cost),
      'x-ratelimit-full': String(this.#secondsFor(limit - tokens)),
    };
  }

  /**
   * Charges one request to `key`.
   * Returns `{ allowed, headers, retryAfter }` (`retryAfter` in whole seconds, only when refused).
   */
  take(key) {
    const { enabled, limit, cost } = this.config;
    if (!enabled) return { allowed: true, headers: this.#headers(limit) };
    const b = this.#bucket(key);
    if (b.tokens < cost) {
      return {
        allowed: false,
        headers: this.#headers(b.tokens),
        retryAfter: Math.max(1, this.#secondsFor(cost - b.tokens)),
      };
    }
    b.tokens -= cost;
    return { allowed: true, headers: this.#headers(b.tokens) };
  }

  /** Current headers for `key` without charging anything. */
  peek(key) {
    if (!this.config.enabled) return this.#headers(this.config.limit);
    return this.#headers(this.#bucket(key).tokens);
  }

  /** The configuration as JSON (`false` when disabled). */
  describe() {
    const { enabled, ...rest } = this.config;
    return enabled ? rest : false;
  }
}
