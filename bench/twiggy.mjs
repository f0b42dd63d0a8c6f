// What each module's bytes are for, by twiggy: each module is built again with its names kept
// (`wasm-bindgen --keep-debug`, then `wasm-opt -Oz -g`, the shipped build's passes without stripping), and
// twiggy lists its largest items. The name section itself is left out of every figure. Functions wasm-opt
// inlined into an export's shim are counted in that shim.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { MODULES } from "../scripts/modules.mjs";

/** Groups for the summary, tried in order; an item goes to the first whose pattern matches its name. */
const GROUPS = [
  ["panic and formatting runtime (std)", /panic|::fmt|fmt::|Formatter|count_chars|thread::local|AccessError|BorrowError|BorrowMutError/],
  ["allocator", /lol_alloc|dlmalloc|__rdl_|__rust_(alloc|dealloc|realloc)|raw_vec|finish_grow/],
  ["data (strings, tables)", /^data segment/],
  ["exports (the boundary functions, with what was inlined into them)", /shim$|^export /],
  ["the crate's own functions", /^gosquared_chat::/],
  ["wasm-bindgen and js-sys runtime", /wasm_bindgen|js_sys|externref|__wbindgen/],
];

const isNames = (name) => /names" subsection|^"name"/.test(name);

/**
 * Builds each module with names kept and returns `{ [module]: { total, top: [{ name, bytes }], groups } }`;
 * `top` is the number of largest items listed.
 */
export function measureTwiggy(root, top = 12) {
  const dir = mkdtempSync(join(tmpdir(), "gsq-twiggy-"));
  const run = (command, args) => execFileSync(command, args, { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  try {
    const result = {};
    for (const module of MODULES) {
      run("cargo", ["build", "--release", "--target", "wasm32-unknown-unknown", "--quiet", ...module.features]);
      const out = join(dir, module.name);
      run("wasm-bindgen", ["--target", "web", "--no-typescript", "--keep-debug", "--out-dir", out, "--out-name", module.glue,
        join(root, "target/wasm32-unknown-unknown/release/gosquared_chat.wasm")]);
      const named = join(out, "named.wasm");
      run(join(root, "node_modules/.bin/wasm-opt"), ["-Oz", "-g", join(out, `${module.glue}_bg.wasm`), "-o", named]);
      const items = JSON.parse(run("twiggy", ["top", "-f", "json", named])).filter((i) => !isNames(i.name));
      const total = items.reduce((sum, i) => sum + i.shallow_size, 0);
      const groups = Object.fromEntries([...GROUPS.map(([label]) => [label, 0]), ["everything else (core, alloc)", 0]]);
      for (const item of items) {
        const group = GROUPS.find(([, pattern]) => pattern.test(item.name))?.[0] ?? "everything else (core, alloc)";
        groups[group] += item.shallow_size;
      }
      result[module.name] = {
        total,
        top: items.slice(0, top).map((i) => ({ name: i.name.replace(/::h[0-9a-f]{16}$/, "").replace(/\[[0-9a-f]{16}\]/g, ""), bytes: i.shallow_size })),
        groups,
      };
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
