// Reading (the contract's read markers, unread counts and mentions): the
// "Your rooms" sidebar with live unread and mention badges, one user on two
// devices, the "New messages" divider, the marker moving as the user reads,
// @mentions highlighted and completed, and the 404 page.

import assert from "node:assert/strict";
import { it } from "node:test";
import { ApiClient } from "../lib/api.mjs";
import {
  closeTab, eventually, joinAsGuest, logIn, openTab, sendText, waitForMessage, waitOnline,
} from "../lib/browser.mjs";
import { env, uniq } from "../lib/env.mjs";

const T = { timeout: 90_000 };
const PASSWORD = "reading-tests-only";

/** The sidebar's entry of `room`: its badges and the words a screen reader hears. */
async function entryOf(page, room) {
  return page.evaluate((key) => {
    const li = document.querySelector(`#sidebar li[data-room="${key}"]`);
    if (!li) return null;
    const text = (selector) => li.querySelector(selector)?.textContent ?? "";
    return {
      unread: text(".unread-badge"), mention: text(".mention-badge"),
      words: text(".side-counts"),
      current: li.querySelector("a")?.getAttribute("aria-current") === "page",
    };
  }, room.toLowerCase());
}

/** Waits until the sidebar's entry of `room` shows `unread` and `mentions` (0: no badge). */
async function waitForCounts(page, room, unread, mentions, message = `${room}: ${unread}/${mentions}`) {
  const words = [unread > 0 ? `${unread} unread` : "", mentions > 0 ? `${mentions} mention${mentions > 1 ? "s" : ""}` : ""]
    .filter(Boolean).join(", ");
  await eventually(async () => {
    const e = await entryOf(page, room);
    return e && e.unread === (unread ? String(unread) : "") && e.mention === (mentions ? `@${mentions}` : "")
      && e.words === (words ? `, ${words}` : "");
  }, { message, timeout: 15_000 });
  // The link's accessible name carries the counts in words.
  if (await page.locator("#sidebar").isVisible()) {
    const name = new RegExp(`^${room}${words ? ` ?, ${words}` : ""}$`);
    await page.getByRole("link", { name }).waitFor();
  }
}

/** The read frames the page sent for `room`, as seqs, in order. */
async function readsSent(page, room) {
  return page.evaluate((r) => window.__ws.sent.map((s) => JSON.parse(s))
    .filter((f) => f.type === "read" && f.room === r).map((f) => f.seq), room);
}

/** The user's rooms as the server counts them (from the page, with its cookie). */
async function serverRooms(page) {
  return page.evaluate(async () => (await (await fetch("/api/me/rooms")).json()).rooms);
}

export function register() {
  it("one user on two devices: a room read on one is no longer unread on the other", T, async () => {
    const alpha = uniq("alpha");
    const beta = uniq("beta");
    const name = uniq("dana");
    await ApiClient.register(env.base, name, PASSWORD);
    const bob = await ApiClient.guest(env.base, uniq("bob"));
    await bob.post(alpha, "before dana came");

    // Device one has been in alpha (its marker starts at the end), now reads beta.
    const one = await openTab(env.browser, env.base);
    await logIn(one.page, name, PASSWORD);
    await one.page.goto(`/r/${alpha}`);
    await waitOnline(one.page);
    await waitForMessage(one.page, "before dana came");
    await one.page.goto(`/r/${beta}`);
    await waitOnline(one.page);
    await waitForCounts(one.page, alpha, 0, 0, "alpha listed with nothing unread");
    assert.equal((await entryOf(one.page, beta)).current, true, "the open room is the current one");

    // Device two, the same account, also in beta.
    const two = await openTab(env.browser, env.base, { colorScheme: "dark" });
    await logIn(two.page, name, PASSWORD);
    await two.page.goto(`/r/${beta}`);
    await waitOnline(two.page);
    await waitForCounts(two.page, alpha, 0, 0);

    // Bob writes in alpha: both devices count it live, the mention apart.
    const first = await bob.post(alpha, "news for everyone");
    await bob.post(alpha, `@${name.toUpperCase()}. can you look at this?`);
    for (const page of [one.page, two.page]) await waitForCounts(page, alpha, 2, 1);

    // Device two opens alpha from the sidebar: the divider sits above the
    // first new message, and reading it moves the marker.
    await two.page.locator(`#sidebar li[data-room="${alpha}"] a`).click();
    await waitOnline(two.page);
    const divider = two.page.locator("#messages .unread-divider");
    await divider.waitFor();
    assert.equal(await divider.textContent(), "New messages");
    assert.equal(await divider.evaluate((d) => d.nextElementSibling?.dataset.seq), String(first.seq),
      "the divider is right above the first unread message");
    assert.equal(await two.page.locator("#messages .unread-divider").count(), 1);
    await eventually(async () => (await readsSent(two.page, alpha)).length > 0, { message: "a read frame" });

    // ...and device one hears of it: alpha is read there too.
    await waitForCounts(one.page, alpha, 0, 0, "alpha read on the other device");
    const stored = (await serverRooms(one.page)).find((r) => r.room === alpha);
    assert.deepEqual([stored.unread, stored.mentions], [0, 0]);
    assert.equal(stored.read_seq, stored.last_seq);

    // One's own messages, from the other device, are never unread.
    await sendText(two.page, "read it, thanks");
    await waitForMessage(two.page, "read it, thanks");
    await bob.post(beta, "a word in beta"); // one is in beta: read at once there
    await waitForMessage(one.page, "a word in beta");
    await new Promise((r) => setTimeout(r, 500));
    await waitForCounts(one.page, alpha, 0, 0, "own message not counted");
    await waitForCounts(one.page, beta, 0, 0, "the open room has no badge");
    await closeTab(one);
    await closeTab(two);
  });

  it("two users: messages in another room count live, a mention apart; the drawer on a phone; counts again after a reconnect", T, async () => {
    const lobby = uniq("lobby");
    const side = uniq("side");
    const ann = uniq("ann");
    const bob = await ApiClient.guest(env.base, uniq("bob"));
    const tab = await openTab(env.browser, env.base, { width: 360, height: 740 });
    const { page } = tab;
    await joinAsGuest(tab, side, ann);
    await page.goto(`/r/${lobby}`);
    await waitOnline(page);

    // On a phone the rooms are a drawer behind a button that says how many are unread.
    const toggle = page.locator("#sidebar-toggle");
    await toggle.waitFor();
    assert.equal(await toggle.getAttribute("aria-expanded"), "false");
    assert.ok(await page.locator("#sidebar").isHidden(), "the drawer starts closed");
    await bob.post(side, "one");
    await bob.post(side, `ping @${ann}`);
    await bob.post(side, `mail ops@${ann} or ${ann}@example.org`);
    await bob.post(side, `not a mention: @${ann}x`);
    await eventually(async () => (await toggle.getAttribute("aria-expanded")) === "false"
      && (await page.locator("#sidebar-toggle-badge").textContent()) === "4",
    { message: "the toggle's badge" });
    await page.getByRole("button", { name: "Your rooms, 4 unread, 1 mention", exact: true }).waitFor();

    await toggle.click();
    assert.equal(await toggle.getAttribute("aria-expanded"), "true");
    await page.locator("#sidebar").waitFor();
    await waitForCounts(page, side, 4, 1);
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("aria-current")), "page",
      "the focus goes to the open room's link");
    await page.keyboard.press("Escape");
    assert.equal(await toggle.getAttribute("aria-expanded"), "false");
    assert.ok(await page.locator("#sidebar").isHidden());
    assert.equal(await page.evaluate(() => document.activeElement?.id), "sidebar-toggle", "focus back on the button");

    // A message in the open room is read, not counted.
    await bob.post(lobby, "in the lobby");
    await waitForMessage(page, "in the lobby");
    await waitForCounts(page, lobby, 0, 0);

    // Offline, bob writes again; after the reconnect the counts come from the server.
    await tab.context.setOffline(true);
    await page.evaluate(() => window.__ws.sockets.at(-1).close());
    await page.locator('#status[data-state="offline"]').waitFor();
    await bob.post(side, `@${ann} while you were away`);
    await tab.context.setOffline(false);
    await waitOnline(page);
    await waitForCounts(page, side, 5, 2, "counted again after the reconnect");
    // And live again on the new socket.
    await bob.post(side, "and one more");
    await waitForCounts(page, side, 6, 2);
    await closeTab(tab);
  });

  it("the New messages divider is where the marker was; the marker moves only once the newest message is seen", { timeout: 120_000 }, async () => {
    const room = uniq("news");
    const elsewhere = uniq("elsewhere");
    const cleo = uniq("cleo");
    const bob = await ApiClient.guest(env.base, uniq("bob"));
    await bob.post(room, "already read 1");
    await bob.post(room, "already read 2");
    const tab = await openTab(env.browser, env.base, { height: 600 });
    const { page } = tab;
    await joinAsGuest(tab, room, cleo);
    await waitForMessage(page, "already read 2");
    // Nothing new: no divider, and nothing to say.
    assert.equal(await page.locator("#messages .unread-divider").count(), 0);
    await page.goto(`/r/${elsewhere}`);
    await waitOnline(page);

    const first = await bob.post(room, "new 1");
    for (let i = 2; i <= 30; i++) await bob.post(room, `new ${i}`);
    await waitForCounts(page, room, 30, 0);
    await page.goto(`/r/${room}`);
    await waitOnline(page);
    await waitForMessage(page, "new 30");
    const divider = page.locator("#messages .unread-divider");
    await divider.waitFor();
    assert.equal(await divider.evaluate((d) => d.nextElementSibling?.dataset.seq), String(first.seq));
    await eventually(async () => (await page.locator("#reading-status").textContent())
      === `30 new messages since you last read #${room}.`, { message: "the announcement" });
    assert.equal(await page.locator("#reading-status").getAttribute("role"), "status");
    // More than a screenful: the divider is in view, the newest message is not...
    assert.ok(await divider.isVisible() && await inView(page, divider), "the divider is in view");
    assert.equal(await inView(page, page.locator("#messages .msg").last()), false);
    // ...so nothing is marked read yet.
    await new Promise((r) => setTimeout(r, 2000));
    assert.deepEqual(await readsSent(page, room), [], "no read frame before the newest is seen");
    assert.equal((await serverRooms(page)).find((r) => r.room === room).unread, 30);

    // Scrolled to the end: the marker moves to the newest seq, once.
    await page.locator("#scroller").evaluate((s) => { s.scrollTop = s.scrollHeight; });
    await eventually(async () => (await readsSent(page, room)).length === 1, { message: "one read frame" });
    const last = (await serverRooms(page)).find((r) => r.room === room);
    assert.deepEqual((await readsSent(page, room)), [last.last_seq]);
    assert.equal(last.unread, 0);
    assert.equal(last.read_seq, last.last_seq);
    // The divider stays where it was while reading.
    assert.equal(await divider.count(), 1);

    // More messages while reading: read frames go up, at most one a second.
    const started = Date.now();
    for (let i = 1; i <= 5; i++) await bob.post(room, `live ${i}`);
    await waitForMessage(page, "live 5");
    await eventually(async () => (await readsSent(page, room)).at(-1) === last.last_seq + 5, { message: "the newest read" });
    const reads = await readsSent(page, room);
    for (let i = 1; i < reads.length; i++) assert.ok(reads[i] > reads[i - 1], `read seqs only go up: ${reads}`);
    assert.ok(reads.length - 1 <= Math.ceil((Date.now() - started) / 1000) + 1, `debounced: ${reads}`);
    // Nothing new to read: nothing more is sent.
    await new Promise((r) => setTimeout(r, 2500));
    assert.deepEqual(await readsSent(page, room), reads, "no read frame again for the same seq");

    // A hidden tab reads nothing.
    await page.evaluate(() => {
      Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true });
      document.dispatchEvent(new Event("visibilitychange"));
    });
    const before = (await readsSent(page, room)).length;
    await bob.post(room, "while hidden");
    await waitForMessage(page, "while hidden");
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await readsSent(page, room)).length, before, "no read while the tab is hidden");
    await page.evaluate(() => {
      Object.defineProperty(document, "visibilityState", { value: "visible", configurable: true });
      document.dispatchEvent(new Event("visibilitychange"));
    });
    await eventually(async () => (await readsSent(page, room)).length === before + 1, { message: "read once visible" });
    await closeTab(tab);
  });

  it("the marker moves over long polling too (POST .../read)", T, async () => {
    const room = uniq("pollread");
    const bob = await ApiClient.guest(env.base, uniq("bob"));
    const tab = await openTab(env.browser, env.base);
    const { page } = tab;
    await joinAsGuest(tab, room, uniq("pia"), { query: "?transport=poll" });
    const posted = [];
    page.on("request", (request) => {
      if (request.method() === "POST" && request.url().endsWith("/read")) posted.push(JSON.parse(request.postData()));
    });
    const said = await bob.post(room, "polled news");
    await waitForMessage(page, "polled news");
    await eventually(() => posted.some((b) => b.seq === said.seq), { message: "a POST of the marker" });
    const stored = (await serverRooms(page)).find((r) => r.room === room);
    assert.equal(stored.read_seq, said.seq);
    await closeTab(tab);
  });

  it("@mentions are highlighted (ours more), and completed from the members by keyboard", T, async () => {
    const room = uniq("mention");
    const mia = uniq("mia");
    const bo = uniq("bo");
    const a = await openTab(env.browser, env.base);
    const b = await openTab(env.browser, env.base);
    await joinAsGuest(a, room, mia);
    await joinAsGuest(b, room, bo);

    const text = `hi @${mia}, ask @${bo}. <b>@${mia}</b> mail ${mia}@example.org or ops@${mia}`;
    await sendText(b.page, text);
    await waitForMessage(a.page, text);
    const node = a.page.locator("#messages .msg").last();
    assert.equal(await node.locator(".msg-text").textContent(), text, "the text is all there, as written");
    assert.deepEqual(await node.locator(".mention").allTextContents(), [`@${mia}`, `@${bo}`, `@${mia}`]);
    assert.deepEqual(await node.locator(".mention-me").allTextContents(), [`@${mia}`, `@${mia}`]);
    assert.match(await node.getAttribute("class"), /\bmentions-me\b/);
    assert.equal(await node.locator("b").count(), 0, "text, never markup");
    // At bo's: the same mentions, none of them his own highlight but his.
    const theirs = b.page.locator("#messages .msg").last();
    assert.deepEqual(await theirs.locator(".mention-me").allTextContents(), [], "one's own message is not a mention of oneself");
    assert.equal(await theirs.locator(".mention").count(), 3);
    const highlight = await node.locator(".mention-me").first().evaluate((n) => getComputedStyle(n).fontWeight);
    const plain = await node.locator(".mention:not(.mention-me)").first().evaluate((n) => getComputedStyle(n).fontWeight);
    assert.ok(Number(highlight) > Number(plain), `a stronger highlight for us (${highlight} > ${plain})`);

    // Completion: "@" and the first letters offer bo.
    const box = a.page.locator("#text");
    const list = a.page.locator("#mention-list");
    await box.focus();
    await a.page.keyboard.type(`thanks @${bo.slice(0, 3)}`);
    await list.waitFor();
    assert.equal(await list.getAttribute("role"), "listbox");
    const options = list.getByRole("option");
    assert.deepEqual(await options.allTextContents(), [bo], "the matching member (not oneself)");
    const activeId = await box.getAttribute("aria-activedescendant");
    assert.equal(await a.page.locator(`#${activeId}`).getAttribute("aria-selected"), "true");
    assert.equal(await a.page.locator(`#${activeId}`).textContent(), bo);
    assert.match(await a.page.locator("#mention-status").textContent(), /^1 member matches/);
    // Escape closes without completing.
    await a.page.keyboard.press("Escape");
    await list.waitFor({ state: "hidden" });
    assert.equal(await box.inputValue(), `thanks @${bo.slice(0, 3)}`);
    assert.equal(await box.getAttribute("aria-activedescendant"), null);
    // Typing again reopens it; Tab completes.
    await a.page.keyboard.type(bo.slice(3, 4));
    await list.waitFor();
    await a.page.keyboard.press("Tab");
    await list.waitFor({ state: "hidden" });
    assert.equal(await box.inputValue(), `thanks @${bo} `);
    assert.equal(await a.page.evaluate(() => document.activeElement?.id), "text", "the focus stays in the box");
    // Enter completes too, and does not send.
    await a.page.keyboard.type("and @");
    await list.waitFor();
    assert.deepEqual(await options.allTextContents(), [bo]);
    await a.page.keyboard.press("ArrowDown");
    await a.page.keyboard.press("Enter");
    await list.waitFor({ state: "hidden" });
    assert.equal(await box.inputValue(), `thanks @${bo} and @${bo} `);
    assert.equal(await a.page.locator("#messages .msg").count(), 1, "nothing sent by the completing Enter");
    await a.page.keyboard.press("Enter");
    await waitForMessage(b.page, `thanks @${bo} and @${bo} `);
    await b.page.locator("#messages .msg .mention-me").first().waitFor();
    await closeTab(a);
    await closeTab(b);
  });

  it("a bad room address is a friendly 404 page with a way home; the API keeps JSON", T, async () => {
    const tab = await openTab(env.browser, env.base);
    const { page } = tab;
    const response = await page.goto("/r/bad%20name");
    assert.equal(response.status(), 404);
    assert.match(response.headers()["content-type"], /^text\/html/);
    assert.equal(await page.title(), "Page not found · Parley");
    assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), "This page does not exist");
    assert.equal(await page.locator("body").textContent().then((t) => t.includes("bad name")), false, "the name is not written back");
    await page.getByRole("link", { name: "Go to the home page" }).click();
    await page.waitForURL(`${env.base}/`);
    await page.locator("#guest-form").waitFor();
    const api = await page.evaluate(async () => {
      const r = await fetch("/api/rooms/bad%20name/messages");
      return { status: r.status, type: r.headers.get("content-type") };
    });
    assert.equal(api.type, "application/json");
    await closeTab(tab);
  });
}

/** Whether `locator`'s element is within the message scroller's visible part. */
function inView(page, locator) {
  return locator.evaluate((node) => {
    const box = node.getBoundingClientRect();
    const view = document.getElementById("scroller").getBoundingClientRect();
    return box.bottom > view.top && box.top < view.bottom && box.bottom <= view.bottom + 4;
  });
}
