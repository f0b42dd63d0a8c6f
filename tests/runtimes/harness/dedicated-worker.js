// Conformance entry for a module Web Worker (no `window`, no DOM): runs the suite on the settings the page
// posts, and posts the result back.
import * as pkg from "gosquared-chat";
import { runConformance } from "../conformance.js";

self.onmessage = async (event) => {
  self.postMessage(await runConformance(pkg, event.data));
};
