// Conformance entry for browsers: runs the suite on the package's three entries with the emulator settings from
// the page's hash and leaves the result on `globalThis.__conformance` for the orchestrator.
import * as pkg from "gosquared-chat";
import * as client from "gosquared-chat/client";
import * as edge from "gosquared-chat/edge";
import { runConformance } from "../conformance.js";

const settings = JSON.parse(decodeURIComponent(location.hash.slice(1)));
runConformance(pkg, settings, { client, edge }).then(
  (result) => (globalThis.__conformance = result),
  (error) => (globalThis.__conformance = { passed: 0, failed: 1, results: [{ name: "suite", ok: false, error: String(error) }] }),
);
