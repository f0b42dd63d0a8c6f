// Conformance entry for Vercel's edge-runtime: a fetch-event handler that runs the suite on the package's three
// entries when it receives the emulator settings.
import * as pkg from "gosquared-chat";
import * as client from "gosquared-chat/client";
import * as edge from "gosquared-chat/edge";
import { runConformance } from "../conformance.js";

addEventListener("fetch", (event) => {
  event.respondWith(
    event.request.json().then((settings) => runConformance(pkg, settings, { client, edge })).then((result) => Response.json(result)),
  );
});
