// Renders the room view. User-supplied text only ever goes through
// textContent (never innerHTML), so a message can never become markup.

import { createAccessView } from "./access_view.js";
import { createMessageActions } from "./actions.js";
import {
  applyDelete, applyEdit, applyReaction, avatar, el, fillQuote, fillQuotes, messageNode, snippet, stateOf,
} from "./message.js";
import { nameKey } from "./rules.js";

export { avatar, el, hueOf } from "./message.js";

const TRIM_ABOVE = 1500;            // rendered messages before the oldest are dropped...
const TRIM_TO = 1000;               // ...down to this many (only while following the bottom)
const GROUP_WINDOW_MS = 5 * 60_000; // consecutive messages within this share a header
const NEAR_BOTTOM_PX = 48;
const NEAR_TOP_PX = 300;            // load older messages when this close to the top

const $ = (id) => document.getElementById(id);

const reducedMotion = matchMedia("(prefers-reduced-motion: reduce)");
const scrollBehavior = () => (reducedMotion.matches ? "auto" : "smooth");

const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: "long", month: "long", day: "numeric" });
const yearDayFormat = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "long", day: "numeric" });

const dayKey = (ts) => {
  const d = new Date(ts);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
};

function dayLabel(ts) {
  const d = new Date(ts);
  const today = new Date();
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (dayKey(ts) === dayKey(today.getTime())) return "Today";
  if (dayKey(ts) === dayKey(yesterday.getTime())) return "Yesterday";
  return d.getFullYear() === today.getFullYear() ? dayFormat.format(d) : yearDayFormat.format(d);
}

const isMessage = (node) => node?.classList?.contains("msg") ?? false;

function previousMessage(node) {
  let p = node?.previousElementSibling;
  while (p && !isMessage(p)) p = p.previousElementSibling;
  return p ?? null;
}

function nextMessage(node) {
  let n = node?.nextElementSibling;
  while (n && !isMessage(n)) n = n.nextElementSibling;
  return n ?? null;
}

/**
 * @param {object} on  callbacks: loadOlder(), retry(id), discard(id),
 *                     retryNow(), trimmed(oldestSeq), needQuote(seq),
 *                     react(seq, emoji, on), reply(seq), edit(seq, text),
 *                     remove(seq), jump(seq), reading() (what the reader
 *                     can see may have changed: see isReading()),
 *                     invite(user), removeMember(user), leave() (see
 *                     access_view.js)
 */
export function createRoomView(on) {
  const scroller = $("scroller");
  const list = $("messages");
  const pendingList = $("pending");
  const jump = $("jump");
  let me = "";
  let meGuest = false;
  // Ours: our name, and a guest's only if we are that guest.
  const isOwn = (m) => nameKey(m.user) === nameKey(me) && (m.guest === true) === meGuest;
  let roomName = "";
  let unreadHidden = 0;  // arrived while the tab was hidden (title counter)
  let unseen = 0;        // arrived while scrolled up (jump button)
  let pinned = true;     // following the newest message
  let autoScrollUntil = 0;
  let replyTarget = null; // the seq the composer replies to
  let unreadFrom = null;  // the read marker as it was at open (the divider goes after it)

  const distanceFromBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight;
  const nearBottom = () => distanceFromBottom() < NEAR_BOTTOM_PX;

  function updateEmpty() {
    const empty = list.querySelector(".msg") === null && pendingList.childElementCount === 0;
    $("empty").hidden = !empty || $("history-top").dataset.state !== "start";
  }

  // A direct conversation is named after the other person, never its dm- name.
  const shownName = () => {
    const other = access.directWith;
    if (other) return other;
    return nameKey(roomName).startsWith("dm-") ? "Direct conversation" : `#${roomName}`;
  };

  function updateTitle() {
    document.title = `${unreadHidden ? `(${unreadHidden}) ` : ""}${shownName()} · Parley`;
  }

  function updateJump() {
    jump.hidden = pinned || unseen === 0;
    $("jump-text").textContent = unseen === 1 ? "1 new message" : `${unseen} new messages`;
  }

  function scrollToBottom(smooth) {
    pinned = true;
    unseen = 0;
    updateJump();
    if (smooth) {
      autoScrollUntil = performance.now() + 800;
      scroller.scrollTo({ top: scroller.scrollHeight, behavior: scrollBehavior() });
    } else {
      autoScrollUntil = 0;
      scroller.scrollTop = scroller.scrollHeight;
    }
  }

  // Changes that add messages read "pinned" before and scroll once after,
  // in the next frame, so a replay of 1000 messages costs one layout.
  let scrollPlanned = false;
  let forceBottom = false;
  function afterChange(force, added) {
    if (force) forceBottom = true;
    if (!pinned && added > 0) unseen += added;
    if (scrollPlanned) return;
    scrollPlanned = true;
    requestAnimationFrame(() => {
      scrollPlanned = false;
      updateEmpty();
      if (pinned || forceBottom) {
        trim();
        scrollToBottom(true);
      } else {
        updateJump();
      }
      forceBottom = false;
      on.reading?.();
    });
  }

  // Long sessions: drop the oldest rendered messages while following the
  // bottom; scrolling up loads them again from the server.
  function trim() {
    const messages = list.getElementsByClassName("msg");
    if (messages.length <= TRIM_ABOVE) return;
    while (messages.length > TRIM_TO) {
      const first = list.firstElementChild;
      if (!first) break;
      first.remove();
    }
    while (list.firstElementChild && !isMessage(list.firstElementChild)) list.firstElementChild.remove();
    const first = list.querySelector(".msg");
    if (first) {
      decorate(first);
      on.trimmed?.(Number(first.dataset.seq));
    }
    actions.refresh();
  }

  // A message continues the previous one's group when same author, same day,
  // close in time; the first message of a day carries the day's label.
  function decorate(node) {
    if (!isMessage(node) || node.classList.contains("pending")) return;
    const prev = previousMessage(node);
    const ts = Number(node.dataset.ts);
    const newDay = !prev || dayKey(Number(prev.dataset.ts)) !== dayKey(ts);
    let label = node.querySelector(":scope > .msg-day");
    if (newDay && !label) {
      label = el("p", "msg-day");
      label.append(el("span", "", dayLabel(ts)));
      node.prepend(label);
    } else if (!newDay && label) {
      label.remove();
    }
    const cont = !newDay && prev === node.previousElementSibling &&
      prev.dataset.user === node.dataset.user && prev.dataset.guest === node.dataset.guest &&
      ts - Number(prev.dataset.ts) < GROUP_WINDOW_MS;
    node.classList.toggle("cont", cont);
  }

  // The "New messages" divider, above the first message of another user after
  // `unreadFrom`; moved when older pages bring an earlier one. Null: none.
  function placeDivider() {
    const old = list.querySelector(".unread-divider");
    const first = unreadFrom === null ? undefined : [...list.querySelectorAll(".msg")].find((node) => {
      const state = stateOf(node);
      return state && state.seq > unreadFrom && !state.own && !state.deleted;
    });
    if (!first) {
      old?.remove();
      return null;
    }
    if (old && old.nextElementSibling === first) return old;
    const after = old?.nextElementSibling;
    const divider = old ?? el("div", "unread-divider");
    divider.id = "unread-divider";
    if (!old) divider.append(el("span", "", "New messages"));
    first.before(divider);
    decorate(first);
    if (after) decorate(after);
    return divider;
  }

  const build = (m, own) => messageNode(m, own, me);
  const nodeOf = (seq) => (Number.isInteger(seq) ? list.querySelector(`.msg[data-seq="${seq}"]`) : null);

  // Replies quote their original: from the log when it is loaded, else the
  // chat fetches it (and calls showQuote). Originals that arrive later (older
  // pages) fill the quotes that wait for them.
  function linkQuotes(nodes) {
    const missing = new Set();
    for (const node of nodes) {
      const state = stateOf(node);
      if (!state) continue;
      if (state.replyTo !== null) {
        const original = stateOf(nodeOf(state.replyTo));
        if (original) fillQuote(node.querySelector(".quote"), original);
        else missing.add(state.replyTo);
      }
      if (state.seq !== null && !node.classList.contains("pending")) {
        fillQuotes(list, state.seq, state);
        fillQuotes(pendingList, state.seq, state);
      }
    }
    for (const seq of missing) on.needQuote?.(seq);
  }

  const access = createAccessView({
    invite: (user) => on.invite?.(user) ?? Promise.resolve(""),
    remove: (user) => on.removeMember?.(user) ?? Promise.resolve(""),
    leave: () => on.leave?.() ?? Promise.resolve(""),
  });

  const actions = createMessageActions(list, {
    react: (seq, emoji, value) => on.react?.(seq, emoji, value),
    reply: (seq) => on.reply?.(seq),
    edit: (seq, text) => on.edit?.(seq, text),
    remove: (seq) => on.remove?.(seq),
    jump: (seq) => on.jump?.(seq),
    loadOlder: () => on.loadOlder(),
    leave: () => $("text").focus(),
  });

  // ---- Events ------------------------------------------------------------

  scroller.addEventListener("scroll", () => {
    const animating = performance.now() < autoScrollUntil;
    if (nearBottom()) {
      pinned = true;
      unseen = 0;
      autoScrollUntil = 0;
    } else if (!animating) {
      pinned = false;
    }
    updateJump();
    if (scroller.scrollTop < NEAR_TOP_PX) on.loadOlder();
    on.reading?.();
  }, { passive: true });
  scroller.addEventListener("scrollend", () => { autoScrollUntil = 0; });
  // The reader taking over ends an automatic scroll at once.
  for (const type of ["wheel", "touchstart", "keydown", "pointerdown"]) {
    scroller.addEventListener(type, () => { autoScrollUntil = 0; }, { passive: true });
  }
  // Keep the newest message in view when the viewport shrinks (phone
  // keyboard) or the content grows by itself (the web font arriving).
  const stick = new ResizeObserver(() => { if (pinned) scroller.scrollTop = scroller.scrollHeight; });
  for (const node of [scroller, list, pendingList]) stick.observe(node);

  jump.addEventListener("click", () => {
    scrollToBottom(true);
    $("text").focus({ preventScroll: true });
  });
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) { unreadHidden = 0; updateTitle(); }
    on.reading?.();
  });
  window.addEventListener("focus", () => on.reading?.());
  $("load-older").addEventListener("click", () => on.loadOlder());
  // A quote in a message being sent leads to its original too.
  pendingList.addEventListener("click", (event) => {
    const quote = event.target.closest(".quote");
    if (quote) on.jump?.(Number(quote.dataset.target));
  });
  $("retry-now").addEventListener("click", () => on.retryNow());
  $("error-close").addEventListener("click", () => { $("error-banner").hidden = true; });
  pendingList.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    const id = button?.closest(".msg")?.dataset.id;
    if (id && (button.dataset.action === "retry" || button.dataset.action === "discard")) on[button.dataset.action](id);
  });

  // ---- The view's interface ------------------------------------------------

  return {
    /** Empties everything, for a fresh start (another identity). */
    reset() {
      list.replaceChildren();
      actions.refresh();
      pendingList.replaceChildren();
      $("member-list").replaceChildren();
      $("member-count").textContent = "0";
      $("member-count-short").textContent = "0";
      $("typing-text").textContent = "";
      $("typing").classList.remove("active");
      $("error-banner").hidden = true;
      $("conn-banner").hidden = true;
      $("reading-status").textContent = "";
      access.reset();
      $("text").disabled = false;
      $("composer-help").hidden = false;
      unreadFrom = null;
      pinned = true;
      unseen = 0;
      unreadHidden = 0;
      updateJump();
      this.setHistoryState("loading");
    },

    setMe(name, guest = false) {
      me = name;
      meGuest = guest;
      access.setMe(name);
    },

    setRoomName(name) {
      roomName = name;
      const other = access.directWith;
      // Until the room is described, a direct room's server name is not shown either.
      const direct = access.kind === "direct" || nameKey(name).startsWith("dm-");
      $("room-title").textContent = other ? `Direct conversation with ${other}` : direct ? "Direct conversation" : name;
      $("history-start-room").textContent = other ? `your conversation with ${other}`
        : direct ? "this conversation" : `#${name}`;
      if (!$("text").disabled) $("text").placeholder = direct && !other ? "Message" : `Message ${shownName()}`;
      updateTitle();
    },

    /** The room's kind, owner and members (access.js describeRoom), or null for a public room. */
    setAccess(info) {
      access.show(info);
      this.setRoomName(roomName || info?.room || "");
    },

    /** "public", "private" or "direct". */
    get roomKind() { return access.kind; },

    /**
     * No access (any more): the messages go, a notice says why, and the
     * message box is closed.
     */
    lostAccess(heading, why) {
      this.clearMessages();
      pendingList.replaceChildren();
      jump.hidden = true;
      access.lost(heading, why);
      const box = $("text");
      box.value = "";
      box.disabled = true;
      box.placeholder = "You cannot write here";
      $("composer-help").hidden = true;
      $("send").disabled = true;
      $("typing-text").textContent = "";
      $("typing").classList.remove("active");
      $("reply-preview").hidden = true;
      $("conn-banner").hidden = true;
    },

    /** The header's short state; `detail` (offline only) goes in a banner. */
    setStatus(state, text, detail = "") {
      $("status").dataset.state = state;
      if ($("status-text").textContent !== text) $("status-text").textContent = text;
      $("conn-text").textContent = detail;
      $("conn-banner").hidden = state !== "offline" || !detail;
    },

    setTransport(mode) { $("chat").dataset.transport = mode; },

    /** The first page: shown at once at the bottom. */
    showLatest(messages) {
      list.setAttribute("aria-busy", "true");
      const nodes = messages.map((m) => build(m, isOwn(m)));
      for (const node of nodes) {
        list.append(node);
        decorate(node);
      }
      linkQuotes(nodes);
      actions.refresh();
      list.setAttribute("aria-busy", "false");
      updateEmpty();
      scrollToBottom(false);
    },

    /** Older messages go above; the reader's view does not move. */
    prependMessages(messages) {
      if (messages.length === 0) return;
      const before = scroller.scrollHeight - scroller.scrollTop;
      const oldFirst = list.querySelector(".msg");
      const nodes = messages.map((m) => build(m, isOwn(m)));
      list.setAttribute("aria-busy", "true");
      list.prepend(...nodes);
      for (const node of nodes) decorate(node);
      if (oldFirst) decorate(oldFirst);
      if (unreadFrom !== null) placeDivider(); // the new messages may start in this page
      linkQuotes(nodes);
      actions.refresh();
      list.setAttribute("aria-busy", "false");
      scroller.scrollTop = scroller.scrollHeight - before;
      updateEmpty();
    },

    /** A live message (or one recovered after a reconnect), in seq order. */
    addMessage(m, own) {
      const node = build(m, own);
      node.classList.add("live");
      let after = list.lastElementChild;
      while (after && !isMessage(after)) after = after.previousElementSibling;
      while (after && Number(after.dataset.seq) > m.seq) after = previousMessage(after);
      if (after) after.after(node);
      else list.prepend(node);
      decorate(node);
      decorate(nextMessage(node));
      linkQuotes([node]);
      actions.refresh();
      afterChange(own, own ? 0 : 1);
      if (document.hidden && !own) { unreadHidden++; updateTitle(); }
    },

    clearMessages() {
      list.replaceChildren();
      actions.refresh();
      unseen = 0;
      updateJump();
      updateEmpty();
    },

    addNotice(text) {
      list.append(el("p", "notice", text));
      afterChange(false, 0);
    },

    /** "more": older messages exist; "loading"; "start": this is the beginning; "error". */
    setHistoryState(state) {
      $("history-top").dataset.state = state;
      $("load-older").hidden = state !== "more" && state !== "error";
      $("load-older").textContent = state === "error" ? "Could not load older messages. Try again" : "Load older messages";
      $("history-loading").hidden = state !== "loading";
      $("history-start").hidden = state !== "start";
      updateEmpty();
    },

    /** Asks for older messages while the top is (still) in view. */
    checkNearTop() {
      if (scroller.scrollTop < NEAR_TOP_PX) on.loadOlder();
    },

    showPending(entry) {
      const node = build({ user: me, ts: entry.createdAt, text: entry.text, reply_to: entry.replyTo }, true);
      node.classList.add("pending");
      node.removeAttribute("tabindex");
      node.querySelector(".quote")?.removeAttribute("tabindex");
      node.dataset.id = entry.id;
      node.querySelector(".msg-time").replaceWith(el("span", "msg-state"));
      pendingList.append(node);
      linkQuotes([node]);
      this.updatePending(entry);
      afterChange(true, 0);
    },

    updatePending(entry, connected = true) {
      const node = pendingList.querySelector(`[data-id="${CSS.escape(entry.id)}"]`);
      if (!node) return;
      const label = {
        queued: connected ? "Sending…" : "Waiting for the connection…",
        sent: "Sending…",
        stored: "Sending…",
      }[entry.state] ?? `Not sent: ${entry.error}`;
      node.querySelector(".msg-state").textContent = label;
      node.dataset.state = entry.state;
      node.classList.toggle("failed", entry.state === "failed");
      node.querySelector(".msg-actions")?.remove();
      if (entry.state === "failed") {
        const actions = el("div", "msg-actions");
        for (const [action, text] of [["retry", "Retry"], ["discard", "Discard"]]) {
          const b = el("button", "link-button", text);
          b.type = "button";
          b.dataset.action = action;
          actions.append(b);
        }
        node.querySelector(".msg-main").append(actions);
      }
    },

    removePending(id) {
      pendingList.querySelector(`[data-id="${CSS.escape(id)}"]`)?.remove();
      updateEmpty();
    },

    setMembers(names) {
      if (access.setOnline(names)) return; // a private or direct room: everyone with access
      $("member-count").textContent = String(names.length);
      $("member-count-short").textContent = String(names.length);
      $("member-list").replaceChildren(...names.map((name) => {
        const li = el("li", "member");
        li.dataset.user = nameKey(name);
        const presence = el("span", "presence-dot");
        presence.setAttribute("aria-hidden", "true");
        const face = el("span", "member-face");
        face.append(avatar(name), presence);
        li.append(face, el("span", "member-name", name));
        if (nameKey(name) === nameKey(me)) li.append(el("span", "you", "you"));
        return li;
      }));
    },

    setTyping(names) {
      let text = "";
      if (names.length === 1) text = `${names[0]} is typing…`;
      else if (names.length === 2) text = `${names[0]} and ${names[1]} are typing…`;
      else if (names.length > 2) {
        text = `${names[0]}, ${names[1]} and ${names.length - 2} more are typing…`;
      }
      $("typing-text").textContent = text;
      $("typing").classList.toggle("active", text !== "");
    },

    /**
     * Applies an edit, delete or reaction event to the message it targets.
     * Returns false when that message is not loaded.
     */
    applyEvent(event) {
      const node = nodeOf(event.target);
      if (!node) return false;
      if (event.type === "edit") applyEdit(node, event);
      else if (event.type === "delete") applyDelete(node);
      else if (event.type === "reaction") applyReaction(node, event);
      const state = stateOf(node);
      if (event.type !== "reaction") {
        fillQuotes(list, state.seq, state);
        fillQuotes(pendingList, state.seq, state);
        if (replyTarget === state.seq) this.showReply(state.seq);
      }
      actions.changed(node);
      return true;
    },

    /** The state of a loaded message (see message.js), or undefined. */
    messageState(seq) { return stateOf(nodeOf(seq)); },

    /** Fills the quotes of `original` (a message in its final state, fetched; `missing`: none). */
    showQuote(original) {
      const state = {
        user: String(original.user ?? ""), own: isOwn(original),
        text: typeof original.text === "string" ? original.text : "", deleted: original.deleted === true,
        missing: original.missing === true,
      };
      fillQuotes(list, original.seq, state);
      fillQuotes(pendingList, original.seq, state);
    },

    /** Scrolls to a loaded message, focuses and highlights it. */
    flashMessage(seq) {
      const node = nodeOf(seq);
      if (!node) return false;
      pinned = false;
      actions.flash(node);
      return true;
    },

    /** Up in an empty composer: edits our newest message. */
    editLast() {
      const own = [...list.querySelectorAll(".msg.own")].reverse()
        .find((node) => !stateOf(node)?.deleted && Number.isInteger(stateOf(node)?.seq));
      return own ? actions.startEdit(own, $("text")) : false;
    },

    /** A short note on a message while our change to it is on its way ("" clears it). */
    setMessageNote(seq, text) {
      const node = nodeOf(seq);
      if (!node) return;
      let note = node.querySelector(".msg-note");
      if (!text) return note?.remove();
      if (!note) {
        note = el("p", "msg-note");
        node.querySelector(".bubble").after(note);
      }
      note.textContent = text;
    },

    /** The quoted original above the composer while writing a reply (null: none). */
    showReply(seq) {
      const state = seq === null ? undefined : stateOf(nodeOf(seq));
      replyTarget = state ? seq : null;
      $("reply-preview").hidden = !state;
      const box = $("text");
      const described = (box.getAttribute("aria-describedby") ?? "").split(" ")
        .filter((id) => id && id !== "reply-summary");
      if (state) described.unshift("reply-summary");
      box.setAttribute("aria-describedby", described.join(" "));
      if (!state) return false;
      $("reply-author").textContent = state.own ? "yourself" : state.user;
      $("reply-text").textContent = state.deleted ? "message deleted" : snippet(state.text);
      return true;
    },

    showError(text) {
      $("error-text").textContent = text;
      $("error-banner").hidden = false;
    },

    /**
     * The "New messages" divider above the first message of another user
     * after `readSeq` (the marker as it was when the room opened), said
     * politely to screen readers; when the new messages are more than a
     * screenful, the divider is scrolled to the top. `counts` ({unread,
     * mentions}, from the server) word the announcement.
     */
    showUnread(readSeq, counts) {
      unreadFrom = readSeq;
      const divider = placeDivider();
      if (!divider) return false;
      const unread = Math.max(counts?.unread ?? 0, 1);
      const mentions = counts?.mentions ?? 0;
      let words = unread === 1 ? "1 new message" : `${unread} new messages`;
      if (mentions > 0) words += mentions === 1 ? " (1 mentions you)" : ` (${mentions} mention you)`;
      // After the log's own announcements of the page, in the next frame.
      requestAnimationFrame(() => { $("reading-status").textContent = `${words} since you last read ${shownName()}.`; });
      const above = divider.getBoundingClientRect().top - scroller.getBoundingClientRect().top;
      if (above < 0) {
        scroller.scrollTop += above - 16;
        pinned = false;
        autoScrollUntil = 0;
      }
      return true;
    },

    /** Whether the reader sees the newest message now: tab visible and focused, bottom in view. */
    isReading() {
      if (document.visibilityState !== "visible" || !document.hasFocus()) return false;
      if ($("chat").hidden || scroller.clientHeight === 0) return false;
      const messages = list.getElementsByClassName("msg");
      const last = messages[messages.length - 1];
      if (!last) return true;
      const bottom = scroller.getBoundingClientRect().bottom;
      return last.getBoundingClientRect().bottom <= bottom + 4 || nearBottom();
    },

    /** Authors of the loaded messages, newest first (for @-completion). */
    authors() {
      const names = [];
      const seen = new Set();
      const nodes = list.querySelectorAll(".msg");
      for (let i = nodes.length - 1; i >= 0 && names.length < 50; i--) {
        const state = stateOf(nodes[i]);
        if (!state || state.own || seen.has(nameKey(state.user))) continue;
        seen.add(nameKey(state.user));
        names.push(state.user);
      }
      return names;
    },
  };
}
