// Conformance entry for a module Web Worker (no `window`, no DOM): runs the suite on the package's three entries
// with the settings the page posts, and posts the result back.
import * as pkg from "gosquared-chat";
import * as client from "gosquared-chat/client";
import * as edge from "gosquared-chat/edge";
import { runConformance } from "../conformance.js";

self.onmessage = async (event) => {
  self.postMessage(await runConformance(pkg, event.data, { client, edge }));
};
