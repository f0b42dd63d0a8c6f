// The walk of a call: which hand-written files run during one warm call, JS and Rust, measured rather than
// read off the code. JS: V8's precise coverage (function call counts) over the package's own JS modules. Rust:
// a debug build of the client's module (no inlining, names kept), in which every function's first instruction
// marks a byte of its own in a region of memory set aside for it; the function names (from the module's name
// section) say which file each marked function was written in. wasm-bindgen's glue and the dependencies' code
// (core, alloc, js-sys, drop glue) are not hand-written here and are listed apart.
//
// Usage: node bench/walk.mjs [--json | --no-build | --build-only] — builds the debug module into target/walk/ (cargo's own target dir, so
// that it never disturbs the package's build), then prints, for each call measured, the files it ran.
import { execFileSync, spawn } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import { Session } from "node:inspector/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const OUT = path.join(ROOT, "target/walk/pkg");

/** Files of helpers with no knowledge of the API: they are shown, but not counted in a walk. */
export const HELPERS = /^src\/(util\/[a-z_]+\.rs|wasm\/convert\.rs)$/;

/** Builds the client's module in a debug build and its glue into target/walk/pkg, next to copies of js/. */
export function build() {
  const env = { ...process.env, CARGO_TARGET_DIR: path.join(ROOT, "target/walk") };
  execFileSync("cargo", ["build", "--quiet", "--target", "wasm32-unknown-unknown", "--no-default-features", "--features", "client"], {
    cwd: ROOT, env, stdio: ["ignore", "inherit", "inherit"],
  });
  mkdirSync(OUT, { recursive: true });
  execFileSync("wasm-bindgen", ["--target", "web", "--no-typescript", "--out-dir", OUT, "--out-name", "gosquared_chat",
    path.join(ROOT, "target/walk/wasm32-unknown-unknown/debug/gosquared_chat.wasm")], { cwd: ROOT, stdio: "inherit" });
  for (const file of readdirSync(path.join(ROOT, "js"))) {
    if (file.endsWith(".js")) cpSync(path.join(ROOT, "js", file), path.join(OUT, file));
  }
}

// ---- The module's marks ----

/** Reads an unsigned LEB128 at `at`: `[value, next]`. */
function leb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, at];
  }
}

/** Writes an unsigned LEB128. */
function toLeb(value) {
  const out = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return out;
}

const name = (bytes, at) => {
  const [length, start] = leb(bytes, at);
  return [new TextDecoder().decode(bytes.subarray(start, start + length)), start + length];
};

/**
 * Instruments the module: a mutable i32 global `__walk_base` (exported), and at the start of every defined
 * function `if (base) memory[base + index] = 1`. Debug sections are dropped (their offsets would be wrong).
 * Returns `{ bytes, names, functions }`: the new module, the function names by index, and how many functions
 * (imported and defined) there are.
 */
function instrument(input) {
  const sections = [];
  for (let at = 8; at < input.length; ) {
    const id = input[at];
    const [size, start] = leb(input, at + 1);
    sections.push({ id, body: input.subarray(start, start + size) });
    at = start + size;
  }
  let importedFuncs = 0;
  let importedGlobals = 0;
  const names = new Map();
  for (const { id, body } of sections) {
    if (id === 2) {
      let [count, at] = leb(body, 0);
      for (; count > 0; count--) {
        [, at] = name(body, at);
        [, at] = name(body, at);
        const kind = body[at++];
        if (kind === 0) ([, at] = leb(body, at), importedFuncs++);
        else if (kind === 1) (at++, ([, at] = limits(body, at)));
        else if (kind === 2) [, at] = limits(body, at);
        else if (kind === 3) (at += 2, importedGlobals++);
        else if (kind === 4) [, at] = leb(body, at + 1);
      }
    }
    if (id === 0 && name(body, 0)[0] === "name") {
      let [, at] = name(body, 0);
      while (at < body.length) {
        const sub = body[at];
        const [size, start] = leb(body, at + 1);
        if (sub === 1) {
          let [count, p] = leb(body, start);
          for (; count > 0; count--) {
            let index;
            let text;
            [index, p] = leb(body, p);
            [text, p] = name(body, p);
            names.set(index, text);
          }
        }
        at = start + size;
      }
    }
  }
  const globalSection = sections.find((s) => s.id === 6);
  if (globalSection === undefined) throw new Error("walk: the module has no global section");
  const base = importedGlobals + leb(globalSection.body, 0)[0];
  const codeSection = sections.find((s) => s.id === 10);
  const functions = importedFuncs + (codeSection === undefined ? 0 : leb(codeSection.body, 0)[0]);
  const mark = (index) => [0x23, ...toLeb(base), 0x04, 0x40, 0x23, ...toLeb(base), 0x41, 0x01, 0x3a, 0x00, ...toLeb(index), 0x0b];
  const out = [input.subarray(0, 8)];
  const put = (...parts) => parts.forEach((part) => out.push(Uint8Array.from(part)));
  for (const section of sections) {
    const { id, body } = section;
    if (id === 0 && name(body, 0)[0].startsWith(".debug")) continue;
    if (id === 6 || id === 7) {
      const [count, at] = leb(body, 0);
      const exportName = [...new TextEncoder().encode("__walk_base")];
      // A global `(mut i32) (i32.const 0)`, or its export.
      const added = id === 6 ? [0x7f, 0x01, 0x41, 0x00, 0x0b] : [...toLeb(exportName.length), ...exportName, 0x03, ...toLeb(base)];
      const rest = body.subarray(at);
      const head = toLeb(count + 1);
      put([id], toLeb(head.length + rest.length + added.length), head);
      out.push(rest);
      put(added);
    } else if (id === 10) {
      let [count, at] = leb(body, 0);
      const bodies = [Uint8Array.from(toLeb(count))];
      for (let i = 0; i < count; i++) {
        const [size, start] = leb(body, at);
        const end = start + size;
        let [groups, p] = leb(body, start);
        for (; groups > 0; groups--) p = leb(body, p)[1] + 1;
        const m = mark(importedFuncs + i);
        bodies.push(Uint8Array.from(toLeb(size + m.length)), body.subarray(start, p), Uint8Array.from(m), body.subarray(p, end));
        at = end;
      }
      const length = bodies.reduce((n, b) => n + b.length, 0);
      put([id], toLeb(length));
      out.push(...bodies);
    } else {
      put([id], toLeb(body.length));
      out.push(body);
    }
  }
  const bytes = new Uint8Array(out.reduce((n, b) => n + b.length, 0));
  let offset = 0;
  for (const chunk of out) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return { bytes, names, functions };
}

function limits(body, at) {
  const flags = body[at++];
  let min;
  [min, at] = leb(body, at);
  if (flags & 1) [, at] = leb(body, at);
  return [min, at];
}

/**
 * The file a Rust function was written in, from its demangled name: the crate's module path, or, for a trait
 * method (`<Type as Trait>::f`) or an `impl` inside a function (`path::_::<impl Trait for Type>::f`), the path
 * of the code around it. Undefined for code outside the crate.
 */
export function rustFile(fn) {
  let text = fn.replace(/::h[0-9a-f]{16}$/, "");
  const impl = /^<(gosquared_chat::[A-Za-z0-9_:]+?)(?:<.*?>)? as /.exec(text);
  if (impl) text = impl[1];
  if (!text.startsWith("gosquared_chat::")) return undefined;
  const segments = [];
  for (const part of text.split("::").slice(1)) {
    if (!/^[a-z][a-z0-9_]*$/.test(part)) break;
    segments.push(part);
  }
  for (let n = segments.length; n > 0; n--) {
    for (const candidate of [`src/${segments.slice(0, n).join("/")}.rs`, `src/${segments.slice(0, n).join("/")}/mod.rs`]) {
      if (FILES.has(candidate)) return candidate;
    }
  }
  return "src/lib.rs";
}

const FILES = new Set();
(function list(dir) {
  for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) list(rel);
    else FILES.add(rel);
  }
})("src");

// ---- Measuring ----

/** Starts the emulator (rate limit on, as the API answers) in its own process: `{ url, close }`. */
function startEmulator() {
  const child = spawn(process.execPath, [path.join(ROOT, "emulator/cli.js"), "--port", "0", "--seed", "20:50", "--api-key", "walk_key", "--site-token", "GSN-000001-W"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.once("exit", (code) => reject(new Error(`emulator exited with ${code}`)));
    child.stdout.on("data", (chunk) => {
      const match = /listening on (http:\/\/[^\s]+)/.exec((out += chunk));
      if (match) {
        child.removeAllListeners("exit");
        resolve({ url: match[1], close: () => child.kill("SIGTERM") });
      }
    });
  });
}

/**
 * Measures the walks: `{ [call]: { js: [...], rust: [...], helpers: [...], generated: [...] } }`, files sorted,
 * each with how many of its functions ran.
 */
export async function measureWalks({ skipBuild = false } = {}) {
  if (!skipBuild) build();
  const { bytes, names, functions: total } = instrument(readFileSync(path.join(OUT, "gosquared_chat_bg.wasm")));
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.startPreciseCoverage", { callCount: true, detailed: false });
  const glue = await import(pathToFileURL(path.join(OUT, "gosquared_chat.js")).href);
  const exports = glue.initSync({ module: bytes });
  const memory = exports.memory;
  const region = memory.grow(Math.ceil(total / 65536) + 1) * 65536;
  exports.__walk_base.value = region;
  const { loadSync } = await import(pathToFileURL(path.join(OUT, "wasm.js")).href);
  loadSync(bytes); // already loaded above: the glue keeps its instance
  const { ChatClient } = await import(pathToFileURL(path.join(OUT, "client.js")).href);

  const emu = await startEmulator();
  const results = {};
  try {
    let failNext = false;
    const fetch503 = async (url, init) => {
      if (failNext) {
        failNext = false;
        return new Response("{}", { status: 503, headers: { "retry-after": "0" } });
      }
      return fetch(url, init);
    };
    const client = new ChatClient({ apiKey: "walk_key", siteToken: "GSN-000001-W", baseUrl: emu.url, fetch: fetch503 });
    const calls = {
      sendMessage: () => client.sendMessage("person-3", { content: "hello" }),
      "archiveChat, 503 then answered": () => ((failNext = true), client.archiveChat("person-3")),
      "feed page": () => client.getFeed("person-2", { limit: 50 }),
    };
    for (const [label, call] of Object.entries(calls)) {
      await call(); // warm: the first call of a kind loads and caches what later calls reuse
      await session.post("Profiler.takePreciseCoverage"); // resets the counts
      new Uint8Array(memory.buffer, region, total).fill(0);
      await call();
      const { result } = await session.post("Profiler.takePreciseCoverage");
      const marks = new Uint8Array(memory.buffer, region, total);
      results[label] = walk(result, marks, names);
    }
  } finally {
    emu.close();
    await session.post("Profiler.stopPreciseCoverage");
    session.disconnect();
  }
  return results;
}

/** Groups what ran by file. */
function walk(coverage, marks, names) {
  const count = new Map();
  const add = (file) => count.set(file, (count.get(file) ?? 0) + 1);
  const outDir = pathToFileURL(OUT).href + "/";
  for (const script of coverage) {
    if (!script.url.startsWith(outDir)) continue;
    const file = script.url.slice(outDir.length);
    for (const fn of script.functions) {
      // The module's own top-level code (the range from offset 0) ran when it was imported, not in the call.
      const [range] = fn.ranges;
      if (range !== undefined && range.count > 0 && range.startOffset > 0) add(file === "gosquared_chat.js" ? "(wasm-bindgen glue)" : `js/${file}`);
    }
  }
  let outside = 0;
  marks.forEach((marked, index) => {
    if (!marked) return;
    const file = rustFile(names.get(index) ?? "");
    if (file === undefined) outside++;
    else add(file);
  });
  const files = [...count.keys()].sort();
  const entry = (f) => `${f} (${count.get(f)})`;
  return {
    walk: files.filter((f) => !f.startsWith("(") && !HELPERS.test(f)).map(entry),
    helpers: files.filter((f) => HELPERS.test(f)).map(entry),
    generated: [...files.filter((f) => f.startsWith("(")).map(entry), `(dependencies, drop glue: ${outside} functions)`],
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes("--build-only")) build();
else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const results = await measureWalks({ skipBuild: process.argv.includes("--no-build") });
  if (process.argv.includes("--json")) console.log(JSON.stringify(results, null, 2));
  else {
    for (const [label, { walk, helpers, generated }] of Object.entries(results)) {
      console.log(`${label}: ${walk.length} files`);
      for (const f of walk) console.log(`  ${f}`);
      console.log(`  helpers (no knowledge of the API): ${helpers.join(", ") || "none"}`);
      console.log(`  not hand-written: ${generated.join(", ")}`);
    }
  }
}
