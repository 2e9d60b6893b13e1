// Draws who may be in the open room: a private room's lock, owner and
// members (online or not), the owner's invite form and Remove buttons, a
// member's "Leave room" with its confirmation; a direct conversation's
// title ("Direct conversation with U"); and the notice that replaces the
// room when access is lost. Names only ever go through textContent.
// Decisions go out through `on`; nothing here talks to the server.

import { avatar, el, LOCK_ICON, svg } from "./message.js";
import { nameKey, nameProblem } from "./rules.js";

const $ = (id) => document.getElementById(id);

/**
 * @param {object} on  invite(user) and remove(user): each resolves to ""
 *                     when done or to the reason it failed; leave(): the
 *                     same, and the page moves on by itself when done
 */
export function createAccessView(on) {
  let info = null;       // see access.js describeRoom(); null: a public room (or not known)
  let me = "";
  let online = [];       // the names online in the room now
  let busy = false;
  const form = $("invite-form");
  const input = $("invite-name");
  const list = $("member-list");
  const leaveDialog = $("leave-dialog");

  const restricted = () => info !== null && info.kind !== "public";
  const isOwner = () => info?.kind === "private" && info.owner !== null && nameKey(info.owner) === nameKey(me);

  function say(text) {
    // A polite status; emptied first so the same words are said again.
    const status = $("access-status");
    status.textContent = "";
    requestAnimationFrame(() => { status.textContent = text; });
  }

  function setInviteError(message) {
    $("invite-name-error").textContent = message;
    input.setAttribute("aria-invalid", message ? "true" : "false");
  }

  // ---- Inviting ----------------------------------------------------------------

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy || !isOwner()) return;
    const user = input.value.trim();
    input.value = user;
    let problem = nameProblem(user);
    if (!problem && nameKey(user) === nameKey(me)) problem = "You are already in this room.";
    if (!problem && info.members.some((u) => nameKey(u) === nameKey(user))) problem = `${user} already has access.`;
    setInviteError(problem);
    if (problem) {
      input.focus();
      return;
    }
    busy = true;
    $("invite-submit").disabled = true;
    const failed = await on.invite(user);
    busy = false;
    $("invite-submit").disabled = false;
    if (failed) {
      setInviteError(failed);
      input.focus();
      input.select();
      return;
    }
    input.value = "";
    setInviteError("");
    say(`${user} is invited and can now open this room.`);
    input.focus();
  });
  input.addEventListener("input", () => {
    if (input.getAttribute("aria-invalid") === "true") setInviteError("");
  });

  // ---- Removing ------------------------------------------------------------------

  list.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-remove]");
    if (!button || busy) return;
    const user = button.dataset.remove;
    busy = true;
    button.disabled = true;
    const failed = await on.remove(user);
    busy = false;
    if (failed) {
      button.disabled = false;
      say(failed);
      button.focus();
      return;
    }
    // The list is drawn again without them: the focus goes to the next Remove, or the invite box.
    const next = [...list.querySelectorAll("button[data-remove]")].find((b) => b !== button && !b.disabled);
    say(`${user} was removed from this room.`);
    (next ?? input).focus();
  });

  // ---- Leaving, after a confirmation -------------------------------------------------

  $("leave-room").addEventListener("click", () => {
    $("leave-error").textContent = "";
    leaveDialog.returnValue = "";
    leaveDialog.showModal();
    $("leave-cancel").focus();
  });
  leaveDialog.querySelector("form").addEventListener("submit", async (event) => {
    if (event.submitter?.value !== "leave") return; // Cancel closes the dialog
    event.preventDefault();
    if (busy) return;
    busy = true;
    $("leave-confirm").disabled = true;
    const failed = await on.leave();
    busy = false;
    $("leave-confirm").disabled = false;
    if (failed) {
      $("leave-error").textContent = failed;
      $("leave-cancel").focus();
    }
  });
  leaveDialog.addEventListener("close", () => {
    if (!$("leave-room").hidden) $("leave-room").focus();
  });

  // ---- Drawing ---------------------------------------------------------------------

  function memberItem(name) {
    const key = nameKey(name);
    const here = online.some((u) => nameKey(u) === key);
    const li = el("li", `member${here ? "" : " away"}`);
    li.dataset.user = key;
    const face = el("span", "member-face");
    face.append(avatar(name));
    if (here) {
      const presence = el("span", "presence-dot");
      presence.setAttribute("aria-hidden", "true");
      face.append(presence);
    }
    li.append(face, el("span", "member-name", name));
    li.append(el("span", "visually-hidden", here ? ", online" : ", not online"));
    if (key === nameKey(me)) li.append(el("span", "you", "you"));
    if (info.owner && key === nameKey(info.owner)) li.append(el("span", "role-tag", "owner"));
    if (isOwner() && key !== nameKey(me)) {
      const remove = el("button", "link-button member-remove", "Remove");
      remove.type = "button";
      remove.dataset.remove = name;
      remove.setAttribute("aria-label", `Remove ${name}`);
      li.append(remove);
    }
    return li;
  }

  function drawMembers() {
    // Everyone with access: the owner first, then by name.
    const names = [...info.members].sort((a, b) => {
      if (info.owner && nameKey(a) === nameKey(info.owner)) return -1;
      if (info.owner && nameKey(b) === nameKey(info.owner)) return 1;
      return a.localeCompare(b, undefined, { sensitivity: "base" });
    });
    const focused = list.contains(document.activeElement) ? document.activeElement.dataset.remove : undefined;
    list.replaceChildren(...names.map(memberItem));
    if (focused !== undefined) list.querySelector(`button[data-remove="${CSS.escape(focused)}"]`)?.focus();
    $("member-count").textContent = String(names.length);
    $("member-count-short").textContent = String(names.length);
  }

  function drawKind() {
    const kind = info?.kind ?? "public";
    const icon = $("room-kind-icon");
    if (kind === "private") icon.replaceChildren(svg(LOCK_ICON));
    else icon.textContent = kind === "direct" ? "@" : "#";
    icon.classList.toggle("lock", kind === "private");
    $("room-kind").textContent = kind === "private" ? "Private room " : "";
    $("chat").dataset.kind = kind;
    $("access-info").hidden = !restricted();
    $("access-kind-text").textContent = kind === "direct" ? "Direct conversation" : "Private room";
    $("access-owner").hidden = kind !== "private" || !info.owner;
    $("access-owner-name").textContent = info?.owner ?? "";
    $("members-label").textContent = restricted() ? "Members" : "Online";
    form.hidden = !isOwner();
    $("leave-room").hidden = !(kind === "private" && !isOwner() && info.members.some((u) => nameKey(u) === nameKey(me)));
  }

  return {
    /** A fresh room: public until told otherwise, nothing lost. */
    reset() {
      info = null;
      online = [];
      busy = false;
      setInviteError("");
      input.value = "";
      $("access-status").textContent = "";
      $("access-lost").hidden = true;
      $("scroll-area").hidden = false;
      $("members-toggle").hidden = false;
      $("members-heading").hidden = false;
      drawKind();
    },

    setMe(name) { me = name; },

    /** The room as the server describes it (access.js describeRoom), or null. */
    show(next) {
      info = next;
      drawKind();
      if (restricted()) drawMembers();
    },

    get kind() { return info?.kind ?? "public"; },

    /** Who the direct conversation is with (null for other rooms). */
    get directWith() { return info?.kind === "direct" ? info.with : null; },

    /** Members online changed. Returns whether the list is drawn here (a private or direct room). */
    setOnline(names) {
      online = names;
      if (!restricted()) return false;
      drawMembers();
      return true;
    },

    /** The room is gone for us: `why` is said under the heading. */
    lost(heading, why) {
      const stranded = document.activeElement === document.body || $("composer").contains(document.activeElement);
      $("access-lost-title").textContent = heading;
      $("access-lost-text").textContent = why;
      $("access-lost").hidden = false;
      // The message box is about to be disabled: the focus goes to the notice.
      if (stranded) $("access-lost-title").focus();
      $("scroll-area").hidden = true;
      form.hidden = true;
      $("leave-room").hidden = true;
      $("access-info").hidden = true;
      // Nobody to show: the member panel closes (a sheet on phones) and its button goes.
      $("members-panel").classList.remove("open");
      $("members-toggle").setAttribute("aria-expanded", "false");
      $("members-toggle").hidden = true;
      $("members-heading").hidden = true;
      if (leaveDialog.open) leaveDialog.close("cancel");
      list.replaceChildren();
      $("member-count").textContent = "0";
      $("member-count-short").textContent = "0";
    },
  };
}
