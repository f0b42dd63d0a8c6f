// Conformance entry for Node's CommonJS: loads the package's three entries with require(), then runs the (ES
// module) suite.
const pkg = require("gosquared-chat");
const client = require("gosquared-chat/client");
const edge = require("gosquared-chat/edge");

import("../conformance.js")
  .then(({ runConformance }) => runConformance(pkg, JSON.parse(process.argv[2]), { client, edge }))
  .then((result) => {
    result.entries = ["gosquared-chat", "gosquared-chat/client", "gosquared-chat/edge"].map((name) => require.resolve(name));
    console.log(`CONFORMANCE ${JSON.stringify(result)}`);
  });
