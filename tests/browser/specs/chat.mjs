// Two people in one room: messages, presence, typing, safety, the composer.

import assert from "node:assert/strict";
import { it } from "node:test";
import { ApiClient } from "../lib/api.mjs";
import {
  closeTab, eventually, joinAsGuest, openTab, sendText, shownTexts, waitForMessage,
} from "../lib/browser.mjs";
import { env, uniq } from "../lib/env.mjs";

const T = { timeout: 60_000 };

export function register() {
  it("two browser contexts chat in one room", T, async () => {
    const room = uniq("chat");
    const alice = uniq("alice");
    const bob = uniq("bob");
    const a = await openTab(env.browser, env.base);
    const b = await openTab(env.browser, env.base, { colorScheme: "dark", width: 360, height: 740 });
    await joinAsGuest(a, room, alice);
    await joinAsGuest(b, room, bob);

    await sendText(a.page, "Hello Bob, how are you?");
    await waitForMessage(b.page, "Hello Bob, how are you?");
    await waitForMessage(a.page, "Hello Bob, how are you?");
    await sendText(b.page, "Fine, thanks!");
    await sendText(b.page, "And you?");
    await waitForMessage(a.page, "And you?");
    await waitForMessage(b.page, "And you?");

    const expected = ["Hello Bob, how are you?", "Fine, thanks!", "And you?"];
    assert.deepEqual(await shownTexts(a.page), expected);
    assert.deepEqual(await shownTexts(b.page), expected);

    // Own messages are told apart; others carry their author; all a time.
    const aliceOwn = a.page.locator("#messages .msg.own .msg-text");
    assert.deepEqual(await aliceOwn.allTextContents(), ["Hello Bob, how are you?"]);
    const fromAlice = b.page.locator("#messages .msg:not(.own)").first();
    assert.equal(await fromAlice.locator(".msg-author-name").textContent(), alice);
    // Both joined as guests: marked so, unlike an account of the same name.
    assert.equal(await fromAlice.locator(".msg-author .guest-tag").textContent(), "guest");
    assert.ok(await fromAlice.locator(".msg-author").isVisible(), "author shown");
    assert.match(await fromAlice.locator("time").getAttribute("datetime"), /^\d{4}-\d\d-\d\dT/);
    assert.ok(await fromAlice.locator("time").isVisible(), "time shown");
    const fromBob = a.page.locator("#messages .msg:not(.own)");
    assert.equal(await fromBob.count(), 2);
    assert.equal(await fromBob.first().locator(".msg-author-name").textContent(), bob);
    assert.equal(await b.page.locator("#messages .msg.own").count(), 2);

    // Nothing left pending, the title names the room.
    assert.equal(await a.page.locator("#pending .msg").count(), 0);
    assert.equal(await b.page.locator("#pending .msg").count(), 0);
    assert.match(await a.page.title(), new RegExp(`#${room}`));

    await closeTab(a);
    await closeTab(b);
  });

  it("presence and typing show between two users", T, async () => {
    const room = uniq("presence");
    const alice = uniq("alice");
    const bob = uniq("bob");
    const a = await openTab(env.browser, env.base);
    await joinAsGuest(a, room, alice);
    const member = (page, name) => page.locator(`#member-list .member[data-user="${name.toLowerCase()}"]`);
    await member(a.page, alice).waitFor();

    const b = await openTab(env.browser, env.base);
    await joinAsGuest(b, room, bob);
    await member(a.page, bob).waitFor();           // presence join
    await member(b.page, alice).waitFor();         // the joined frame's members
    assert.equal(await a.page.locator("#member-count").textContent(), "2");

    // Typing appears, and clears when the message comes...
    const typing = a.page.locator("#typing-text");
    await b.page.locator("#text").pressSequentially("Hel");
    await eventually(async () => (await typing.textContent()) === `${bob} is typing…`,
      { message: "typing indicator" });
    await b.page.locator("#text").pressSequentially("lo");
    await b.page.locator("#text").press("Enter");
    await waitForMessage(a.page, "Hello");
    assert.equal(await typing.textContent(), "");

    // ...or by itself a few seconds after the typing stopped.
    await b.page.locator("#text").pressSequentially("one more");
    await eventually(async () => (await typing.textContent()) !== "", { message: "typing again" });
    await eventually(async () => (await typing.textContent()) === "",
      { timeout: 8000, message: "typing to clear by itself" });
    // The typist does not see itself typing.
    assert.equal(await b.page.locator("#typing-text").textContent(), "");

    // Leaving: the member goes from the list.
    await closeTab(b);
    await eventually(async () => (await member(a.page, bob).count()) === 0, { message: "bob to leave" });
    assert.equal(await a.page.locator("#member-count").textContent(), "1");
    await closeTab(a);
  });

  it("an HTML-looking message is shown literally", T, async () => {
    const room = uniq("safety");
    const a = await openTab(env.browser, env.base);
    const b = await openTab(env.browser, env.base);
    await joinAsGuest(a, room, uniq("alice"));
    await joinAsGuest(b, room, uniq("mallory"));
    const payloads = [
      "<img src=x onerror=alert(1)>",
      "<script>alert(2)</script><b>bold?</b> &amp; &lt;",
      "\"><svg onload=alert(3)>",
    ];
    for (const text of payloads) await sendText(b.page, text);
    // One over HTTP as well, as another client would send it.
    const api = await ApiClient.guest(env.base, uniq("api"));
    await api.post(room, "<iframe src=javascript:alert(4)></iframe>");
    payloads.push("<iframe src=javascript:alert(4)></iframe>");
    for (const text of payloads) await waitForMessage(a.page, text);
    assert.deepEqual(await shownTexts(a.page), payloads);
    for (const tag of ["img", "script", "b", "svg:not(.logo)", "iframe"]) {
      assert.equal(await a.page.locator(`#messages .msg-text ${tag}`).count(), 0, `no <${tag}> in messages`);
    }
    await closeTab(a); // asserts that no dialog opened and no script error happened
    await closeTab(b);
  });

  it("keyboard only: join, send with Enter, Shift+Enter for a newline, Tab to Send", T, async () => {
    const room = uniq("keys");
    const name = uniq("kim");
    const tab = await openTab(env.browser, env.base);
    const { page } = tab;
    const kb = page.keyboard;
    await page.goto("/");
    await page.locator("#guest-form").waitFor();
    // The name field has focus; Tab goes on to the room field; Enter submits.
    await eventually(() => page.evaluate(() => document.activeElement?.id === "guest-name"),
      { message: "focus in the name field" });
    await kb.type(name);
    await kb.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "guest-room");
    await kb.press("Control+A");
    await kb.type(room);
    await kb.press("Enter");
    await page.waitForURL(`**/r/${room}`);
    await page.locator('#status[data-state="online"]').waitFor();

    // From the top of the page: the skip link leads to the message box.
    await page.evaluate(() => {
      // Back to the start of the document, as after loading with no focus.
      document.body.tabIndex = -1;
      document.body.focus();
      document.body.removeAttribute("tabindex");
    });
    await kb.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "skip-link");
    await kb.press("Enter");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "text");

    await kb.type("first line");
    await kb.press("Shift+Enter");
    await kb.type("second line");
    await kb.press("Enter");
    await waitForMessage(page, "first line\nsecond line");
    assert.equal(await page.locator("#text").inputValue(), "");

    // Tab from the box reaches Send; Space presses it.
    await kb.type("sent with the button");
    await kb.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "send");
    await kb.press("Space");
    await waitForMessage(page, "sent with the button");
    assert.deepEqual(await shownTexts(page), ["first line\nsecond line", "sent with the button"]);
    await closeTab(tab);
  });

  it("empty and over-long messages cannot be sent, with a visible reason", T, async () => {
    const room = uniq("limits");
    const tab = await openTab(env.browser, env.base);
    const { page } = tab;
    await joinAsGuest(tab, room, uniq("lena"));
    const box = page.locator("#text");
    const send = page.locator("#send");
    const reason = page.locator("#composer-error");

    assert.ok(await send.isDisabled(), "nothing typed: Send disabled");
    await box.fill(" \n\t \u00a0 ");
    assert.ok(await send.isDisabled(), "white space only: Send disabled");
    await box.press("Enter");
    assert.equal(await page.locator("#pending .msg").count(), 0, "Enter sent nothing");

    // 4001 code points (emoji are two UTF-16 units each, one code point).
    const tooLong = "😀".repeat(4001);
    await box.fill(tooLong);
    assert.ok(await send.isDisabled(), "over the limit: Send disabled");
    assert.ok(await reason.isVisible(), "a reason is shown");
    assert.match(await reason.textContent(), /Too long: 4001 of at most 4000/);
    assert.equal(await box.getAttribute("aria-invalid"), "true");
    await box.press("Enter");
    assert.equal(await page.locator("#pending .msg").count(), 0, "Enter sent nothing");

    const longest = "😀".repeat(4000);
    await box.fill(longest);
    assert.ok(await send.isEnabled(), "exactly 4000: Send enabled");
    assert.equal(await reason.textContent(), "");
    await send.click();
    await eventually(async () => (await page.locator("#messages .msg-text").count()) === 1,
      { message: "the 4000 code point message" });
    assert.equal(await page.locator("#messages .msg-text").textContent(), longest);
    await closeTab(tab);
  });
}
