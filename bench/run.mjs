// `npm run bench`: every comparison side by side in one run, printed as a table and written to
// bench/RESULTS.md with the machine and versions. Budgets print PASS/FAIL; they are goals, not tests.
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
import { measureExport } from "./export.mjs";
import { fixed, kb } from "./stats.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
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

out();
out("## 1. Size");
const size = await measureSize(root);
out();
out("| artifact | raw | gzip -9 | brotli -q 11 |");
out("|---|---:|---:|---:|");
out(`| wasm module | ${kb(size.wasm.raw)} | ${kb(size.wasm.gzip)} | ${kb(size.wasm.brotli)} |`);
out(`| JS glue (wasm-bindgen) | ${kb(size.glue.raw)} | ${kb(size.glue.gzip)} | |`);
out();
out(`The npm tarball (every entry, the declarations and the emulator): ${size.tarball.files} files, ${kb(size.tarball.packed)} packed, ${kb(size.tarball.unpacked)} unpacked.`);
out();
out("One call, bundled by esbuild (minified, browser platform):");
out();
out("| package | JS min | JS gzip | wasm gzip | total gzip | vs gosquared-chat |");
out("|---|---:|---:|---:|---:|---:|");
const ours = size.bundles["gosquared-chat"];
for (const [name, b] of Object.entries(size.bundles)) {
  if (b.error) out(`| ${name} | bundle failed: ${b.error} | | | | |`);
  else out(`| ${name} | ${kb(b.js)} | ${kb(b.jsGz)} | ${kb(b.wasmGz)} | ${kb(b.totalGz)} | ${fixed(b.totalGz / ours.totalGz)}× |`);
}
out();
out("For gosquared-chat the total is the bundle's JS plus the one .wasm it loads (esbuild leaves that file to be copied).");
budget("package ≤ 30 KB gzip", ours.totalGz, 30 * 1024, `what one app ships (JS bundle + .wasm): ${kb(ours.totalGz)} gzip`);

out();
const cold = await measureColdStart(root);
out(`## 2. Cold start (fresh Node processes: import + init + first client; median of ${cold.runs}, all scripts round-robin)`);
out();
out(`An empty ES module's first \`await import()\` takes ${fixed(cold.baselineMs)} ms in a fresh process: the loader's fixed cost, which any`);
out("first dynamic import pays whatever it loads. A package's share is its median minus that baseline's median.");
out();
out("| package | raw ms | share ms | share vs gosquared-chat |");
out("|---|---:|---:|---:|");
out(`| empty module (baseline) | ${fixed(cold.baselineMs)} | | |`);
const ourShare = cold.packages["gosquared-chat"].shareMs;
for (const [name, c] of Object.entries(cold.packages)) out(`| ${name} | ${fixed(c.rawMs)} | ${fixed(c.shareMs)} | ${fixed(c.shareMs / ourShare)}× |`);
out();
out("gosquared-chat's share, split (wasm steps timed one by one in their own fresh processes; the rest is the share minus them):");
out();
out("| step | ms |");
out("|---|---:|");
out(`| read the .wasm file | ${fixed(cold.breakdown.readMs)} |`);
out(`| compile (\`new WebAssembly.Module\`) | ${fixed(cold.breakdown.compileMs)} |`);
out(`| instantiate (\`new WebAssembly.Instance\`) | ${fixed(cold.breakdown.instanceMs)} |`);
out(`| the rest (JS modules, init, first client) | ${fixed(cold.breakdown.restMs)} |`);
budget("cold start ≤ 3 ms", ourShare, 3,
  `${fixed(ourShare)} ms in Node, the package's share: its import minus an empty module's ${fixed(cold.baselineMs)} ms, the loader's fixed cost that any first import pays`);
out();
out("In workerd (Miniflare): a fresh isolate's first response, a Worker that imports the package and makes a client");
out("beside the same Worker without it (median of 7; includes starting workerd):");
const wcold = await measureWorkerdColdStart(root);
out();
out("| Worker | first response ms |");
out("|---|---:|");
out(`| with gosquared-chat | ${fixed(wcold.withPackageMs)} |`);
out(`| without | ${fixed(wcold.withoutPackageMs)} |`);
out(`| difference (the package's share) | ${fixed(wcold.withPackageMs - wcold.withoutPackageMs)} |`);

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

out();
out("## 4. Decode (in-memory fetch; client vs JSON.parse of the same body; medians of alternating single-call pairs)");
const decode = await measureDecode();
out();
out("| page | bytes | client ms | JSON.parse ms | ratio |");
out("|---|---:|---:|---:|---:|");
for (const [name, d] of Object.entries(decode)) out(`| ${name} | ${d.bytes} | ${fixed(d.clientMs, 3)} | ${fixed(d.rawMs, 3)} | ${fixed(d.clientMs / d.rawMs)}× |`);
const worstDecode = Math.max(...Object.values(decode).map((d) => d.clientMs / d.rawMs));
budget("decode ≤ 1.2× JSON.parse", worstDecode, 1.2, `worst ratio ${fixed(worstDecode)}×`);

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

out();
out("## 6. Memory (100,000 sequential calls, in-memory fetch)");
const mem = await measureMemory();
out();
out(`${mem.calls} calls in ${fixed(mem.seconds)} s. JS heap ${kb(mem.heapBefore)} → ${kb(mem.heapAfter)}; wasm memory ${kb(mem.wasmBefore)} → ${kb(mem.wasmAfter)}${mem.gcExposed ? "" : " (run without --expose-gc: heap figures include garbage)"}.`);
const growth = Math.max(0, mem.heapAfter - mem.heapBefore) + Math.max(0, mem.wasmAfter - mem.wasmBefore);
budget("memory growth ≤ 1 MB over 100k calls", growth, 1024 * 1024, `heap + wasm growth ${kb(growth)}`);

out();
out("## Budgets (goals, not test assertions)");
out();
out("| budget | result | measured |");
out("|---|---|---|");
for (const b of budgets) out(`| ${b.name} | ${b.pass ? "PASS" : "FAIL"} | ${b.text} |`);

writeFileSync(new URL("./RESULTS.md", import.meta.url), `${lines.join("\n")}\n`);
console.log("\nwritten to bench/RESULTS.md");
