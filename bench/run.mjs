// `npm run bench`: every comparison side by side in one run, printed as a table and written to
// bench/RESULTS.md with the machine and versions. Budgets print PASS/FAIL; they are goals, not tests.
// `npm run bench -- --only=cold` (or any of SECTIONS, comma-separated) runs those sections alone and prints
// them without writing bench/RESULTS.md, for quick loops: the whole run is long on a 2-core machine.
import { writeFileSync, readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { measureSize } from "./size.mjs";
import { measureColdStart } from "./coldstart.mjs";
import { measureCalls } from "./calls.mjs";
import { measureDecode } from "./decode.mjs";
import { measureMemory } from "./memory.mjs";
import { measureWorkerdColdStart } from "./workerd.mjs";
import { measureTwiggy } from "./twiggy.mjs";
import { measureExport } from "./export.mjs";
import { measureArchive, reportArchive } from "./archive.mjs";
import { fixed, kb } from "./stats.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));

/** The bench's sections, in the order they run; `cold` names both cold-start sections. */
const SECTIONS = ["size", "twiggy", "node-cold", "workerd-cold", "calls", "decode", "export", "memory"];
const ALIASES = { cold: ["node-cold", "workerd-cold"] };
const onlyArg = process.argv.slice(2).find((a) => a.startsWith("--only="));
const only = onlyArg && new Set(onlyArg.slice("--only=".length).split(",").flatMap((name) => ALIASES[name] ?? [name]));
for (const name of only ?? []) {
  if (!SECTIONS.includes(name)) throw new Error(`unknown bench section "${name}"; one of ${[...SECTIONS, ...Object.keys(ALIASES)].join(", ")}`);
}
/** Whether this run measures `section`. */
const runs = (section) => only === undefined || only.has(section);
const lines = [];
const out = (s = "") => {
  console.log(s);
  lines.push(s);
};
const budgets = [];
const budget = (name, value, limit, text) => budgets.push({ name, pass: value <= limit, text });

const version = (cmd, args) => {
  try {
    return execFileSync(cmd, args, { encoding: "utf8" }).trim().split("\n")[0];
  } catch {
    return "unknown";
  }
};
const pkgVersion = (name) => {
  try {
    return JSON.parse(readFileSync(`${root}/node_modules/${name}/package.json`, "utf8")).version;
  } catch {
    return "?";
  }
};

out("# gosquared-chat benchmark results");
out();
out(`Run ${new Date().toISOString()} on ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}.`);
out(`Node ${process.version}; ${version("rustc", ["--version"])}; wasm-bindgen ${version("wasm-bindgen", ["--version"]).split(" ")[1]}; binaryen ${pkgVersion("binaryen")}; esbuild ${pkgVersion("esbuild")}.`);
out("Every comparison below was measured side by side in this one run; ratios are what to read (the machine is a shared VM).");

if (runs("size")) {
  out();
  out("## 1. Size");
  const size = await measureSize(root);
  out();
  out("Each entry has its own WebAssembly module and glue (scripts/modules.mjs):");
  out();
  out("| module (entry) | wasm raw | wasm gzip -9 | wasm brotli -q 11 | glue raw | glue gzip | glue brotli |");
  out("|---|---:|---:|---:|---:|---:|---:|");
  for (const [name, m] of Object.entries(size.modules)) {
    const entry = m.subpath === "." ? "gosquared-chat" : `gosquared-chat/${name}`;
    out(`| ${name} (\`${entry}\`) | ${kb(m.wasm.raw)} | ${kb(m.wasm.gzip)} | ${kb(m.wasm.brotli)} | ${kb(m.glue.raw)} | ${kb(m.glue.gzip)} | ${kb(m.glue.brotli)} |`);
  }
  out();
  out(`The npm tarball (every entry, the declarations and the emulator): ${size.tarball.files} files, ${kb(size.tarball.packed)} packed, ${kb(size.tarball.unpacked)} unpacked.`);
  out();
  out("One use of each entry, bundled by esbuild (minified): this package as a Worker is bundled (the `workerd` loader,");
  out("the .wasm emitted beside the JS and counted), the other SDKs for a browser-like platform. The client and full rows");
  out("send a message; the edge row signs a person; \"everything\" uses every export of `gosquared-chat`.");
  out();
  out("| bundle | JS min | JS gzip | wasm gzip | total gzip | total brotli | vs gosquared-chat/client |");
  out("|---|---:|---:|---:|---:|---:|---:|");
  const ours = size.bundles["gosquared-chat/client"];
  for (const [name, b] of Object.entries(size.bundles)) {
    if (b.error) out(`| ${name} | bundle failed: ${b.error} | | | | | |`);
    else out(`| ${name} | ${kb(b.js)} | ${kb(b.jsGz)} | ${kb(b.wasmGz)} | ${kb(b.totalGz)} | ${kb(b.totalBr)} | ${fixed(b.totalGz / ours.totalGz)}× |`);
  }
  const everything = size.bundles["gosquared-chat, everything"];
  budget("a Worker that sends a message ≤ 30 KB gzip", ours.totalGz, 30 * 1024,
    `gosquared-chat/client, JS + wasm: ${kb(ours.totalGz)} gzip (${kb(ours.jsGz)} + ${kb(ours.wasmGz)})`);
  budget("everything ≤ 45 KB gzip", everything.totalGz, 45 * 1024,
    `gosquared-chat with every export used, JS + wasm: ${kb(everything.totalGz)} gzip (${kb(everything.jsGz)} + ${kb(everything.wasmGz)})`);
}

if (runs("twiggy")) {
  out();
  out("What each module's bytes are (twiggy, on a build that keeps names: `wasm-bindgen --keep-debug`, `wasm-opt -Oz -g`;");
  out("the name section left out; functions inlined into an export's shim count in that shim):");
  const tw = measureTwiggy(root);
  for (const [name, t] of Object.entries(tw)) {
    out();
    out(`${name}: ${kb(t.total)} of code and data.`);
    out();
    out("| group | bytes | share |");
    out("|---|---:|---:|");
    for (const [group, bytes] of Object.entries(t.groups)) out(`| ${group} | ${bytes} | ${fixed((100 * bytes) / t.total, 1)} % |`);
    out();
    out("| largest items | bytes |");
    out("|---|---:|");
    for (const item of t.top) out(`| \`${item.name.replaceAll("|", "\\|")}\` | ${item.bytes} |`);
  }
}

if (runs("node-cold")) {
  out();
  const cold = await measureColdStart(root);
  out(`## 2. Cold start (fresh Node processes: import + first use; median of ${cold.runs}, all scripts round-robin)`);
  out();
  out(`An empty ES module's first \`await import()\` takes ${fixed(cold.baselineMs)} ms in a fresh process: the loader's fixed cost, which any`);
  out("first dynamic import pays whatever it loads. A package's share is its median minus that baseline's median.");
  out("This package's rows make a first client (the edge entry: one signature).");
  out();
  out("CPU time is the process's (all threads) over the same span: it moves much less than wall time when the machine is busy.");
  out();
  out("| package | raw ms | share ms | share vs gosquared-chat/client | CPU ms | CPU share ms |");
  out("|---|---:|---:|---:|---:|---:|");
  out(`| empty module (baseline) | ${fixed(cold.baselineMs)} | | | ${fixed(cold.baselineCpuMs)} | |`);
  const ourShare = cold.packages["gosquared-chat/client"].shareMs;
  for (const [name, c] of Object.entries(cold.packages)) out(`| ${name} | ${fixed(c.rawMs)} | ${fixed(c.shareMs)} | ${fixed(c.shareMs / ourShare)}× | ${fixed(c.rawCpuMs)} | ${fixed(c.cpuShareMs)} |`);
  out();
  out("Each entry's share, split: its import alone (no first use, in fresh processes of its own), and its module's wasm");
  out("steps timed one by one in their own fresh processes; the rest is the share minus those steps:");
  out();
  out("| entry | import alone | read the .wasm | compile | instantiate | the rest (resolution, JS modules, glue, first use) |");
  out("|---|---:|---:|---:|---:|---:|");
  for (const [name, b] of Object.entries(cold.breakdown)) {
    out(`| ${name} | ${fixed(b.importShareMs)} | ${fixed(b.readMs)} | ${fixed(b.compileMs)} | ${fixed(b.instanceMs)} | ${fixed(b.restMs)} |`);
  }
  budget("cold start ≤ 5 ms in Node", ourShare, 5,
    `gosquared-chat/client: ${fixed(ourShare)} ms, its share of import + first client (its import minus an empty module's ${fixed(cold.baselineMs)} ms; CPU time ${fixed(cold.packages["gosquared-chat/client"].cpuShareMs)} ms)`);
}
if (runs("workerd-cold")) {
  out();
  const wcold = await measureWorkerdColdStart(root);
  out(`In workerd (Miniflare): a fresh isolate's first response, a Worker that imports an entry and uses it once, beside the`);
  out(`same Worker without the package (median and first quartile of ${wcold.runs}, in rotation; includes starting workerd):`);
  out();
  out("The paired share is the median, over the rounds, of the Worker's time minus the baseline's in the same round: a slow");
  out("round (a busy machine) then moves both sides of a difference instead of one median.");
  out();
  out("| Worker | first response ms (median) | first quartile | share (median) | share (first quartile) | paired share (median) |");
  out("|---|---:|---:|---:|---:|---:|");
  const cell = (v) => (v === undefined ? "" : fixed(v));
  for (const [name, w] of Object.entries(wcold.workers)) {
    out(`| ${name} | ${fixed(w.medianMs)} | ${fixed(w.p25Ms)} | ${cell(w.shareMs)} | ${cell(w.shareP25Ms)} | ${cell(w.pairedShareMs)} |`);
  }
  const workerdShare = wcold.workers["gosquared-chat/client"].shareMs;
  budget("cold start ≤ 10 ms in a fresh workerd isolate", workerdShare, 10,
    `gosquared-chat/client: ${fixed(workerdShare)} ms added to a fresh isolate's first response (median; first quartile ${fixed(wcold.workers["gosquared-chat/client"].shareP25Ms)} ms, paired ${fixed(wcold.workers["gosquared-chat/client"].pairedShareMs)} ms)`);
}

if (runs("calls")) {
  out();
  out("## 3. Per call against the emulator on loopback (emulator in its own process)");
  out();
  const callPlan = { pairs: 1000, rounds: 12, perRound: 128 };
  out(`Measured in alternation: at concurrency 1, ${callPlan.pairs} rounds of single calls, client, raw and guarded in random order within each`);
  out(`round; at 64, ${callPlan.rounds} rounds of ${callPlan.perRound}-call blocks, client and raw taking turns to go first; so machine noise lands on every side alike.`);
  out('"Guarded" is the raw request plus what any client with real timeouts adds: an AbortController whose signal goes to fetch and a timer.');
  const calls = await measureCalls(callPlan);
  out();
  out("| method | concurrency | client p50 ms | raw fetch p50 ms | p50 ratio | guarded p50 ms | client vs guarded | client p99 ms | raw p99 ms | p99 ratio |");
  out("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of calls) {
    const guarded = r.guardedP50 === undefined ? ["", ""] : [fixed(r.guardedP50, 3), `${fixed(r.clientP50 / r.guardedP50)}×`];
    out(`| ${r.name} | ${r.concurrency} | ${fixed(r.clientP50, 3)} | ${fixed(r.rawP50, 3)} | ${fixed(r.clientP50 / r.rawP50)}× | ${guarded[0]} | ${guarded[1]} | ${fixed(r.clientP99, 3)} | ${fixed(r.rawP99, 3)} | ${fixed(r.clientP99 / r.rawP99)}× |`);
  }
  const worstP50 = Math.max(...calls.filter((r) => r.concurrency === 1).map((r) => r.clientP50 / r.rawP50));
  budget("per-call p50 ≤ 1.10× raw fetch", worstP50, 1.1, `worst p50 ratio at concurrency 1: ${fixed(worstP50)}×`);
}

if (runs("decode")) {
  out();
  out("## 4. Decode (in-memory fetch; client vs JSON.parse of the same body; medians of alternating single-call pairs)");
  const decode = await measureDecode();
  out();
  out("| page | bytes | client ms | JSON.parse ms | ratio |");
  out("|---|---:|---:|---:|---:|");
  for (const [name, d] of Object.entries(decode)) out(`| ${name} | ${d.bytes} | ${fixed(d.clientMs, 3)} | ${fixed(d.rawMs, 3)} | ${fixed(d.clientMs / d.rawMs)}× |`);
  const worstDecode = Math.max(...Object.values(decode).map((d) => d.clientMs / d.rawMs));
  budget("decode ≤ 1.2× JSON.parse", worstDecode, 1.2, `worst ratio ${fixed(worstDecode)}×`);
}

if (runs("export")) {
  out();
  out("## 5. Export (10,000 chats × 20 items, concurrency 4, emulator in its own process; median of 2 fresh processes each)");
  const exp = await measureExport();
  out();
  out("| exporter | lines | MB | seconds | chats/s | peak RSS MB |");
  out("|---|---:|---:|---:|---:|---:|");
  for (const [name, e] of [["exportChats", exp.client], ["hand-written JS promise pool", exp.pool]]) {
    out(`| ${name} | ${e.lines} | ${fixed(e.bytes / 1e6, 1)} | ${fixed(e.seconds)} | ${fixed(e.chatsPerSecond, 0)} | ${fixed(e.maxRssBytes / 2 ** 20, 0)} |`);
  }
  const exportRatio = exp.client.chatsPerSecond / exp.pool.chatsPerSecond;
  out();
  out(`exportChats throughput is ${fixed(exportRatio)}× the pool's; peak RSS ${fixed(exp.client.maxRssBytes / exp.pool.maxRssBytes)}× the pool's.`);
  budgets.push({ name: "export ≥ 0.9× the JS pool", pass: exportRatio >= 0.9, text: `${fixed(exportRatio)}× the pool's throughput` });
}

if (runs("memory")) {
  out();
  out("## 6. Memory (100,000 sequential calls, in-memory fetch)");
  const mem = await measureMemory();
  out();
  out(`${mem.calls} calls in ${fixed(mem.seconds)} s. JS heap ${kb(mem.heapBefore)} → ${kb(mem.heapAfter)}; wasm memory ${kb(mem.wasmBefore)} → ${kb(mem.wasmAfter)}${mem.gcExposed ? "" : " (run without --expose-gc: heap figures include garbage)"}.`);
  const growth = Math.max(0, mem.heapAfter - mem.heapBefore) + Math.max(0, mem.wasmAfter - mem.wasmBefore);
  budget("memory growth ≤ 1 MB over 100k calls", growth, 1024 * 1024, `heap + wasm growth ${kb(growth)}`);
}

out();
out("## 7. Archive (examples/archive-d1 in Miniflare with D1 + R2; 10,000 chats × 20 items, then 1 % of the chats changed)");
const arc = await measureArchive();
out();
for (const line of reportArchive(arc)) out(line);

out();
out("## Budgets (goals, not test assertions)");
out();
out("| budget | result | measured |");
out("|---|---|---|");
for (const b of budgets) out(`| ${b.name} | ${b.pass ? "PASS" : "FAIL"} | ${b.text} |`);

if (only === undefined) {
  writeFileSync(new URL("./RESULTS.md", import.meta.url), `${lines.join("\n")}\n`);
  console.log("\nwritten to bench/RESULTS.md");
} else {
  console.log(`\n--only=${[...only].join(",")}: bench/RESULTS.md left as it was`);
}
