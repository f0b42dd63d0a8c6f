// The declarations check: tsc --strict over typed examples in the consumer project (so it reads the packed
// .d.ts files through the exports map), and a negative file that must fail exactly where it says.
import path from "node:path";
import { readFile, writeFile } from "node:fs/promises";
import { run } from "./processes.mjs";

const TSC = path.resolve(import.meta.dirname, "../../../node_modules/.bin/tsc");
const LIB = ["es2022", "dom", "dom.iterable", "dom.asynciterable"];

async function tsc(dir, name, compilerOptions, files) {
  const config = path.join(dir, name);
  const options = { strict: true, noEmit: true, target: "es2022", lib: LIB, types: [], ...compilerOptions };
  await writeFile(config, JSON.stringify({ compilerOptions: options, files }, null, 2));
  return run(TSC, ["-p", config, "--pretty", "false"], { cwd: dir });
}

/** Each `file(line): error TSnnnn` tsc reported, as `line TSnnnn` strings for `file`. */
function reported(output, file) {
  return [...output.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+)/gm)].filter((m) => m[1].endsWith(file)).map((m) => `${m[2]} ${m[3]}`);
}

/** Runs both projects; resolves to a summary, or throws with every difference from what is expected. */
export async function checkDeclarations(consumer) {
  const dir = path.join(consumer, "types");
  const problems = [];
  // Node's own resolution: examples.ts resolves the import branch, examples.cts the require branch.
  const node16 = await tsc(dir, "tsconfig.node16.json", { module: "node16", moduleResolution: "node16" }, ["examples.ts", "examples.cts"]);
  if (node16.code !== 0) problems.push(`examples under node16 resolution:\n${node16.stdout}`);
  // Bundler resolution, with the negative file: only its marked lines may fail, each with its code.
  // The documentation's TypeScript Worker is one of the examples.
  const bundler = await tsc(dir, "tsconfig.bundler.json", { module: "esnext", moduleResolution: "bundler" }, ["examples.ts", "negative.ts", "../snippets/worker.ts"]);
  if (bundler.code === 0) problems.push("the negative file type-checked without an error");
  for (const file of ["examples.ts", "worker.ts"]) {
    if (reported(bundler.stdout, file).length > 0) problems.push(`${file} under bundler resolution:\n${bundler.stdout}`);
  }
  const lines = (await readFile(path.join(dir, "negative.ts"), "utf8")).split("\n");
  const expected = lines.flatMap((line, i) => {
    const m = /\/\/ error (TS\d+)$/.exec(line);
    return m ? [`${i + 1} ${m[1]}`] : [];
  });
  const got = reported(bundler.stdout, "negative.ts");
  const missing = expected.filter((e) => !got.includes(e));
  const unexpected = got.filter((g) => !expected.includes(g));
  if (missing.length > 0) problems.push(`negative.ts lines that did not fail as marked: ${missing.join(", ")}`);
  if (unexpected.length > 0) problems.push(`negative.ts errors on unmarked lines: ${unexpected.join(", ")}\n${bundler.stdout}`);
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return `examples and the TypeScript Worker clean; all ${expected.length} marked misuses rejected`;
}
