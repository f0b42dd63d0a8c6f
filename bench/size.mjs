// Size: each of the package's modules (wasm and glue, raw, gzip and brotli), the tarball, and one-call esbuild
// bundles of each entry, bundled as a Worker would be (the `workerd` conditions, the .wasm emitted beside the
// JS), beside the same one-call bundle of stripe, openai and intercom-client.
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { build } from "esbuild";
import { MODULES, inPackage } from "../scripts/modules.mjs";

export const gzip = (buf) => gzipSync(buf, { level: 9 }).length;
export const brotli = (buf) => brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;

const CLIENT_CALL = (from) => `import { ChatClient } from "${from}";
  const c = new ChatClient({ apiKey: "k", siteToken: "t" });
  export default () => c.sendMessage("id", { content: "hi" });`;

/**
 * One representative use per entry: `ours` bundles are built for a Worker (the package's `workerd` loader,
 * which imports the .wasm, emitted as a file and counted); the other SDKs as before, for a browser-like
 * platform. "everything" uses every export of the full entry.
 */
export const BUNDLES = {
  "gosquared-chat/client": { ours: true, source: CLIENT_CALL("gosquared-chat/client") },
  "gosquared-chat/edge": {
    ours: true,
    source: `import { personSignature } from "gosquared-chat/edge";
      export default (id) => personSignature("secret", id);`,
  },
  "gosquared-chat": { ours: true, source: CLIENT_CALL("gosquared-chat") },
  "gosquared-chat, everything": {
    ours: true,
    source: `import { ChatClient, createProxy, parseChatMessageWebhook, verifyWebhookSecret, personSignature } from "gosquared-chat";
      const c = new ChatClient({ apiKey: "k", siteToken: "t" });
      const proxy = createProxy({ apiKey: "k", siteToken: "t", allow: ["listChats"], authorize: () => true });
      export default {
        send: () => c.sendMessage("id", { content: "hi" }),
        exportAll: () => c.exportChats(),
        proxy,
        hook: (request, body) => verifyWebhookSecret(request, "secret-0123456789") && parseChatMessageWebhook(body),
        sign: (id) => personSignature("secret", id),
      };`,
  },
  stripe: {
    source: `import Stripe from "stripe";
      const s = new Stripe("sk_test");
      export default () => s.customers.create({ email: "a@b.c" });`,
  },
  openai: {
    source: `import OpenAI from "openai";
      const o = new OpenAI({ apiKey: "k" });
      export default () => o.models.list();`,
  },
  "intercom-client": {
    source: `import { IntercomClient } from "intercom-client";
      const i = new IntercomClient({ token: "t" });
      export default () => i.contacts.list();`,
  },
};

async function bundleSize(root, { source, ours }) {
  const dir = mkdtempSync(join(tmpdir(), "gsq-bundle-"));
  try {
    const entry = join(dir, "entry.mjs");
    writeFileSync(entry, source);
    const target = ours
      ? { platform: "neutral", mainFields: ["module", "main"], conditions: ["workerd", "worker", "browser"] }
      : { platform: "browser", conditions: [] };
    const result = await build({
      entryPoints: [entry], bundle: true, minify: true, format: "esm", target: "es2022", ...target,
      write: false, outdir: dir, nodePaths: [join(root, "node_modules")], logLevel: "silent",
      loader: { ".wasm": "file" }, absWorkingDir: root,
    });
    const sizes = { js: 0, jsGz: 0, jsBr: 0, wasm: 0, wasmGz: 0, wasmBr: 0 };
    for (const file of result.outputFiles) {
      const kind = file.path.endsWith(".wasm") ? "wasm" : file.path.endsWith(".js") ? "js" : undefined;
      if (kind === undefined) continue;
      sizes[kind] += file.contents.length;
      sizes[`${kind}Gz`] += gzip(file.contents);
      sizes[`${kind}Br`] += brotli(file.contents);
    }
    return { ...sizes, totalGz: sizes.jsGz + sizes.wasmGz, totalBr: sizes.jsBr + sizes.wasmBr };
  } catch (error) {
    return { error: (error.errors?.[0]?.text ?? String(error.message ?? error)).split("\n")[0] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Measures sizes; `root` is the repository root. */
export async function measureSize(root) {
  const pkg = join(root, "pkg");
  const modules = {};
  for (const module of MODULES) {
    const wasm = readFileSync(join(pkg, inPackage(module, `${module.glue}_bg.wasm`)));
    const glue = readFileSync(join(pkg, inPackage(module, `${module.glue}.js`)));
    modules[module.name] = {
      subpath: module.subpath,
      wasm: { raw: wasm.length, gzip: gzip(wasm), brotli: brotli(wasm) },
      glue: { raw: glue.length, gzip: gzip(glue), brotli: brotli(glue) },
    };
  }
  const bundles = {};
  for (const [name, spec] of Object.entries(BUNDLES)) bundles[name] = await bundleSize(root, spec);
  const [packed] = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json"], { cwd: pkg, encoding: "utf8" }));
  return { modules, tarball: { packed: packed.size, unpacked: packed.unpackedSize, files: packed.entryCount }, bundles };
}
