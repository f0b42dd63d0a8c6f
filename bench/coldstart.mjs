// Cold start: import + first use in fresh Node processes, for each entry of the package, beside importing
// openai and stripe and making their first client the same way, and beside importing an empty module (the
// baseline: the loader's fixed cost that any first dynamic import pays, which is subtracted to give each
// package's share). Each entry's import alone (no first use) is timed too, and each module's wasm steps (read,
// compile, instantiate) on their own.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { MODULES, inPackage } from "../scripts/modules.mjs";
import { interleave, median } from "./stats.mjs";

const EMPTY_MODULE = new URL("./fixtures/empty.mjs", import.meta.url).href;

// Wall time, and the process's CPU time (all its threads): on a shared machine a process waiting for a core
// adds to the first and hardly to the second.
const timed = (body) =>
  `const c0 = process.cpuUsage(); const t0 = performance.now(); ${body} const ms = performance.now() - t0; const c = process.cpuUsage(c0); console.log(JSON.stringify({ ms, cpuMs: (c.user + c.system) / 1000 }));`;
const firstClient = (spec) => timed(`const m = await import("${spec}"); new m.ChatClient({ apiKey: "k", siteToken: "t" });`);

/** Scripts that print how many milliseconds importing and a first use took. */
export const PACKAGE_SCRIPTS = {
  "gosquared-chat/client": firstClient("gosquared-chat/client"),
  "gosquared-chat/edge": timed(`const m = await import("gosquared-chat/edge"); m.personSignature("secret", "person-1");`),
  "gosquared-chat": firstClient("gosquared-chat"),
  openai: timed(`const m = await import("openai"); new m.default({ apiKey: "k" });`),
  stripe: timed(`const m = await import("stripe"); new m.default("sk_test");`),
};

/** Scripts that print how many milliseconds importing this package's entries took, with no first use. */
export const IMPORT_SCRIPTS = {
  "gosquared-chat/client": timed(`await import("gosquared-chat/client");`),
  "gosquared-chat/edge": timed(`await import("gosquared-chat/edge");`),
  "gosquared-chat": timed(`await import("gosquared-chat");`),
};

const BASELINE_SCRIPT = timed(`await import(${JSON.stringify(EMPTY_MODULE)});`);

/** A script that times a module's wasm steps one by one: read the file, compile it, instantiate it. */
const wasmStepsScript = (wasmPath) => `import { readFileSync } from "node:fs";
  const t0 = performance.now();
  const bytes = readFileSync(${JSON.stringify(wasmPath)});
  const t1 = performance.now();
  const module = new WebAssembly.Module(bytes);
  const t2 = performance.now();
  const imports = {};
  for (const { module: from, name } of WebAssembly.Module.imports(module)) (imports[from] ??= {})[name] = () => {};
  const t3 = performance.now();
  new WebAssembly.Instance(module, imports);
  const t4 = performance.now();
  console.log(JSON.stringify({ readMs: t1 - t0, compileMs: t2 - t1, instanceMs: t4 - t3 }));`;

const runFresh = (root, script) =>
  JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: root, encoding: "utf8" }));

/**
 * Runs the baseline, each script and each module's wasm-steps script `runs` times each, round-robin (one of each
 * per run, the order rotating), every one in a fresh process; returns medians: each package's raw time and its
 * share (raw minus the baseline), in wall time and in CPU time, and for each of this package's entries the share of its import alone, its
 * module's wasm steps and the rest of its share (JS modules, resolution, the first use).
 */
export async function measureColdStart(root, runs = 15) {
  const steps = Object.fromEntries(
    MODULES.map((m) => [`wasm:${m.subpath}`, wasmStepsScript(join(root, "pkg", inPackage(m, `${m.glue}_bg.wasm`)))]),
  );
  const imports = Object.fromEntries(Object.entries(IMPORT_SCRIPTS).map(([name, script]) => [`import:${name}`, script]));
  const scripts = { baseline: BASELINE_SCRIPT, ...PACKAGE_SCRIPTS, ...imports, ...steps };
  const tasks = Object.fromEntries(Object.entries(scripts).map(([name, script]) => [name, async () => runFresh(root, script)]));
  const results = await interleave(runs, tasks, { order: "rotate" });
  const ms = (name) => median(results[name].map((r) => r.ms));
  const cpuMs = (name) => median(results[name].map((r) => r.cpuMs));
  const baselineMs = ms("baseline");
  const baselineCpuMs = cpuMs("baseline");
  const packages = Object.fromEntries(Object.keys(PACKAGE_SCRIPTS).map((name) => {
    const rawMs = ms(name);
    const rawCpuMs = cpuMs(name);
    return [name, { rawMs, shareMs: rawMs - baselineMs, rawCpuMs, cpuShareMs: rawCpuMs - baselineCpuMs }];
  }));
  const breakdown = Object.fromEntries(MODULES.map((m) => {
    const spec = m.subpath === "." ? "gosquared-chat" : `gosquared-chat/${m.dir}`;
    const step = (key) => median(results[`wasm:${m.subpath}`].map((s) => s[key]));
    const wasm = { readMs: step("readMs"), compileMs: step("compileMs"), instanceMs: step("instanceMs") };
    const importShareMs = ms(`import:${spec}`) - baselineMs;
    return [spec, { importShareMs, ...wasm, restMs: packages[spec].shareMs - wasm.readMs - wasm.compileMs - wasm.instanceMs }];
  }));
  return { runs, baselineMs, baselineCpuMs, packages, breakdown };
}
