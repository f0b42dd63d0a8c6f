// The documentation's links: every relative link and `#anchor` in README.md, docs/*.md and the emulator's
// README must resolve (anchors as GitHub makes them from headings), and README.md stays at most 300 lines.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

const repo = path.resolve(import.meta.dirname, "..");
const README_MAX_LINES = 300;

/** The checked documents, relative to the repository. */
function documents() {
  const docs = existsSync(path.join(repo, "docs"))
    ? readdirSync(path.join(repo, "docs")).filter((f) => f.endsWith(".md")).sort().map((f) => `docs/${f}`)
    : [];
  return ["README.md", ...docs, "emulator/README.md"];
}

/** The lines of a Markdown text outside fenced code blocks. */
function proseLines(text) {
  const lines = [];
  let fence = null;
  for (const line of text.split("\n")) {
    const open = /^\s*(`{3,}|~{3,})/.exec(line);
    if (fence === null && open) fence = open[1][0];
    else if (fence !== null && open && open[1][0] === fence) fence = null;
    else if (fence === null) lines.push(line);
  }
  return lines;
}

/** GitHub's anchor for a heading: the text as rendered, lowercased, punctuation dropped, spaces → '-'. */
function slug(heading) {
  const rendered = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // links and images: their text
    .replace(/<[^>]+>/g, ""); // inline HTML tags (code and emphasis marks go with the punctuation below)
  return rendered
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

const anchorCache = new Map();

/** Every anchor a Markdown file offers: one per heading (repeats get -1, -2, …), and any `id`/`name` attribute. */
function anchorsOf(file) {
  if (anchorCache.has(file)) return anchorCache.get(file);
  const anchors = new Set();
  const counts = new Map();
  for (const line of proseLines(readFileSync(file, "utf8"))) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const base = slug(heading[1]);
      const n = counts.get(base) ?? 0;
      counts.set(base, n + 1);
      anchors.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const [, id] of line.matchAll(/\b(?:id|name)="([^"]+)"/g)) anchors.add(id);
  }
  anchorCache.set(file, anchors);
  return anchors;
}

/** The link targets of a Markdown file, outside code: `[text](target)`, `![alt](target)`, `href`/`src`. */
function linksOf(text) {
  const links = [];
  for (const raw of proseLines(text)) {
    const line = raw.replace(/`[^`]*`/g, "code"); // inline code is not a link
    for (const [, target] of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) links.push(target);
    for (const [, target] of line.matchAll(/\b(?:href|src)="([^"]+)"/g)) links.push(target);
  }
  return links;
}

/** The problems with one document's links (an empty list when every one resolves). */
function brokenLinks(doc) {
  const file = path.join(repo, doc);
  const problems = [];
  for (const link of linksOf(readFileSync(file, "utf8"))) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(link) || link.startsWith("//")) continue; // https:, mailto:, …
    const hash = link.indexOf("#");
    const target = decodeURI(hash === -1 ? link : link.slice(0, hash));
    const anchor = hash === -1 ? undefined : decodeURIComponent(link.slice(hash + 1));
    const resolved = target === "" ? file : path.resolve(path.dirname(file), target);
    if (!resolved.startsWith(repo + path.sep) && resolved !== repo) {
      problems.push(`${doc}: ${link} points outside the repository`);
      continue;
    }
    if (!existsSync(resolved)) {
      problems.push(`${doc}: ${link}: no such file ${path.relative(repo, resolved)}`);
      continue;
    }
    if (anchor === undefined) continue;
    if (!resolved.endsWith(".md") || statSync(resolved).isDirectory()) {
      problems.push(`${doc}: ${link}: an anchor into a file that is not Markdown`);
    } else if (!anchorsOf(resolved).has(anchor)) {
      problems.push(`${doc}: ${link}: ${path.relative(repo, resolved)} has no heading with anchor #${anchor}`);
    }
  }
  return problems;
}

test("anchors are made as GitHub makes them", () => {
  assert.equal(slug("Webhooks: receive `chat_message`"), "webhooks-receive-chat_message");
  assert.equal(slug("A dashboard without the key: `createProxy`"), "a-dashboard-without-the-key-createproxy");
  assert.equal(slug("Browser dashboards (Vite, esbuild, plain ES modules)"), "browser-dashboards-vite-esbuild-plain-es-modules");
  assert.equal(slug("Other hosts: `gosquared-chat/init`"), "other-hosts-gosquared-chatinit");
  assert.equal(slug("Control routes (`/__emulator/...`)"), "control-routes-__emulator");
  assert.equal(slug("What the API is known to do"), "what-the-api-is-known-to-do");
  assert.equal(slug("Example: export to a file"), "example-export-to-a-file");
});

test("the link checker finds broken links and anchors", () => {
  const links = linksOf("[a](docs/x.md#y) `[not](a-link)`\n```\n[nor](this)\n```\n![img](pic.png \"title\")");
  assert.deepEqual(links, ["docs/x.md#y", "pic.png"]);
});

test(`README.md is at most ${README_MAX_LINES} lines`, () => {
  const lines = readFileSync(path.join(repo, "README.md"), "utf8").replace(/\n$/, "").split("\n").length;
  assert.ok(lines <= README_MAX_LINES, `README.md has ${lines} lines; move detail into docs/`);
});

for (const doc of documents()) {
  test(`every relative link and anchor in ${doc} resolves`, () => {
    assert.ok(existsSync(path.join(repo, doc)), `${doc} is missing`);
    assert.deepEqual(brokenLinks(doc), []);
  });
}
