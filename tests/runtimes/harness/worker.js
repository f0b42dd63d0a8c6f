// Conformance entry for workerd: a Worker that runs the suite on the package's three entries when it receives
// the emulator settings.
import * as pkg from "gosquared-chat";
import * as client from "gosquared-chat/client";
import * as edge from "gosquared-chat/edge";
import { runConformance } from "../conformance.js";

export default {
  async fetch(request) {
    return Response.json(await runConformance(pkg, await request.json(), { client, edge }));
  },
};
