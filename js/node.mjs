// Entry for `import` in Node: the CommonJS build, re-exported, so that `import` and `require()` in one
// process share one module instance (one set of error classes for `instanceof`).
export * from "./node.cjs";
