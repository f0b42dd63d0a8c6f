// Conformance entry for Node's CommonJS: loads the package with require(), then runs the (ES module) suite.
const pkg = require("gosquared-chat");

import("../conformance.js")
  .then(({ runConformance }) => runConformance(pkg, JSON.parse(process.argv[2])))
  .then((result) => {
    result.entry = require.resolve("gosquared-chat");
    console.log(`CONFORMANCE ${JSON.stringify(result)}`);
  });
