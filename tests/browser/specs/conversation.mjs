// Conversations (the contract's v2 events): edits, deletes, reactions and
// replies between two people, by pointer and by keyboard, over the socket,
// after a reconnect and over long polling.

import assert from "node:assert/strict";
import { it } from "node:test";
import { ApiClient } from "../lib/api.mjs";
import {
  closeTab, eventually, joinAsGuest, openTab, sendText, shownTexts, waitForMessage, waitOnline,
} from "../lib/browser.mjs";
import { env, uniq } from "../lib/env.mjs";

const T = { timeout: 90_000 };

const exact = (text) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);

/** The confirmed message whose text is `text`. */
const messageWith = (page, text) =>
  page.locator("#messages .msg", { has: page.locator(".msg-text", { hasText: exact(text) }) });
/** The message with seq `seq` (also once deleted, when it has no text). */
const messageAt = (page, seq) => page.locator(`#messages .msg[data-seq="${seq}"]`);
const tool = (page, name) => page.locator(`#msg-toolbar [data-tool="${name}"]`);
const active = (page) => page.evaluate(() => {
  const a = document.activeElement;
  return {
    id: a?.id ?? "", tool: a?.dataset?.tool ?? "", message: a?.classList?.contains("msg") ?? false,
    seq: a?.closest?.(".msg")?.dataset.seq ?? "", cls: a?.className ?? "", tag: a?.tagName ?? "",
  };
});
const labelOf = (locator) => locator.getAttribute("aria-label");

/** Presses `key` until `probe(active element)` holds (at most `max` times). */
async function pressUntil(page, key, probe, max = 12) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(key);
    if (probe(await active(page))) return;
  }
  throw new Error(`${key} did not reach the element (now at ${JSON.stringify(await active(page))})`);
}

export function register() {
  it("two users see an edit, a reply, reactions with counts and names, and a delete", T, async () => {
    const room = uniq("conv");
    const alice = uniq("alice");
    const bob = uniq("bob");
    const a = await openTab(env.browser, env.base);
    const b = await openTab(env.browser, env.base, { colorScheme: "dark", width: 360, height: 740 });
    await joinAsGuest(a, room, alice);
    await joinAsGuest(b, room, bob);

    await sendText(a.page, "first draft");
    await waitForMessage(b.page, "first draft");
    const seq = await messageWith(a.page, "first draft").getAttribute("data-seq");
    const mine = messageAt(a.page, seq);
    const theirs = messageAt(b.page, seq);
    assert.equal(await theirs.locator(".msg-edited").count(), 0, "not edited yet");

    // Edit: the action on one's own message, Enter saves.
    await mine.locator(".bubble").hover();
    await tool(a.page, "edit").click();
    const editor = mine.locator(".msg-edit textarea");
    assert.equal(await editor.inputValue(), "first draft");
    await editor.fill("second draft");
    await editor.press("Enter");
    await waitForMessage(b.page, "second draft");
    await waitForMessage(a.page, "second draft");
    // The mark says "edited", with the edit's time on hover and in words.
    const mark = theirs.locator(".msg-edited");
    assert.match(await mark.textContent(), /^edited .*\d/);
    assert.match(await mark.getAttribute("title"), /^Edited .*\d/);
    assert.match(await mark.locator(".visually-hidden").textContent(), /\d/);
    assert.ok(await mine.locator(".msg-edited").isVisible(), "edited mark on the author's side too");

    // Up in A's empty message box edits the same message again.
    await a.page.locator("#text").focus();
    await a.page.keyboard.press("ArrowUp");
    await editor.waitFor();
    assert.equal(await editor.inputValue(), "second draft");
    await a.page.keyboard.press("Control+A");
    await a.page.keyboard.type("final text");
    await a.page.keyboard.press("Enter");
    await waitForMessage(b.page, "final text");
    await waitForMessage(a.page, "final text");
    assert.deepEqual(await shownTexts(b.page), ["final text"], "edited in place, not added");
    assert.equal(await theirs.locator(".msg-edited").count(), 1, "one edited mark");

    // Someone else's message has no Edit or Delete.
    await theirs.locator(".bubble").hover();
    await tool(b.page, "reply").waitFor();
    assert.ok(await tool(b.page, "edit").isHidden(), "no Edit on another's message");
    assert.ok(await tool(b.page, "delete").isHidden(), "no Delete on another's message");

    // Reply: the quote above the input, then above the sent reply on both sides.
    await tool(b.page, "reply").click();
    await b.page.locator("#reply-preview").waitFor();
    assert.match(await b.page.locator("#reply-summary").textContent(), new RegExp(`${alice}.*final text`, "s"));
    assert.equal(await b.page.evaluate(() => document.activeElement?.id), "text");
    await sendText(b.page, "a reply to that");
    await waitForMessage(a.page, "a reply to that");
    assert.ok(await b.page.locator("#reply-preview").isHidden(), "the preview goes once sent");
    for (const page of [a.page, b.page]) {
      const quote = messageWith(page, "a reply to that").locator(".quote");
      await eventually(async () => /final text/.test(await quote.textContent()), { message: "the quote" });
    }

    // Reactions: bob picks 👍, alice adds hers by clicking his, names on hover.
    await theirs.locator(".bubble").hover();
    await tool(b.page, "react").click();
    await b.page.locator('#reaction-picker .pick[data-emoji="👍"]').click();
    const chipA = mine.locator('.reaction[data-emoji="👍"]');
    const chipB = theirs.locator('.reaction[data-emoji="👍"]');
    await eventually(async () => (await chipA.count()) === 1 && (await labelOf(chipA)) === `👍 1: ${bob}`,
      { message: "bob's reaction at alice's" });
    assert.equal(await chipA.getAttribute("aria-pressed"), "false");
    await chipA.click();
    for (const chip of [chipA, chipB]) {
      await eventually(async () => (await labelOf(chip)) === `👍 2: ${bob}, ${alice}`, { message: "two reactions" });
      assert.equal(await chip.locator(".reaction-count").textContent(), "2");
    }
    assert.equal(await chipA.getAttribute("aria-pressed"), "true");
    await chipB.hover();
    const who = theirs.locator('.reaction-who[data-emoji="👍"]');
    await who.waitFor({ state: "visible" });
    assert.equal(await who.textContent(), `${bob}, ${alice}`);
    // Clicking one's own reaction takes it back.
    await chipA.click();
    await eventually(async () => (await labelOf(chipB)) === `👍 1: ${bob}`, { message: "alice's reaction off" });
    await eventually(async () => (await chipA.getAttribute("aria-pressed")) === "false", { message: "not pressed" });

    // Delete: an accessible dialog; Cancel keeps the message, Delete leaves a tombstone.
    await mine.locator(".bubble").hover();
    await tool(a.page, "delete").click();
    const dialog = a.page.getByRole("dialog", { name: "Delete this message?" });
    await dialog.waitFor();
    assert.equal(await a.page.evaluate(() => document.activeElement?.id), "delete-cancel");
    await a.page.locator("#delete-cancel").click();
    await dialog.waitFor({ state: "hidden" });
    assert.equal(await mine.locator(".msg-text").textContent(), "final text");
    await mine.locator(".bubble").hover();
    await tool(a.page, "delete").click();
    await a.page.locator("#delete-confirm").click();
    for (const node of [mine, theirs]) {
      await node.locator(".msg-deleted").waitFor();
      assert.equal(await node.locator(".msg-deleted").textContent(), "Message deleted");
      assert.equal(await node.locator(".msg-text").count(), 0, "no text left");
      assert.equal(await node.locator(".reaction").count(), 0, "no reactions on a tombstone");
    }
    const replyQuote = messageWith(b.page, "a reply to that").locator(".quote");
    await eventually(async () => /message deleted/.test(await replyQuote.textContent()),
      { message: "quote of a deleted message" });
    // The author and time stay for assistive technology.
    assert.equal(await mine.locator(".msg-author-name").textContent(), "You");
    assert.equal(await theirs.locator(".msg-author-name").textContent(), alice);
    assert.match(await theirs.locator("time").getAttribute("datetime"), /^\d{4}-/);

    // A reload shows the final state from history.
    await b.page.reload();
    await waitOnline(b.page);
    await messageAt(b.page, seq).locator(".msg-deleted").waitFor();
    await messageWith(b.page, "a reply to that").locator(".quote", { hasText: "message deleted" }).waitFor();
    assert.equal(await a.page.locator("#error-banner").isHidden(), true, "no error shown");
    await closeTab(a);
    await closeTab(b);
  });

  it("keyboard only: Up edits the last message; a focused message's actions react, reply, jump and delete", T, async () => {
    const room = uniq("convkeys");
    const kim = uniq("kim");
    const other = await ApiClient.guest(env.base, uniq("omar"));
    await other.post(room, "a question from omar");
    const tab = await openTab(env.browser, env.base);
    const { page } = tab;
    const kb = page.keyboard;
    await joinAsGuest(tab, room, kim);
    await waitForMessage(page, "a question from omar");
    await page.locator("#text").focus();

    await kb.type("my answer");
    await kb.press("Enter");
    await waitForMessage(page, "my answer");

    // Up in the empty box edits one's last message; Escape cancels.
    await kb.press("ArrowUp");
    const editor = messageWith(page, "my answer").locator(".msg-edit textarea");
    await editor.waitFor();
    assert.ok(await editor.evaluate((e) => e === document.activeElement), "the editor has focus");
    await kb.type(" (draft)");
    await kb.press("Escape");
    await editor.waitFor({ state: "detached" });
    assert.equal(await page.evaluate(() => document.activeElement?.id), "text", "back in the message box");
    assert.deepEqual(await shownTexts(page), ["a question from omar", "my answer"], "Escape changed nothing");
    // Again, and Enter saves.
    await kb.press("ArrowUp");
    await editor.waitFor();
    await kb.press("Control+A");
    await kb.type("my better answer");
    await kb.press("Enter");
    await waitForMessage(page, "my better answer");
    await messageWith(page, "my better answer").locator(".msg-edited").waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), "text");

    // Shift+Tab from the box reaches the log's one stop: the newest message.
    await pressUntil(page, "Shift+Tab", (a) => a.message);
    const answerSeq = await messageWith(page, "my better answer").getAttribute("data-seq");
    assert.equal((await active(page)).seq, answerSeq);
    // Up moves to the message before; its actions follow the focus.
    await kb.press("ArrowUp");
    const question = messageWith(page, "a question from omar");
    const questionSeq = await question.getAttribute("data-seq");
    assert.deepEqual([(await active(page)).message, (await active(page)).seq], [true, questionSeq]);
    await kb.press("Tab");
    assert.equal((await active(page)).tool, "react");
    await kb.press("Enter");
    await page.locator("#reaction-picker").waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.emoji), "👍");
    await kb.press("ArrowRight");
    await kb.press("Enter");
    const heart = question.locator('.reaction[data-emoji="❤️"]');
    await eventually(async () => (await heart.count()) === 1 && (await labelOf(heart)) === `❤️ 1: ${kim}`,
      { message: "the keyboard's reaction" });
    assert.equal((await active(page)).seq, questionSeq, "focus back on the message");
    // Keyboard focus on a reaction shows who reacted, as hover does.
    await pressUntil(page, "Tab", (a) => /reaction/.test(a.cls));
    const who = question.locator('.reaction-who[data-emoji="❤️"]');
    await who.waitFor({ state: "visible" });
    assert.equal(await who.textContent(), kim);

    // Reply from the toolbar: Shift+Tab back to it.
    await pressUntil(page, "Shift+Tab", (a) => a.tool === "reply");
    await kb.press("Enter");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "text");
    await page.locator("#reply-preview").waitFor();
    // Escape drops the reply; "r" on the focused message starts it again.
    await kb.press("Escape");
    await page.locator("#reply-preview").waitFor({ state: "hidden" });
    await pressUntil(page, "Shift+Tab", (a) => a.message);
    await kb.press("Home");
    assert.equal((await active(page)).seq, questionSeq);
    await kb.press("r");
    await page.locator("#reply-preview").waitFor();
    await kb.type("answering by keyboard");
    await kb.press("Enter");
    await waitForMessage(page, "answering by keyboard");
    const reply = messageWith(page, "answering by keyboard");
    await eventually(async () => /a question from omar/.test(await reply.locator(".quote").textContent()),
      { message: "the reply's quote" });

    // The quote leads to the original: focused and highlighted.
    await pressUntil(page, "Shift+Tab", (a) => a.message);
    await pressUntil(page, "Tab", (a) => /quote/.test(a.cls));
    await kb.press("Enter");
    await eventually(async () => (await active(page)).seq === questionSeq, { message: "focus on the original" });
    assert.match(await question.getAttribute("class"), /\bflash\b/);

    // Delete one's own message: End, the Delete action, the dialog by keyboard.
    await kb.press("End");
    const replySeq = await reply.getAttribute("data-seq");
    assert.equal((await active(page)).seq, replySeq);
    await pressUntil(page, "Tab", (a) => a.tool === "delete");
    await kb.press("Enter");
    const dialog = page.getByRole("dialog", { name: "Delete this message?" });
    await dialog.waitFor();
    await kb.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    // The dialog's close event, which puts the focus back, comes a moment after it hides.
    await eventually(async () => (await active(page)).message && (await active(page)).seq === replySeq,
      { message: "focus back on the message" });
    await kb.press("Delete");
    await dialog.waitFor();
    await pressUntil(page, "Tab", (a) => a.id === "delete-confirm");
    await kb.press("Enter");
    await messageAt(page, replySeq).locator(".msg-deleted").waitFor();
    assert.deepEqual(await shownTexts(page), ["a question from omar", "my better answer"]);
    await closeTab(tab);
  });

  it("a reply's quote leads to an original that is not loaded yet, loading older pages", { timeout: 120_000 }, async () => {
    const room = uniq("convjump");
    const seeder = await ApiClient.guest(env.base, uniq("seeder"));
    const original = await seeder.post(room, "the original, far back");
    const doomed = await seeder.post(room, "an original, deleted later");
    const vanished = await seeder.post(room, "an original the server will not give");
    for (let i = 1; i <= 110; i++) await seeder.post(room, `filler ${i}`);
    await seeder.post(room, "a reply to a deleted message", undefined, { reply_to: doomed.seq });
    await seeder.event(room, { type: "delete", target: doomed.seq });
    await seeder.post(room, "a reply to a vanished message", undefined, { reply_to: vanished.seq });
    await seeder.post(room, "a late reply", undefined, { reply_to: original.seq });

    const tab = await openTab(env.browser, env.base);
    const { page } = tab;
    // As if that message were gone from the server (a reset history, say).
    await page.route(`**/api/rooms/${room}/messages/${vanished.seq}`, (route) => route.fulfill({
      status: 404, contentType: "application/json",
      body: JSON.stringify({ error: { code: "not_found", message: "no such message" } }),
    }));
    await joinAsGuest(tab, room, uniq("reader"));
    await waitForMessage(page, "a late reply");
    assert.equal(await messageWith(page, "the original, far back").count(), 0, "the original is not loaded");
    const quote = messageWith(page, "a late reply").locator(".quote");
    await eventually(async () => /the original, far back/.test(await quote.textContent()),
      { message: "the quote of an original not loaded" });
    // An original deleted, or gone, says so.
    const deletedQuote = messageWith(page, "a reply to a deleted message").locator(".quote");
    await eventually(async () => /message deleted/.test(await deletedQuote.textContent()),
      { message: "the quote of a deleted original" });
    assert.doesNotMatch(await deletedQuote.textContent(), /deleted later/);
    // An edit of an original that is not loaded reaches its quote.
    await seeder.event(room, { type: "edit", target: original.seq, text: "the original, far back, edited" });
    await eventually(async () => /far back, edited/.test(await quote.textContent()), { message: "the quote edited" });
    const goneQuote = messageWith(page, "a reply to a vanished message").locator(".quote");
    await eventually(async () => /original message not found/.test(await goneQuote.textContent()),
      { message: "the quote of an original the server does not have" });
    await goneQuote.click();
    await page.locator("#error-banner", { hasText: "not in this room's history" }).waitFor();
    assert.equal(await messageWith(page, "filler 1").count(), 0, "no pages loaded for a missing original");
    await page.locator("#error-close").click();

    await quote.click();
    const target = messageAt(page, original.seq);
    await target.waitFor({ timeout: 20_000 });
    await eventually(() => target.evaluate((node) => node === document.activeElement), { message: "focused" });
    assert.match(await target.getAttribute("class"), /\bflash\b/);
    const inView = await target.evaluate((node) => {
      const s = document.getElementById("scroller").getBoundingClientRect();
      const r = node.getBoundingClientRect();
      return r.bottom > s.top && r.top < s.bottom;
    });
    assert.ok(inView, "the original is scrolled into view");
    const texts = await shownTexts(page);
    assert.equal(texts[0], "the original, far back, edited");
    assert.equal(new Set(texts).size, texts.length, "no message twice");
    await closeTab(tab);
  });

  it("a change the server refuses (its message deleted meanwhile) is said, with the frame's id", T, async () => {
    const room = uniq("convrefused");
    const other = await ApiClient.guest(env.base, uniq("olaf"));
    const doomed = await other.post(room, "soon deleted");
    const tab = await openTab(env.browser, env.base);
    const { page, context } = tab;
    await joinAsGuest(tab, room, uniq("rosa"));
    await waitForMessage(page, "soon deleted");

    // Offline, the reaction waits; meanwhile its message is deleted.
    await context.setOffline(true);
    await page.evaluate(() => window.__ws.sockets.at(-1).close());
    await page.locator('#status[data-state="offline"]').waitFor();
    const node = messageAt(page, doomed.seq);
    await node.locator(".bubble").hover();
    await tool(page, "react").click();
    await page.locator('#reaction-picker .pick[data-emoji="👍"]').click();
    await node.locator(".msg-note", { hasText: "when the connection is back" }).waitFor();
    await other.event(room, { type: "delete", target: doomed.seq });
    await context.setOffline(false);
    await waitOnline(page);

    await page.locator("#error-banner", { hasText: "The reaction was not saved" }).waitFor();
    await node.locator(".msg-deleted").waitFor();
    await eventually(async () => (await node.locator(".msg-note").count()) === 0, { message: "the note gone" });
    assert.equal(await node.locator(".reaction").count(), 0);
    const sent = await page.evaluate(() => window.__ws.sent.filter((f) => f.includes('"type":"react"')));
    assert.ok(sent.length >= 1, "the reaction was sent");
    for (const frame of sent) assert.match(frame, /"id":"[0-9a-f]{32}"/);
    await closeTab(tab);
  });

  it("edits, deletes and reactions missed while offline come with the rejoin, and count for since", T, async () => {
    const room = uniq("convback");
    const other = await ApiClient.guest(env.base, uniq("olga"));
    const first = await other.post(room, "to be edited");
    const second = await other.post(room, "to be deleted");
    const tab = await openTab(env.browser, env.base);
    const { page, context } = tab;
    await joinAsGuest(tab, room, uniq("rita"));
    await waitForMessage(page, "to be deleted");

    await context.setOffline(true);
    await page.evaluate(() => window.__ws.sockets.at(-1).close());
    await page.locator('#status[data-state="offline"]').waitFor();
    await other.event(room, { type: "edit", target: first.seq, text: "edited while away" });
    await other.event(room, { type: "react", target: first.seq, emoji: "🎉", on: true });
    await other.event(room, { type: "delete", target: second.seq });
    const last = await other.post(room, "said while away");
    await context.setOffline(false);
    await waitOnline(page);
    await waitForMessage(page, "said while away");
    await waitForMessage(page, "edited while away");
    await messageAt(page, second.seq).locator(".msg-deleted").waitFor();
    const chip = messageAt(page, first.seq).locator('.reaction[data-emoji="🎉"]');
    await eventually(async () => (await labelOf(chip)) === `🎉 1: ${other.user}`, { message: "the reaction" });
    assert.deepEqual(await shownTexts(page), ["edited while away", "said while away"]);

    // Once more: the rejoin names the newest seq, an event's included.
    await other.event(room, { type: "react", target: first.seq, emoji: "🎉", on: false });
    await eventually(async () => (await chip.count()) === 0, { message: "the reaction off" });
    const expected = last.seq + 1;
    await page.evaluate(() => window.__ws.sockets.at(-1).close());
    await eventually(async () => {
      const joins = await page.evaluate(() => window.__ws.sent.filter((f) => f.includes('"type":"join"')));
      return joins.length >= 3 && new RegExp(`"since":${expected}\\b`).test(joins.at(-1));
    }, { message: `a rejoin with since=${expected}` });
    await waitOnline(page);
    await other.post(room, "after the second return");
    await waitForMessage(page, "after the second return");
    await closeTab(tab);
  });

  it("long polling: events arrive by after= polls, and edits and reactions go over HTTP", T, async () => {
    const room = uniq("convpoll");
    const other = await ApiClient.guest(env.base, uniq("paul"));
    const tab = await openTab(env.browser, env.base);
    const { page } = tab;
    await joinAsGuest(tab, room, uniq("pia"), { query: "?transport=poll" });
    assert.equal(await page.locator("#chat").getAttribute("data-transport"), "poll");
    const theirs = await other.post(room, "polled message");
    await waitForMessage(page, "polled message");
    // An edit's text is text, never markup (closeTab checks that no dialog opened).
    const markup = "polled and <img src=x onerror=alert(1)> edited";
    await other.event(room, { type: "edit", target: theirs.seq, text: markup });
    await waitForMessage(page, markup);
    assert.equal(await page.locator("#messages img").count(), 0, "no element made from the text");

    // A reaction from the page goes over POST .../events.
    const node = messageAt(page, theirs.seq);
    await node.locator(".bubble").hover();
    await tool(page, "react").click();
    await page.locator('#reaction-picker .pick[data-emoji="😂"]').click();
    const chip = node.locator('.reaction[data-emoji="😂"]');
    await eventually(async () => (await chip.getAttribute("aria-pressed")) === "true", { message: "own reaction" });
    const stored = await other.request("GET", `/api/rooms/${room}/messages/${theirs.seq}`);
    assert.equal(stored.reactions?.["😂"]?.length, 1, "stored on the server");

    // Up edits one's own message over HTTP too.
    await sendText(page, "mine, polled");
    await waitForMessage(page, "mine, polled");
    await page.locator("#text").press("ArrowUp");
    const editor = messageWith(page, "mine, polled").locator(".msg-edit textarea");
    await editor.fill("mine, edited over HTTP");
    await editor.press("Enter");
    await waitForMessage(page, "mine, edited over HTTP");
    await other.event(room, { type: "delete", target: theirs.seq });
    await node.locator(".msg-deleted").waitFor();
    assert.deepEqual(await shownTexts(page), ["mine, edited over HTTP"]);
    await closeTab(tab);
  });
}
