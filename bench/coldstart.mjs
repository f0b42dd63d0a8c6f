// Cold start: import + init + first client in fresh Node processes, beside importing openai and stripe
// and making their first client the same way, and beside importing an empty module (the baseline: the
// loader's fixed cost that any first dynamic import pays, which is subtracted to give each package's share).
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { interleave, median } from "./stats.mjs";

const EMPTY_MODULE = new URL("./fixtures/empty.mjs", import.meta.url).href;

/** Scripts that print how many milliseconds importing and making a first client took. */
const PACKAGE_SCRIPTS = {
  "gosquared-chat": `const t0 = performance.now(); const m = await import("gosquared-chat");
    new m.ChatClient({ apiKey: "k", siteToken: "t" }); console.log(performance.now() - t0);`,
  openai: `const t0 = performance.now(); const m = await import("openai");
    new m.default({ apiKey: "k" }); console.log(performance.now() - t0);`,
  stripe: `const t0 = performance.now(); const m = await import("stripe");
    new m.default("sk_test"); console.log(performance.now() - t0);`,
};

const BASELINE_SCRIPT = `const t0 = performance.now(); await import(${JSON.stringify(EMPTY_MODULE)});
  console.log(performance.now() - t0);`;

/** A script that times the package's wasm steps one by one: read the file, compile it, instantiate it. */
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
 * Runs the baseline, each package's script and the wasm-steps script `runs` times each, round-robin (one of each
 * per run, the order rotating), every one in a fresh process; returns medians: each package's raw time and its share
 * (raw minus the baseline), and gosquared-chat's share split into reading, compiling and instantiating the wasm and the rest.
 */
export async function measureColdStart(root, runs = 15) {
  const wasmPath = createRequire(`${root}/`).resolve("gosquared-chat/gosquared_chat_bg.wasm");
  const scripts = { baseline: BASELINE_SCRIPT, ...PACKAGE_SCRIPTS, wasmSteps: wasmStepsScript(wasmPath) };
  const tasks = Object.fromEntries(Object.entries(scripts).map(([name, script]) => [name, async () => runFresh(root, script)]));
  const results = await interleave(runs, tasks, { order: "rotate" });
  const baselineMs = median(results.baseline);
  const packages = Object.fromEntries(Object.keys(PACKAGE_SCRIPTS).map((name) => {
    const rawMs = median(results[name]);
    return [name, { rawMs, shareMs: rawMs - baselineMs }];
  }));
  const step = (key) => median(results.wasmSteps.map((steps) => steps[key]));
  const wasm = { readMs: step("readMs"), compileMs: step("compileMs"), instanceMs: step("instanceMs") };
  const restMs = packages["gosquared-chat"].shareMs - wasm.readMs - wasm.compileMs - wasm.instanceMs;
  return { runs, baselineMs, packages, breakdown: { ...wasm, restMs } };
}
