// The Rust dashboard's server: the page, its WebAssembly module, and the key-safe proxy at /api/chat behind a
// login. Used by tests/example-dashboard-rust.test.mjs.
import http from "node:http";
import { execFileSync } from "node:child_process";
import { randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { createProxy } from "gosquared-chat";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const TYPES = { ".js": "text/javascript", ".wasm": "application/wasm" };

/** Builds dist/pkg unless `reuse` and it is already there (scripts/test.sh builds it before the suites run). */
export function buildDashboard({ reuse = false } = {}) {
  if (reuse && existsSync(`${HERE}dist/pkg/dashboard_bg.wasm`)) return;
  execFileSync("bash", [`${HERE}build.sh`], { stdio: "inherit" });
}

function sameSecret(a, b) {
  const x = Buffer.from(String(a));
  const y = Buffer.from(String(b));
  return x.length === y.length && timingSafeEqual(x, y);
}

function toRequest(req, origin) {
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return new Request(new URL(req.url, origin), {
    method: req.method,
    headers: Object.entries(req.headers).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]])),
    body: hasBody ? Readable.toWeb(req) : undefined,
    duplex: hasBody ? "half" : undefined,
  });
}

/**
 * Starts the server on 127.0.0.1. `/login?token=<adminToken>` gives the browser an HttpOnly session cookie;
 * the proxy serves only requests that carry one, and only the read the page needs.
 */
export async function startDashboard({ apiKey, siteToken, baseUrl, adminToken, port = 0 }) {
  const sessions = new Set();
  const sessionOf = (cookie) => /(?:^|;\s*)session=([0-9a-f]{64})/.exec(cookie ?? "")?.[1];
  const proxy = createProxy({
    apiKey, siteToken, baseUrl, prefix: "/api/chat", allow: ["listChats"],
    authorize: (request) => sessions.has(sessionOf(request.headers.get("cookie"))),
  });
  const page = (await readFile(`${HERE}index.html`, "utf8")).replace("%SITE_TOKEN%", siteToken);
  const server = http.createServer(async (req, res) => {
    try {
      const origin = `http://${req.headers.host}`;
      const url = new URL(req.url, origin);
      if (url.pathname.startsWith("/api/chat/")) {
        const response = await proxy(toRequest(req, origin));
        res.writeHead(response.status, Object.fromEntries(response.headers));
        return res.end(Buffer.from(await response.arrayBuffer()));
      }
      if (url.pathname === "/login") {
        if (!sameSecret(url.searchParams.get("token") ?? "", adminToken)) {
          res.writeHead(403, { "content-type": "text/plain" });
          return res.end("wrong token");
        }
        const session = randomBytes(32).toString("hex");
        sessions.add(session);
        res.writeHead(303, { location: "/", "set-cookie": `session=${session}; HttpOnly; SameSite=Strict; Path=/` });
        return res.end();
      }
      if (url.pathname === "/") {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        return res.end(page);
      }
      const file = /^\/pkg\/(dashboard\.js|dashboard_bg\.wasm)$/.exec(url.pathname)?.[1];
      if (file) {
        res.writeHead(200, { "content-type": TYPES[file.slice(file.lastIndexOf("."))] });
        return res.end(await readFile(`${HERE}dist/pkg/${file}`));
      }
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
    } catch (error) {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(error));
    }
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}
