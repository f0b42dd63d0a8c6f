// Conformance entry for Vercel's edge-runtime: a fetch-event handler that runs the suite when it receives
// the emulator settings.
import * as pkg from "gosquared-chat";
import { runConformance } from "../conformance.js";

addEventListener("fetch", (event) => {
  event.respondWith(
    event.request.json().then((settings) => runConformance(pkg, settings)).then((result) => Response.json(result)),
  );
});
