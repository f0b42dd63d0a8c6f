// Query-parameter parsing for the emulator's list routes: paging (`limit`,
// `offset`) and time windows (`from`, `to`). Invalid values raise ApiError 4004.

import { ApiError } from './store.js';

export const MAX_COUNT = 250;
const DAY_MS = 86_400_000;

function badValue(name, value) {
  return new ApiError(400, 4004, `Error 4004: invalid value for ${name}: ${JSON.stringify(value)}`);
}

/**
 * Reads paging from the query.
 * `limit` is "offset,count" or a bare count. `offset` (only when `allowOffset`)
 * is a separate integer; the comma form of `limit` wins over it.
 * count is capped at MAX_COUNT; 0 is allowed.
 */
export function parsePaging(query, { defaultCount, allowOffset = false }) {
  let offset = 0;
  let count = defaultCount;
  if (allowOffset && query.offset !== undefined) {
    if (!/^\s*\d+\s*$/.test(query.offset)) throw badValue('offset', query.offset);
    offset = Number(query.offset);
  }
  if (query.limit !== undefined) {
    const m = /^\s*(\d+)\s*(?:,\s*(\d+)\s*)?$/.exec(query.limit);
    if (!m) throw badValue('limit', query.limit);
    if (m[2] !== undefined) {
      offset = Number(m[1]);
      count = Number(m[2]);
    } else {
      count = Number(m[1]);
    }
  }
  return { offset, count: Math.min(count, MAX_COUNT) };
}

/** Applies paging to an array. */
export function page(items, { offset, count }) {
  if (offset >= items.length || count === 0) return [];
  return items.slice(offset, offset + count);
}

function daysInMonth(year, month) {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
// Date-time with optional seconds, fraction and zone. A space in front of the
// offset digits stands for "+" (an unencoded "+" in a query string decodes to a space).
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+\- ])(\d{2}):?(\d{2}))?$/;

/**
 * Parses a time bound: epoch ms digits, ISO date, or ISO date-time (UTC when
 * no zone is given). A date-only `to` means the end of that UTC day.
 * Returns ms, or null when the text is not a valid time.
 */
export function parseTime(text, { endOfDay = false } = {}) {
  const value = String(text).trim();
  if (/^\d+$/.test(value)) {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : null;
  }
  let m = DATE_ONLY.exec(value);
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null;
    const start = Date.UTC(y, mo - 1, d);
    return endOfDay ? start + DAY_MS - 1 : start;
  }
  m = DATE_TIME.exec(value);
  if (m) {
    const y = Number(m[1]);
    const mo = Number(m[2]);
    const d = Number(m[3]);
    const h = Number(m[4]);
    const mi = Number(m[5]);
    const s = m[6] === undefined ? 0 : Number(m[6]);
    const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
    if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return null;
    let offsetMin = 0;
    if (m[9] !== undefined) {
      const oh = Number(m[10]);
      const om = Number(m[11]);
      if (oh > 23 || om > 59) return null;
      offsetMin = (oh * 60 + om) * (m[9] === '-' ? -1 : 1);
    }
    return Date.UTC(y, mo - 1, d, h, mi, s, ms) - offsetMin * 60_000;
  }
  return null;
}

/** Reads `from` / `to` (inclusive) from the query; missing bounds are infinite. */
export function parseRange(query) {
  let from = -Infinity;
  let to = Infinity;
  if (query.from !== undefined) {
    from = parseTime(query.from);
    if (from === null) throw badValue('from', query.from);
  }
  if (query.to !== undefined) {
    to = parseTime(query.to, { endOfDay: true });
    if (to === null) throw badValue('to', query.to);
  }
  return { from, to };
}
