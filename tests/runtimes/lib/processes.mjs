// Child processes for the runtime stage: run a command to completion with a deadline, and read the result
// line a conformance entry prints.
import { spawn } from "node:child_process";

/** Runs `command args` and resolves to `{ code, stdout, stderr }`; kills it (and fails) after `timeoutMs`. */
export function run(command, args, { cwd, env, timeoutMs = 120000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${command} ${args.join(" ")}: no exit after ${timeoutMs} ms\n${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Like `run`, but rejects with the output when the command exits with a non-zero code. */
export async function runOk(command, args, options) {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited with ${result.code}\n${(result.stderr || result.stdout).slice(-3000)}`);
  }
  return result;
}

/** The result object a conformance entry printed as `CONFORMANCE {…}`. */
export function conformanceLine({ code, stdout, stderr }) {
  const line = stdout.split("\n").find((l) => l.startsWith("CONFORMANCE "));
  if (line === undefined) throw new Error(`no result line (exit ${code})\n${(stderr || stdout).slice(-3000)}`);
  return JSON.parse(line.slice("CONFORMANCE ".length));
}
