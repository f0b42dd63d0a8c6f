// Starts the emulator in its own Node process, so that the server never shares the measured event loop.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../emulator/cli.js", import.meta.url));

/** Spawns the emulator CLI and resolves to `{ url, apiKey, siteToken, close() }` once it listens. */
export function spawnEmulator(seed = "20:50") {
  const apiKey = "bench_key";
  const siteToken = "GSN-000001-B";
  const child = spawn(process.execPath, [CLI, "--port", "0", "--seed", seed, "--no-rate-limit", "--api-key", apiKey, "--site-token", siteToken], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`emulator exited early with ${code}`)));
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const match = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (match) {
        child.removeAllListeners("exit");
        resolve({
          url: match[1], apiKey, siteToken,
          close: () => new Promise((done) => { child.once("exit", done); child.kill("SIGTERM"); }),
        });
      }
    });
  });
}
