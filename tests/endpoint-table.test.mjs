// The endpoint table (src/api/endpoints.rs) is the one place an operation is declared: ChatClient has one
// method per entry and index.d.ts declares each of them, and a proxy's allow list accepts exactly those names.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ChatClient, createProxy } from "gosquared-chat";
import * as glue from "../pkg/gosquared_chat.js";

glue.initSync({ module: readFileSync(new URL("../pkg/gosquared_chat_bg.wasm", import.meta.url)) });
const names = glue.operationNames();

test("the table lists the twelve operations", () => {
  assert.equal(names.length, 12);
  assert.equal(new Set(names).size, 12);
});

test("ChatClient has exactly one method per operation of the table (besides the export and the watch)", () => {
  const methods = Object.getOwnPropertyNames(ChatClient.prototype).filter(
    (name) => name !== "constructor" && typeof Object.getOwnPropertyDescriptor(ChatClient.prototype, name).value === "function",
  );
  assert.deepEqual(methods.filter((m) => m !== "exportChats" && m !== "watch").sort(), [...names].sort());
});

test("index.d.ts declares every operation as a ChatClient method", () => {
  const types = readFileSync(new URL("../pkg-template/index.d.ts", import.meta.url), "utf8");
  const body = types.slice(types.indexOf("export declare class ChatClient"));
  for (const name of names) assert.match(body, new RegExp(`\\n\\s+${name}\\(`), name);
});

test("a proxy accepts every operation of the table by name, and no other", () => {
  const options = { apiKey: "k", siteToken: "t", authorize: () => true };
  assert.equal(typeof createProxy({ ...options, allow: names }), "function");
  assert.throws(() => createProxy({ ...options, allow: ["exportChats"] }), /unknown operation/);
});
