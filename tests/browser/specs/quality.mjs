// Accessibility (axe-core) on the pages, and screenshots at phone and
// desktop widths in both colour schemes (written to screenshots/).

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { it } from "node:test";
import { fileURLToPath } from "node:url";
import { ApiClient } from "../lib/api.mjs";
import { seriousViolations } from "../lib/axe.mjs";
import {
  closeTab, eventually, joinAsGuest, logIn, openTab, sendText, waitForMessage,
} from "../lib/browser.mjs";
import { env, uniq } from "../lib/env.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const shots = join(here, "..", "screenshots");

/** A conversation to look at, with `me` (an account) taking part.
 *  (Fixed names: nothing else in the suite uses them.) */
async function stageConversation(room, me) {
  const maya = await ApiClient.guest(env.base, "maya");
  const noah = await ApiClient.guest(env.base, "noah");
  await maya.post(room, `Morning! @${me.user}, did the release go out?`);
  const answered = await noah.post(room, "Yes, at 9:40. Everything is green.");
  await maya.post(room, "Great, thanks.\nI'll tell the team.");
  const praise = await me.post(room, "Nice work, both of you. The new history paging feels instant");
  await me.event(room,
    { type: "edit", target: praise.seq, text: "Nice work, both of you. The new history paging feels instant." });
  await maya.event(room, { type: "react", target: answered.seq, emoji: "🎉", on: true });
  await me.event(room, { type: "react", target: answered.seq, emoji: "🎉", on: true });
  await noah.event(room, { type: "react", target: praise.seq, emoji: "❤️", on: true });
  const oops = await noah.post(room, "wrong room, sorry");
  await noah.event(room, { type: "delete", target: oops.seq });
  const lunch = await noah.post(room, "Lunch at 12? <b>not bold</b>, just text.");
  await me.post(room, "Sounds good!", undefined, { reply_to: lunch.seq });
  return [maya, noah];
}

export function register() {
  it("axe-core finds no serious or critical violations on / and /r/<room>, light and dark", { timeout: 90_000 }, async () => {
    const room = uniq("a11y");
    const problems = [];
    for (const colorScheme of ["light", "dark"]) {
      for (const width of [1280, 360]) {
        const tab = await openTab(env.browser, env.base, { colorScheme, width, height: width < 500 ? 740 : 800 });
        const { page } = tab;
        const where = `${colorScheme} ${width}px`;
        await page.goto("/");
        await page.locator("#guest-form").waitFor();
        for (const v of await seriousViolations(page)) problems.push(`/ signed out, ${where}: ${v}`);

        await joinAsGuest(tab, room, uniq("ally"));
        await sendText(page, `Hello from ${where}`);
        await waitForMessage(page, `Hello from ${where}`);
        await page.locator("#text").fill("typing…");
        // Hover states count too: with the pointer over one's own message.
        await page.locator("#messages .msg.own .bubble").last().hover();
        for (const v of await seriousViolations(page)) problems.push(`/r/${room}, ${where}: ${v}`);

        if (width === 1280) {
          // Offline: the banner, and a message waiting to be sent.
          await tab.context.setOffline(true);
          await page.evaluate(() => window.__ws.sockets.at(-1).close());
          await page.locator("#conn-banner").waitFor();
          await sendText(page, `waiting to be sent (${where})`);
          await page.locator("#pending .msg").waitFor();
          await page.locator("#messages .msg:not(.own) .bubble").last().hover().catch(() => {});
          for (const v of await seriousViolations(page)) problems.push(`/r/${room} offline, ${where}: ${v}`);
          await tab.context.setOffline(false);
          await waitForMessage(page, `waiting to be sent (${where})`);
        }

        if (width === 360) {
          await page.locator("#members-toggle").click();
          await page.locator("#members-panel").waitFor();
          for (const v of await seriousViolations(page)) problems.push(`/r/${room} members open, ${where}: ${v}`);
        }

        await page.goto("/");
        await page.locator("#signed-in").waitFor();
        await page.locator("#room-list .room-link").first().waitFor();
        for (const v of await seriousViolations(page)) problems.push(`/ signed in, ${where}: ${v}`);

        await page.goto("/login");
        for (const v of await seriousViolations(page)) problems.push(`/login, ${where}: ${v}`);
        await page.goto("/register");
        for (const v of await seriousViolations(page)) problems.push(`/register, ${where}: ${v}`);
        await page.goto("/r/bad%20name");
        for (const v of await seriousViolations(page)) problems.push(`404 page, ${where}: ${v}`);
        await closeTab(tab);
      }
    }
    assert.deepEqual(problems, []);
  });

  it("axe-core finds no serious or critical violations with edited, deleted, reacted and replied messages and their controls open", { timeout: 120_000 }, async () => {
    const room = uniq("a11yconv");
    const ann = await ApiClient.guest(env.base, uniq("ann"));
    const ben = await ApiClient.guest(env.base, uniq("ben"));
    const question = await ann.post(room, "Shall we ship on Friday?");
    const gone = await ben.post(room, "A message with a typo");
    await ben.event(room, { type: "delete", target: gone.seq });
    const answer = await ben.post(room, "Friday works");
    await ben.event(room, { type: "edit", target: answer.seq, text: "Friday works for me" });
    await ann.event(room, { type: "react", target: answer.seq, emoji: "🎉", on: true });
    await ben.event(room, { type: "react", target: question.seq, emoji: "👍", on: true });
    await ann.event(room, { type: "react", target: question.seq, emoji: "👍", on: true });
    await ann.post(room, "Great, Friday it is.", undefined, { reply_to: answer.seq });
    const problems = [];
    for (const colorScheme of ["light", "dark"]) {
      for (const width of [1280, 360]) {
        const tab = await openTab(env.browser, env.base, { colorScheme, width, height: width < 500 ? 740 : 800 });
        const { page } = tab;
        const where = `${colorScheme} ${width}px`;
        const check = async (what) => {
          for (const v of await seriousViolations(page)) problems.push(`${what}, ${where}: ${v}`);
        };
        await joinAsGuest(tab, room, uniq("ally"));
        await waitForMessage(page, "Great, Friday it is.");
        await page.locator("#messages .quote", { hasText: "Friday works for me" }).waitFor();
        // One's own message, edited, with a reaction of one's own elsewhere.
        await sendText(page, `Mine, from ${where}`);
        await waitForMessage(page, `Mine, from ${where}`);
        await page.locator("#text").press("ArrowUp");
        await page.locator(".msg-edit textarea").fill(`Mine, edited, from ${where}`);
        await page.locator(".msg-edit textarea").press("Enter");
        await waitForMessage(page, `Mine, edited, from ${where}`);
        const asked = page.locator(`#messages .msg[data-seq="${question.seq}"]`);
        await asked.locator(".reaction").first().click();
        await asked.locator('.reaction[aria-pressed="true"]').waitFor();

        // The toolbar and the emoji picker open on a message, a reaction's names shown.
        await asked.locator(".bubble").hover();
        await page.locator('#msg-toolbar [data-tool="react"]').click();
        await page.locator("#reaction-picker").waitFor();
        await check(`/r/${room} picker open`);
        await page.keyboard.press("Escape");
        await asked.locator(".reaction").first().hover();
        await check(`/r/${room} reaction names shown`);

        // Replying, editing, and the delete dialog.
        await page.locator('#msg-toolbar [data-tool="reply"]').click();
        await page.locator("#reply-preview").waitFor();
        await page.locator("#text").press("ArrowUp");
        await page.locator(".msg-edit textarea").waitFor();
        await check(`/r/${room} replying and editing`);
        await page.keyboard.press("Escape");
        const mine = page.locator("#messages .msg.own").last();
        await mine.locator(".bubble").hover();
        await page.locator('#msg-toolbar [data-tool="delete"]').click();
        await page.locator("#delete-dialog").waitFor();
        await check(`/r/${room} delete dialog`);
        await page.locator("#delete-cancel").click();
        await closeTab(tab);
      }
    }
    assert.deepEqual(problems, []);
  });

  it("axe-core finds no serious or critical violations with the rooms sidebar, its badges, the New messages divider, mentions and the @ list", { timeout: 120_000 }, async () => {
    const bob = await ApiClient.guest(env.base, uniq("bob"));
    const problems = [];
    for (const colorScheme of ["light", "dark"]) {
      for (const width of [1280, 360]) {
        const where = `${colorScheme} ${width}px`;
        const open = uniq("a11yread");
        const other = uniq("a11yother");
        const name = uniq("reader");
        const tab = await openTab(env.browser, env.base, { colorScheme, width, height: width < 500 ? 740 : 800 });
        const { page } = tab;
        const check = async (what) => {
          for (const v of await seriousViolations(page)) problems.push(`${what}, ${where}: ${v}`);
        };
        // Both rooms known (markers at their ends), then news in both while away.
        await joinAsGuest(tab, open, name);
        await page.goto(`/r/${other}`);
        await page.locator('#status[data-state="online"]').waitFor();
        await bob.post(open, "While you were out, the build went green.");
        await bob.post(open, `@${name} could you review the release notes?`);
        await page.goto(`/r/${open}`);
        await page.locator('#status[data-state="online"]').waitFor();
        await bob.post(other, `@${name} lunch?`);
        await bob.post(other, "The usual place.");
        await page.locator("#messages .unread-divider").waitFor();
        await page.locator("#messages .mention-me").waitFor();
        await eventually(async () => (await page.locator("#sidebar .mention-badge").count()) === 1,
          { message: "the other room's badges" });
        await check(`/r/${open} divider, mention and badges`);
        if (width === 360) {
          await page.locator("#sidebar-toggle").click();
          await page.locator("#sidebar").waitFor();
          await check(`/r/${open} rooms drawer open`);
          await page.keyboard.press("Escape");
        }
        await page.locator("#text").fill("");
        await page.locator("#text").pressSequentially(`thanks @${bob.user.slice(0, 2)}`);
        await page.locator("#mention-list").waitFor();
        await check(`/r/${open} @ list open`);
        await closeTab(tab);
      }
    }
    assert.deepEqual(problems, []);
  });

  it("screenshots at 360 and 1280 px, light and dark", { timeout: 90_000 }, async () => {
    mkdirSync(shots, { recursive: true });
    // Plain names read better in the pictures; each run has a fresh server.
    const room = "team";
    const name = "alex";
    const password = "screenshots only";
    const me = await ApiClient.register(env.base, name, password);
    const [maya, noah] = await stageConversation(room, me);
    // Another room of alex's, with news from maya (one for alex) since his last visit.
    const mockups = await me.post("design", "The new mockups are in the shared folder.");
    await me.request("POST", "/api/rooms/design/read", { seq: mockups.seq });
    await maya.post("design", "Looks great!");
    await maya.post("design", `@${name} can we use the dark variant for the sidebar?`);
    // noah is there too, in a tab of his own (his API session's cookie), to type.
    const noahTab = await openTab(env.browser, env.base);
    const [cookieName, cookieValue] = noah.cookie.split("=");
    await noahTab.context.addCookies([{ name: cookieName, value: cookieValue, url: env.base }]);
    await noahTab.page.goto(`/r/${room}`);
    await noahTab.page.locator('#status[data-state="online"]').waitFor();
    for (const colorScheme of ["light", "dark"]) {
      for (const width of [360, 1280]) {
        const tab = await openTab(env.browser, env.base,
          { colorScheme, width, height: width < 500 ? 740 : 800 });
        const { page } = tab;
        const tag = `${width}-${colorScheme}`;
        await page.goto("/");
        await page.locator("#guest-form").waitFor();
        await page.screenshot({ path: join(shots, `home-${tag}.png`) });

        await logIn(page, name, password);
        await page.goto(`/r/${room}`);
        await page.locator('#status[data-state="online"]').waitFor();
        await page.locator("#messages .msg-text", { hasText: "Sounds good!" }).waitFor();
        // A draft in the box, and noah typing.
        await page.locator("#text").fill("See you there");
        await page.evaluate(() => document.activeElement?.blur());
        await eventually(async () => {
          if (await page.locator("#typing.active").count()) return true;
          await noahTab.page.locator("#text").pressSequentially("o");
          return false;
        }, { interval: 300, message: "noah typing" });
        await page.screenshot({ path: join(shots, `room-${tag}.png`) });
        if (width === 360) {
          await page.locator("#sidebar-toggle").click();
          await page.locator("#sidebar .mention-badge").waitFor();
          await page.screenshot({ path: join(shots, `room-drawer-${tag}.png`) });
          await page.keyboard.press("Escape");
        }

        await page.goto("/");
        await page.locator("#room-list .room-link").first().waitFor();
        await page.screenshot({ path: join(shots, `home-signed-in-${tag}.png`) });
        await page.goto("/login");
        await page.screenshot({ path: join(shots, `login-${tag}.png`) });
        await closeTab(tab);
      }
    }
    await closeTab(noahTab);
  });
}
