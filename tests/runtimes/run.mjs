// The runtime stage of `npm test`: packs pkg/, installs the tarball into an empty project, runs the one
// conformance suite in every runtime and build, runs the checks (pack contents, declarations, README
// snippets), and prints a table per row and the line `runtimes: N passed, N failed, N skipped`.
// With CI=true a runtime that is not installed is a failure; elsewhere its rows say they were skipped.
import path from "node:path";
import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { pack, checkTarballContents, createConsumer } from "./lib/package.mjs";
import { conformanceJobs, checkJobs } from "./lib/jobs.mjs";
import { Browser, chromiumPath } from "./lib/hosts.mjs";
import { run } from "./lib/processes.mjs";
import { testNames } from "./conformance.js";

const repo = path.resolve(import.meta.dirname, "../..");
const out = path.join(repo, "tests/.artifacts/runtimes");
const bin = (name) => path.join(repo, "node_modules/.bin", name);
const inCI = /^(1|true|yes)$/i.test(process.env.CI ?? "");
const API_KEY = "sk_test_Q7wZ+secret/key";

/** Which runtimes and tools are here; each value is a version string, or undefined when missing. */
async function detectTools() {
  const version = async (command, args) => {
    if (!existsSync(command)) return undefined;
    const { code, stdout } = await run(command, args, { timeoutMs: 30000 }).catch(() => ({ code: 1 }));
    return code === 0 ? stdout.trim().split("\n")[0] : undefined;
  };
  const moduleHere = (p) => (existsSync(path.join(repo, "node_modules", p)) ? p.split("/")[0] : undefined);
  const chromium = chromiumPath();
  return {
    deno: await version(bin("deno"), ["--version"]),
    bun: await version(bin("bun"), ["--version"]),
    wrangler: await version(bin("wrangler"), ["--version"]),
    workerd: moduleHere("miniflare/package.json") && moduleHere("@cloudflare/workerd-linux-64/package.json") && "miniflare",
    "edge-runtime": moduleHere("edge-runtime/package.json"),
    chromium: chromium && (await version(chromium, ["--version"])),
  };
}

/** Runs `jobs` with at most `limit` at a time, preserving their order in the results. */
async function pool(jobs, limit, runOne) {
  const results = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await runOne(jobs[i]);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

const expectedTests = testNames();

async function main() {
  const started = Date.now();
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });

  const packed = await pack(path.join(repo, "pkg"), out);
  const packProblems = await checkTarballContents(path.join(repo, "pkg"), packed);
  const consumer = path.join(out, "consumer");
  await createConsumer(consumer, packed.tarball, path.join(repo, "tests/runtimes"));
  const tools = await detectTools();
  const { startEmulator } = await import(path.join(consumer, "node_modules/gosquared-chat/emulator/server.js"));
  const closed = await startEmulator();
  await closed.close();

  const browser = new Browser();
  const setupMs = Date.now() - started;

  async function runJob(job) {
    const emulators = [];
    const ctx = {
      repo, consumer, out, packed, packProblems,
      tools: { deno: bin("deno"), bun: bin("bun") },
      browser: () => browser,
      async emulator() {
        const emu = await startEmulator({ apiKey: API_KEY, siteToken: "GSN-424242-Z", seed: "3:5", rateLimit: false });
        emulators.push(emu);
        return emu;
      },
      async snippetEmulator() {
        const emu = await startEmulator({ apiKey: "sk_readme_key", siteToken: "GSN-123456-A", seed: "3:5", rateLimit: false });
        emulators.push(emu);
        return emu;
      },
      settings: (emu) => ({ url: emu.url, deadUrl: closed.url, apiKey: emu.apiKey, siteToken: emu.siteToken }),
    };
    const missing = job.needs.filter((n) => tools[n] === undefined);
    const row = { kind: job.kind, name: job.name, passed: 0, failed: 0, ms: 0 };
    if (missing.length > 0) {
      row.status = inCI ? "missing" : "skipped";
      row.detail = `${missing.join(", ")} not installed${inCI ? " (CI=true: a missing runtime fails)" : " — skipped"}`;
      if (inCI) row.failed = 1;
      return row;
    }
    const t0 = Date.now();
    try {
      const value = await job.run(ctx);
      if (job.kind === "conformance") {
        row.passed = value.passed;
        row.failed = value.failed;
        row.entry = value.entry;
        row.detail = value.note;
        row.failures = value.results.filter((r) => !r.ok);
        const names = value.results.map((r) => r.name);
        if (names.join("\n") !== expectedTests.join("\n")) {
          row.failed += 1;
          row.failures.push({ name: "suite", error: `ran ${names.length} tests, expected the ${expectedTests.length} of the suite` });
        }
      } else {
        row.passed = 1;
        row.detail = value;
      }
    } catch (error) {
      row.failed += 1;
      row.failures = [{ name: job.name, error: error?.stack ?? String(error) }];
    } finally {
      row.ms = Date.now() - t0;
      await Promise.all(emulators.map((e) => e.close()));
    }
    row.status = row.failed === 0 ? "pass" : "fail";
    return row;
  }

  const jobs = [
    ...conformanceJobs.map((j) => ({ ...j, kind: "conformance" })),
    ...checkJobs.map((j) => ({ ...j, kind: "check" })),
  ];
  const limit = Number(process.env.RUNTIMES_CONCURRENCY ?? 3);
  let rows;
  try {
    rows = await pool(jobs, limit, runJob);
  } finally {
    await browser.close();
  }
  report(rows, { tools, packed, setupMs, totalMs: Date.now() - started });
  await writeFile(path.join(repo, "tests/.artifacts/runtimes.json"), JSON.stringify({ tools, rows }, null, 2));
  const failed = rows.reduce((n, r) => n + r.failed, 0);
  process.exitCode = failed === 0 ? 0 : 1;
}

function pad(text, width, right = false) {
  const s = String(text ?? "");
  return right ? s.padStart(width) : s.padEnd(width);
}

function report(rows, { tools, packed, setupMs, totalMs }) {
  const seconds = (ms) => `${(ms / 1000).toFixed(1)}s`;
  const mark = { pass: "ok", fail: "FAIL", skipped: "skipped", missing: "MISSING" };
  console.log(`\n== runtimes: the conformance suite (${expectedTests.length} tests) in each runtime, on the packed ${path.basename(packed.tarball)}`);
  console.log(`   node ${process.version}; ${Object.entries(tools).map(([k, v]) => `${k}: ${v ?? "missing"}`).join("; ")}`);
  console.log(`   setup (pack, install into an empty project): ${seconds(setupMs)}\n`);
  console.log(`   ${pad("runtime / build", 36)} ${pad("entry", 14)} ${pad("passed", 6, true)} ${pad("failed", 6, true)} ${pad("time", 6, true)}  result`);
  for (const r of rows.filter((x) => x.kind === "conformance")) {
    console.log(`   ${pad(r.name, 36)} ${pad(r.entry ?? "", 14)} ${pad(r.passed, 6, true)} ${pad(r.failed, 6, true)} ${pad(seconds(r.ms), 6, true)}  ${mark[r.status]}${r.detail ? `  (${r.detail})` : ""}`);
  }
  console.log(`\n   ${pad("check", 66)} ${pad("time", 6, true)}  result`);
  for (const r of rows.filter((x) => x.kind === "check")) {
    console.log(`   ${pad(r.name, 66)} ${pad(seconds(r.ms), 6, true)}  ${mark[r.status]}${r.detail ? `  ${r.detail}` : ""}`);
  }
  const failures = rows.flatMap((r) => (r.failures ?? []).map((f) => ({ row: r.name, ...f })));
  if (failures.length > 0) {
    console.log("\n   failures:");
    for (const f of failures) console.log(`   ✗ [${f.row}] ${f.name}\n     ${String(f.error).split("\n").join("\n     ")}`);
  }
  const passed = rows.reduce((n, r) => n + r.passed, 0);
  const failed = rows.reduce((n, r) => n + r.failed, 0);
  const skipped = rows.filter((r) => r.status === "skipped").length;
  if (skipped > 0) {
    const why = [...new Set(rows.filter((r) => r.status === "skipped").map((r) => r.detail.replace(/ — skipped$/, "")))];
    console.log(`\n   SKIPPED ${skipped} rows: ${why.join("; ")}. They did not run; with CI=true they fail.`);
  }
  console.log(`\n   wall time ${seconds(totalMs)}`);
  console.log(`runtimes: ${passed} passed, ${failed} failed, ${skipped} skipped`);
}

main().catch((error) => {
  console.error(error?.stack ?? error);
  console.log("runtimes: 0 passed, 1 failed, 0 skipped");
  process.exitCode = 1;
});
