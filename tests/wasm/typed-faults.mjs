// Resets the emulator that tests/wasm/typed.rs runs against and queues the faults its tests expect (run by
// scripts/test.sh before each run of the suite, through the emulator's control routes).
const [url] = process.argv.slice(2);
if (!url) throw new Error("usage: node tests/wasm/typed-faults.mjs EMULATOR_URL");

async function post(path, body) {
  const response = await fetch(url + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
}

await post("/__emulator/reset", {});
// a_503_on_a_read_is_retried: one 503 for a call without retries, one for a call that retries.
await post("/__emulator/faults", { match: { method: "GET", path: "/chat/v1/chats/person-2" }, status: 503, times: 2 });
// a_hung_read_times_out…, dropping_a_call_cancels_it: this feed never answers.
await post("/__emulator/faults", { match: { method: "GET", path: "/chat/v1/chats/person-3/feed" }, hang: true, times: 100 });
// …a_slow_note_is_not_sent_again: notes are stored, then answered after 1.5 s.
await post("/__emulator/faults", { match: { method: "POST", path: "/chat/v1/chats/person-3/notes" }, delayMs: 1500, times: 100 });
