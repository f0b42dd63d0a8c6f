// Conformance entry for workerd: a Worker that runs the suite when it receives the emulator settings.
import * as pkg from "gosquared-chat";
import { runConformance } from "../conformance.js";

export default {
  async fetch(request) {
    return Response.json(await runConformance(pkg, await request.json()));
  },
};
