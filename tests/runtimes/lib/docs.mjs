// Keeps the install snippets in the README and in docs/ identical to the files the runtime stage runs: a code
// block that follows `<!-- verified: tests/runtimes/snippets/NAME -->` must equal that file, and every snippet
// must be shown in at least one of those documents.
import path from "node:path";
import { existsSync } from "node:fs";
import { readFile, readdir } from "node:fs/promises";

const MARKED_BLOCK = /<!-- verified: (tests\/runtimes\/snippets\/[\w.-]+) -->\s*```\w*\n([\s\S]*?)```/g;

/** The documents checked: README.md, every docs/*.md, and notes/readme-runtimes.md when it exists. */
async function documents(repo) {
  const docsDir = path.join(repo, "docs");
  const pages = existsSync(docsDir)
    ? (await readdir(docsDir)).filter((f) => f.endsWith(".md")).sort().map((f) => `docs/${f}`)
    : [];
  return ["README.md", ...pages, "notes/readme-runtimes.md"].filter((d) => existsSync(path.join(repo, d)));
}

/** Checks every marked block in the documents, and that every snippet is shown in one of them. */
export async function checkSnippetsInDocs(repo) {
  const docs = await documents(repo);
  const problems = [];
  const shown = new Set();
  const showing = new Set();
  for (const doc of docs) {
    const text = await readFile(path.join(repo, doc), "utf8");
    for (const [, file, block] of text.matchAll(MARKED_BLOCK)) {
      shown.add(file);
      showing.add(doc);
      const actual = existsSync(path.join(repo, file)) ? await readFile(path.join(repo, file), "utf8") : undefined;
      if (actual === undefined) problems.push(`${doc} marks a missing file: ${file}`);
      else if (actual !== block) problems.push(`${doc}: the block marked ${file} differs from the file`);
    }
  }
  const snippets = (await readdir(path.join(repo, "tests/runtimes/snippets"))).filter((f) => !f.endsWith(".html"));
  for (const name of snippets) {
    if (!shown.has(`tests/runtimes/snippets/${name}`)) problems.push(`no document shows tests/runtimes/snippets/${name}`);
  }
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return `${shown.size} snippets, identical in ${[...showing].join(", ")}`;
}
