// Losing the connection: reconnecting without a gap, sending what was typed
// while offline exactly once, a server restart, and long polling.

import assert from "node:assert/strict";
import { it } from "node:test";
import { ApiClient } from "../lib/api.mjs";
import {
  closeTab, eventually, joinAsGuest, openTab, sendText, shownTexts, waitForMessage, waitOnline,
} from "../lib/browser.mjs";
import { env, uniq } from "../lib/env.mjs";
import { ParleyServer, freePort, removeDir } from "../lib/server.mjs";

const T = { timeout: 60_000 };

const countOf = (messages, text) => messages.filter((m) => m.text === text).length;
const socketState = (page) => page.evaluate(() => ({
  created: window.__ws.created,
  open: window.__ws.sockets.filter((s) => s.readyState === 1).length,
}));

export function register() {
  it("a dropped socket reconnects and rejoins with no gap and no duplicate", T, async () => {
    const room = uniq("reconnect");
    const other = await ApiClient.guest(env.base, uniq("other"));
    const tab = await openTab(env.browser, env.base);
    const { page, context } = tab;
    await joinAsGuest(tab, room, uniq("rita"));
    await other.post(room, "before the drop");
    await waitForMessage(page, "before the drop");

    // The network goes away and the socket with it; others keep talking.
    await context.setOffline(true);
    await page.evaluate(() => window.__ws.sockets.at(-1).close());
    await page.locator('#status[data-state="offline"]').waitFor();
    assert.match(await page.locator("#status-text").textContent(), /offline|lost|unreachable/i);
    for (let i = 1; i <= 3; i++) await other.post(room, `while away ${i}`);
    assert.equal((await socketState(page)).open, 0, "still disconnected while they were sent");

    await context.setOffline(false);
    await waitOnline(page);
    for (let i = 1; i <= 3; i++) await waitForMessage(page, `while away ${i}`);
    assert.deepEqual(await shownTexts(page),
      ["before the drop", "while away 1", "while away 2", "while away 3"]);
    // It came back over the socket, by a join that named the last seq seen.
    assert.equal(await page.locator("#chat").getAttribute("data-transport"), "ws");
    const joins = await page.evaluate(() => window.__ws.sent.filter((f) => f.includes('"type":"join"')));
    assert.ok(joins.length >= 2, "joined again");
    assert.match(joins.at(-1), /"since":1\b/, "rejoined with since = the last seq shown");
    // Live messages still flow afterwards.
    await other.post(room, "after the return");
    await waitForMessage(page, "after the return");
    await closeTab(tab);
  });

  it("messages typed offline are sent on reconnect exactly once, also when an ack is lost", T, async () => {
    const room = uniq("outbox");
    const checker = await ApiClient.guest(env.base, uniq("checker"));
    const tab = await openTab(env.browser, env.base);
    const { page, context } = tab;
    await joinAsGuest(tab, room, uniq("otto"));

    await context.setOffline(true);
    await page.evaluate(() => window.__ws.sockets.at(-1).close());
    await page.locator('#status[data-state="offline"]').waitFor();
    await sendText(page, "typed offline 1");
    await sendText(page, "typed offline 2");
    const pending = page.locator("#pending .msg");
    assert.equal(await pending.count(), 2, "shown as pending");
    assert.match(await pending.first().locator(".msg-state").textContent(), /Waiting for the connection/);
    assert.equal((await checker.allMessages(room)).length, 0, "nothing reached the server yet");

    await context.setOffline(false);
    await waitOnline(page);
    await waitForMessage(page, "typed offline 1");
    await waitForMessage(page, "typed offline 2");
    await pending.first().waitFor({ state: "detached" });
    assert.deepEqual(await shownTexts(page), ["typed offline 1", "typed offline 2"]);

    // The socket is cut right after a send frame leaves, before its ack can
    // come back: the page resends with the same id and the server keeps one.
    await page.evaluate(() => { window.__ws.dropAfterSend = true; });
    await sendText(page, "ack lost on the way");
    await waitForMessage(page, "ack lost on the way");
    await pending.first().waitFor({ state: "detached" });
    const sends = await page.evaluate(() => window.__ws.sent.map((f) => JSON.parse(f))
      .filter((f) => f.type === "send" && f.text === "ack lost on the way"));
    assert.ok(sends.length >= 2, `sent again after the cut (${sends.length} sends)`);
    assert.equal(new Set(sends.map((f) => f.id)).size, 1, "always with the same id");

    const stored = await checker.allMessages(room);
    for (const text of ["typed offline 1", "typed offline 2", "ack lost on the way"]) {
      assert.equal(countOf(stored, text), 1, `"${text}" stored once`);
    }
    assert.deepEqual(await shownTexts(page), stored.map((m) => m.text), "shown as stored, once each");
    await closeTab(tab);
  });

  it("a server restart (SQLite) loses nothing: history, offline sends, and messages sent meanwhile", { timeout: 90_000 }, async () => {
    const server = new ParleyServer({ store: "sqlite", port: await freePort() });
    await server.start();
    try {
      const room = uniq("restart");
      const tab = await openTab(env.browser, server.url);
      const { page } = tab;
      await joinAsGuest(tab, room, uniq("sam"));
      let other = await ApiClient.guest(server.url, uniq("other"));
      await other.post(room, "before the restart");
      await waitForMessage(page, "before the restart");
      await sendText(page, "mine before");
      await waitForMessage(page, "mine before");

      await server.stop();
      await page.locator('#status[data-state="offline"]').waitFor();
      await sendText(page, "typed while the server was down");
      await server.start();

      // The other client posts before the page is back (its backoff is still running).
      try {
        await other.post(room, "posted after the restart");
      } catch {
        other = await ApiClient.guest(server.url, uniq("other")); // sessions did not survive
        await other.post(room, "posted after the restart");
      }
      // Skip what is left of the backoff, if the page is still waiting.
      await page.evaluate(() => {
        if (!document.getElementById("conn-banner").hidden) document.getElementById("retry-now").click();
      });
      await waitOnline(page, 20_000);
      await waitForMessage(page, "posted after the restart");
      await waitForMessage(page, "typed while the server was down");
      const stored = await other.allMessages(room);
      assert.equal(countOf(stored, "typed while the server was down"), 1, "the offline send is stored once");
      assert.deepEqual(await shownTexts(page), stored.map((m) => m.text), "everything once, in order");
      await closeTab(tab);
    } finally {
      await server.stop();
      removeDir(server.dataDir);
    }
  });

  it("?transport=poll sends with POST and receives by long polling, both ways", T, async () => {
    const room = uniq("poll");
    const walt = uniq("walt");
    const polly = uniq("polly");
    const ws = await openTab(env.browser, env.base);
    await joinAsGuest(ws, room, walt);
    const poll = await openTab(env.browser, env.base, { width: 360, height: 740 });
    await joinAsGuest(poll, room, polly, { query: "?transport=poll" });

    assert.equal(await poll.page.locator("#chat").getAttribute("data-transport"), "poll");
    assert.match(await poll.page.locator("#status-text").textContent(), /polling/i);

    await sendText(poll.page, "from the poller");
    await waitForMessage(ws.page, "from the poller");
    await waitForMessage(poll.page, "from the poller");
    await sendText(ws.page, "to the poller");
    await waitForMessage(poll.page, "to the poller", 15_000);
    await sendText(ws.page, "and once more");
    await waitForMessage(poll.page, "and once more", 15_000);
    assert.deepEqual(await shownTexts(poll.page), ["from the poller", "to the poller", "and once more"]);
    assert.deepEqual(await shownTexts(ws.page), ["from the poller", "to the poller", "and once more"]);

    // A poller is a member, and sees the members.
    await ws.page.locator(`#member-list .member[data-user="${polly.toLowerCase()}"]`).waitFor();
    // (The phone-sized poller keeps its member list folded away: attached, not visible.)
    await poll.page.locator(`#member-list .member[data-user="${walt.toLowerCase()}"]`)
      .waitFor({ state: "attached", timeout: 15_000 });
    assert.equal((await socketState(poll.page)).created, 0, "no WebSocket was opened");
    await closeTab(poll);
    await closeTab(ws);
  });

  it("falls back to long polling by itself when the WebSocket cannot connect", T, async () => {
    const room = uniq("fallback");
    const other = await ApiClient.guest(env.base, uniq("other"));
    const tab = await openTab(env.browser, env.base);
    await tab.context.addInitScript("window.__ws.block = true;");
    const { page } = tab;
    await joinAsGuest(tab, room, uniq("fiona"));
    assert.equal(await page.locator("#chat").getAttribute("data-transport"), "poll");
    const state = await socketState(page);
    assert.ok(state.created >= 2 && state.open === 0, `the socket was tried and failed (${state.created})`);

    await sendText(page, "sent without a socket");
    await waitForMessage(page, "sent without a socket");
    await other.post(room, "received without a socket");
    await waitForMessage(page, "received without a socket", 15_000);
    const stored = await other.allMessages(room);
    assert.deepEqual(stored.map((m) => m.text), ["sent without a socket", "received without a socket"]);
    await closeTab(tab);
  });
}
