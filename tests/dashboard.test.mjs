// examples/dashboard in Chromium (playwright-core): every action is clicked and its effect checked in the
// emulator, behind the key-safe proxy; screenshots go to tests/.artifacts/. Without Chromium the suite is
// skipped locally and fails in CI (CI=true).
import { describe, it, before, after, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { buildDashboard, startDashboard } from "../examples/dashboard/server.mjs";
import { emulator, API_KEY, SITE_TOKEN } from "./helpers.mjs";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARTIFACTS = fileURLToPath(new URL("./.artifacts/", import.meta.url));
const ADMIN_TOKEN = "admin-token-for-tests";
const ADA = "email:ada@example.com";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI === "true") {
  it("finds Chromium, which CI requires", () => assert.fail(`no Chromium at ${CHROMIUM}: scripts/setup.sh installs it from Debian's packages`));
} else if (!haveChromium) {
  console.log(`dashboard tests skipped: no Chromium at ${CHROMIUM} (set CHROMIUM_PATH, or run scripts/setup.sh as root)`);
}

describe("the admin dashboard in Chromium", { skip: !haveChromium && `no Chromium at ${CHROMIUM}` }, () => {
  let emu, site, browser, page, seen;
  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    emu = await emulator();
    await buildDashboard();
    site = await startDashboard({ apiKey: API_KEY, siteToken: SITE_TOKEN, baseUrl: emu.url, adminToken: ADMIN_TOKEN, watchIntervalMs: 100 });
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
  afterEach(async () => {
    await page?.context().close();
  });
  beforeEach(async () => {
    emu.reset("3:5");
    const context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
    page = await context.newPage();
    seen = [];
    // Everything the browser receives, to prove the key never reaches it.
    page.on("response", async (response) => {
      const body = await response.body().catch(() => Buffer.alloc(0));
      // The page polls (its live inbox) until its context closes: a response cut short by the close is skipped.
      const headers = await response.allHeaders().catch(() => ({}));
      seen.push({ url: response.url(), headers: JSON.stringify(headers), body: body.toString("latin1") });
    });
  });

  async function login() {
    await page.goto(`${site.url}/login?token=${ADMIN_TOKEN}`);
    await page.waitForSelector("body[data-ready=true]");
  }
  const shot = (name) => page.screenshot({ path: `${ARTIFACTS}dashboard-${name}.png`, fullPage: true });
  const chatButton = (id) => page.locator(`button.chat[data-chat-id="${id}"]`);
  const feedTexts = () => page.locator("#feed li").allTextContents();
  const noKeyInBrowser = () => {
    assert.ok(seen.length > 0);
    for (const { url, headers, body } of seen) {
      for (const form of [API_KEY, encodeURIComponent(API_KEY)]) {
        assert.ok(!url.includes(form) && !headers.includes(form) && !body.includes(form), `the key reached the browser in ${url}`);
      }
    }
  };

  it("lists chats and shows a conversation's feed", async () => {
    await login();
    assert.equal(await page.locator("button.chat").count(), 3);
    await chatButton(ADA).click();
    await page.waitForSelector("#conversation:not([hidden])");
    assert.equal(await page.locator("#feed li").count(), emu.store.feed(ADA).length);
    assert.equal(await page.locator("#chat-title").textContent(), "Ada Lovelace");
    await shot("feed");
    noKeyInBrowser();
  });

  it("sends a message and adds a note, both stored by the API", async () => {
    await login();
    await chatButton(ADA).click();
    await page.fill("#compose", "Your card was declined; here is a link to update it.");
    await page.click("#send");
    await page.waitForFunction(() => document.querySelector("#feed").textContent.includes("here is a link"));
    const message = emu.store.messages(ADA).at(-1);
    assert.equal(message.content, "Your card was declined; here is a link to update it.");
    assert.equal(message.from, "agent");
    await page.fill("#compose", "Customer is on the annual plan; offer to retry the charge.");
    await page.click("#add-note");
    await page.waitForSelector("#feed li.note");
    assert.equal(emu.store.notes(ADA).at(-1).content, "Customer is on the annual plan; offer to retry the charge.");
    assert.equal(await page.inputValue("#compose"), "");
    await shot("sent");
    for (const req of emu.requests) assert.equal(req.query.api_key, API_KEY, "the proxy added the real key");
    noKeyInBrowser();
  });

  it("archives, filters the archive and unarchives", async () => {
    await login();
    await chatButton(ADA).click();
    await page.click("#archive-toggle");
    await page.waitForFunction(() => document.querySelector("#archive-toggle").textContent === "Unarchive");
    assert.equal(emu.store.getChat(ADA).archived, true);
    assert.equal(await chatButton(ADA).count(), 0, "gone from the open list");
    await page.check('input[name="filter"][value="archived"]');
    await chatButton(ADA).waitFor();
    assert.equal(await page.locator("button.chat").count(), 1);
    await shot("archived");
    await chatButton(ADA).click();
    await page.click("#archive-toggle");
    await page.waitForFunction(() => document.querySelector("#archive-toggle").textContent === "Archive");
    assert.equal(emu.store.getChat(ADA).archived, false);
    assert.equal(await page.locator("button.chat").count(), 0, "gone from the archived list");
    noKeyInBrowser();
  });

  it("shows customers' new messages live, without a reload: the open conversation scrolls, other chats get a badge", async () => {
    await login();
    await chatButton(ADA).click();
    await page.waitForSelector("#conversation:not([hidden])");
    await page.evaluate(() => (window.notReloaded = true));
    // A customer writes into the open conversation, a few times: each message appears once, at the bottom.
    const texts = Array.from({ length: 8 }, (_, i) => `Is anyone there? (${i + 1})`);
    for (const text of texts) emu.clientMessage(ADA, text);
    await page.waitForFunction((last) => document.querySelector("#feed").textContent.includes(last), texts.at(-1));
    const feed = await feedTexts();
    for (const text of texts) assert.equal(feed.filter((t) => t.includes(text)).length, 1, text);
    assert.equal(feed.length, emu.store.feed(ADA).length, "the feed matches the store, nothing twice");
    const scrolled = await page.$eval("#feed", (el) => el.scrollHeight - el.scrollTop - el.clientHeight);
    assert.ok(scrolled < 2, `scrolled to the newest message (${scrolled}px from the bottom)`);
    // Another chat: it moves to the top of the list with its unread count, and the title counts unread messages.
    emu.clientMessage("person-2", "Hello? My payment failed.");
    emu.clientMessage("person-2", "Anyone?");
    await page.waitForFunction(() => document.querySelector("button.chat")?.dataset.chatId === "person-2");
    await page.waitForFunction(() => document.querySelector('button.chat[data-chat-id="person-2"] .latest')?.textContent === "Anyone?");
    const badge = await page.textContent('button.chat[data-chat-id="person-2"] .unread');
    assert.equal(Number(badge), emu.store.getChat("person-2").unread);
    assert.match(await page.title(), /^\(\d+\) Chats/);
    // A new visitor starts a conversation: it appears too.
    emu.clientMessage("visitor-1", "First time here");
    await chatButton("visitor-1").waitFor();
    assert.equal(await page.evaluate(() => window.notReloaded), true, "no reload happened");
    await shot("live");
    noKeyInBrowser();
  });

  it("shows errors to the user: a refused message, an API failure, and a missing login", async () => {
    await login();
    await chatButton(ADA).click();
    const before = emu.store.messages(ADA).length;
    await page.click("#send");
    await page.waitForSelector("#error:not([hidden])");
    assert.match(await page.textContent("#error"), /^InvalidRequestError: content must be a non-empty string/);
    emu.inject({ match: { method: "POST", path: "/chat/v1/chats/*" }, status: 503 });
    await page.fill("#compose", "This one meets an outage");
    await page.click("#send");
    await page.waitForFunction(() => document.querySelector("#error").textContent.startsWith("ServerError"));
    assert.match(await page.textContent("#error"), /may have gone through/);
    assert.equal(emu.store.messages(ADA).length, before, "nothing was stored");
    await shot("error");

    const stranger = await (await browser.newContext()).newPage();
    await stranger.goto(site.url);
    await stranger.waitForSelector("body[data-ready=true]");
    assert.match(await stranger.textContent("#error"), /^AuthenticationError: This request is not authorised to use the chat proxy/);
    await stranger.close();
    noKeyInBrowser();
  });
});
