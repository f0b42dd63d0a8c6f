// Fault injection: a queue of one-shot (or N-shot) misbehaviours that apply to
// matching non-control requests. See README.md for the semantics of each kind.

import { STATUS_CODES } from 'node:http';
import { CODES } from './store.js';

const FAULT_KEYS = new Set([
  'match', 'times', 'status', 'body', 'headers', 'delayMs', 'hang', 'reset',
  'truncate', 'html', 'empty', 'contentType', 'process',
]);
const MATCH_KEYS = new Set(['method', 'path']);

/** Default JSON body of a status fault. */
export function defaultFaultBody(status) {
  let code = 4000;
  if (status >= 500) code = 5000;
  else if (status === 429) code = 4002;
  else if (status === 404) code = CODES.NOT_FOUND;
  else if (status === 401 || status === 403) code = 4001;
  return { code, message: `Injected fault ${status}` };
}

/** An HTML error page, as a proxy in front of an API would send. */
export function htmlErrorPage(status) {
  const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
  return [
    '<!DOCTYPE html>',
    `<html><head><title>${title}</title></head>`,
    `<body><h1>${title}</h1>`,
    '<p>The upstream server did not answer correctly (emulated fault).</p>',
    '</body></html>',
    '',
  ].join('\n');
}

function fail(message) {
  throw new TypeError(`invalid fault: ${message}`);
}

/** Validates a fault spec and fills in defaults. Throws TypeError when invalid. */
export function normalizeFault(spec, id) {
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) fail('must be an object');
  for (const key of Object.keys(spec)) {
    if (!FAULT_KEYS.has(key)) fail(`unknown key ${JSON.stringify(key)}`);
  }
  const match = spec.match ?? {};
  if (typeof match !== 'object' || Array.isArray(match)) fail('match must be an object');
  for (const key of Object.keys(match)) {
    if (!MATCH_KEYS.has(key)) fail(`unknown match key ${JSON.stringify(key)}`);
  }
  if (match.method !== undefined && (typeof match.method !== 'string' || match.method === '')) {
    fail('match.method must be a string');
  }
  if (match.path !== undefined && (typeof match.path !== 'string' || match.path === '')) {
    fail('match.path must be a string');
  }
  const times = spec.times ?? 1;
  if (!(times === Infinity || (Number.isSafeInteger(times) && times > 0))) {
    fail('times must be a positive integer');
  }
  if (spec.status !== undefined && !(Number.isInteger(spec.status) && spec.status >= 100 && spec.status <= 599)) {
    fail('status must be an HTTP status code (100-599)');
  }
  if (spec.body !== undefined && spec.body !== null && typeof spec.body !== 'string' && typeof spec.body !== 'object') {
    fail('body must be a string or an object');
  }
  if (spec.headers !== undefined && (typeof spec.headers !== 'object' || spec.headers === null || Array.isArray(spec.headers))) {
    fail('headers must be an object');
  }
  if (spec.delayMs !== undefined && !(typeof spec.delayMs === 'number' && Number.isFinite(spec.delayMs) && spec.delayMs >= 0)) {
    fail('delayMs must be a non-negative number');
  }
  if (spec.contentType !== undefined && typeof spec.contentType !== 'string') fail('contentType must be a string');
  for (const flag of ['hang', 'reset', 'truncate', 'html', 'empty', 'process']) {
    if (spec[flag] !== undefined && typeof spec[flag] !== 'boolean') fail(`${flag} must be a boolean`);
  }
  if (spec.hang && spec.reset) fail('hang and reset cannot be combined');

  // Faults that replace the answer refuse the request by default; faults that
  // only distort the real answer let the real handler run.
  const refusing = spec.status !== undefined || spec.reset === true || spec.hang === true || spec.html === true;
  const headers = {};
  for (const [k, v] of Object.entries(spec.headers ?? {})) headers[k.toLowerCase()] = String(v);
  return {
    id,
    match: {
      method: match.method === undefined ? undefined : match.method.toUpperCase(),
      path: match.path,
    },
    times,
    status: spec.status,
    body: spec.body ?? undefined,
    headers,
    delayMs: spec.delayMs ?? 0,
    hang: spec.hang === true,
    reset: spec.reset === true,
    truncate: spec.truncate === true,
    html: spec.html === true,
    empty: spec.empty === true,
    contentType: spec.contentType,
    process: spec.process ?? !refusing,
  };
}

function pathMatches(pattern, paths) {
  if (pattern === undefined) return true;
  if (pattern.endsWith('*')) {
    const prefix = pattern.slice(0, -1);
    return paths.some((p) => p.startsWith(prefix));
  }
  return paths.includes(pattern);
}

export class FaultQueue {
  constructor() {
    this.faults = [];
    this.seq = 0;
  }

  /** Adds a fault; returns the normalised fault (with its id). */
  add(spec) {
    const fault = normalizeFault(spec, `f_${this.seq + 1}`);
    this.seq += 1;
    this.faults.push(fault);
    return fault;
  }

  clear() {
    this.faults = [];
  }

  list() {
    return this.faults.map((f) => ({ ...f, times: f.times === Infinity ? null : f.times }));
  }

  /**
   * Finds the first fault matching the request, uses up one of its `times`
   * and returns it (or null). `paths` holds the raw path and, when it decodes,
   * the percent-decoded path; either may match. OPTIONS requests only match
   * faults that name OPTIONS explicitly.
   */
  take(method, paths) {
    const m = method.toUpperCase();
    const index = this.faults.findIndex((f) => {
      if (f.match.method === undefined ? m === 'OPTIONS' : f.match.method !== m) return false;
      return pathMatches(f.match.path, paths);
    });
    if (index === -1) return null;
    const fault = this.faults[index];
    fault.times -= 1;
    if (fault.times <= 0) this.faults.splice(index, 1);
    return fault;
  }
}
