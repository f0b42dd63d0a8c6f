// Helpers shared by the resilience suites (fault matrix, fuzzing, load, redaction).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import { API_KEY, SITE_TOKEN } from "./helpers.mjs";

/** The built package's emulator command. */
export const EMULATOR_CLI = fileURLToPath(new URL("./cli.js", import.meta.resolve("gosquared-chat/emulator")));

/** Runs the emulator command with the test credentials and `args`; resolves to `{ url, child }` once it listens. */
export function startEmulatorProcess(args) {
  const child = spawn(process.execPath, [EMULATOR_CLI, "--api-key", API_KEY, "--site-token", SITE_TOKEN, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1], child });
    });
    child.once("exit", (code) => reject(new Error(`the emulator exited early (${code}): ${out}`)));
  });
}

/** Every way an error can be shown: message, stack, JSON, inspection and each own property. */
export function errorViews(error) {
  return [
    String(error?.message), String(error?.stack), JSON.stringify(error), inspect(error, { depth: 5, showHidden: true }),
    JSON.stringify(Object.getOwnPropertyNames(error ?? {}).map((k) => String(error[k]))),
  ];
}

/** Asserts that no `width`-character piece of the key, raw or percent-encoded, appears in any view of the error. */
export function assertNoKeyFragment(error, key, width = 8) {
  const forms = [key, encodeURIComponent(key), strictEncode(key)];
  const pieces = new Set();
  for (const form of forms) {
    for (let i = 0; i + width <= form.length; i += 1) pieces.add(form.slice(i, i + width));
  }
  for (const view of errorViews(error)) {
    for (const piece of pieces) {
      assert.ok(!view.includes(piece), `a piece of the key (${piece}) leaked into: ${view.slice(0, 300)}`);
    }
  }
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** The strict percent-encoding of one path segment: RFC 3986 unreserved characters kept, every other byte %XX. */
export function strictEncode(text) {
  let out = "";
  for (const byte of new TextEncoder().encode(text)) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && UNRESERVED.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Settles a promise into `{ ok: true, value }` or `{ ok: false, error }`. */
export async function outcome(promise) {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}
