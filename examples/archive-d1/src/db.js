// The archive in D1: the schema, the upserts an export's lines become, the run's state (watermark, unfinished
// checkpoint and the chats that failed before it, lease) and the reads the route serves. Every write is an
// upsert by id, so a line read twice (a chat repeated after a resume, a run that starts over from the same
// watermark) changes nothing.

/** The tables; created on a run's first statement batch, so a fresh database needs no migration step. */
export const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS chats (
     id TEXT PRIMARY KEY,
     archived INTEGER NOT NULL,
     updated INTEGER NOT NULL,
     chat TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS items (
     chat_id TEXT NOT NULL,
     id TEXT NOT NULL,
     type TEXT NOT NULL,
     timestamp INTEGER NOT NULL,
     item TEXT NOT NULL,
     PRIMARY KEY (chat_id, id))`,
  `CREATE INDEX IF NOT EXISTS items_in_order ON items (chat_id, timestamp, id)`,
  `CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS runs (
     id INTEGER PRIMARY KEY,
     object TEXT NOT NULL,
     started TEXT NOT NULL,
     ended TEXT,
     outcome TEXT,
     since TEXT,
     resumed INTEGER NOT NULL,
     passes INTEGER NOT NULL DEFAULT 0,
     chats INTEGER NOT NULL DEFAULT 0,
     repeats INTEGER NOT NULL DEFAULT 0,
     items INTEGER NOT NULL DEFAULT 0,
     errors INTEGER NOT NULL DEFAULT 0,
     requests INTEGER NOT NULL DEFAULT 0,
     subrequests INTEGER NOT NULL DEFAULT 0,
     bytes INTEGER NOT NULL DEFAULT 0,
     watermark INTEGER)`,
];

/** The statement that stores a chat line's chat. */
export function upsertChat(db, chat) {
  return db
    .prepare(
      `INSERT INTO chats (id, archived, updated, chat) VALUES (?1, ?2, ?3, ?4)
       ON CONFLICT (id) DO UPDATE SET archived = excluded.archived, updated = excluded.updated, chat = excluded.chat`,
    )
    .bind(chat.id, chat.archived ? 1 : 0, Number(chat.updated) || 0, JSON.stringify(chat));
}

/** The statement that stores an item line's message, note or event. */
export function upsertItem(db, chatId, item) {
  return db
    .prepare(
      `INSERT INTO items (chat_id, id, type, timestamp, item) VALUES (?1, ?2, ?3, ?4, ?5)
       ON CONFLICT (chat_id, id) DO UPDATE SET type = excluded.type, timestamp = excluded.timestamp, item = excluded.item`,
    )
    .bind(chatId, String(item.id), String(item.type), Number(item.timestamp) || 0, JSON.stringify(item));
}

/** The statement that sets (or, with `undefined`, removes) one state value. */
export function setState(db, key, value) {
  if (value === undefined) return db.prepare(`DELETE FROM state WHERE key = ?1`).bind(key);
  return db
    .prepare(`INSERT INTO state (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`)
    .bind(key, JSON.stringify(value));
}

/**
 * Creates the tables if needed and reads the state: `{ watermark, checkpoint, failed, lease, lastRun }` (`failed`:
 * chats that failed in the unfinished window before its checkpoint).
 */
export async function openArchive(db) {
  const results = await db.batch([
    ...SCHEMA.map((sql) => db.prepare(sql)),
    db.prepare(`SELECT key, value FROM state`),
    db.prepare(`SELECT COALESCE(MAX(id), 0) AS last FROM runs`),
  ]);
  const state = {};
  for (const row of results.at(-2).results) state[row.key] = JSON.parse(row.value);
  return { watermark: state.watermark, checkpoint: state.checkpoint, failed: state.failed, lease: state.lease, lastRun: results.at(-1).results[0].last };
}

/**
 * Takes the lease for a run until `until` (ms since the epoch), unless another run holds one that has not
 * expired: two cron invocations that overlap must not both write. Resolves to whether this run got it.
 */
export async function takeLease(db, runId, now, until) {
  const result = await db
    .prepare(
      `INSERT INTO state (key, value) VALUES ('lease', ?1)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE json_extract(state.value, '$.until') < ?2`,
    )
    .bind(JSON.stringify({ run: runId, until }), now)
    .run();
  return result.meta.changes === 1;
}

/** A chat's archived record and its items in the API's order, or `null` for a chat not in the archive. */
export async function readChat(db, id) {
  const [chat, items] = await db.batch([
    db.prepare(`SELECT chat FROM chats WHERE id = ?1`).bind(id),
    db.prepare(`SELECT item FROM items WHERE chat_id = ?1 ORDER BY timestamp, id`).bind(id),
  ]);
  if (chat.results.length === 0) return null;
  return { chat: JSON.parse(chat.results[0].chat), items: items.results.map((row) => JSON.parse(row.item)) };
}
