// The home page: guests, accounts (the server's forms), the room list, log out.

import assert from "node:assert/strict";
import { it } from "node:test";
import { ApiClient } from "../lib/api.mjs";
import { closeTab, eventually, joinAsGuest, openTab, waitOnline } from "../lib/browser.mjs";
import { env, uniq } from "../lib/env.mjs";

const T = { timeout: 60_000 };

export function register() {
  it("home: join as a guest, see who you are and the rooms, log out", T, async () => {
    const room = uniq("Lobby");
    const name = uniq("gina");
    const tab = await openTab(env.browser, env.base);
    const { page } = tab;
    await page.goto("/");
    await page.locator("#guest-form").waitFor();
    assert.ok(await page.locator("#rooms").isHidden(), "no room list without an identity");
    await page.locator("#guest-name").fill(name);
    await page.locator("#guest-room").fill(room);
    // Log in / register would come back to the room being entered.
    assert.equal(await page.locator("#login-link").getAttribute("href"),
      `/login?next=${encodeURIComponent(`/r/${room}`)}`);
    await page.locator("#guest-submit").click();
    await page.waitForURL(`**/r/${room}`);
    await waitOnline(page);
    assert.equal(await page.locator("#room-title").textContent(), room);

    // Someone else is in another room, with people online.
    const other = await ApiClient.guest(env.base, uniq("other"));
    const busy = uniq("busy");
    await other.post(busy, "hi");

    await page.goto("/");
    await page.locator("#signed-in").waitFor();
    assert.equal(await page.locator("#me-name").textContent(), name);
    assert.ok(await page.locator("#me-guest").isVisible(), "marked as a guest");
    const rooms = page.locator("#room-list .room-link");
    await eventually(async () => (await rooms.count()) >= 2, { message: "the room list" });
    const names = await page.locator("#room-list .room-name").allTextContents();
    assert.ok(names.includes(room) && names.includes(busy), `both rooms listed: ${names}`);
    assert.ok(names.indexOf(busy) < names.indexOf(room), "most recently active first");
    assert.equal(await page.locator("#room-list .room-link", { hasText: busy }).getAttribute("href"), `/r/${busy}`);

    // Entering a room from the home page.
    await page.locator("#room-name").fill(busy);
    await page.locator("#room-name").press("Enter");
    await page.waitForURL(`**/r/${busy}`);
    await waitOnline(page);
    await page.locator("#messages .msg-text", { hasText: "hi" }).waitFor();

    // Log out (a form posted with the session's CSRF token).
    await page.goto("/");
    await page.locator("#signed-in").waitFor();
    await page.locator("#logout-form button").click();
    await page.locator("#guest-form").waitFor();
    const status = await page.evaluate(async () => (await fetch("/api/me")).status);
    assert.equal(status, 401, "the session is over");
    await closeTab(tab);
  });

  it("a taken guest name is refused with a visible reason", T, async () => {
    const room = uniq("taken");
    const name = uniq("dup");
    const first = await openTab(env.browser, env.base);
    await joinAsGuest(first, room, name);
    const second = await openTab(env.browser, env.base);
    const { page } = second;
    await page.goto(`/r/${room}`);
    assert.ok(await page.locator("#guest-room-field").isHidden(), "the room comes from the URL");
    await page.locator("#guest-name").fill(name.toUpperCase());
    await page.locator("#guest-submit").click();
    const error = page.locator("#guest-name-error");
    await eventually(async () => /taken/.test(await error.textContent()), { message: "the name error" });
    assert.equal(await page.locator("#guest-name").getAttribute("aria-invalid"), "true");
    // Another name works in place.
    await page.locator("#guest-name").fill(uniq("other"));
    await page.locator("#guest-submit").click();
    await waitOnline(page);
    await closeTab(second);
    await closeTab(first);
  });

  it("register, log out and log in with the server's forms (CSRF by double submit)", T, async () => {
    const name = uniq("acct");
    const password = "password123";
    const tab = await openTab(env.browser, env.base);
    const { page } = tab;
    await page.goto("/register");
    await page.locator("#name").fill(name);
    await page.locator("#password").fill(password);
    await page.locator("button[type=submit]").click();
    await page.locator("#signed-in").waitFor();
    assert.equal(await page.locator("#me-name").textContent(), name);
    assert.ok(await page.locator("#me-guest").isHidden(), "an account, not a guest");

    await page.locator("#logout-form button").click();
    await page.locator("#guest-form").waitFor();
    await page.goto("/login");
    await page.locator("#name").fill(name);
    await page.locator("#password").fill("not the password");
    await page.locator("button[type=submit]").click();
    await page.locator(".form-error:not(:empty)").waitFor();
    assert.equal(await page.locator("#name").inputValue(), name, "the name is kept");
    await page.locator("#password").fill(password);
    await page.locator("button[type=submit]").click();
    await page.locator("#signed-in").waitFor();
    assert.equal(await page.locator("#me-name").textContent(), name);

    // A form without its CSRF token is refused.
    await page.evaluate(() => { document.cookie = "parley_form=; Max-Age=0; Path=/"; });
    const status = await page.evaluate(async () => (await fetch("/logout", {
      method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "",
    })).status);
    assert.equal(status, 403, "POST /logout without the token is refused");
    assert.equal(await page.evaluate(async () => (await fetch("/api/me")).status), 200, "still logged in");
    await closeTab(tab);
  });

  it("register and log in through the server's forms, back to the room", T, async () => {
    const room = uniq("members");
    const name = uniq("reg");
    const password = "correct horse battery";
    const tab = await openTab(env.browser, env.base);
    const { page } = tab;
    await page.goto(`/r/${room}`);
    await page.locator("#guest-form").waitFor();
    await page.locator("#register-link").click();
    await page.waitForURL("**/register?next=*");
    await page.locator("#name").fill(name);
    await page.locator("#password").fill(password);
    await page.locator("button[type=submit]").click();
    await page.waitForURL(`**/r/${room}`, { timeout: 10_000 });
    await waitOnline(page);
    // The password works over the JSON API too (the same account, the same
    // password; without the cookie, which would ask for the CSRF header).
    const status = await page.evaluate(async ([n, p]) => (await fetch("/api/login", {
      method: "POST", headers: { "Content-Type": "application/json" }, credentials: "omit",
      body: JSON.stringify({ name: n, password: p }),
    })).status, [name, password]);
    assert.equal(status, 200, "the form's password is the password");

    await page.goto("/");
    await page.locator("#signed-in").waitFor();
    assert.equal(await page.locator("#me-name").textContent(), name);
    assert.ok(await page.locator("#me-guest").isHidden(), "an account, not a guest");
    await page.locator("#logout-form button").click();
    await page.locator("#guest-form").waitFor();

    // Log in again from the room page's link; a wrong password first.
    await page.goto(`/r/${room}`);
    await page.locator("#login-link").click();
    await page.waitForURL("**/login?next=*");
    await page.locator("#name").fill(name);
    await page.locator("#password").fill("wrong password");
    await page.locator("button[type=submit]").click();
    await page.locator(".form-error:not(:empty)").waitFor();
    await page.locator("#password").fill(password);
    await page.locator("button[type=submit]").click();
    await page.waitForURL(`**/r/${room}`, { timeout: 10_000 });
    await waitOnline(page);
    await closeTab(tab);
  });
}
