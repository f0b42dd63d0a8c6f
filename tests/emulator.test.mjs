// Tests for the local GoSquared Live Chat emulator (emulator/).
// Run: node --test tests/emulator.test.mjs

import { describe, test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

import { startEmulator } from '../emulator/server.js';

const KEY = 'demo_key';
const TOKEN = 'GSN-000000-A';
const T0 = 1700000000000;
const ADA = 'email:ada@example.com';
const ADA_PATH = 'email%3Aada%40example.com';
const AGENT = { id: 'agent_1', first_name: 'Ada', last_name: 'Lovelace', avatar: 'https://example.invalid/a.png' };
const CLI = fileURLToPath(new URL('../emulator/cli.js', import.meta.url));

/**
 * Calls the emulator. `query` is merged over the default credentials unless
 * `auth: false`; keys whose value is undefined are dropped.
 */
async function call(emu, method, path, { query = {}, auth = true, body, headers = {}, signal } = {}) {
  const merged = auth ? { api_key: KEY, site_token: TOKEN, ...query } : { ...query };
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(merged)) if (v !== undefined) params.append(k, String(v));
  const qs = params.toString();
  const url = `${emu.url}${path}${qs ? `${path.includes('?') ? '&' : '?'}${qs}` : ''}`;
  const init = { method, headers: { ...headers }, signal };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    if (!init.headers['content-type']) init.headers['content-type'] = 'application/json';
  }
  const res = await fetch(url, init);
  const text = await res.text();
  let json;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

const get = (emu, path, opts) => call(emu, 'GET', path, opts);
const post = (emu, path, body, opts = {}) => call(emu, 'POST', path, { ...opts, body });

function assertJson(res) {
  assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
}

// ---------------------------------------------------------------------------

describe('authentication', () => {
  let emu;
  before(async () => { emu = await startEmulator({ seed: '1:1' }); });
  after(() => emu.close());

  test('missing api_key -> 401 4001', async () => {
    const r = await get(emu, '/chat/v1/chats', { auth: false, query: { site_token: TOKEN } });
    assert.equal(r.status, 401);
    assertJson(r);
    assert.deepEqual(r.json, { code: 4001, message: 'Your API Key is not authorised for this endpoint' });
  });

  test('wrong api_key -> 401 4001', async () => {
    const r = await get(emu, '/chat/v1/chats', { query: { api_key: 'nope' } });
    assert.equal(r.status, 401);
    assert.deepEqual(r.json, { code: 4001, message: 'Your API Key is not authorised for this endpoint' });
  });

  test('missing site_token -> 400 4000', async () => {
    const r = await get(emu, '/chat/v1/chats', { query: { site_token: undefined } });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json, { code: 4000, message: 'Error 4000: site_token parameter is required' });
  });

  test('wrong site_token -> 403 4001', async () => {
    const r = await get(emu, '/chat/v1/chats', { query: { site_token: 'GSN-999999-Z' } });
    assert.equal(r.status, 403);
    assert.deepEqual(r.json, { code: 4001, message: 'Error 4001: API key not authorised for this site' });
  });

  test('Authorization: Bearer <apiKey> replaces api_key', async () => {
    const ok = await get(emu, '/chat/v1/chats', {
      auth: false, query: { site_token: TOKEN }, headers: { authorization: `Bearer ${KEY}` },
    });
    assert.equal(ok.status, 200);
    const bad = await get(emu, '/chat/v1/chats', {
      auth: false, query: { site_token: TOKEN }, headers: { authorization: 'Bearer wrong' },
    });
    assert.equal(bad.status, 401);
  });

  test('auth errors also carry rate-limit headers', async () => {
    const r = await get(emu, '/chat/v1/chats', { query: { api_key: 'nope' } });
    for (const h of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-cost', 'x-ratelimit-full']) {
      assert.ok(r.headers.get(h) !== null, `${h} present`);
    }
  });
});

// ---------------------------------------------------------------------------

describe('routes and shapes (seed 3:5)', () => {
  let emu;
  before(async () => { emu = await startEmulator({ seed: '3:5' }); });
  after(() => emu.close());
  beforeEach(() => emu.reset());

  test('GET /chat/v1/chats lists active chats, newest activity first', async () => {
    const r = await get(emu, '/chat/v1/chats');
    assert.equal(r.status, 200);
    assertJson(r);
    assert.deepEqual(Object.keys(r.json).sort(), ['cardinality', 'list']);
    assert.equal(r.json.cardinality, 3);
    assert.deepEqual(r.json.list.map((c) => c.id), ['person-3', 'person-2', ADA]);
    assert.deepEqual(r.json.list[0], {
      id: 'person-3',
      person: { id: 'person-3', name: 'Person 3', email: 'person-3@example.com', avatar: 'https://example.invalid/avatars/3.png' },
      archived: false,
      latest: {
        message: {
          id: 'm_15', timestamp: T0 + 14000, from: 'client', content: 'Message 5 in chat person-3',
          entities: [], person_id: 'person-3',
        },
      },
      unread: 1,
      last_read: { client: T0 + 14000, agent: T0 + 13000 },
      created: T0 + 10000,
      updated: T0 + 14000,
    });
    const ada = r.json.list[2];
    assert.deepEqual(ada.person, { id: ADA, name: 'Ada Lovelace', email: 'ada@example.com', avatar: 'https://example.invalid/avatars/1.png' });
  });

  test('GET /chat/v1/archivedChats lists archived chats only', async () => {
    let r = await get(emu, '/chat/v1/archivedChats');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { list: [], cardinality: 0 });
    assert.equal((await post(emu, '/chat/v1/chats/person-2/archive')).status, 204);
    r = await get(emu, '/chat/v1/archivedChats');
    assert.equal(r.json.cardinality, 1);
    assert.equal(r.json.list[0].id, 'person-2');
    assert.equal(r.json.list[0].archived, true);
  });

  test('GET /chat/v1/chats/{id} returns the bare chat; unknown id -> 404 7404', async () => {
    const r = await get(emu, `/chat/v1/chats/${ADA_PATH}`);
    assert.equal(r.status, 200);
    assert.equal(r.json.id, ADA);
    assert.equal(r.json.latest.message.id, 'm_5');
    assert.equal(r.json.created, T0);
    const missing = await get(emu, '/chat/v1/chats/nobody');
    assert.equal(missing.status, 404);
    assertJson(missing);
    assert.deepEqual(missing.json, { code: 7404, message: 'Error 7404: chat not found' });
    for (const [method, suffix] of [['GET', '/feed'], ['GET', '/messages'], ['POST', '/messages'], ['POST', '/notes'], ['POST', '/archive'], ['POST', '/unarchive']]) {
      const x = await call(emu, method, `/chat/v1/chats/nobody${suffix}`, method === 'POST' ? { body: { content: 'x' } } : {});
      assert.equal(x.status, 404, `${method} ${suffix}`);
      assert.deepEqual(x.json, { code: 7404, message: 'Error 7404: chat not found' });
    }
  });

  test('GET feed returns typed items oldest first', async () => {
    const r = await get(emu, '/chat/v1/chats/person-2/feed');
    assert.equal(r.status, 200);
    assert.equal(r.json.cardinality, 5);
    assert.deepEqual(r.json.list[0], {
      id: 'm_6', timestamp: T0 + 5000, from: 'client', content: 'Message 1 in chat person-2',
      entities: [], person_id: 'person-2', type: 'message',
    });
    assert.deepEqual(r.json.list[1], {
      id: 'm_7', timestamp: T0 + 6000, from: 'agent', content: 'Message 2 in chat person-2',
      entities: [], person_id: 'person-2', agent: AGENT, type: 'message',
    });
  });

  test('GET messages returns messages oldest first', async () => {
    const r = await get(emu, '/chat/v1/chats/person-3/messages');
    assert.equal(r.status, 200);
    assert.equal(r.json.cardinality, 5);
    assert.deepEqual(r.json.list.map((m) => m.id), ['m_11', 'm_12', 'm_13', 'm_14', 'm_15']);
    assert.deepEqual(r.json.list.map((m) => m.from), ['client', 'agent', 'client', 'agent', 'client']);
    assert.ok(r.json.list.every((m) => !('type' in m)));
  });

  test('POST messages creates a message (default from agent) and updates the chat', async () => {
    const r = await post(emu, `/chat/v1/chats/${ADA_PATH}/messages`, { content: 'Hello there' });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, {
      id: 'm_16', timestamp: T0 + 15000, from: 'agent', content: 'Hello there',
      entities: [], person_id: ADA, agent: AGENT,
    });
    const chat = (await get(emu, `/chat/v1/chats/${ADA_PATH}`)).json;
    assert.deepEqual(chat.latest.message, r.json);
    assert.equal(chat.updated, T0 + 15000);
    assert.equal(chat.last_read.agent, T0 + 15000);
    // Ada is now the most recently active chat.
    assert.equal((await get(emu, '/chat/v1/chats')).json.list[0].id, ADA);

    const c = await post(emu, '/chat/v1/chats/person-2/messages', { content: 'from the visitor', from: 'client' });
    assert.equal(c.status, 200);
    assert.equal(c.json.from, 'client');
    assert.ok(!('agent' in c.json));
    const b = await post(emu, '/chat/v1/chats/person-2/messages', { content: 'beep', from: 'bot' });
    assert.equal(b.json.from, 'bot');
    // Seeded message 5 and the new one are client messages after the last agent reply.
    assert.equal((await get(emu, '/chat/v1/chats/person-2')).json.unread, 2);
  });

  test('POST notes creates a private note: in the feed, not in messages or latest', async () => {
    const r = await post(emu, '/chat/v1/chats/person-2/notes', { content: 'VIP customer' });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, {
      id: 'm_16', timestamp: T0 + 15000, from: 'agent', content: 'VIP customer',
      entities: [], person_id: 'person-2', agent: AGENT, private: true,
    });
    const feed = (await get(emu, '/chat/v1/chats/person-2/feed', { query: { limit: 50 } })).json;
    assert.equal(feed.cardinality, 6);
    assert.deepEqual(feed.list.at(-1), { ...r.json, type: 'message' });
    const msgs = (await get(emu, '/chat/v1/chats/person-2/messages')).json;
    assert.equal(msgs.cardinality, 5);
    assert.ok(msgs.list.every((m) => m.private !== true));
    const chat = (await get(emu, '/chat/v1/chats/person-2')).json;
    assert.equal(chat.latest.message.id, 'm_10');
    assert.equal(chat.updated, T0 + 15000);
  });

  test('POST archive / unarchive -> 204 with empty body, idempotent, events in feed', async () => {
    const a = await post(emu, '/chat/v1/chats/person-2/archive');
    assert.equal(a.status, 204);
    assert.equal(a.text, '');
    assert.equal((await post(emu, '/chat/v1/chats/person-2/archive', undefined, { headers: { 'content-type': 'application/json' } })).status, 204);
    let feed = (await get(emu, '/chat/v1/chats/person-2/feed', { query: { limit: 50 } })).json;
    assert.equal(feed.cardinality, 6, 'archiving twice adds one event');
    assert.deepEqual(feed.list.at(-1), { id: 'e_1', timestamp: T0 + 15000, event: 'archived', type: 'event' });
    assert.deepEqual((await get(emu, '/chat/v1/chats')).json.list.map((c) => c.id), ['person-3', ADA]);

    const u = await post(emu, '/chat/v1/chats/person-2/unarchive');
    assert.equal(u.status, 204);
    assert.equal(u.text, '');
    assert.equal((await post(emu, '/chat/v1/chats/person-2/unarchive')).status, 204);
    feed = (await get(emu, '/chat/v1/chats/person-2/feed', { query: { limit: 50 } })).json;
    assert.equal(feed.cardinality, 7);
    assert.deepEqual(feed.list.at(-1), { id: 'e_2', timestamp: T0 + 16000, event: 'unarchived', type: 'event' });
    assert.equal((await get(emu, '/chat/v1/archivedChats')).json.cardinality, 0);
    assert.equal((await get(emu, '/chat/v1/chats')).json.list[0].id, 'person-2');
  });

  test('a client message unarchives; agent messages and notes do not', async () => {
    await post(emu, '/chat/v1/chats/person-3/archive');
    await post(emu, '/chat/v1/chats/person-3/messages', { content: 'agent reply' });
    await post(emu, '/chat/v1/chats/person-3/notes', { content: 'a note' });
    assert.equal((await get(emu, '/chat/v1/chats/person-3')).json.archived, true);
    const m = await post(emu, '/chat/v1/chats/person-3/messages', { content: 'I am back', from: 'client' });
    assert.equal(m.status, 200);
    const chat = (await get(emu, '/chat/v1/chats/person-3')).json;
    assert.equal(chat.archived, false);
    const feed = (await get(emu, '/chat/v1/chats/person-3/feed', { query: { limit: 50 } })).json.list;
    assert.deepEqual(feed.slice(-2).map((i) => i.type === 'event' ? i.event : i.id), [m.json.id, 'unarchived']);
    assert.deepEqual((await get(emu, '/chat/v1/archivedChats')).json.list, []);
  });

  test('body errors', async () => {
    const path = '/chat/v1/chats/person-2/messages';
    const cases = [
      ['{not json', 400, 4003],
      ['[1,2]', 400, 4003],
      [{}, 400, 4000],
      [{ from: 'agent' }, 400, 4000],
      [{ content: '' }, 400, 4004],
      [{ content: 42 }, 400, 4004],
      [{ content: null }, 400, 4004],
      [{ content: 'x', from: 'robot' }, 400, 4004],
    ];
    for (const [body, status, code] of cases) {
      const r = await post(emu, path, body);
      assert.equal(r.status, status, JSON.stringify(body));
      assertJson(r);
      assert.equal(r.json.code, code, JSON.stringify(body));
      assert.equal(typeof r.json.message, 'string');
    }
    const n = await post(emu, '/chat/v1/chats/person-2/notes', { nope: 1 });
    assert.equal(n.status, 400);
    assert.equal(n.json.code, 4000);
    assert.equal((await get(emu, path)).json.cardinality, 5, 'nothing was stored');
  });
});

// ---------------------------------------------------------------------------

describe('paging, filtering, ordering', () => {
  let emu;
  before(async () => {
    emu = await startEmulator({ seed: '30:2' });
    emu.addChat({ id: 'big', messages: 300 });
  });
  after(() => emu.close());

  test('chats: default count 10, "offset,count", bare count', async () => {
    const all = (await get(emu, '/chat/v1/chats', { query: { limit: '0,250' } })).json;
    assert.equal(all.cardinality, 31);
    assert.equal(all.list.length, 31);
    const ids = all.list.map((c) => c.id);
    assert.equal(ids[0], 'big');
    const def = (await get(emu, '/chat/v1/chats')).json;
    assert.equal(def.list.length, 10);
    assert.equal(def.cardinality, 31);
    assert.deepEqual(def.list.map((c) => c.id), ids.slice(0, 10));
    const windowed = (await get(emu, '/chat/v1/chats', { query: { limit: '20,10' } })).json;
    assert.deepEqual(windowed.list.map((c) => c.id), ids.slice(20, 30));
    assert.equal(windowed.cardinality, 31);
    const bare = (await get(emu, '/chat/v1/chats', { query: { limit: '3' } })).json;
    assert.deepEqual(bare.list.map((c) => c.id), ids.slice(0, 3));
    const past = (await get(emu, '/chat/v1/chats', { query: { limit: '40,10' } })).json;
    assert.deepEqual(past, { list: [], cardinality: 31 });
  });

  test('messages: default count 20, offset param, comma form wins, cap 250, zero', async () => {
    const path = '/chat/v1/chats/big/messages';
    const def = (await get(emu, path)).json;
    assert.equal(def.list.length, 20);
    assert.equal(def.cardinality, 300);
    assert.equal(def.list[0].content, 'Message 1 in chat big');
    const off = (await get(emu, path, { query: { offset: 5, limit: 3 } })).json;
    assert.deepEqual(off.list.map((m) => m.content), ['Message 6 in chat big', 'Message 7 in chat big', 'Message 8 in chat big']);
    const both = (await get(emu, path, { query: { offset: 100, limit: '2,2' } })).json;
    assert.deepEqual(both.list.map((m) => m.content), ['Message 3 in chat big', 'Message 4 in chat big']);
    const capped = (await get(emu, path, { query: { limit: 1000 } })).json;
    assert.equal(capped.list.length, 250);
    assert.equal(capped.cardinality, 300);
    const zero = (await get(emu, path, { query: { limit: 0 } })).json;
    assert.deepEqual(zero, { list: [], cardinality: 300 });
    const feed = (await get(emu, '/chat/v1/chats/big/feed')).json;
    assert.equal(feed.list.length, 10);
    const feedCapped = (await get(emu, '/chat/v1/chats/big/feed', { query: { limit: '10,500' } })).json;
    assert.equal(feedCapped.list.length, 250);
    assert.equal(feedCapped.list[0].content, 'Message 11 in chat big');
  });

  test('bad paging values -> 400 4004', async () => {
    const bad = [
      ['/chat/v1/chats', { limit: 'abc' }],
      ['/chat/v1/chats', { limit: '-1' }],
      ['/chat/v1/chats', { limit: '1.5' }],
      ['/chat/v1/chats', { limit: '1,2,3' }],
      ['/chat/v1/chats', { limit: '' }],
      ['/chat/v1/archivedChats', { limit: '5,x' }],
      ['/chat/v1/chats/big/feed', { limit: ',5' }],
      ['/chat/v1/chats/big/messages', { offset: '-1' }],
      ['/chat/v1/chats/big/messages', { offset: 'x' }],
    ];
    for (const [path, query] of bad) {
      const r = await get(emu, path, { query });
      assert.equal(r.status, 400, `${path} ${JSON.stringify(query)}`);
      assert.equal(r.json.code, 4004);
    }
  });

  test('from/to filter items inclusively (ms, ISO date, ISO date-time)', async () => {
    const path = '/chat/v1/chats/big/messages';
    const all = (await get(emu, path, { query: { limit: 250 } })).json.list;
    const t5 = all[5].timestamp;
    const t9 = all[9].timestamp;
    const r = (await get(emu, path, { query: { from: t5, to: t9 } })).json;
    assert.equal(r.cardinality, 5);
    assert.deepEqual(r.list.map((m) => m.id), all.slice(5, 10).map((m) => m.id));
    const iso = (await get(emu, path, { query: { from: new Date(t5).toISOString(), to: new Date(t9).toISOString() } })).json;
    assert.deepEqual(iso.list.map((m) => m.id), r.list.map((m) => m.id));
    const noMs = (await get(emu, path, { query: { to: '2023-11-14T22:13:22Z' } })).json;
    assert.equal(noMs.cardinality, 0, 'the big chat starts after 22:14');
    const zoned = (await get(emu, '/chat/v1/chats/person-2/messages', { query: { from: '2023-11-14T23:13:22+01:00', to: '2023-11-14T22:13:23Z' } })).json;
    assert.deepEqual(zoned.list.map((m) => m.timestamp), [T0 + 2000, T0 + 3000]);
    const day = (await get(emu, path, { query: { from: '2023-11-14', to: '2023-11-14' } })).json;
    assert.equal(day.cardinality, 300, 'a date-only "to" covers the whole day');
    const before = (await get(emu, path, { query: { to: '2023-11-13' } })).json;
    assert.deepEqual(before, { list: [], cardinality: 0 });
    const feed = (await get(emu, '/chat/v1/chats/big/feed', { query: { from: t9 } })).json;
    assert.equal(feed.cardinality, 300 - 9);
    for (const value of ['yesterday', '2023-13-01', '2023-02-30', '-5', '12:00', '2023-11-14T25:00:00Z']) {
      const bad = await get(emu, path, { query: { from: value } });
      assert.equal(bad.status, 400, value);
      assert.equal(bad.json.code, 4004);
      const badTo = await get(emu, '/chat/v1/chats', { query: { to: value } });
      assert.equal(badTo.status, 400, value);
    }
  });

  test('chat lists filter on updated', async () => {
    // Seed 30:2: chat n is updated at T0 + ((n - 1) * 2 + 1) * 1000.
    const r = (await get(emu, '/chat/v1/chats', { query: { from: T0 + 3000, to: T0 + 7000, limit: 50 } })).json;
    assert.deepEqual(r.list.map((c) => c.id), ['person-4', 'person-3', 'person-2']);
    assert.equal(r.cardinality, 3);
  });

  test('ties in updated are broken by id ascending', async () => {
    const e = await startEmulator();
    try {
      e.addChat({ id: 'zeta' });
      e.addChat({ id: 'alpha' });
      e.addChat({ id: 'mid' });
      const ids = (await get(e, '/chat/v1/chats')).json.list.map((c) => c.id);
      assert.deepEqual(ids, ['alpha', 'mid', 'zeta']);
      const chat = (await get(e, '/chat/v1/chats/zeta')).json;
      assert.deepEqual(chat, {
        id: 'zeta', person: { id: 'zeta', name: null, email: null, avatar: null }, archived: false,
        latest: { message: null }, unread: 0, last_read: { client: 0, agent: 0 }, created: T0, updated: T0,
      });
    } finally {
      await e.close();
    }
  });
});

// ---------------------------------------------------------------------------

describe('ids, unknown routes, CORS', () => {
  let emu;
  before(async () => { emu = await startEmulator({ seed: '2:2' }); });
  after(() => emu.close());

  test('path segments are percent-decoded once', async () => {
    const odd = 'team/sales: Zoë@example.com';
    emu.addChat({ id: odd, messages: ['hi'] });
    const r = await get(emu, `/chat/v1/chats/${encodeURIComponent(odd)}`);
    assert.equal(r.status, 200);
    assert.equal(r.json.id, odd);
    const m = await get(emu, `/chat/v1/chats/${encodeURIComponent(odd)}/messages`);
    assert.equal(m.json.list[0].person_id, odd);
    const ada = await get(emu, '/chat/v1/chats/email:ada@example.com');
    assert.equal(ada.json.id, ADA, 'unencoded ":" and "@" work too');
    emu.addChat({ id: '%41' });
    const once = await get(emu, '/chat/v1/chats/%2541');
    assert.equal(once.json.id, '%41', 'decoded exactly once');
    const bad = await get(emu, '/chat/v1/chats/%E0%A4%A/feed');
    assert.equal(bad.status, 400);
    assert.equal(bad.json.code, 4004);
    const slash = await get(emu, '/chat/v1/chats/team/sales/messages');
    assert.equal(slash.status, 404, 'an unencoded "/" is a different route');
    assert.equal(slash.json.code, 7404);
  });

  test('unknown routes name the route', async () => {
    let r = await get(emu, '/chat/v1/nope');
    assert.equal(r.status, 404);
    assertJson(r);
    assert.deepEqual(r.json, { code: 7404, message: 'Unknown route: GET /chat/v1/nope' });
    r = await call(emu, 'DELETE', '/chat/v1/chats/person-2');
    assert.deepEqual(r.json, { code: 7404, message: 'Unknown route: DELETE /chat/v1/chats/person-2' });
    r = await get(emu, '/chat/v1/chats/person-2/');
    assert.deepEqual(r.json, { code: 7404, message: 'Unknown route: GET /chat/v1/chats/person-2/' });
    r = await get(emu, '/chat/v1/chats/');
    assert.equal(r.status, 404);
    assert.equal(r.json.code, 7404);
    r = await post(emu, '/chat/v1/chats', { content: 'x' });
    assert.deepEqual(r.json, { code: 7404, message: 'Unknown route: POST /chat/v1/chats' });
    r = await get(emu, '/people/v1/people', { auth: false });
    assert.equal(r.status, 404);
    assert.deepEqual(r.json, { code: 7404, message: 'Unknown route: GET /people/v1/people' });
  });

  test('CORS headers on responses and preflight', async () => {
    const r = await get(emu, '/chat/v1/chats');
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
    const exposed = r.headers.get('access-control-expose-headers').toLowerCase();
    for (const h of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-cost', 'x-ratelimit-full', 'retry-after']) {
      assert.ok(exposed.includes(h), h);
    }
    const err = await get(emu, '/nowhere');
    assert.equal(err.headers.get('access-control-allow-origin'), '*');

    const pre = await call(emu, 'OPTIONS', '/chat/v1/chats/person-2/messages', { auth: false });
    assert.equal(pre.status, 204);
    assert.equal(pre.text, '');
    assert.equal(pre.headers.get('access-control-allow-origin'), '*');
    assert.equal(pre.headers.get('access-control-allow-methods'), 'GET, POST, DELETE, OPTIONS');
    assert.equal(pre.headers.get('access-control-allow-headers'), 'content-type, authorization, accept');
    assert.equal(pre.headers.get('access-control-max-age'), '600');
    const echo = await call(emu, 'OPTIONS', '/anything', {
      auth: false, headers: { 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-custom' },
    });
    assert.equal(echo.status, 204);
    assert.equal(echo.headers.get('access-control-allow-headers'), 'content-type,x-custom');
  });
});

// ---------------------------------------------------------------------------

describe('rate limiting', () => {
  test('a small bucket runs out: 429 with Retry-After and X-RateLimit-*', async () => {
    const emu = await startEmulator({ seed: '1:1', rateLimit: { limit: 3, refillPerMinute: 6, cost: 1 } });
    try {
      const remaining = [];
      for (let i = 0; i < 3; i += 1) {
        const r = await get(emu, '/chat/v1/chats');
        assert.equal(r.status, 200);
        assert.equal(r.headers.get('x-ratelimit-limit'), '3');
        assert.equal(r.headers.get('x-ratelimit-cost'), '1');
        assert.ok(Number(r.headers.get('x-ratelimit-full')) >= 1);
        remaining.push(r.headers.get('x-ratelimit-remaining'));
      }
      assert.deepEqual(remaining, ['2', '1', '0']);
      const limited = await get(emu, '/chat/v1/chats');
      assert.equal(limited.status, 429);
      assertJson(limited);
      assert.deepEqual(limited.json, { code: 4002, message: 'Error 4002: request rate limit exceeded' });
      const retry = Number(limited.headers.get('retry-after'));
      assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 10, `Retry-After ${retry}`);
      assert.equal(limited.headers.get('x-ratelimit-remaining'), '0');
      assert.ok(Number(limited.headers.get('x-ratelimit-full')) >= 2);
      // Another key has its own bucket (it is refused for auth, not for rate).
      assert.equal((await get(emu, '/chat/v1/chats', { query: { api_key: 'other' } })).status, 401);
      // Control routes and the request log are not rate-limited.
      const log = await get(emu, '/__emulator/requests', { auth: false });
      assert.equal(log.status, 200);
      assert.deepEqual(log.json.map((e) => e.status), [200, 200, 200, 429, 401]);

      emu.setRateLimit(false);
      const free = await get(emu, '/chat/v1/chats');
      assert.equal(free.status, 200);
      assert.equal(free.headers.get('x-ratelimit-remaining'), '750');
      assert.equal(free.headers.get('x-ratelimit-full'), '0');

      emu.setRateLimit({ limit: 1, refillPerMinute: 600 });
      assert.equal((await get(emu, '/chat/v1/chats')).status, 200);
      const again = await get(emu, '/chat/v1/chats');
      assert.equal(again.status, 429);
      assert.equal(again.headers.get('retry-after'), '1');
      await new Promise((r) => setTimeout(r, 150)); // 10 units/s: refilled after 100 ms
      assert.equal((await get(emu, '/chat/v1/chats')).status, 200);
    } finally {
      await emu.close();
    }
  });

  test('rateLimit:false still sends full-budget headers; default is 750', async () => {
    const off = await startEmulator({ rateLimit: false });
    const on = await startEmulator();
    try {
      for (let i = 0; i < 3; i += 1) {
        const r = await get(off, '/chat/v1/chats');
        assert.equal(r.headers.get('x-ratelimit-limit'), '750');
        assert.equal(r.headers.get('x-ratelimit-remaining'), '750');
      }
      const r = await get(on, '/chat/v1/chats');
      assert.equal(r.headers.get('x-ratelimit-limit'), '750');
      assert.equal(r.headers.get('x-ratelimit-remaining'), '749');
      const put = await call(on, 'PUT', '/__emulator/rate-limit', { auth: false, body: { limit: 2 } });
      assert.equal(put.status, 200);
      assert.deepEqual(put.json.rateLimit, { limit: 2, refillPerMinute: 750, cost: 1 });
      assert.equal((await get(on, '/chat/v1/chats')).headers.get('x-ratelimit-remaining'), '1');
      const putOff = await call(on, 'PUT', '/__emulator/rate-limit', { auth: false, body: false });
      assert.equal(putOff.json.rateLimit, false);
      const badPut = await call(on, 'PUT', '/__emulator/rate-limit', { auth: false, body: { limit: -1 } });
      assert.equal(badPut.status, 400);
    } finally {
      await Promise.all([off.close(), on.close()]);
    }
  });
});

// ---------------------------------------------------------------------------

describe('fault injection', () => {
  let emu;
  const MSGS = '/chat/v1/chats/person-2/messages';
  const count = async () => (await get(emu, MSGS)).json.cardinality;
  before(async () => { emu = await startEmulator({ seed: '2:2' }); });
  after(() => emu.close());
  beforeEach(() => emu.reset());

  test('status fault refuses the request by default; default body by status', async () => {
    emu.inject({ match: { method: 'POST', path: MSGS }, status: 503 });
    const r = await post(emu, MSGS, { content: 'lost' });
    assert.equal(r.status, 503);
    assertJson(r);
    assert.deepEqual(r.json, { code: 5000, message: 'Injected fault 503' });
    assert.equal(await count(), 2, 'not stored');
    assert.equal((await post(emu, MSGS, { content: 'ok' })).status, 200, 'used up after one request');
    assert.equal(await count(), 3);

    for (const [status, code] of [[401, 4001], [403, 4001], [400, 4000], [500, 5000]]) {
      emu.inject({ status });
      const x = await get(emu, '/chat/v1/chats');
      assert.equal(x.status, status);
      assert.deepEqual(x.json, { code, message: `Injected fault ${status}` });
    }
  });

  test('status fault with process:true stores the message first', async () => {
    emu.inject({ match: { path: MSGS, method: 'POST' }, status: 503, process: true });
    const r = await post(emu, MSGS, { content: 'stored anyway' });
    assert.equal(r.status, 503);
    const list = (await get(emu, MSGS)).json.list;
    assert.equal(list.at(-1).content, 'stored anyway');
  });

  test('429 fault adds Retry-After: 1; custom body and headers', async () => {
    emu.inject({ status: 429 });
    const r = await get(emu, '/chat/v1/chats');
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '1');
    assert.deepEqual(r.json, { code: 4002, message: 'Injected fault 429' });
    assert.ok(r.headers.get('x-ratelimit-limit'), 'rate-limit headers still present');

    emu.inject({ status: 429, headers: { 'Retry-After': '7', 'X-Extra': 'yes' }, body: { code: 4002, message: 'slow down' } });
    const c = await get(emu, '/chat/v1/chats');
    assert.equal(c.headers.get('retry-after'), '7');
    assert.equal(c.headers.get('x-extra'), 'yes');
    assert.deepEqual(c.json, { code: 4002, message: 'slow down' });

    emu.inject({ status: 500, body: 'oops, not json' });
    const s = await get(emu, '/chat/v1/chats');
    assert.equal(s.status, 500);
    assert.equal(s.text, 'oops, not json');
  });

  test('match by method, exact path, prefix, decoded path; times; order; clearFaults', async () => {
    emu.inject({ match: { method: 'POST' }, status: 500, times: 2 });
    assert.equal((await get(emu, '/chat/v1/chats')).status, 200, 'GET does not match');
    assert.equal((await post(emu, MSGS, { content: 'a' })).status, 500);
    assert.equal((await post(emu, MSGS, { content: 'b' })).status, 500);
    assert.equal((await post(emu, MSGS, { content: 'c' })).status, 200);

    emu.inject({ match: { path: '/chat/v1/chats/person-1*' }, status: 502 });
    emu.inject({ match: { path: '/chat/v1/chats/person-2*' }, status: 504 });
    assert.equal((await get(emu, '/chat/v1/chats/person-2/feed')).status, 504);
    assert.equal((await get(emu, '/chat/v1/chats/person-2/feed')).status, 200);

    emu.inject({ match: { path: `/chat/v1/chats/${ADA}` }, status: 418 });
    assert.equal((await get(emu, `/chat/v1/chats/${ADA_PATH}`)).status, 418, 'decoded path matches');
    emu.inject({ match: { path: `/chat/v1/chats/${ADA_PATH}/feed` }, status: 418 });
    assert.equal((await get(emu, `/chat/v1/chats/${ADA_PATH}/feed`)).status, 418, 'raw path matches');

    emu.clearFaults();
    emu.inject({ status: 500, times: 5 });
    emu.clearFaults();
    assert.equal((await get(emu, '/chat/v1/chats')).status, 200);
    assert.throws(() => emu.inject({ status: 'bad' }), TypeError);
    assert.throws(() => emu.inject({ stauts: 500 }), TypeError);
  });

  test('delayMs delays a normal response', async () => {
    emu.inject({ delayMs: 150 });
    const t = performance.now();
    const r = await get(emu, '/chat/v1/chats');
    assert.ok(performance.now() - t >= 140, 'delayed');
    assert.equal(r.status, 200);
    assert.equal(r.json.cardinality, 2);
  });

  test('hang never answers; the client times out; log status 0', async () => {
    emu.inject({ hang: true });
    await assert.rejects(get(emu, '/chat/v1/chats', { signal: AbortSignal.timeout(150) }), (err) => err.name === 'TimeoutError');
    assert.equal(emu.requests.at(-1).status, 0);
    assert.equal((await get(emu, '/chat/v1/chats')).status, 200);
  });

  test('reset destroys the socket without a response', async () => {
    emu.inject({ match: { method: 'POST' }, reset: true });
    await assert.rejects(post(emu, MSGS, { content: 'x' }), TypeError);
    assert.equal(emu.requests.filter((e) => e.method === 'POST').length, 1);
    assert.equal(emu.requests.at(-1).status, 0);
    assert.equal(await count(), 2, 'not stored');
  });

  test('truncate sends half of the real JSON', async () => {
    emu.inject({ truncate: true });
    const real = (await get(emu, '/chat/v1/chats/person-2')).text;
    emu.inject({ truncate: true });
    const r = await get(emu, '/chat/v1/chats/person-2');
    assert.equal(r.status, 200);
    assert.ok(real.length > 0);
    assert.equal(r.text.length, Math.floor(JSON.stringify((await get(emu, '/chat/v1/chats/person-2')).json).length / 2));
    assert.throws(() => JSON.parse(r.text), SyntaxError);
  });

  test('truncate on a POST still stores the message', async () => {
    emu.inject({ match: { method: 'POST' }, truncate: true });
    const r = await post(emu, MSGS, { content: 'half' });
    assert.equal(r.status, 200);
    assert.equal(r.json, undefined);
    assert.equal(await count(), 3);
  });

  test('html sends a 502 HTML page', async () => {
    emu.inject({ html: true });
    const r = await get(emu, '/chat/v1/chats');
    assert.equal(r.status, 502);
    assert.match(r.headers.get('content-type'), /^text\/html/);
    assert.match(r.text, /<html/i);
  });

  test('empty sends 200 with no body (processed)', async () => {
    emu.inject({ match: { method: 'POST' }, empty: true });
    const r = await post(emu, MSGS, { content: 'quiet' });
    assert.equal(r.status, 200);
    assert.equal(r.text, '');
    assert.equal(await count(), 3);
  });

  test('contentType overrides the real content-type', async () => {
    emu.inject({ contentType: 'text/plain' });
    const r = await get(emu, '/chat/v1/chats');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'text/plain');
    assert.equal(r.json.cardinality, 2);
  });

  test('faults through the control route', async () => {
    const add = await post(emu, '/__emulator/faults', { match: { method: 'GET', path: '/chat/v1/chats' }, status: 503, times: 2 }, { auth: false });
    assert.equal(add.status, 200);
    assert.equal(add.json.ok, true);
    assert.equal(typeof add.json.id, 'string');
    const listed = await get(emu, '/__emulator/faults', { auth: false });
    assert.equal(listed.json.length, 1);
    assert.equal((await get(emu, '/chat/v1/chats')).status, 503);
    const del = await call(emu, 'DELETE', '/__emulator/faults', { auth: false });
    assert.equal(del.status, 200);
    assert.equal((await get(emu, '/chat/v1/chats')).status, 200);
    const bad = await post(emu, '/__emulator/faults', { status: 1000 }, { auth: false });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.code, 4004);
  });
});

// ---------------------------------------------------------------------------

describe('request log and control routes', () => {
  let emu;
  before(async () => { emu = await startEmulator({ seed: '2:3' }); });
  after(() => emu.close());
  beforeEach(() => emu.reset());

  test('the log records non-control requests in order', async () => {
    await get(emu, `/chat/v1/chats/${ADA_PATH}/messages`, { query: { limit: '0,5', _: '123' } });
    await post(emu, '/chat/v1/chats/person-2/messages', { content: 'logged' }, { headers: { 'X-Custom': 'Yes' } });
    await get(emu, '/__emulator/store', { auth: false });
    await get(emu, '/nope', { auth: false });
    assert.equal(emu.requests.length, 3);
    const [first, second, third] = emu.requests;
    assert.equal(first.method, 'GET');
    assert.equal(first.path, `/chat/v1/chats/${ADA_PATH}/messages`);
    assert.deepEqual(first.query, { api_key: KEY, site_token: TOKEN, limit: '0,5', _: '123' });
    assert.equal(first.body, null);
    assert.equal(first.status, 200);
    assert.equal(typeof first.time, 'number');
    assert.equal(second.method, 'POST');
    assert.equal(second.body, '{"content":"logged"}');
    assert.equal(second.headers['x-custom'], 'Yes');
    assert.equal(second.headers['content-type'], 'application/json');
    assert.equal(second.status, 200);
    assert.deepEqual({ path: third.path, status: third.status }, { path: '/nope', status: 404 });

    const viaHttp = await get(emu, '/__emulator/requests', { auth: false });
    assert.equal(viaHttp.status, 200);
    assert.deepEqual(viaHttp.json, JSON.parse(JSON.stringify(emu.requests)));
    const cleared = await call(emu, 'DELETE', '/__emulator/requests', { auth: false });
    assert.equal(cleared.status, 200);
    assert.equal(emu.requests.length, 0);
    await get(emu, '/chat/v1/chats');
    emu.clearRequests();
    assert.deepEqual(emu.requests, []);
  });

  test('reset, store dump, add chat, client message', async () => {
    const dump = (await get(emu, '/__emulator/store', { auth: false })).json;
    assert.equal(dump.chats.length, 2);
    assert.equal(dump.chats[0].id, ADA);
    assert.equal(dump.chats[0].feed.length, 3);
    assert.equal(dump.chats[0].feed[0].type, 'message');

    const reset = await post(emu, '/__emulator/reset', { seed: '4:1' }, { auth: false });
    assert.equal(reset.status, 200);
    assert.equal((await get(emu, '/chat/v1/chats')).json.cardinality, 4);
    await post(emu, '/__emulator/reset', undefined, { auth: false });
    assert.equal((await get(emu, '/chat/v1/chats')).json.cardinality, 2, 'no body: back to the start seed');
    const badSeed = await post(emu, '/__emulator/reset', { seed: 'lots' }, { auth: false });
    assert.equal(badSeed.status, 400);

    const added = await post(emu, '/__emulator/chats', {
      id: 'visitor:42', person: { name: 'Grace', email: 'grace@example.com' },
      messages: ['hello', { content: 'hi Grace', from: 'agent' }, { content: 'internal', private: true }],
      archived: true,
    }, { auth: false });
    assert.equal(added.status, 201);
    assert.equal(added.json.id, 'visitor:42');
    assert.equal(added.json.archived, true);
    assert.deepEqual(added.json.person, { id: 'visitor:42', name: 'Grace', email: 'grace@example.com', avatar: null });
    assert.equal(added.json.latest.message.content, 'hi Grace');
    const dup = await post(emu, '/__emulator/chats', { id: 'visitor:42' }, { auth: false });
    assert.equal(dup.status, 409);
    assert.equal((await get(emu, '/chat/v1/archivedChats')).json.list[0].id, 'visitor:42');

    const cm = await post(emu, `/__emulator/chats/${encodeURIComponent('visitor:42')}/client-message`, { content: 'anyone?' }, { auth: false });
    assert.equal(cm.status, 200);
    assert.equal(cm.json.from, 'client');
    assert.equal(cm.json.person_id, 'visitor:42');
    const chat = (await get(emu, '/chat/v1/chats/visitor%3A42')).json;
    assert.equal(chat.archived, false);
    assert.equal(chat.unread, 1);
    const fresh = await post(emu, '/__emulator/chats/new-visitor/client-message', { content: 'first!' }, { auth: false });
    assert.equal(fresh.status, 200);
    assert.equal((await get(emu, '/chat/v1/chats')).json.list[0].id, 'new-visitor');
    const empty = await post(emu, '/__emulator/chats/x/client-message', { content: '' }, { auth: false });
    assert.equal(empty.status, 400);

    const m = emu.clientMessage(ADA, 'via JS');
    assert.equal(m.from, 'client');
    assert.equal(emu.addChat({ id: 'js-chat', messages: 2 }).latest.message.from, 'agent');
    assert.throws(() => emu.addChat({ id: 'js-chat' }), /already exists/);

    assert.deepEqual((await get(emu, '/__emulator/health', { auth: false })).json, { ok: true });
    const unknown = await get(emu, '/__emulator/nope', { auth: false });
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.json, { code: 7404, message: 'Unknown route: GET /__emulator/nope' });
    assert.equal(emu.requests.some((e) => e.path.startsWith('/__emulator')), false, 'control requests are not logged');
  });

  test('reset() clears the log and faults; store stays the same object', async () => {
    const store = emu.store;
    emu.inject({ status: 500, times: 10 });
    await get(emu, '/chat/v1/chats');
    emu.reset('1:1');
    assert.equal(emu.store, store);
    assert.equal(emu.requests.length, 0);
    const r = await get(emu, '/chat/v1/chats');
    assert.equal(r.status, 200);
    assert.equal(r.json.cardinality, 1);
    assert.throws(() => emu.reset('nope'), TypeError);
    assert.equal(emu.store.dump().chats.length, 1, 'a bad seed changes nothing');
  });
});

// ---------------------------------------------------------------------------

describe('determinism', () => {
  test('same seed and same calls give the same store', async () => {
    const a = await startEmulator({ seed: '3:4' });
    const b = await startEmulator({ seed: { chats: 3, messages: 4 } });
    try {
      for (const e of [a, b]) {
        await post(e, '/chat/v1/chats/person-2/messages', { content: 'x' });
        await post(e, '/chat/v1/chats/person-3/archive');
        await post(e, '/chat/v1/chats/person-3/notes', { content: 'n' });
      }
      const [da, db] = await Promise.all([a, b].map(async (e) => (await get(e, '/__emulator/store', { auth: false })).json));
      assert.deepEqual(da, db);
      assert.deepEqual(a.store.dump(), da);
      assert.equal(da.chats[0].feed[0].timestamp, T0);
      a.reset();
      b.reset();
      assert.deepEqual(a.store.dump(), b.store.dump());
      assert.equal(a.store.dump().clock, T0 + 12 * 1000);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('bad options are rejected', async () => {
    await assert.rejects(startEmulator({ seed: '3' }), TypeError);
    await assert.rejects(startEmulator({ port: -1 }), TypeError);
    await assert.rejects(startEmulator({ rateLimit: { limit: 'many' } }), TypeError);
  });

  test('custom api key and site token', async () => {
    const e = await startEmulator({ apiKey: 'k1', siteToken: 'GSN-123456-B' });
    try {
      assert.match(e.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(e.port, Number(e.url.split(':').at(-1)));
      assert.equal((await get(e, '/chat/v1/chats')).status, 401);
      const ok = await get(e, '/chat/v1/chats', { query: { api_key: 'k1', site_token: 'GSN-123456-B' } });
      assert.equal(ok.status, 200);
      assert.deepEqual(ok.json, { list: [], cardinality: 0 });
    } finally {
      await e.close();
    }
  });
});

// ---------------------------------------------------------------------------

describe('CLI', () => {
  test('starts, prints its line, serves, exits cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [CLI, '--port', '0', '--api-key', 'cli_key'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      child.stdout.setEncoding('utf8');
      const line = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no line; got ${JSON.stringify(out)}`)), 5000);
        child.stdout.on('data', (chunk) => {
          out += chunk;
          const nl = out.indexOf('\n');
          if (nl !== -1) {
            clearTimeout(timer);
            resolve(out.slice(0, nl));
          }
        });
        child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
      });
      const m = /^gosquared-chat emulator listening on (http:\/\/127\.0\.0\.1:(\d+)) \(api_key=cli_key site_token=GSN-000000-A\)$/.exec(line);
      assert.ok(m, line);
      const res = await fetch(`${m[1]}/chat/v1/chats?api_key=cli_key&site_token=GSN-000000-A`);
      assert.equal(res.status, 200);
      const body = await res.json();
      assert.equal(body.cardinality, 5, 'default seed 5:8');
      assert.equal(body.list[0].id, 'person-5');
      const exit = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = await exit;
      assert.equal(code, 0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });

  test('bad arguments exit with code 2 and usage on stderr', async () => {
    const child = spawn(process.execPath, [CLI, '--port', 'abc'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (c) => { err += c; });
    const [code] = await once(child, 'exit');
    assert.equal(code, 2);
    assert.match(err, /Usage: gosquared-chat-emulator/);
  });
});
