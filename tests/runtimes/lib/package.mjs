// The packed package: `npm pack` of pkg/, the check that the tarball holds exactly the files the exports
// map reaches, and a fresh consumer project that installs the tarball like a user would.
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { runOk } from "./processes.mjs";

/** Packs `pkgDir` into `outDir`; resolves to `{ tarball, files, size, unpackedSize }`. */
export async function pack(pkgDir, outDir) {
  await mkdir(outDir, { recursive: true });
  const { stdout } = await runOk("npm", ["pack", "--json", "--pack-destination", outDir], { cwd: pkgDir });
  const [info] = JSON.parse(stdout);
  return {
    tarball: path.join(outDir, info.filename),
    files: info.files.map((f) => f.path).sort(),
    size: info.size,
    unpackedSize: info.unpackedSize,
  };
}

// Relative module references in JS and declaration files: static and dynamic imports, re-exports,
// require() and `new URL("…", import.meta.url)` assets.
const REFERENCE = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*|\bnew URL\(\s*)["']([^"']+)["']/g;

/** Every target string in an exports map, at any depth of conditions. */
function exportTargets(node) {
  if (typeof node === "string") return [node];
  if (node === null || typeof node !== "object") return [];
  return Object.values(node).flatMap(exportTargets);
}

/** Maps a reference from `from` to a package file, or undefined when it points outside the package. */
function resolveReference(from, spec) {
  if (/^[a-z][a-z0-9+.-]*:/i.test(spec)) return undefined; // node:fs, https://…
  if (!spec.startsWith(".") && !/^[\w-]+\.\w+$/.test(spec)) return undefined; // a bare package name
  let target = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec.replace(/\?module$/, "")));
  // A declaration file names the declarations of another by its code's name: ./index.js → index.d.ts, ./index.cjs → index.d.cts.
  if (/\.d\.c?ts$/.test(from)) target = target.replace(/\.js$/, ".d.ts").replace(/\.cjs$/, ".d.cts");
  return target;
}

/** The files the package's exports map, `bin`, `main` and `types` reach, following relative references. */
export async function reachableFiles(pkgDir) {
  const manifest = JSON.parse(await readFile(path.join(pkgDir, "package.json"), "utf8"));
  const roots = [
    ...exportTargets(manifest.exports),
    ...exportTargets(manifest.bin ?? {}),
    ...[manifest.main, manifest.types].filter(Boolean),
  ].map((t) => path.posix.normalize(t));
  const seen = new Set();
  const queue = [...roots];
  while (queue.length > 0) {
    const file = queue.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    if (!/\.(c?js|mjs|d\.c?ts)$/.test(file)) continue;
    const text = await readFile(path.join(pkgDir, file), "utf8");
    const code = text.split("\n").filter((line) => !/^\s*(\/\/|\/?\*)/.test(line)).join("\n"); // drop comment lines
    for (const [, spec] of code.matchAll(REFERENCE)) {
      const target = resolveReference(file, spec);
      if (target !== undefined) queue.push(target);
    }
  }
  return [...seen].sort();
}

/**
 * The documents the tarball must hold besides the code: the README and the licence (npm packs both whatever
 * `files` says), and the emulator's README, which its declarations and sources point to.
 */
export const REQUIRED_DOCUMENTS = ["README.md", "LICENSE", "emulator/README.md"];

/**
 * Compares the tarball's files with the reachable ones plus package.json and the required documents; resolves
 * to a list of problems (empty when exact).
 */
export async function checkTarballContents(pkgDir, packed) {
  const reachable = new Set(await reachableFiles(pkgDir));
  const allowed = (f) => f === "package.json" || REQUIRED_DOCUMENTS.includes(f);
  const problems = [];
  for (const file of REQUIRED_DOCUMENTS) {
    if (!packed.files.includes(file)) problems.push(`required document not packed: ${file}`);
  }
  for (const file of packed.files) {
    if (!reachable.has(file) && !allowed(file)) problems.push(`packed but not reachable from the exports map: ${file}`);
    if (/(^|\/)(tests?|src)\//.test(file) || /\.(rs|test\.\w+)$/.test(file)) problems.push(`test or source file packed: ${file}`);
  }
  for (const file of reachable) {
    if (!packed.files.includes(file)) problems.push(`named by the exports map but not packed: ${file}`);
  }
  return problems;
}

/**
 * Creates `dir` as an empty project, installs the tarball into it as a user would, and copies in the suite,
 * its runtime entries, the README snippets and the typed examples.
 */
export async function createConsumer(dir, tarball, suiteDir) {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "package.json"), `${JSON.stringify({ name: "consumer", private: true, type: "module" })}\n`);
  await runOk("npm", ["install", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error", tarball], { cwd: dir });
  await cp(path.join(suiteDir, "conformance.js"), path.join(dir, "conformance.js"));
  for (const folder of ["harness", "snippets", "types"]) {
    await cp(path.join(suiteDir, folder), path.join(dir, folder), { recursive: true });
  }
}
