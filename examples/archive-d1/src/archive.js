// One archive run: reads the state from D1, exports what changed since the last complete run (or carries on
// from the unfinished run's checkpoint), upserts every chat and item into D1, writes the raw NDJSON to one R2
// object, and stops at the last checkpoint when the run's time or subrequest budget is spent.
import { ChatClient } from "./gosquared.js";
import { openArchive, takeLease, upsertChat, upsertItem, setState } from "./db.js";
import { RunObject, MIN_PART_SIZE } from "./run-object.js";

/**
 * Subrequests kept back for the end of a run: after the last check, one line can cost three (an R2 part, the
 * upload's creation, a D1 batch), and the end four (the last D1 batch, the last part, the creation and the
 * completion). So a run never makes more than `maxSubrequests`.
 */
export const RESERVE = 7;

/** What a run may spend, from the Worker's variables (strings), with the defaults of a paid plan's cron. */
export function limitsFrom(env) {
  const read = (name, fallback, min) => {
    const raw = env[name];
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`${name} must be an integer of at least ${min}, got ${JSON.stringify(raw)}`);
    return value;
  };
  return {
    maxSubrequests: read("MAX_SUBREQUESTS", 1000, RESERVE + 8),
    maxRunMs: read("MAX_RUN_MS", 14 * 60_000, 0),
    batchSize: read("D1_BATCH", 100, 1),
    partSize: read("PART_SIZE", MIN_PART_SIZE, MIN_PART_SIZE),
  };
}

/** A run that stopped because a budget was spent; `limit` is "subrequests" or "time". */
export class LimitReached extends Error {
  constructor(limit) {
    super(`the run's ${limit} budget is spent; the next run carries on from the last checkpoint`);
    this.name = "LimitReached";
    this.limit = limit;
  }
}

/**
 * The export's options for this run: the unfinished run's checkpoint if there is one, else the last complete
 * run's watermark (an incremental export), else nothing (a full export, the first time).
 */
export function exportOptions({ checkpoint, watermark }) {
  const options = { includeArchived: true };
  if (checkpoint !== undefined) options.resume = checkpoint;
  else if (watermark !== undefined) options.since = watermark;
  return options;
}

/** Runs the archive once. Resolves to the run's record (also stored in the `runs` table). */
export async function runArchive(env, limits = limitsFrom(env)) {
  const db = env.ARCHIVE_DB;
  const startedAt = Date.now();
  let used = 0;
  const count = () => {
    used += 1;
  };
  const spent = () => {
    if (used + 1 > limits.maxSubrequests - RESERVE) return "subrequests";
    if (Date.now() - startedAt >= limits.maxRunMs) return "time";
    return null;
  };

  count();
  const state = await openArchive(db);
  const id = state.lastRun + 1;
  count();
  if (!(await takeLease(db, id, startedAt, startedAt + limits.maxRunMs + 60_000))) {
    return { id: null, outcome: "skipped: another run holds the lease" };
  }
  const options = exportOptions(state);
  const run = {
    id,
    object: `runs/${new Date(startedAt).toISOString()}-${id}.ndjson`,
    started: new Date(startedAt).toISOString(),
    since: options.since === undefined ? null : JSON.stringify(options.since),
    resumed: options.resume === undefined ? 0 : 1,
    chats: 0,
    items: 0,
    errors: 0,
    requests: 0,
    bytes: 0,
    outcome: "complete",
  };
  const object = new RunObject(env.ARCHIVE_RUNS, run.object, {
    partSize: limits.partSize,
    metadata: { run: String(id), since: run.since ?? "", resumed: String(run.resumed) },
    count,
  });

  const halt = new AbortController();
  const client = new ChatClient({
    apiKey: env.GOSQUARED_API_KEY,
    siteToken: env.GOSQUARED_SITE_TOKEN,
    baseUrl: env.GOSQUARED_BASE_URL || undefined,
    // Every API request passes here: it is counted, and none starts once the budget is spent.
    fetch: (input, init) => {
      const limit = spent();
      if (limit !== null) {
        halt.abort(new LimitReached(limit));
        return Promise.reject(halt.signal.reason);
      }
      count();
      run.requests += 1;
      return fetch(input, init);
    },
  });

  let pending = [];
  let checkpoint;
  let summary;
  const flush = async (extra = []) => {
    const statements = [...pending, ...extra];
    pending = [];
    if (statements.length === 0) return;
    count();
    await db.batch(statements);
  };
  const take = async (line) => {
    if (line.type === "chat") {
      run.chats += 1;
      pending.push(upsertChat(db, line.chat));
    } else if (line.type === "item") {
      run.items += 1;
      pending.push(upsertItem(db, line.chatId, line.item));
    } else if (line.type === "error") {
      run.errors += 1;
    } else if (line.type === "checkpoint") {
      // Every line before it is in D1 in the same transaction as the checkpoint, so the next run may start
      // from it.
      checkpoint = line.checkpoint;
      await flush([setState(db, "checkpoint", checkpoint)]);
      return;
    } else if (line.type === "summary") {
      summary = line;
      return;
    }
    if (pending.length >= limits.batchSize) await flush();
  };

  const reader = client.exportChats({ ...options, signal: halt.signal }).getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      let start = 0;
      let end;
      while ((end = text.indexOf("\n", start)) >= 0) {
        const limit = spent();
        if (limit !== null) throw new LimitReached(limit);
        const line = text.slice(start, end + 1);
        start = end + 1;
        await object.write(line);
        await take(JSON.parse(line));
      }
      text = text.slice(start);
    }
  } catch (error) {
    run.outcome = error instanceof LimitReached ? `stopped: ${error.limit}` : `failed: ${error?.name}: ${error?.message}`;
    halt.abort(error);
    // Settles once no request is in flight and none will follow.
    await reader.cancel(error).catch(() => {});
  }

  // The end: the raw lines to R2, then what is left to D1 with the state and the run's record, in one batch.
  run.bytes = object.bytes;
  try {
    await object.close();
  } catch (error) {
    await object.abort();
    run.outcome += `; the run's object was not stored (${error?.name}: ${error?.message})`;
    run.object = "";
  }
  const end = [];
  if (summary !== undefined) {
    // A complete run: the next one exports what changed since this one began. A run with chats that failed
    // keeps the old watermark, so the next run reads those chats again (with everything else since then).
    if (summary.errors === 0 && summary.watermark !== undefined) end.push(setState(db, "watermark", summary.watermark));
    if (summary.errors > 0) run.outcome = `complete with ${summary.errors} failed chats; the watermark stays`;
    end.push(setState(db, "checkpoint", undefined));
  }
  run.ended = new Date().toISOString();
  run.subrequests = used + 1; // with the last batch, below
  end.push(
    db
      .prepare(
        `INSERT INTO runs (id, object, started, ended, outcome, since, resumed, chats, items, errors, requests, subrequests, bytes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)`,
      )
      .bind(run.id, run.object, run.started, run.ended, run.outcome, run.since, run.resumed, run.chats, run.items, run.errors, run.requests, run.subrequests, run.bytes),
    setState(db, "lease", undefined),
  );
  await flush(end);
  return run;
}
