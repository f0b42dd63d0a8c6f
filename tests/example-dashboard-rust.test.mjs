// examples/dashboard-rust: the page written in Rust (web-sys and the typed API over gloo-net) lists the chats
// through the key-safe proxy, in headless Chromium (playwright-core). Without Chromium the suite is skipped
// locally and fails in CI (CI=true).
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { buildDashboard, startDashboard } from "../examples/dashboard-rust/server.mjs";
import { emulator, API_KEY, SITE_TOKEN } from "./helpers.mjs";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARTIFACTS = fileURLToPath(new URL("./.artifacts/", import.meta.url));
const ADMIN_TOKEN = "admin-token-for-the-rust-page";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI === "true") {
  it("finds Chromium, which CI requires", () => assert.fail(`no Chromium at ${CHROMIUM}: scripts/setup.sh installs it from Debian's packages`));
}

describe("the Rust dashboard page in Chromium", { skip: !haveChromium && `no Chromium at ${CHROMIUM}` }, () => {
  let emu, site, browser;
  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    buildDashboard({ reuse: true });
    emu = await emulator();
    site = await startDashboard({ apiKey: API_KEY, siteToken: SITE_TOKEN, baseUrl: emu.url, adminToken: ADMIN_TOKEN });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await emu?.close();
  });

  it("lists every chat, page by page, through the proxy, and the key never reaches the browser", async () => {
    const page = await (await browser.newContext()).newPage();
    const seen = [];
    page.on("response", async (response) => {
      const body = await response.body().catch(() => Buffer.alloc(0));
      seen.push({ url: response.url(), headers: JSON.stringify(await response.allHeaders()), body: body.toString("latin1") });
    });
    await page.goto(`${site.url}/login?token=${ADMIN_TOKEN}`);
    await page.waitForSelector("body[data-ready=true]");
    await page.screenshot({ path: `${ARTIFACTS}dashboard-rust.png` });
    assert.equal(await page.locator("#status").textContent(), "3 open chats");
    const ids = await page.locator("li.chat").evaluateAll((items) => items.map((li) => li.dataset.chatId));
    assert.deepEqual(ids.sort(), ["email:ada@example.com", "person-2", "person-3"]);
    assert.ok(await page.locator("li.chat strong", { hasText: "Ada Lovelace" }).count());
    // Two chats per page: the page asked for two pages through the proxy.
    assert.equal(seen.filter((r) => r.url.includes("/api/chat/")).length, 2);
    for (const { url, headers, body } of seen) {
      for (const form of [API_KEY, encodeURIComponent(API_KEY)]) {
        assert.ok(!url.includes(form) && !headers.includes(form) && !body.includes(form), `the key reached the browser in ${url}`);
      }
    }
  });

  it("shows the typed error when the proxy refuses the page (no session)", async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(site.url);
    await page.waitForSelector("body[data-ready=true]");
    assert.match(await page.locator("#status").textContent(), /^AuthenticationError: .*\(HTTP 401/);
  });
});
