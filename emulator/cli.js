#!/usr/bin/env node
// Command-line entry point: runs the GoSquared Live Chat emulator until
// SIGINT/SIGTERM. See README.md in this folder.

import { parseArgs } from 'node:util';

import { startEmulator, DEFAULT_API_KEY, DEFAULT_SITE_TOKEN } from './server.js';
import { parseSeed } from './store.js';
import { normalizeFault } from './faults.js';
import { normalizeRateLimit } from './ratelimit.js';
import { MIN_EVERY_MS, startCustomers } from './customers.js';

const DEFAULT_CLI_SEED = '5:8';

const USAGE = `Usage: gosquared-chat-emulator [options]

Runs a local stand-in for the GoSquared Live Chat API (/chat/v1/...).

Options:
  --port N               port to listen on (default 0 = pick a free port)
  --host H               interface to bind (default 127.0.0.1)
  --allowed-host NAME    also answer requests whose Host header names NAME (repeatable); localhost,
                         127.0.0.1, [::1] and the --host value are always allowed, any other is refused (403)
  --api-key K            accepted api_key (default ${DEFAULT_API_KEY})
  --site-token T         accepted site_token (default ${DEFAULT_SITE_TOKEN})
  --seed CHATS:MESSAGES  initial data (default ${DEFAULT_CLI_SEED}; "0:0" for an empty store)
  --real-clock           stamp stored items with the real time (default: a logical clock from
                         1700000000000, 1000 ms per item, so that runs are reproducible)
  --no-rate-limit        disable the 750/min rate limiter (headers are still sent)
  --rate-limit JSON      rate-limit settings, e.g. '{"limit":10,"refillPerMinute":60}'
  --fault JSON           queue a fault at start (repeatable), e.g.
                         '{"match":{"method":"POST"},"status":503,"times":2}'
                         (at run time: curl -X POST URL/__emulator/faults -d JSON)
  --customers MS         demo: a customer writes into a random chat every MS ms
                         (each message printed to stdout; webhooks delivered)
  --log                  print one line per request to stderr
  -h, --help             show this help
`;

function usageError(message) {
  process.stderr.write(`gosquared-chat-emulator: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function parseCli(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'allowed-host': { type: 'string', multiple: true },
        'api-key': { type: 'string' },
        'site-token': { type: 'string' },
        seed: { type: 'string' },
        'real-clock': { type: 'boolean' },
        'no-rate-limit': { type: 'boolean' },
        'rate-limit': { type: 'string' },
        fault: { type: 'string', multiple: true },
        log: { type: 'boolean' },
        customers: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    return usageError(err.message);
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  let port = 0;
  if (v.port !== undefined) {
    if (!/^\d+$/.test(v.port) || Number(v.port) > 65535) return usageError(`invalid --port ${JSON.stringify(v.port)}`);
    port = Number(v.port);
  }
  for (const name of ['host', 'api-key', 'site-token']) {
    if (v[name] !== undefined && v[name] === '') return usageError(`--${name} must not be empty`);
  }
  const allowedHosts = v['allowed-host'] ?? [];
  if (allowedHosts.some((h) => h.trim() === '')) return usageError('--allowed-host must not be empty');
  const seed = v.seed ?? DEFAULT_CLI_SEED;
  try {
    parseSeed(seed);
  } catch (err) {
    return usageError(err.message);
  }
  if (v['no-rate-limit'] && v['rate-limit'] !== undefined) return usageError('--no-rate-limit and --rate-limit exclude each other');
  let rateLimit = v['no-rate-limit'] ? false : undefined;
  if (v['rate-limit'] !== undefined) {
    try {
      rateLimit = JSON.parse(v['rate-limit']);
      normalizeRateLimit(rateLimit);
    } catch (err) {
      return usageError(`invalid --rate-limit: ${err.message}`);
    }
  }
  let customers;
  if (v.customers !== undefined) {
    if (!/^\d+$/.test(v.customers) || Number(v.customers) < MIN_EVERY_MS) {
      return usageError(`invalid --customers ${JSON.stringify(v.customers)} (milliseconds, at least ${MIN_EVERY_MS})`);
    }
    customers = Number(v.customers);
  }
  const faults = [];
  for (const text of v.fault ?? []) {
    try {
      const spec = JSON.parse(text);
      normalizeFault(spec, 'check');
      faults.push(spec);
    } catch (err) {
      return usageError(`invalid --fault ${text}: ${err.message}`);
    }
  }
  return {
    faults,
    customers,
    port,
    host: v.host ?? '127.0.0.1',
    allowedHosts,
    apiKey: v['api-key'] ?? DEFAULT_API_KEY,
    siteToken: v['site-token'] ?? DEFAULT_SITE_TOKEN,
    seed,
    clock: v['real-clock'] ? 'real' : 'logical',
    rateLimit,
    log: v.log === true,
  };
}

async function main() {
  const { faults, customers, ...options } = parseCli(process.argv.slice(2));
  let emulator;
  try {
    emulator = await startEmulator(options);
    for (const fault of faults) emulator.inject(fault);
  } catch (err) {
    process.stderr.write(`gosquared-chat-emulator: cannot start: ${err.message}\n`);
    process.exit(1);
  }
  process.stdout.write(
    `gosquared-chat emulator listening on ${emulator.url} (api_key=${emulator.apiKey} site_token=${emulator.siteToken})\n`,
  );
  const writer = customers === undefined ? undefined : startCustomers(emulator, {
    everyMs: customers,
    onMessage: (m) => process.stdout.write(`customer ${m.person_id}: ${m.content}\n`),
  });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    writer?.stop();
    await emulator.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main();
