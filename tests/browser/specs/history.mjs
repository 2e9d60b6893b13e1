// History: the latest page at once, older pages while scrolling up, and the
// "new messages" button when a message arrives while reading old ones.

import assert from "node:assert/strict";
import { it } from "node:test";
import { ApiClient } from "../lib/api.mjs";
import { closeTab, eventually, joinAsGuest, openTab, shownTexts, waitForMessage } from "../lib/browser.mjs";
import { env, uniq } from "../lib/env.mjs";

const SEEDED = 250;

function scrollState(page) {
  return page.locator("#scroller").evaluate((s) => ({
    top: s.scrollTop, height: s.scrollHeight, client: s.clientHeight,
    atBottom: s.scrollHeight - s.scrollTop - s.clientHeight < 4,
  }));
}

export function register() {
  it("history loads at once and older pages load while scrolling up", { timeout: 90_000 }, async () => {
    const room = uniq("history");
    const seeder = await ApiClient.guest(env.base, uniq("seeder"));
    for (let i = 1; i <= SEEDED; i++) await seeder.post(room, `history message ${i}`);

    const tab = await openTab(env.browser, env.base);
    const { page } = tab;
    await joinAsGuest(tab, room, uniq("reader"));

    // The latest page is there at once, scrolled to the newest message.
    await waitForMessage(page, `history message ${SEEDED}`);
    const first = await shownTexts(page);
    assert.ok(first.length >= 20 && first.length < SEEDED, `a page of history (${first.length})`);
    assert.equal(first.at(-1), `history message ${SEEDED}`);
    await eventually(async () => (await scrollState(page)).atBottom, { message: "at the bottom" });

    // Scrolling to the top loads the page before; the reader's place is kept.
    const anchorText = first[0];
    await page.locator("#scroller").evaluate((s) => { s.scrollTop = 0; });
    await eventually(async () => (await shownTexts(page)).length > first.length, { message: "an older page" });
    const anchor = page.locator("#messages .msg-text", { hasText: new RegExp(`^${anchorText}$`) });
    const kept = await anchor.evaluate((node) => {
      const s = document.getElementById("scroller").getBoundingClientRect();
      const r = node.getBoundingClientRect();
      return r.top >= s.top - 2 && r.top < s.bottom;
    });
    assert.ok(kept, "the message that was at the top is still in view after the older page came");
    assert.ok((await scrollState(page)).top > 0, "the view did not jump to the new top");

    // Keep scrolling up until the beginning of the room.
    await eventually(async () => {
      if (await page.locator("#history-start").isVisible()) return true;
      await page.locator("#scroller").evaluate((s) => { s.scrollTop = 0; });
      return false;
    }, { timeout: 30_000, interval: 150, message: "the beginning of the room" });
    const all = await shownTexts(page);
    assert.deepEqual(all, Array.from({ length: SEEDED }, (_, i) => `history message ${i + 1}`),
      "every message once, in order");

    // Reading old messages: a new one does not pull the view down...
    await page.locator("#scroller").evaluate((s) => { s.scrollTop = 0; });
    await seeder.post(room, "news while reading");
    await waitForMessage(page, "news while reading");
    const jump = page.locator("#jump");
    await jump.waitFor();
    assert.equal(await page.locator("#jump-text").textContent(), "1 new message");
    assert.ok(!(await scrollState(page)).atBottom, "still reading old messages");
    // ...the button brings the reader to it.
    await jump.click();
    await eventually(async () => (await scrollState(page)).atBottom, { message: "at the bottom after the button" });
    await jump.waitFor({ state: "hidden" });

    // At the bottom the view follows new messages by itself.
    await seeder.post(room, "followed automatically");
    await waitForMessage(page, "followed automatically");
    await eventually(async () => (await scrollState(page)).atBottom, { message: "following the bottom" });
    assert.ok(await jump.isHidden(), "no button when following");
    await closeTab(tab);
  });
}
