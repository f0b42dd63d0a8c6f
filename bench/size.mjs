// Size: the wasm module raw, gzip and brotli; the JS glue; the whole package; and a one-call esbuild bundle
// of this package beside the same bundle of stripe, openai and intercom-client.
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { build } from "esbuild";

const gzip = (buf) => gzipSync(buf, { level: 9 }).length;
const brotli = (buf) => brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;

// One representative call per SDK, bundled for a browser-like platform, minified.
const ENTRIES = {
  "gosquared-chat": `import { ChatClient } from "gosquared-chat";
    const c = new ChatClient({ apiKey: "k", siteToken: "t" });
    export default () => c.sendMessage("id", { content: "hi" });`,
  stripe: `import Stripe from "stripe";
    const s = new Stripe("sk_test");
    export default () => s.customers.create({ email: "a@b.c" });`,
  openai: `import OpenAI from "openai";
    const o = new OpenAI({ apiKey: "k" });
    export default () => o.models.list();`,
  "intercom-client": `import { IntercomClient } from "intercom-client";
    const i = new IntercomClient({ token: "t" });
    export default () => i.contacts.list();`,
};

async function bundleSize(name, source, root, packageWasm) {
  const dir = mkdtempSync(join(tmpdir(), "gsq-bundle-"));
  try {
    const entry = join(dir, "entry.mjs");
    writeFileSync(entry, source);
    const result = await build({
      entryPoints: [entry], bundle: true, minify: true, format: "esm", platform: "browser", target: "es2022",
      write: false, outdir: dir, nodePaths: [join(root, "node_modules")], logLevel: "silent",
      conditions: name === "gosquared-chat" ? ["worker", "browser"] : [],
      loader: { ".wasm": "file" }, absWorkingDir: root,
    });
    let js = 0, jsGz = 0, wasm = 0, wasmGz = 0;
    for (const file of result.outputFiles) {
      if (file.path.endsWith(".wasm")) { wasm += file.contents.length; wasmGz += gzip(file.contents); }
      else if (file.path.endsWith(".js")) { js += file.contents.length; jsGz += gzip(file.contents); }
    }
    // esbuild leaves the module loaded through `new URL(…, import.meta.url)` to be copied by hand: count it.
    if (packageWasm && wasm === 0) {
      wasm = packageWasm.length;
      wasmGz = gzip(packageWasm);
    }
    return { js, jsGz, wasm, wasmGz, total: js + wasm, totalGz: jsGz + wasmGz };
  } catch (error) {
    return { error: (error.errors?.[0]?.text ?? String(error.message ?? error)).split("\n")[0] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Measures sizes; `root` is the repository root. */
export async function measureSize(root) {
  const pkg = join(root, "pkg");
  const wasm = readFileSync(join(pkg, "gosquared_chat_bg.wasm"));
  const glue = readFileSync(join(pkg, "gosquared_chat.js"));
  const bundles = {};
  for (const [name, source] of Object.entries(ENTRIES)) {
    bundles[name] = await bundleSize(name, source, root, name === "gosquared-chat" ? wasm : undefined);
  }
  const [packed] = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json"], { cwd: pkg, encoding: "utf8" }));
  return {
    wasm: { raw: wasm.length, gzip: gzip(wasm), brotli: brotli(wasm) },
    glue: { raw: glue.length, gzip: gzip(glue) },
    tarball: { packed: packed.size, unpacked: packed.unpackedSize, files: packed.entryCount },
    bundles,
  };
}
