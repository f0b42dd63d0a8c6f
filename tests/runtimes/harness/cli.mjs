// Conformance entry for Node (ESM), Deno and Bun: imports the package by name, runs the suite with the
// emulator settings given as the first argument, and prints one result line for the orchestrator.
import * as pkg from "gosquared-chat";
import { runConformance } from "../conformance.js";

const settings = JSON.parse(globalThis.Deno ? globalThis.Deno.args[0] : process.argv[2]);
const result = await runConformance(pkg, settings);
result.entry = import.meta.resolve("gosquared-chat");
console.log(`CONFORMANCE ${JSON.stringify(result)}`);
