// Renders the room view. User-supplied text only ever goes through
// textContent (never innerHTML), so a message can never become markup.

import { nameKey } from "./rules.js";

const TRIM_ABOVE = 1500;            // rendered messages before the oldest are dropped...
const TRIM_TO = 1000;               // ...down to this many (only while following the bottom)
const GROUP_WINDOW_MS = 5 * 60_000; // consecutive messages within this share a header
const NEAR_BOTTOM_PX = 48;
const NEAR_TOP_PX = 300;            // load older messages when this close to the top

const $ = (id) => document.getElementById(id);

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

const reducedMotion = matchMedia("(prefers-reduced-motion: reduce)");
const scrollBehavior = () => (reducedMotion.matches ? "auto" : "smooth");

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" });
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

function timeElement(ts) {
  const d = new Date(ts);
  const t = el("time", "msg-time", timeFormat.format(d));
  t.dateTime = d.toISOString();
  t.title = fullFormat.format(d);
  return t;
}

// A stable hue per name gives each avatar its own colour (set through CSSOM,
// which the page's CSP permits, unlike style attributes).
export function hueOf(name) {
  let h = 0;
  for (const ch of nameKey(name)) h = (h * 31 + ch.codePointAt(0)) % 360;
  return h;
}

export function avatar(name, className = "avatar") {
  const a = el("span", className, [...String(name)][0]?.toUpperCase() ?? "?");
  a.setAttribute("aria-hidden", "true");
  a.style.setProperty("--hue", String(hueOf(name)));
  return a;
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
 *                     retryNow(), trimmed(oldestSeq)
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

  const distanceFromBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight;
  const nearBottom = () => distanceFromBottom() < NEAR_BOTTOM_PX;

  function updateEmpty() {
    const empty = list.querySelector(".msg") === null && pendingList.childElementCount === 0;
    $("empty").hidden = !empty || $("history-top").dataset.state !== "start";
  }

  function updateTitle() {
    document.title = `${unreadHidden ? `(${unreadHidden}) ` : ""}#${roomName} · Parley`;
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

  function messageNode(m, own) {
    const user = String(m.user ?? "");
    const guest = m.guest === true;
    const node = el("article", own ? "msg own" : "msg");
    node.dataset.user = nameKey(user);
    // A guest and the account that later took its name are two authors.
    node.dataset.guest = String(guest);
    node.dataset.ts = String(m.ts);
    if (Number.isInteger(m.seq)) node.dataset.seq = String(m.seq);
    if (!own) node.append(avatar(user));
    const main = el("div", "msg-main");
    const author = el("p", "msg-author");
    author.append(el("span", "msg-author-name", own ? "You" : user));
    if (guest && !own) {
      // Not a registered account: anyone may use a free name as a guest.
      const tag = el("span", "guest-tag", "guest");
      tag.title = "Guest: not a registered account";
      author.append(" ", tag);
    }
    const bubble = el("div", "bubble");
    bubble.append(el("p", "msg-text", String(m.text ?? "")));
    bubble.append(Number.isFinite(m.ts) ? timeElement(m.ts) : el("span", "msg-time"));
    main.append(author, bubble);
    node.append(main);
    return node;
  }

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
  });
  $("load-older").addEventListener("click", () => on.loadOlder());
  $("retry-now").addEventListener("click", () => on.retryNow());
  $("error-close").addEventListener("click", () => { $("error-banner").hidden = true; });
  pendingList.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    const id = button?.closest(".msg")?.dataset.id;
    if (id) on[button.dataset.action]?.(id);
  });

  // ---- The view's interface ------------------------------------------------

  return {
    /** Empties everything, for a fresh start (another identity). */
    reset() {
      list.replaceChildren();
      pendingList.replaceChildren();
      $("member-list").replaceChildren();
      $("member-count").textContent = "0";
      $("member-count-short").textContent = "0";
      $("typing-text").textContent = "";
      $("typing").classList.remove("active");
      $("error-banner").hidden = true;
      $("conn-banner").hidden = true;
      pinned = true;
      unseen = 0;
      unreadHidden = 0;
      updateJump();
      this.setHistoryState("loading");
    },

    setMe(name, guest = false) { me = name; meGuest = guest; },

    setRoomName(name) {
      roomName = name;
      $("room-title").textContent = name;
      $("history-start-room").textContent = `#${name}`;
      $("text").placeholder = `Message #${name}`;
      updateTitle();
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
      for (const m of messages) {
        const node = messageNode(m, isOwn(m));
        list.append(node);
        decorate(node);
      }
      list.setAttribute("aria-busy", "false");
      updateEmpty();
      scrollToBottom(false);
    },

    /** Older messages go above; the reader's view does not move. */
    prependMessages(messages) {
      if (messages.length === 0) return;
      const before = scroller.scrollHeight - scroller.scrollTop;
      const oldFirst = list.querySelector(".msg");
      const fragment = document.createDocumentFragment();
      for (const m of messages) fragment.append(messageNode(m, isOwn(m)));
      list.setAttribute("aria-busy", "true");
      list.prepend(fragment);
      let node = list.querySelector(".msg");
      while (node && node !== oldFirst) { decorate(node); node = nextMessage(node); }
      if (oldFirst) decorate(oldFirst);
      list.setAttribute("aria-busy", "false");
      scroller.scrollTop = scroller.scrollHeight - before;
      updateEmpty();
    },

    /** A live message (or one recovered after a reconnect), in seq order. */
    addMessage(m, own) {
      const node = messageNode(m, own);
      node.classList.add("live");
      let after = list.lastElementChild;
      while (after && !isMessage(after)) after = after.previousElementSibling;
      while (after && Number(after.dataset.seq) > m.seq) after = previousMessage(after);
      if (after) after.after(node);
      else list.prepend(node);
      decorate(node);
      decorate(nextMessage(node));
      afterChange(own, own ? 0 : 1);
      if (document.hidden && !own) { unreadHidden++; updateTitle(); }
    },

    clearMessages() {
      list.replaceChildren();
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
      const node = messageNode({ user: me, ts: entry.createdAt, text: entry.text }, true);
      node.classList.add("pending");
      node.dataset.id = entry.id;
      node.querySelector(".msg-time").replaceWith(el("span", "msg-state"));
      pendingList.append(node);
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

    showError(text) {
      $("error-text").textContent = text;
      $("error-banner").hidden = false;
    },
  };
}
