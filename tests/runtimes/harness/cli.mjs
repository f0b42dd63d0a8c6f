// Conformance entry for Node (ESM), Deno and Bun: imports the package's three entries by name, runs the suite
// with the emulator settings given as the first argument, and prints one result line for the orchestrator.
import * as pkg from "gosquared-chat";
import * as client from "gosquared-chat/client";
import * as edge from "gosquared-chat/edge";
import { runConformance } from "../conformance.js";

const settings = JSON.parse(globalThis.Deno ? globalThis.Deno.args[0] : process.argv[2]);
const result = await runConformance(pkg, settings, { client, edge });
result.entries = ["gosquared-chat", "gosquared-chat/client", "gosquared-chat/edge"].map((name) => import.meta.resolve(name));
console.log(`CONFORMANCE ${JSON.stringify(result)}`);
