// Debian's chromium driven by playwright-core (no browser download), and
// helpers for "a user in a browser tab".

import assert from "node:assert/strict";
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

// Required on these machines (see the README of tests/browser).
const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

/** Playwright gives each launch a fresh temporary --user-data-dir. */
export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

// Runs in the page before its own scripts (init scripts are not subject to
// the page's CSP). Wraps WebSocket so that tests can see the sockets, close
// them, refuse new ones, or cut one right after a send (a lost ack).
const SOCKET_HOOKS = `(() => {
  const Native = window.WebSocket;
  const hooks = { sockets: [], created: 0, block: false, dropAfterSend: false, sent: [] };
  window.__ws = hooks;
  class HookedWebSocket extends Native {
    constructor(url, protocols) {
      const target = hooks.block ? String(url).replace(/\\/ws(?=$|\\?)/, "/ws-blocked") : url;
      super(target, protocols);
      hooks.created++;
      hooks.sockets.push(this);
    }
    send(data) {
      super.send(data);
      if (typeof data === "string") hooks.sent.push(data);
      if (hooks.dropAfterSend && typeof data === "string" && data.includes('"type":"send"')) {
        hooks.dropAfterSend = false;
        this.close(4001, "test: cut after send");
      }
    }
  }
  window.WebSocket = HookedWebSocket;
})();`;

/**
 * A browser context of its own (own cookies), with one page.
 * Collects page errors, CSP violations and dialogs, which tests assert away.
 */
export async function openTab(browser, baseURL, { colorScheme = "light", width = 1280, height = 800,
  reducedMotion = "reduce", hooks = true } = {}) {
  const context = await browser.newContext({
    baseURL, colorScheme, reducedMotion, viewport: { width, height }, deviceScaleFactor: 1,
  });
  context.setDefaultTimeout(15_000);
  if (hooks) await context.addInitScript(SOCKET_HOOKS);
  const page = await context.newPage();
  const tab = { context, page, problems: [], dialogs: [] };
  page.on("pageerror", (error) => tab.problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    const text = message.text();
    if (/Content Security Policy|Refused to/i.test(text)) tab.problems.push(`CSP: ${text}`);
  });
  page.on("dialog", (dialog) => {
    tab.dialogs.push(dialog.message());
    dialog.dismiss().catch(() => {});
  });
  return tab;
}

/** Joins `room` as guest `name` through the page's own form. */
export async function joinAsGuest(tab, room, name, { query = "" } = {}) {
  const { page } = tab;
  await page.goto(`/r/${room}${query}`);
  await page.locator("#guest-name").fill(name);
  await page.locator("#guest-submit").click();
  await waitOnline(page);
}

/** Logs the tab's browser context in as an account (the API sets the session cookie). */
export async function logIn(page, name, password) {
  await page.goto("/");
  const status = await page.evaluate(async ([n, p]) => (await fetch("/api/login", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ name: n, password: p }),
  })).status, [name, password]);
  assert.equal(status, 200, "logged in");
}

export async function waitOnline(page, timeout = 15_000) {
  await page.locator('#status[data-state="online"]').waitFor({ timeout });
}

/** The texts of the confirmed messages shown, in order. */
export function shownTexts(page) {
  return page.locator("#messages .msg .msg-text").allTextContents();
}

/** Sends through the composer, as a user would with the keyboard. */
export async function sendText(page, text) {
  const box = page.locator("#text");
  await box.fill(text);
  await box.press("Enter");
}

/** Waits until `text` is shown (confirmed) exactly once. */
export async function waitForMessage(page, text, timeout = 10_000) {
  const locator = page.locator("#messages .msg .msg-text", { hasText: exactText(text) });
  await locator.first().waitFor({ timeout });
  assert.equal(await locator.count(), 1, `"${text}" is shown once`);
}

const exactText = (text) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);

/** Polls `probe` until it returns a truthy value (no fixed sleeps). */
export async function eventually(probe, { timeout = 10_000, interval = 50, message = "condition" } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await probe();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${message} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

export async function closeTab(tab) {
  assert.deepEqual(tab.problems, [], "no page errors or CSP violations");
  assert.deepEqual(tab.dialogs, [], "no dialogs (nothing ran from message text)");
  await tab.context.close();
}
