// Loads the package with both `import` and `require()` in one Node process and prints whether they share one
// instance: the same ChatClient and error classes, so `instanceof` works whichever way a library loaded it.
import { createRequire } from "node:module";
import * as imported from "gosquared-chat";

const required = createRequire(import.meta.url)("gosquared-chat");
const names = Object.keys(imported);
const shared = names.filter((name) => imported[name] === required[name]);
console.log(JSON.stringify({ names: names.length, shared: shared.length, requiredKeys: Object.keys(required).length }));
