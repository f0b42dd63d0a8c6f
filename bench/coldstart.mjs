// Cold start: import + init + first client in fresh Node processes, beside importing openai and stripe
// and making their first client the same way.
import { execFileSync } from "node:child_process";
import { median } from "./stats.mjs";

const SCRIPTS = {
  "gosquared-chat": `const t0 = performance.now(); const m = await import("gosquared-chat");
    new m.ChatClient({ apiKey: "k", siteToken: "t" }); console.log(performance.now() - t0);`,
  openai: `const t0 = performance.now(); const m = await import("openai");
    new m.default({ apiKey: "k" }); console.log(performance.now() - t0);`,
  stripe: `const t0 = performance.now(); const m = await import("stripe");
    new m.default("sk_test"); console.log(performance.now() - t0);`,
};

/** Runs each script `runs` times in a fresh process and returns the median milliseconds. */
export function measureColdStart(root, runs = 9) {
  const result = {};
  for (const [name, script] of Object.entries(SCRIPTS)) {
    const times = [];
    for (let i = 0; i < runs; i++) {
      const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: root, encoding: "utf8" });
      times.push(Number(out.trim()));
    }
    result[name] = median(times);
  }
  return result;
}
