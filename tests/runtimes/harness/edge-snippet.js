// Serves the README's edge route in edge-runtime; what it sends to api.gosquared.com goes to the emulator
// (at `__emulatorOrigin`, set by the host).
import { GET } from "../snippets/edge.js";

const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => realFetch(String(input).replace("https://api.gosquared.com", globalThis.__emulatorOrigin), init);

addEventListener("fetch", (event) => event.respondWith(GET(event.request)));
