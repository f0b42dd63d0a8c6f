// The dashboard's server: the built page (dist/) and the key-safe proxy at /api/chat (createNodeProxy, as a
// middleware in front of the page's files), behind a login.
// Used by start.mjs (npm run example:dashboard) and by tests/dashboard.test.mjs.
import http from "node:http";
import { randomBytes, timingSafeEqual } from "node:crypto";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";
import { createNodeProxy } from "gosquared-chat";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const DIST = join(HERE, "dist");
const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm", ".png": "image/png", ".svg": "image/svg+xml" };
/** What the dashboard may do through the proxy; webhooks and everything else stay server-side. */
export const ALLOWED = ["listChats", "listArchivedChats", "getFeed", "sendMessage", "addNote", "archiveChat", "unarchiveChat"];

/** Builds the page with Vite into dist/. */
export async function buildDashboard() {
  await build({ configFile: join(HERE, "vite.config.js") });
}

function sameSecret(a, b) {
  const x = Buffer.from(String(a));
  const y = Buffer.from(String(b));
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Starts the server on 127.0.0.1. `adminToken` is the password of `/login?token=…`, which gives the browser
 * an HttpOnly session cookie; the proxy serves only requests that carry one. `watchIntervalMs` is how often
 * the page's live inbox polls.
 */
export async function startDashboard({ apiKey, siteToken, baseUrl, adminToken, port = 0, watchIntervalMs = 5000 }) {
  const sessions = new Set();
  const sessionOf = (cookie) => /(?:^|;\s*)dashboard_session=([0-9a-f]{64})/.exec(cookie ?? "")?.[1];
  // Answers everything under /api/chat and hands every other request to `next`.
  const proxy = createNodeProxy({
    apiKey, siteToken, baseUrl, prefix: "/api/chat", allow: ALLOWED,
    authorize: (request) => sessions.has(sessionOf(request.headers.get("cookie"))),
  });

  const page = async (req, res) => {
    try {
      const url = new URL(req.url, `http://${req.headers.host}`);
      if (url.pathname === "/login") {
        if (!sameSecret(url.searchParams.get("token") ?? "", adminToken)) {
          res.writeHead(403, { "content-type": "text/plain" });
          return res.end("wrong token");
        }
        const session = randomBytes(32).toString("hex");
        sessions.add(session);
        res.writeHead(303, { location: "/", "set-cookie": `dashboard_session=${session}; HttpOnly; SameSite=Strict; Path=/` });
        return res.end();
      }
      const file = normalize(url.pathname === "/" ? "/index.html" : url.pathname);
      let body = await readFile(join(DIST, file)).catch(() => null);
      if (body === null || file.includes("..")) {
        res.writeHead(404, { "content-type": "text/plain" });
        return res.end("not found");
      }
      if (file === "/index.html") {
        body = body.toString("utf8").replace('name="gosquared-watch-interval" content="5000"', `name="gosquared-watch-interval" content="${Math.trunc(Number(watchIntervalMs))}"`);
      }
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
      res.end(body);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(`server error: ${error.message}`);
    }
  };
  const server = http.createServer((req, res) => proxy(req, res, () => page(req, res)));
  server.listen(port, "127.0.0.1");
  await new Promise((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => {
      server.close(resolve);
      server.closeAllConnections();
    }),
  };
}
