// The walk of a call, measured (bench/walk.mjs): the hand-written files whose code runs during one warm call,
// JS by V8's coverage and Rust by marks in a debug build of the client's module. A warm sendMessage that is
// answered runs six: its method, the driver, the request's shape, the boundary, the call machine and the
// endpoint table; besides them only helpers that know nothing of the API (src/util/, src/wasm/convert.rs).
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { measureWalks, rustFile } from "../bench/walk.mjs";

let walks;
before(async () => {
  walks = await measureWalks();
}, { timeout: 600_000 });

const files = (list) => list.map((entry) => entry.replace(/ \(\d+\)$/, ""));

test("a warm sendMessage runs code in six hand-written files", () => {
  const { walk, helpers } = walks.sendMessage;
  assert.deepEqual(files(walk), ["js/client.js", "js/driver.js", "js/shapes.js", "src/api/endpoints.rs", "src/call/machine.rs", "src/wasm/client.rs"]);
  for (const helper of files(helpers)) assert.match(helper, /^src\/(util\/|wasm\/convert\.rs$)/);
});

test("a retried call adds only the error it retried after; a page adds its JS page object", () => {
  const retried = files(walks["archiveChat, 503 then answered"].walk);
  assert.deepEqual(retried.filter((f) => !files(walks.sendMessage.walk).includes(f)), ["src/api/error.rs"]);
  const page = files(walks["feed page"].walk);
  assert.deepEqual(page.filter((f) => !files(walks.sendMessage.walk).includes(f)), ["js/pagination.js"]);
});

test("every walk saw the module's own functions run (the marks work)", () => {
  for (const [label, { walk }] of Object.entries(walks)) {
    const counts = walk.map((entry) => Number(/\((\d+)\)$/.exec(entry)[1]));
    assert.ok(counts.every((n) => n > 0), label);
    assert.ok(walk.some((f) => f.startsWith("src/wasm/client.rs")), label);
  }
});

test("a Rust function's name leads to the file it was written in", () => {
  assert.equal(rustFile("gosquared_chat::call::machine::Call::on_answer::h0123456789abcdef"), "src/call/machine.rs");
  assert.equal(rustFile("<gosquared_chat::wasm::client::ParsedBody as gosquared_chat::call::machine::BodyView>::kind::h0123456789abcdef"), "src/wasm/client.rs");
  assert.equal(rustFile("gosquared_chat::wasm::client::_::<impl wasm_bindgen::convert::traits::FromWasmAbi for gosquared_chat::wasm::client::Client>::from_abi"), "src/wasm/client.rs");
  assert.equal(rustFile("gosquared_chat::api::endpoints::ApiRequest::new::{{closure}}"), "src/api/endpoints.rs");
  assert.equal(rustFile("core::ptr::drop_in_place<gosquared_chat::call::machine::Call>"), undefined);
  assert.equal(rustFile("dlmalloc::dlmalloc::Dlmalloc<A>::malloc"), undefined);
});
