// One archive run: reads the state from D1, exports what changed since the last complete run (or carries on
// from the unfinished run's checkpoint), upserts every chat and item into D1, writes the raw NDJSON to one R2
// object, and stops at the last checkpoint when the run's time or subrequest budget is spent.
import { ChatClient } from "./gosquared.js";
import { openArchive, takeLease, upsertChat, upsertItem, setState } from "./db.js";
import { RunObject, MIN_PART_SIZE } from "./run-object.js";

/**
 * Subrequests kept back for the end of a run: after the last check, one line can cost three (an R2 part, the
 * upload's creation, a D1 batch: of rows, or the one that ends a pass at its summary), and the end four (the
 * last D1 batch, the last part, the creation and the completion). So a run never makes more than
 * `maxSubrequests`.
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
 * The export's options for one pass: the unfinished run's checkpoint if there is one (`resume`), else the last
 * complete run's watermark (`since`, an incremental export), else `since: 0` (everything, the first time). All
 * three are the export's window mode, which writes the checkpoints and the watermark this archive keeps.
 */
export function exportOptions({ checkpoint, watermark }) {
  if (checkpoint !== undefined) return { resume: checkpoint };
  return { includeArchived: true, since: watermark ?? 0 };
}

/**
 * Runs the archive once. Resolves to the run's record (also stored in the `runs` table).
 *
 * A run is one export pass, or two when it starts from a checkpoint: the resumed pass finishes the stopped
 * run's window (up to the `to` that run fixed), then, if no chat failed in it, a `since` pass from the new
 * watermark reads what changed meanwhile, so a complete run always leaves D1 as the API was when it began.
 */
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
  const first = exportOptions(state);
  const run = {
    id,
    object: `runs/${new Date(startedAt).toISOString()}-${id}.ndjson`,
    started: new Date(startedAt).toISOString(),
    since: first.since === undefined ? null : JSON.stringify(first.since),
    resumed: first.resume === undefined ? 0 : 1,
    passes: 0,
    chats: 0,
    repeats: 0,
    items: 0,
    errors: 0,
    requests: 0,
    bytes: 0,
    outcome: "complete",
    watermark: state.watermark ?? null,
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

  // Upserts wait in `pending` and go to D1 in batches. The last checkpoint line read (and the count of chats
  // that failed before it) goes with every batch, in the same transaction as the rows: every line before the
  // checkpoint is in that batch or an earlier one, so a stored checkpoint never runs ahead of the rows, and
  // storing it costs no subrequest of its own.
  let pending = [];
  let checkpoint = null;
  const flush = async (extra = []) => {
    const statements = [...pending, ...extra];
    pending = [];
    if (checkpoint !== null) {
      statements.push(setState(db, "checkpoint", checkpoint.value), setState(db, "failed", checkpoint.failed || undefined));
      checkpoint = null;
    }
    if (statements.length === 0) return;
    count();
    await db.batch(statements);
  };

  /**
   * One export pass. `failed` is how many chats already failed in this window (a resumed window's earlier
   * runs, stored with their checkpoint: the export itself only knows the chats that failed since it resumed).
   * Resolves to the summary line, or throws what stopped the pass.
   */
  const pass = async (options, failed) => {
    run.passes += 1;
    let errors = failed;
    let summary;
    const take = async (line) => {
      if (line.type === "chat") {
        run.chats += 1;
        if (line.repeat === true) run.repeats += 1;
        pending.push(upsertChat(db, line.chat));
      } else if (line.type === "item") {
        run.items += 1;
        pending.push(upsertItem(db, line.chatId, line.item));
      } else if (line.type === "error") {
        run.errors += 1;
        errors += 1;
      } else if (line.type === "checkpoint") {
        checkpoint = { value: line.checkpoint, failed: errors };
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
      halt.abort(error);
      // Settles once no request is in flight and none will follow.
      await reader.cancel(error).catch(() => {});
      throw error;
    }
    if (summary === undefined) throw new Error("the export ended without its summary line");
    // The window is done: its upserts, the checkpoint cleared, and the watermark moved on only when no chat
    // of the window failed (else the next run reads the whole window again, the failed chats with it).
    checkpoint = null;
    const end = [setState(db, "checkpoint", undefined), setState(db, "failed", undefined)];
    if (errors === 0 && summary.errors === 0) {
      run.watermark = summary.watermark;
      end.push(setState(db, "watermark", summary.watermark));
    }
    await flush(end);
    return { summary, errors };
  };

  try {
    let { errors } = await pass(first, first.resume === undefined ? 0 : state.failed ?? 0);
    // A resumed window is done up to the stopped run's `to`: read what changed since, in the same run.
    if (first.resume !== undefined && errors === 0) ({ errors } = await pass(exportOptions({ watermark: run.watermark }), 0));
    if (errors > 0) run.outcome = `complete with ${errors} failed chats; the watermark stays`;
  } catch (error) {
    run.outcome = error instanceof LimitReached ? `stopped: ${error.limit}` : `failed: ${error?.name}: ${error?.message}`;
  }

  // The end: the raw lines to R2, then what is left to D1 with the run's record, in one batch.
  run.bytes = object.bytes;
  try {
    await object.close();
  } catch (error) {
    await object.abort();
    run.outcome += `; the run's object was not stored (${error?.name}: ${error?.message})`;
    run.object = "";
  }
  run.ended = new Date().toISOString();
  run.subrequests = used + 1; // with the last batch, below
  await flush([
    db
      .prepare(
        `INSERT INTO runs (id, object, started, ended, outcome, since, resumed, passes, chats, repeats, items, errors, requests, subrequests, bytes, watermark)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)`,
      )
      .bind(
        run.id, run.object, run.started, run.ended, run.outcome, run.since, run.resumed, run.passes, run.chats, run.repeats,
        run.items, run.errors, run.requests, run.subrequests, run.bytes, run.watermark,
      ),
    setState(db, "lease", undefined),
  ]);
  return run;
}
