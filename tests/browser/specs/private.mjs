// Private rooms and direct messages (the contract's "Private rooms and
// direct messages"), between registered users in browser contexts of their
// own: a private room created from its dialog, an invitation that reaches
// the invitee's sidebar live, the owner's member list with Remove, a
// removal that closes the room live, a member leaving, a third user who
// gets the 404 page; a direct conversation started by keyboard only, with
// its live unread badge under "Direct messages"; the landing page's public
// rooms (people online, last activity). axe-core on the dialogs and states.

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { it } from "node:test";
import { fileURLToPath } from "node:url";
import { ApiClient } from "../lib/api.mjs";
import { seriousViolations } from "../lib/axe.mjs";
import {
  closeTab, eventually, logIn, openTab, sendText, waitForMessage, waitOnline,
} from "../lib/browser.mjs";
import { env, uniq } from "../lib/env.mjs";

const T = { timeout: 120_000 };
const PASSWORD = "private-tests-only";
const shots = join(dirname(fileURLToPath(import.meta.url)), "..", "screenshots");

/** A picture of the page as it is, in screenshots/ (git-ignored). */
async function shot(page, name) {
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

/** A registered user, with a browser tab logged in (options as openTab's). */
async function signedIn(name, options = {}) {
  const api = await ApiClient.register(env.base, name, PASSWORD);
  const tab = await openTab(env.browser, env.base, options);
  await logIn(tab.page, name, PASSWORD);
  return { name, api, tab, page: tab.page };
}

/** The sidebar's entry of `room` (null when not listed). */
function sideEntry(page, room) {
  return page.evaluate((key) => {
    const li = document.querySelector(`#sidebar li[data-room="${key}"]`);
    if (!li) return null;
    const link = li.querySelector("a");
    return {
      group: li.closest("ul")?.id ?? "",
      name: li.querySelector(".side-name")?.textContent ?? "",
      lock: li.querySelector('svg[role="img"]')?.getAttribute("aria-label") ?? "",
      unread: li.querySelector(".unread-badge")?.textContent ?? "",
      href: link?.getAttribute("href") ?? "",
    };
  }, room.toLowerCase());
}

/** What the focused element is. */
const focused = (page) => page.evaluate(() => {
  const a = document.activeElement;
  return { id: a?.id ?? "", start: a?.dataset?.start ?? "", tag: a?.tagName ?? "", text: a?.textContent?.trim() ?? "" };
});

/** Presses Tab until `probe(focused)` holds. */
async function tabTo(page, probe, max = 30) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    if (probe(await focused(page))) return;
  }
  throw new Error(`Tab did not reach the element (now at ${JSON.stringify(await focused(page))})`);
}

async function axe(page, what, problems) {
  for (const v of await seriousViolations(page)) problems.push(`${what}: ${v}`);
}

export function register() {
  it("a private room: created from its dialog, an invitation live in the invitee's sidebar, chat, removal live, a stranger gets 404", T, async () => {
    const room = uniq("secret");
    const lobby = uniq("hall");
    const problems = [];
    const alice = await signedIn(uniq("alice"));
    const bob = await signedIn(uniq("bob"), { colorScheme: "dark" });
    const carol = await signedIn(uniq("carol"), { width: 360, height: 740 });

    // Bob is in a public room: his sidebar will hear of the invitation.
    await bob.page.goto(`/r/${lobby}`);
    await waitOnline(bob.page);
    await bob.page.locator("#sidebar").waitFor();

    // Alice creates the room from the home page's dialog.
    await alice.page.goto("/");
    await alice.page.locator("#signed-in").waitFor();
    await alice.page.getByRole("button", { name: "New private room" }).click();
    const dialog = alice.page.locator("#private-dialog");
    await dialog.waitFor();
    assert.equal(await focused(alice.page).then((f) => f.id), "private-name", "the focus is in the name box");
    // A reserved name is refused before anything is sent.
    await alice.page.locator("#private-name").fill("dm-mine");
    await alice.page.locator("#private-name").press("Enter");
    await eventually(async () => /kept for direct messages/.test(await alice.page.locator("#private-name-error").textContent()),
      { message: "the reserved-name error" });
    assert.equal(await alice.page.locator("#private-name").getAttribute("aria-invalid"), "true");
    await axe(alice.page, "private room dialog with an error", problems);
    await alice.page.locator("#private-name").fill(room);
    await alice.page.locator("#private-name").press("Enter");
    await alice.page.waitForURL(`**/r/${room}`);
    await waitOnline(alice.page);

    // The owner's view: a lock, the owner, the invite form, no Leave.
    assert.equal(await alice.page.locator("#room-kind").textContent(), "Private room ");
    assert.equal(await alice.page.locator("#room-title").textContent(), room);
    await alice.page.locator("#access-info").waitFor();
    assert.equal(await alice.page.locator("#access-owner-name").textContent(), alice.name);
    assert.equal(await alice.page.locator("#members-label").textContent(), "Members");
    await alice.page.locator("#invite-form").waitFor();
    assert.ok(await alice.page.locator("#leave-room").isHidden(), "the owner cannot leave");
    assert.equal(await alice.page.locator('#member-list button[data-remove]').count(), 0, "no Remove on oneself");
    // The room is in her sidebar, locked.
    await eventually(async () => (await sideEntry(alice.page, room))?.lock === "Private room", { message: "the lock in alice's sidebar" });

    // An unknown user is said so; bob is invited.
    const ghost = uniq("ghost");
    await alice.page.locator("#invite-name").fill(ghost);
    await alice.page.locator("#invite-name").press("Enter");
    await eventually(async () => (await alice.page.locator("#invite-name-error").textContent()) === `There is no account named ${ghost}.`,
      { message: "the unknown-user error" });
    await axe(alice.page, "private room, owner, invite error", problems);
    await shot(alice.page, "private-owner-1280-light");
    await alice.page.locator("#invite-name").fill(bob.name);
    await alice.page.locator("#invite-name").press("Enter");
    await alice.page.locator(`#member-list li[data-user="${bob.name}"]`).waitFor();
    await eventually(async () => /is invited/.test(await alice.page.locator("#access-status").textContent()),
      { message: "the invitation said" });
    assert.equal(await alice.page.locator("#invite-name").inputValue(), "", "the box is emptied for the next one");
    await alice.page.getByRole("button", { name: `Remove ${bob.name}` }).waitFor();

    // Bob's sidebar shows it at once, without a reload, locked, and says so politely.
    await eventually(async () => (await sideEntry(bob.page, room))?.group === "sidebar-rooms",
      { message: "the room in bob's sidebar" });
    const entry = await sideEntry(bob.page, room);
    assert.equal(entry.lock, "Private room");
    assert.equal(entry.href, `/r/${room}`);
    await eventually(async () => (await bob.page.locator("#rooms-status").textContent())
      === `${alice.name} invited you to the private room ${room}.`, { message: "the announcement" });
    assert.equal(await bob.page.locator("#rooms-status").getAttribute("role"), "status");

    // He opens it: a member's view (the owner shown, Leave, no invite or Remove); they chat.
    await bob.page.locator(`#sidebar li[data-room="${room.toLowerCase()}"] a`).click();
    await bob.page.waitForURL(`**/r/${room}`);
    await waitOnline(bob.page);
    await bob.page.locator("#access-info").waitFor();
    assert.equal(await bob.page.locator("#access-owner-name").textContent(), alice.name);
    assert.ok(await bob.page.locator("#invite-form").isHidden());
    assert.equal(await bob.page.locator("#member-list button[data-remove]").count(), 0);
    await bob.page.locator("#leave-room").waitFor();
    const owner = bob.page.locator(`#member-list li[data-user="${alice.name}"]`);
    assert.match(await owner.textContent(), /owner/);
    await axe(bob.page, "private room, member (dark)", problems);

    await sendText(bob.page, "thanks for the invitation");
    await waitForMessage(alice.page, "thanks for the invitation");
    await sendText(alice.page, "welcome, <b>bob</b>");
    await waitForMessage(bob.page, "welcome, <b>bob</b>");
    assert.equal(await bob.page.locator("#messages b").count(), 0, "text, never markup");

    // Alice removes bob: his page closes the room live, and his sidebar lets it go.
    await alice.page.getByRole("button", { name: `Remove ${bob.name}` }).click();
    await eventually(async () => (await alice.page.locator(`#member-list li[data-user="${bob.name}"]`).count()) === 0,
      { message: "bob gone from alice's list" });
    await eventually(async () => /was removed/.test(await alice.page.locator("#access-status").textContent()),
      { message: "the removal said" });
    const lost = bob.page.locator("#access-lost");
    await lost.waitFor();
    assert.equal(await bob.page.locator("#access-lost-title").textContent(), "You no longer have access to this room");
    assert.equal(await lost.getAttribute("role"), "alert");
    assert.equal(await bob.page.locator("#text").isDisabled(), true, "the message box is closed");
    assert.equal(await bob.page.locator("#send").isDisabled(), true);
    assert.ok(await bob.page.locator("#scroll-area").isHidden(), "the messages are no longer shown");
    assert.equal(await bob.page.locator("#messages .msg").count(), 0);
    assert.ok(await bob.page.locator("#leave-room").isHidden());
    await eventually(async () => (await sideEntry(bob.page, room)) === null, { message: "the room gone from bob's sidebar" });
    // Nothing more of the room reaches him.
    await sendText(alice.page, "after bob left");
    await waitForMessage(alice.page, "after bob left");
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await bob.page.locator("#messages .msg").count(), 0);
    await axe(bob.page, "access lost (dark)", problems);
    await shot(bob.page, "private-removed-1280-dark");

    // A third user opening the room's address gets the 404 page.
    const response = await carol.page.goto(`/r/${room}`);
    assert.equal(response.status(), 404);
    assert.equal(await carol.page.getByRole("heading", { level: 1 }).textContent(), "This page does not exist");
    assert.equal(await carol.page.locator("body").textContent().then((t) => t.includes(room)), false,
      "the name is not written back");

    assert.deepEqual(problems, []);
    for (const user of [alice, bob, carol]) await closeTab(user.tab);
  });

  it("a member leaves a private room after confirming, and lands on the home page", T, async () => {
    const room = uniq("club");
    const owner = await ApiClient.register(env.base, uniq("olga"), PASSWORD);
    await owner.request("POST", "/api/rooms", { name: room, private: true });
    const dave = await signedIn(uniq("dave"), { width: 360, height: 740 });
    await owner.request("POST", `/api/rooms/${room}/invite`, { user: dave.name });
    await owner.post(room, "hello club");
    const { page } = dave;
    await page.goto(`/r/${room}`);
    await waitOnline(page);
    await waitForMessage(page, "hello club");
    // On a phone the members are behind their button.
    await page.locator("#members-toggle").click();
    const leave = page.getByRole("button", { name: "Leave room" });
    await leave.waitFor();

    // Cancel keeps everything as it was, and the focus comes back.
    await leave.click();
    const dialog = page.locator("#leave-dialog");
    await dialog.waitFor();
    const problems = [];
    await axe(page, "leave dialog (360 px)", problems);
    await shot(page, "private-leave-360-light");
    assert.deepEqual(problems, []);
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    assert.equal((await focused(page)).id, "leave-room");
    assert.equal((await owner.request("GET", `/api/rooms/${room}`)).members.length, 2);

    // Confirmed: the home page, and no access any more.
    await leave.click();
    await page.locator("#leave-confirm").click();
    await page.waitForURL(`${env.base}/`);
    await page.locator("#signed-in").waitFor();
    assert.deepEqual((await owner.request("GET", `/api/rooms/${room}`)).members, [owner.user]);
    const status = await page.evaluate(async (r) => (await fetch(`/api/rooms/${r}/messages`)).status, room);
    assert.equal(status, 404);
    await closeTab(dave.tab);
  });

  it("a direct message, started by keyboard only, shows under the other person's name with a live unread badge", T, async () => {
    const lobby = uniq("foyer");
    const alice = await signedIn(uniq("alice"));
    const bob = await signedIn(uniq("bob"), { colorScheme: "dark", width: 360, height: 740 });
    await bob.page.goto(`/r/${lobby}`);
    await waitOnline(bob.page);
    const problems = [];

    // Alice, by keyboard: Tab to "New direct message" on the home page, Enter.
    const { page } = alice;
    await page.goto("/");
    await page.locator("#signed-in").waitFor();
    await tabTo(page, (f) => f.start === "direct");
    await page.keyboard.press("Enter");
    await page.locator("#direct-dialog").waitFor();
    assert.equal((await focused(page)).id, "direct-name");
    // Escape closes, and the focus is back on the button.
    await page.keyboard.press("Escape");
    await page.locator("#direct-dialog").waitFor({ state: "hidden" });
    assert.equal((await focused(page)).start, "direct");
    await page.keyboard.press("Enter");
    await page.locator("#direct-dialog").waitFor();
    // Oneself, then nobody: each refused with a reason, the focus kept in the box.
    await page.keyboard.type(alice.name);
    await page.keyboard.press("Enter");
    await eventually(async () => (await page.locator("#direct-name-error").textContent()) === "That is you. Write to someone else.",
      { message: "the error for oneself" });
    const ghost = uniq("ghost");
    await page.keyboard.press("Control+A");
    await page.keyboard.type(ghost);
    await page.keyboard.press("Enter");
    await eventually(async () => (await page.locator("#direct-name-error").textContent()) === `There is no account named ${ghost}.`,
      { message: "the error for an unknown user" });
    assert.equal((await focused(page)).id, "direct-name");
    await axe(page, "direct message dialog with an error", problems);
    await shot(page, "direct-dialog-1280-light");
    // Bob: Enter starts the conversation.
    await page.keyboard.press("Control+A");
    await page.keyboard.type(bob.name);
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/r\/dm-[0-9a-f]+$/);
    const direct = decodeURIComponent(new URL(page.url()).pathname.slice(3));
    await waitOnline(page);
    assert.equal(await page.locator("#room-title").textContent(), `Direct conversation with ${bob.name}`);
    assert.equal(await page.title(), `${bob.name} · Parley`);
    assert.ok(await page.locator("#invite-form").isHidden(), "nobody to invite");
    assert.ok(await page.locator("#leave-room").isHidden(), "nothing to leave");
    assert.equal(await page.locator("#member-list button[data-remove]").count(), 0, "nobody to remove");
    await eventually(async () => (await sideEntry(page, direct))?.name === bob.name, { message: "bob in alice's direct messages" });
    assert.equal((await sideEntry(page, direct)).group, "sidebar-direct");
    // The message goes by keyboard too.
    await tabTo(page, (f) => f.id === "text");
    await page.keyboard.type("hi bob, a word in private");
    await page.keyboard.press("Enter");
    await waitForMessage(page, "hi bob, a word in private");
    await axe(page, "direct conversation", problems);

    // Bob's sidebar: "alice" under Direct messages, one unread, live.
    await eventually(async () => {
      const e = await sideEntry(bob.page, direct);
      return e && e.group === "sidebar-direct" && e.name === alice.name && e.unread === "1";
    }, { message: "alice with one unread in bob's direct messages", timeout: 15_000 });
    assert.ok(await bob.page.locator("#sidebar-direct-group").isVisible() || await bob.page.locator("#sidebar-toggle").isVisible());
    await bob.page.locator("#sidebar-toggle").click();
    const link = bob.page.getByRole("link", { name: new RegExp(`^${alice.name} ?, 1 unread$`) });
    await link.waitFor();
    assert.equal(await bob.page.locator("#sidebar-direct-heading").textContent(), "Direct messages");
    await axe(bob.page, "direct message in the drawer (dark, 360 px)", problems);
    await shot(bob.page, "direct-drawer-360-dark");
    await link.click();
    await bob.page.waitForURL(`**/r/${direct}`);
    await waitOnline(bob.page);
    await waitForMessage(bob.page, "hi bob, a word in private");
    assert.equal(await bob.page.locator("#room-title").textContent(), `Direct conversation with ${alice.name}`);

    assert.deepEqual(problems, []);
    await closeTab(alice.tab);
    await closeTab(bob.tab);
  });

  it("guests see why they cannot start direct messages or private rooms", T, async () => {
    const tab = await openTab(env.browser, env.base);
    const { page } = tab;
    await page.goto("/");
    await page.locator("#guest-name").fill(uniq("gus"));
    await page.locator("#guest-room").fill(uniq("open"));
    await page.locator("#guest-submit").click();
    await waitOnline(page);
    await page.goto("/");
    await page.locator("#signed-in").waitFor();
    assert.ok(await page.locator("#home-start").isHidden());
    await page.locator("#home-start-guest").waitFor();
    assert.equal(await page.getByRole("button", { name: "New direct message" }).count(), 0);
    await closeTab(tab);
  });

  it("the landing page lists a public room with its people online and last activity, one click away", T, async () => {
    const room = uniq("plaza");
    const talker = await ApiClient.guest(env.base, uniq("tess"));
    await talker.post(room, "anyone here?");
    // Someone is in the room, on a socket.
    const there = await openTab(env.browser, env.base);
    await there.page.goto("/");
    await there.page.locator("#guest-name").fill(uniq("ivy"));
    await there.page.locator("#guest-room").fill(room);
    await there.page.locator("#guest-submit").click();
    await waitOnline(there.page);

    const visitor = await signedIn(uniq("vic"));
    const { page } = visitor;
    await page.goto("/");
    const link = page.locator("#room-list .room-link", { has: page.locator(".room-name", { hasText: room }) });
    await link.waitFor();
    const listed = (await visitor.api.request("GET", "/api/rooms")).rooms.find((r) => r.name === room);
    assert.ok(listed.online >= 1, `someone online in ${room}`);
    assert.equal(await link.locator(".online-pill").textContent(), `${listed.online} online`);
    const time = link.locator("time");
    const when = Date.parse(await time.getAttribute("datetime"));
    assert.ok(Math.abs(when - listed.last_active) < 1000, "the <time> says when, in machine form");
    assert.equal(await time.textContent(), "just now");
    assert.match(await link.textContent(), /active just now/);
    const problems = [];
    await axe(page, "home with the start buttons and the public rooms", problems);
    assert.deepEqual(problems, []);

    await link.click();
    await page.waitForURL(`**/r/${room}`);
    await waitOnline(page);
    await waitForMessage(page, "anyone here?");
    await closeTab(there);
    await closeTab(visitor.tab);
  });
}
