// Loads each of the package's entries with both `import` and `require()` in one Node process and prints whether
// they share one instance: the same ChatClient and error classes, so `instanceof` works whichever way a
// library loaded it.
import { createRequire } from "node:module";
import * as full from "gosquared-chat";
import * as client from "gosquared-chat/client";
import * as edge from "gosquared-chat/edge";

const require = createRequire(import.meta.url);
const report = {};
for (const [name, imported] of Object.entries({ "gosquared-chat": full, "gosquared-chat/client": client, "gosquared-chat/edge": edge })) {
  const required = require(name);
  const names = Object.keys(imported);
  const shared = names.filter((key) => imported[key] === required[key]);
  report[name] = { names: names.length, shared: shared.length, requiredKeys: Object.keys(required).length };
}
console.log(JSON.stringify(report));
