// Conformance entry for browsers: runs the suite with the emulator settings from the page's hash and leaves
// the result on `globalThis.__conformance` for the orchestrator.
import * as pkg from "gosquared-chat";
import { runConformance } from "../conformance.js";

const settings = JSON.parse(decodeURIComponent(location.hash.slice(1)));
runConformance(pkg, settings).then(
  (result) => (globalThis.__conformance = result),
  (error) => (globalThis.__conformance = { passed: 0, failed: 1, results: [{ name: "suite", ok: false, error: String(error) }] }),
);
