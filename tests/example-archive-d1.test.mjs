// examples/archive-d1 end to end in Miniflare (workerd, with a real SQLite D1 database and a local R2 bucket)
// against the emulator: scheduled runs with customers and agents writing in between (each run after the first
// reads only the chats that changed), runs stopped by their subrequest budget or ended by a failure at a random
// point and resumed from their checkpoint by the next run, chats that failed keeping the watermark, and the
// read route. After every complete run the D1 tables equal the emulator's data exactly.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { emulator, apiRequests, random, API_KEY, SITE_TOKEN } from "./helpers.mjs";
import { buildWorker, startWorker, readArchive, readState } from "../examples/archive-d1/harness.mjs";

const TOKEN = "test-archive-token";
/** The subrequest budget of each seed's stopped run: somewhere in the middle of a 30-chat run. */
const limits = Object.fromEntries([1, 2, 3, 4, 5].map((seed) => [seed, 15 + Math.floor(random(seed)() * 30)]));
/** Chats marked as repeats by the runs that resumed a stopped one, over the seeds. */
let repeats = 0;

/** Every chat of the emulator, open and archived. */
function emulatorChats(emu) {
  return [...emu.store.listChats(), ...emu.store.listChats({ archived: true })];
}

/** The D1 archive equals the emulator's data: every chat, every item in order, nothing more, no duplicates. */
async function assertArchiveEquals(emu, worker, label) {
  const archive = await readArchive(worker.db);
  const chats = emulatorChats(emu);
  assert.deepEqual([...archive.chats.keys()].sort(), chats.map((c) => c.id).sort(), `${label}: the same chats`);
  let items = 0;
  for (const chat of chats) {
    assert.deepEqual(archive.chats.get(chat.id), chat, `${label}: chat ${chat.id} as the API has it now`);
    const feed = emu.store.feed(chat.id);
    assert.deepEqual(archive.items.get(chat.id) ?? [], feed, `${label}: every item of ${chat.id}, in order`);
    items += feed.length;
  }
  assert.equal(archive.rows, items, `${label}: one row per item`);
}

/** The chats whose feed a run read, from the emulator's request log. */
function feedsRead(emu) {
  const ids = apiRequests(emu)
    .map((r) => /^\/chat\/v1\/chats\/([^/]+)\/feed$/.exec(r.path))
    .filter((m) => m !== null)
    .map((m) => decodeURIComponent(m[1]));
  assert.equal(new Set(ids).size, ids.length, "no chat's feed is read twice");
  return new Set(ids);
}

/** Each chat's `updated`, to tell afterwards which chats changed. */
function updatedTimes(emu) {
  return new Map(emulatorChats(emu).map((c) => [c.id, c.updated]));
}

/** The lines of a run's object up to and including its first summary: the first export pass. */
function firstPass(lines) {
  const end = lines.findIndex((l) => l.type === "summary");
  return end < 0 ? lines : lines.slice(0, end + 1);
}

/** A customer writes in every chat and 20 new customers start one: an incremental run as large as a full one. */
function writeMany(emu, round) {
  for (const chat of emulatorChats(emu)) emu.clientMessage(chat.id, `everyone writes, round ${round}`);
  for (let i = 0; i < 20; i++) emu.clientMessage(`crowd-${round}-${i}`, `a new customer, round ${round}.${i}`);
}

/** Reads a run's R2 object back as lines; it must be whole NDJSON. */
async function runLines(worker, run) {
  const object = await worker.bucket.get(run.object);
  assert.ok(object, `run ${run.id} has its object`);
  const text = await object.text();
  assert.equal(object.size, run.bytes);
  assert.equal(object.httpMetadata.contentType, "application/x-ndjson");
  assert.ok(!text.includes(API_KEY), "the key is not in the archive");
  return text === "" ? [] : text.trimEnd().split("\n").map((line) => JSON.parse(line));
}


/** Customers and agents write, chats are archived and unarchived, a new chat starts. */
function writeSome(emu, round, rand = random(round)) {
  const ids = emulatorChats(emu).map((c) => c.id);
  const pick = () => ids[Math.floor(rand() * ids.length)];
  for (let i = 0; i < 4; i++) emu.clientMessage(pick(), `customer writes, round ${round}.${i}`);
  for (let i = 0; i < 3; i++) emu.store.addMessage(pick(), { content: `agent answers, round ${round}.${i}`, from: "agent" });
  emu.store.addNote(pick(), { content: `a note, round ${round}` });
  const open = emu.store.listChats().map((c) => c.id);
  emu.store.archive(open[open.length - 1]);
  emu.store.archive(open[Math.floor(rand() * (open.length - 1))]);
  const archived = emu.store.listChats({ archived: true }).map((c) => c.id);
  if (archived.length > 1) emu.store.unarchive(archived[0]);
  emu.clientMessage(`new-${round}`, `a new customer, round ${round}`);
}

/** Empties the archive (tables and state) so a case starts from nothing, as a new deployment would. */
async function wipe(worker) {
  for (const table of ["chats", "items", "state", "runs"]) await worker.db.prepare(`DELETE FROM ${table}`).run().catch(() => {});
}

describe("archive-d1 example", () => {
  let emu, worker;
  before(async () => {
    emu = await emulator({ seed: "30:4" });
    await buildWorker();
    worker = await startWorker({
      apiKey: API_KEY,
      siteToken: SITE_TOKEN,
      baseUrl: emu.url,
      archiveToken: TOKEN,
      variants: {
        tight: { MAX_SUBREQUESTS: "20" },
        bad: { MAX_SUBREQUESTS: "3" },
        ...Object.fromEntries(Object.entries(limits).map(([seed, limit]) => [`seed${seed}`, { MAX_SUBREQUESTS: String(limit) }])),
      },
    });
  });
  after(async () => {
    await worker?.dispose();
    await emu?.close();
  });

  it("keeps D1 equal to the API over three scheduled runs with writes in between, one R2 object each", async () => {
    emu.reset();
    await wipe(worker);
    const runs = [];
    for (let round = 1; round <= 3; round++) {
      const { watermark } = await readState(worker.db);
      const before = updatedTimes(emu);
      if (round > 1) writeSome(emu, round);
      const changed = emulatorChats(emu).filter((c) => before.get(c.id) !== c.updated).map((c) => c.id);
      // What the run should read: the chats updated at or after the watermark (inclusive), all of them the first time.
      const due = emulatorChats(emu).filter((c) => c.updated >= (watermark ?? 0)).map((c) => c.id);
      emu.clearRequests();
      const run = await worker.run();
      runs.push(run);
      assert.equal(run.outcome, "complete", `run ${round}`);
      assert.equal(run.requests, apiRequests(emu).length, "every API request is counted");
      assert.equal(run.since, JSON.stringify(watermark ?? 0), "a run exports since the last complete run's watermark");
      const state = await readState(worker.db);
      assert.equal(state.watermark, run.watermark, "the watermark is stored");
      assert.equal(state.checkpoint, undefined, "and no checkpoint is left");
      if (round === 1) {
        assert.deepEqual(feedsRead(emu), new Set(due), "the first run reads every chat");
      } else {
        assert.ok(run.watermark > watermark, "the watermark moves on");
        // Only the chats that changed, and those whose last activity is the old watermark's own millisecond.
        const read = feedsRead(emu);
        assert.deepEqual(read, new Set(due), `run ${round} reads exactly the chats updated since the watermark`);
        for (const id of changed) assert.ok(read.has(id), `changed chat ${id} is read`);
        for (const id of read) assert.ok(changed.includes(id) || before.get(id) === watermark, `${id} is read because it changed`);
        assert.ok(read.size <= changed.length + 1 && read.size < emulatorChats(emu).length / 2, `${read.size} feeds read, ${changed.length} chats changed`);
        assert.equal(run.chats, read.size);
        assert.ok(run.items < runs[0].items / 4, `${run.items} items, against ${runs[0].items} the first time`);
      }
      await assertArchiveEquals(emu, worker, `after run ${round}`);
      const lines = await runLines(worker, run);
      assert.equal(lines.at(-1).type, "summary", "the object holds the whole run, summary last");
      assert.equal(lines.filter((l) => l.type === "chat").length, run.chats);
      assert.equal(lines.filter((l) => l.type === "item").length, run.items);
      assert.equal((await readState(worker.db)).lease, undefined, "the lease is given back");
    }
    const objects = (await worker.bucket.list({ prefix: "runs/" })).objects.map((o) => o.key);
    for (const run of runs) assert.ok(objects.includes(run.object), `run ${run.id}'s object is in R2`);
    assert.deepEqual(runs.map((r) => r.id), [runs[0].id, runs[0].id + 1, runs[0].id + 2]);
  });

  for (const seed of [1, 2, 3, 4, 5]) {
    it(`carries on after a run stopped by its subrequest budget at a random point (seed ${seed})`, async () => {
      emu.reset();
      await wipe(worker);
      const rand = random(seed * 7919);
      let watermark;
      if (seed % 2 === 0) {
        // Even seeds stop an incremental run: one that has as much to read as a full one.
        assert.equal((await worker.run()).outcome, "complete");
        ({ watermark } = await readState(worker.db));
        writeSome(emu, seed, rand);
        writeMany(emu, seed);
      }
      const stopped = await worker.run(`seed${seed}`);
      assert.equal(stopped.outcome, "stopped: subrequests", `seed ${seed}`);
      assert.ok(stopped.subrequests <= limits[seed], `${stopped.subrequests} subrequests, within ${limits[seed]}`);
      const left = await readState(worker.db);
      assert.equal(typeof left.checkpoint, "string", "the stopped run left its last checkpoint in D1");
      assert.equal(left.watermark, watermark, "and did not move the watermark");
      writeSome(emu, seed + 100, rand);
      const next = await worker.run();
      assert.equal(next.outcome, "complete");
      assert.equal(next.resumed, 1, "the next run resumed from the checkpoint");
      assert.equal(next.passes, 2, "then read what changed since the resumed window");
      await assertArchiveEquals(emu, worker, `seed ${seed}`);
      const stoppedLines = await runLines(worker, stopped);
      // The resumed pass exports again only chats it marks as repeats: none the stopped run had finished before its checkpoint.
      const before = new Set(stoppedLines.filter((l) => l.type === "chat").map((l) => l.chatId));
      const nextLines = await runLines(worker, next);
      const resumed = firstPass(nextLines).filter((l) => l.type === "chat");
      for (const line of resumed) {
        if (before.has(line.chatId)) assert.equal(line.repeat, true, `${line.chatId}, exported by the stopped run, is marked as a repeat`);
      }
      assert.ok(resumed.length < emulatorChats(emu).length, `the resumed pass exported ${resumed.length} chats, not all`);
      assert.equal(next.repeats, nextLines.filter((l) => l.type === "chat" && l.repeat === true).length, "repeats are counted");
      repeats += next.repeats;
      const state = await readState(worker.db);
      assert.equal(state.checkpoint, undefined);
      assert.equal(state.watermark, next.watermark);
      assert.ok(state.watermark > (watermark ?? 0), "the watermark moved on");
    });

    it(`carries on after a run ended by a failure at a random chat (seed ${seed})`, async () => {
      emu.reset();
      await wipe(worker);
      const rand = random(seed * 104729);
      const ids = emulatorChats(emu).map((c) => c.id);
      const victim = ids[Math.floor(rand() * ids.length)];
      emu.inject({ match: { method: "GET", path: `/chat/v1/chats/${encodeURIComponent(victim)}/feed` }, status: 401, times: 1 });
      const failed = await worker.run();
      assert.equal(failed.outcome, `failed: AuthenticationError: Injected fault 401 (HTTP 401, code 4001) [GET /chat/v1/chats/${encodeURIComponent(victim)}/feed]`);
      const left = await readState(worker.db);
      if (failed.chats > 0) assert.equal(typeof left.checkpoint, "string", "a run that exported chats left a checkpoint");
      assert.equal(left.watermark, undefined, "the watermark did not move");
      writeSome(emu, seed + 200, rand);
      const next = await worker.run();
      assert.equal(next.outcome, "complete");
      assert.equal(next.resumed, left.checkpoint === undefined ? 0 : 1, "the next run resumed from the checkpoint if there was one");
      await assertArchiveEquals(emu, worker, `seed ${seed}, failure at ${victim}`);
    });
  }

  it("upserts the chats a resumed run marks as repeats without duplicating a row", () => {
    // Each seed's resumed run was checked against the emulator row for row; this says repeats were among them.
    assert.ok(repeats > 0, `${repeats} chats were marked as repeats over the five seeds`);
  });

  it("keeps the watermark where it was when a chat failed, and the next run reads that chat again", async () => {
    emu.reset();
    await wipe(worker);
    assert.equal((await worker.run()).outcome, "complete");
    const { watermark } = await readState(worker.db);
    writeSome(emu, 31);
    const victim = "person-7";
    emu.clientMessage(victim, "a message the failed run does not archive");
    emu.inject({ match: { method: "GET", path: `/chat/v1/chats/${victim}/feed` }, status: 404, times: 1 });
    const failing = await worker.run();
    assert.equal(failing.outcome, "complete with 1 failed chats; the watermark stays");
    assert.equal(failing.errors, 1);
    assert.equal(failing.watermark, watermark);
    assert.equal((await readState(worker.db)).watermark, watermark, "the stored watermark did not move");
    const archived = (await readArchive(worker.db)).items.get(victim);
    assert.equal(archived.length, emu.store.feed(victim).length - 1, "the failed chat's new message is not archived yet");
    emu.clearRequests();
    const next = await worker.run();
    assert.equal(next.outcome, "complete");
    assert.equal(next.since, JSON.stringify(watermark), "the next run reads the same window again");
    assert.ok(feedsRead(emu).has(victim));
    assert.ok(next.watermark > watermark);
    await assertArchiveEquals(emu, worker, "after the failed chat was read again");
  });

  it("keeps the watermark when a chat failed before the checkpoint a later run resumed from", async () => {
    // The export only knows the chats that failed since it resumed: the Worker stores the count with the checkpoint.
    emu.reset();
    await wipe(worker);
    const victim = emu.store.listChats()[0].id; // the newest chat: the first one a run reads
    emu.inject({ match: { method: "GET", path: `/chat/v1/chats/${encodeURIComponent(victim)}/feed` }, status: 404, times: 1 });
    const stopped = await worker.run("seed1");
    assert.equal(stopped.outcome, "stopped: subrequests");
    assert.equal(stopped.errors, 1);
    const left = await readState(worker.db);
    assert.equal(left.failed, 1, "the failure is stored with the checkpoint");
    const resumed = await worker.run();
    assert.equal(resumed.resumed, 1);
    assert.equal(resumed.outcome, "complete with 1 failed chats; the watermark stays");
    assert.equal(resumed.passes, 1, "no catch-up pass from a watermark that did not move");
    const state = await readState(worker.db);
    assert.equal(state.watermark, undefined, "the first window is read again by the next run");
    assert.equal(state.checkpoint, undefined);
    assert.equal(state.failed, undefined);
    const next = await worker.run();
    assert.equal(next.outcome, "complete");
    assert.equal(next.since, "0");
    await assertArchiveEquals(emu, worker, "after the window was read again");
  });

  it("keeps the run within its subrequest budget, and a run after several stopped ones completes the archive", async () => {
    emu.reset();
    await wipe(worker);
    const stops = [];
    for (let i = 0; i < 3; i++) {
      const run = await worker.run("tight");
      assert.equal(run.outcome, "stopped: subrequests");
      stops.push(run);
    }
    // Counted by the Worker: the API requests (checked against the emulator's log above) and the D1 and R2 calls.
    for (const run of stops) {
      assert.ok(run.requests > 0, "each run makes progress");
      assert.ok(run.subrequests <= 20, `run ${run.id} made ${run.subrequests} subrequests, within its 20`);
    }
    assert.deepEqual(stops.map((r) => r.resumed), [0, 1, 1], "each stopped run is resumed by the next");
    const objects = await Promise.all(stops.map((run) => runLines(worker, run)));
    const lastCheckpoints = objects.map((lines) => lines.filter((l) => l.type === "checkpoint").at(-1)?.checkpoint);
    assert.equal(new Set(lastCheckpoints).size, 3, "each stopped run got past a new checkpoint");
    assert.equal((await worker.run()).outcome, "complete");
    await assertArchiveEquals(emu, worker, "after three stopped runs");
  });

  it("stores a run larger than an R2 part as a multipart object, byte for byte", async () => {
    emu.reset("150:160");
    await wipe(worker);
    const run = await worker.run();
    assert.equal(run.outcome, "complete");
    assert.ok(run.bytes > 5 * 1024 * 1024, `the run wrote ${run.bytes} bytes, more than one part`);
    const lines = await runLines(worker, run);
    const checkpoints = lines.filter((l) => l.type === "checkpoint").length;
    assert.ok(checkpoints > 0, "with its checkpoint lines");
    assert.equal(lines.length - checkpoints, run.chats + run.items + 1);
    await assertArchiveEquals(emu, worker, "a large run");
  });

  it("skips a run while another one holds the lease", async () => {
    emu.reset();
    await wipe(worker);
    assert.equal((await worker.run()).outcome, "complete");
    await worker.db.prepare("INSERT INTO state (key, value) VALUES ('lease', ?1)").bind(JSON.stringify({ run: 99, until: Date.now() + 3_600_000 })).run();
    writeSome(emu, 9);
    emu.clearRequests();
    const before = (await worker.db.prepare("SELECT COUNT(*) AS n FROM runs").first()).n;
    await worker.run();
    assert.equal((await worker.db.prepare("SELECT COUNT(*) AS n FROM runs").first()).n, before, "no run was recorded");
    assert.equal(apiRequests(emu).length, 0, "and none made a request");
    await worker.db.prepare("DELETE FROM state WHERE key = 'lease'").run();
    assert.equal((await worker.run()).outcome, "complete");
    await assertArchiveEquals(emu, worker, "after the lease was free");
  });

  it("refuses a subrequest budget too small to end a run", async () => {
    await assert.rejects(worker.run("bad"), /the scheduled run ended with exception/);
  });

  it("serves a chat's archived history, with the token only", async () => {
    emu.reset();
    await wipe(worker);
    await worker.run();
    const id = "email:ada@example.com";
    const url = `${worker.url}/archive/chats/${encodeURIComponent(id)}`;
    const denied = await fetch(url);
    assert.equal(denied.status, 401);
    await denied.body?.cancel();
    const wrong = await fetch(url, { headers: { authorization: "Bearer nope" } });
    assert.equal(wrong.status, 401);
    await wrong.body?.cancel();
    const answer = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(answer.status, 200);
    assert.deepEqual(await answer.json(), { chat: emu.store.getChat(id), items: emu.store.feed(id) });
    const missing = await fetch(`${worker.url}/archive/chats/nobody`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
    const malformed = await fetch(`${worker.url}/archive/chats/%E0%A4%A`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(malformed.status, 400);
    await malformed.body?.cancel();
  });
});
