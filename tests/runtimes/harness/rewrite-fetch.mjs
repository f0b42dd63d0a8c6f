// Preloaded before a README snippet runs: sends what the snippet addresses to api.gosquared.com to the
// local emulator instead, so the snippet runs unedited.
const origin = globalThis.Deno ? globalThis.Deno.env.get("GOSQUARED_TEST_ORIGIN") : process.env.GOSQUARED_TEST_ORIGIN;
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => realFetch(String(input).replace("https://api.gosquared.com", origin), init);
