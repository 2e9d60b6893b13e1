// "Your rooms": the signed-in user's rooms (GET /api/me/rooms) beside the
// open room, each with its unread and mention counts, kept live from the
// socket's frames of those rooms and the read frames of the user's other
// devices. A drawer on narrow screens. Users without read markers (the
// endpoint answers 401) get no sidebar at all.
//
// Counting: a snapshot from the server gives each room's last seq, read seq
// and counts; a live message of another user with a higher seq adds one
// (and one mention when it names us). Live messages are also kept in
// `recent`, so a snapshot that was taken before them does not lose them and
// a read frame past the snapshot can be counted without asking the server.
//
// Access: direct conversations are listed apart, under the other person's
// name; private rooms carry a lock (named "Private room" for screen
// readers). An invitation adds its room at once, a removal takes it away,
// each said politely in #rooms-status (outside the drawer, which is not
// rendered while closed).

import { api, ApiError } from "./api.js";
import { mentionsUser } from "./mentions.js";
import { LOCK_ICON, svg } from "./message.js";
import { nameKey } from "./rules.js";

const MAX_WATCHED = 20;            // rooms joined on the socket for live counts (most recent first)
const REFRESH_EVERY_MS = 60_000;   // the counts again from the server, while the tab is visible
const REFRESH_SOON_MS = 1500;      // after an event the counts cannot follow by themselves
const MAX_RECENT = 500;            // live messages kept per room

const $ = (id) => document.getElementById(id);
const count = (n) => (Number.isInteger(n) && n > 0 ? n : 0);
const roomUrl = (room) => `/r/${encodeURIComponent(room)}`;
const DIRECT_PREFIX = "dm-";       // the server's names of direct conversations (access.js)
const titleOf = (e) => (e.direct && typeof e.with === "string" ? e.with : e.room);

/** "3 unread, 1 mention" (or "" when nothing is new). */
export function countsText(unread, mentions) {
  const parts = [];
  if (unread > 0) parts.push(`${unread} unread`);
  if (mentions > 0) parts.push(mentions === 1 ? "1 mention" : `${mentions} mentions`);
  return parts.join(", ");
}

function span(className, text) {
  const node = document.createElement("span");
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function createSidebar() {
  const nav = $("sidebar");
  const toggle = $("sidebar-toggle");
  let me = "";
  let meGuest = false;
  let current = "";            // the open room's key
  let currentName = "";        // ...as written
  let available = null;        // the server keeps markers for this user (null: not known yet)
  let entries = new Map();     // room key -> entry, in the server's order
  let loading = null;
  let soonTimer = 0;
  let everyTimer = 0;

  const isOwn = (f) => nameKey(f.user) === nameKey(me) && (f.guest === true) === meGuest;

  // ---- The drawer (narrow screens) ------------------------------------------

  function setOpen(open, { focus = true } = {}) {
    toggle.setAttribute("aria-expanded", String(open));
    nav.classList.toggle("open", open);
    if (open && focus) (nav.querySelector('[aria-current="page"]') ?? nav.querySelector("a, button"))?.focus();
  }
  toggle.addEventListener("click", () => setOpen(toggle.getAttribute("aria-expanded") !== "true"));
  $("sidebar-close").addEventListener("click", () => {
    setOpen(false);
    toggle.focus();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || toggle.getAttribute("aria-expanded") !== "true") return;
    if (event.target.closest?.("dialog")) return; // Escape closes the dialog only
    setOpen(false);
    toggle.focus();
  });
  // A click or tap beside the open drawer closes it.
  document.addEventListener("pointerdown", (event) => {
    if (!nav.classList.contains("open") || nav.contains(event.target) || toggle.contains(event.target)) return;
    setOpen(false, { focus: false });
  });
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && available) refresh();
  });

  // ---- Rendering ------------------------------------------------------------------

  function item(e) {
    const li = document.createElement("li");
    li.dataset.room = e.key;
    const link = document.createElement("a");
    link.className = "side-room";
    link.href = roomUrl(e.room);
    const here = e.key === current;
    if (here) link.setAttribute("aria-current", "page");
    const unread = here ? 0 : e.unread;
    const mentions = here ? 0 : e.mentions;
    link.classList.toggle("unread", unread > 0);
    let icon;
    if (e.private && !e.direct) {
      icon = svg(LOCK_ICON); // said in words
      icon.setAttribute("role", "img");
      icon.setAttribute("aria-label", "Private room");
      icon.removeAttribute("aria-hidden");
    } else {
      icon = span("side-hash", e.direct ? "@" : "#");
      icon.setAttribute("aria-hidden", "true");
    }
    icon.classList.add("side-icon");
    link.append(icon, span("side-name", titleOf(e)));
    const badges = span("side-badges");
    badges.setAttribute("aria-hidden", "true");
    if (mentions > 0) badges.append(span("mention-badge", `@${mentions}`));
    if (unread > 0) badges.append(span("unread-badge", unread > 99 ? "99+" : String(unread)));
    link.append(badges);
    // The badges in words, for the link's name: "lobby, 3 unread, 1 mention".
    const words = countsText(unread, mentions);
    if (words) link.append(span("visually-hidden side-counts", `, ${words}`));
    li.append(link);
    return li;
  }

  function render() {
    const focusedRoom = nav.contains(document.activeElement)
      ? document.activeElement.closest("li")?.dataset.room : undefined;
    const rooms = [];
    const direct = [];
    for (const e of entries.values()) (e.direct ? direct : rooms).push(item(e));
    $("sidebar-rooms").replaceChildren(...rooms);
    $("sidebar-direct").replaceChildren(...direct);
    $("sidebar-direct-group").hidden = direct.length === 0;
    $("sidebar-rooms-group").hidden = rooms.length === 0 && direct.length > 0;
    // "Rooms" is said only when there are direct messages to tell apart.
    $("sidebar-rooms-heading").classList.toggle("visually-hidden", direct.length === 0);
    if (focusedRoom !== undefined) nav.querySelector(`li[data-room="${CSS.escape(focusedRoom)}"] a`)?.focus();

    let unread = 0;
    let mentions = 0;
    for (const e of entries.values()) {
      if (e.key === current) continue;
      unread += e.unread;
      mentions += e.mentions;
    }
    const words = countsText(unread, mentions);
    $("sidebar-toggle-counts").textContent = words ? `, ${words}` : "";
    const dot = $("sidebar-toggle-badge");
    dot.hidden = unread === 0;
    dot.textContent = unread > 99 ? "99+" : String(unread);
    dot.classList.toggle("mentioned", mentions > 0);
  }

  /** Says `text` politely (emptied first, so the same words are said again). */
  function announce(text) {
    const status = $("rooms-status");
    status.textContent = "";
    setTimeout(() => { status.textContent = text; }, 50);
  }

  function show(yes) {
    available = yes;
    nav.hidden = !yes;
    toggle.hidden = !yes;
    $("chat").classList.toggle("has-sidebar", yes);
    if (!yes) setOpen(false, { focus: false });
  }

  // ---- Counting -------------------------------------------------------------------

  function recount(e) {
    // Exact only while the marker is past the snapshot (all later messages are in `recent`).
    if (e.readSeq >= e.lastSeq) {
      e.unread = 0;
      e.mentions = 0;
    } else if (e.readSeq >= e.snapshotSeq) {
      const after = e.recent.filter((m) => m.seq > e.readSeq);
      e.unread = after.length;
      e.mentions = after.filter((m) => m.mention).length;
    } else {
      return false;
    }
    return true;
  }

  function applySnapshot(rooms) {
    const next = new Map();
    for (const r of rooms) {
      if (typeof r?.room !== "string") continue;
      const key = nameKey(r.room);
      const e = {
        room: r.room, key, private: r.private === true, direct: r.direct === true, with: r.with,
        lastSeq: count(r.last_seq), readSeq: count(r.read_seq), unread: count(r.unread),
        mentions: count(r.mentions), recent: [], listed: true,
      };
      e.snapshotSeq = e.lastSeq;
      const old = entries.get(key);
      if (old) {
        // What came live after the snapshot was taken still counts.
        for (const m of old.recent) {
          if (m.seq <= e.snapshotSeq) continue;
          e.recent.push(m);
          if (m.seq > e.readSeq) {
            e.unread++;
            if (m.mention) e.mentions++;
          }
        }
        e.lastSeq = Math.max(e.lastSeq, old.lastSeq);
        // A read frame that came after the snapshot was taken.
        if (old.readSeq > e.readSeq) {
          e.readSeq = old.readSeq;
          if (!recount(e) && key !== current) refreshSoon();
        }
      }
      next.set(key, e);
    }
    // The open room is listed before the server has its marker (a first visit).
    if (current && !next.has(current) && entries.has(current)) {
      next.set(current, entries.get(current));
    }
    entries = next;
  }

  async function load() {
    let answer;
    try {
      answer = await api("GET", "/api/me/rooms");
    } catch (error) {
      if (error instanceof ApiError && (error.isUnauthorized || error.status === 403)) {
        entries = new Map();
        show(false);
        return null;
      }
      return available ? [...entries.values()] : null; // kept as it was; the next refresh tries again
    }
    applySnapshot(Array.isArray(answer?.rooms) ? answer.rooms : []);
    if (current && !entries.has(current)) {
      entries = new Map([[current, {
        room: currentName, key: current, private: false, direct: false, lastSeq: 0, readSeq: 0,
        snapshotSeq: 0, unread: 0, mentions: 0, recent: [], listed: false,
      }], ...entries]);
    }
    show(true);
    render();
    return [...entries.values()];
  }

  /** Loads the rooms again (one request at a time); resolves to the entries, or null. */
  function refresh() {
    clearTimeout(soonTimer);
    soonTimer = 0;
    loading ??= load().finally(() => { loading = null; });
    return loading;
  }

  function refreshSoon() {
    if (soonTimer) return;
    soonTimer = setTimeout(() => { soonTimer = 0; refresh(); }, REFRESH_SOON_MS);
  }

  // ---- Interface ----------------------------------------------------------------------

  return {
    /**
     * The room `room` opens, for user `who` ({user, guest}). Resolves to the
     * room's marker and counts as they were ({readSeq, unread, mentions}), or
     * null when unknown (a first visit, or no markers for this user).
     */
    async open(room, who) {
      me = who.user;
      meGuest = who.guest === true;
      current = nameKey(room);
      currentName = room;
      clearInterval(everyTimer);
      everyTimer = setInterval(() => { if (!document.hidden && available) refresh(); }, REFRESH_EVERY_MS);
      const list = await refresh();
      const here = list?.find((e) => e.key === current && e.listed);
      return here ? { readSeq: here.readSeq, unread: here.unread, mentions: here.mentions } : null;
    },

    /** No user any more (signed out): nothing shown, nothing asked. */
    close() {
      clearInterval(everyTimer);
      clearTimeout(soonTimer);
      entries = new Map();
      show(false);
    },

    /** Whether the user has markers (the sidebar is shown); null while not known. */
    get available() { return available; },

    refresh,

    /** The rooms to join on a new socket for live counts: [{room, since}]. */
    async watchList() {
      const list = await refresh();
      if (!list) return [];
      return list.filter((e) => e.key !== current && !e.removed)
        .slice(0, MAX_WATCHED).map((e) => ({ room: e.room, since: e.lastSeq }));
    },

    /** A frame of a room other than the open one (message, edit, delete, reaction). */
    frame(f) {
      if (!["message", "edit", "delete", "reaction"].includes(f.type)) return; // events only
      if (typeof f.room !== "string" || !Number.isInteger(f.seq)) return;
      const e = entries.get(nameKey(f.room));
      if (!e || f.seq <= e.lastSeq) return;
      e.lastSeq = f.seq;
      if (f.type === "message" && !isOwn(f)) {
        const mention = mentionsUser(f.text, me);
        e.recent.push({ seq: f.seq, mention });
        if (e.recent.length > MAX_RECENT) e.recent.shift();
        if (f.seq > e.readSeq) {
          e.unread++;
          if (mention) e.mentions++;
        }
        render();
      } else if ((f.type === "edit" || f.type === "delete") && f.target > e.readSeq) {
        refreshSoon(); // an unread message changed: its counts may have
      }
    },

    /** The user's marker in `room` is at `seq` (another device's read frame, or ours). */
    read(room, seq) {
      const key = nameKey(room);
      const e = entries.get(key);
      if (!e) {
        if (available) refreshSoon(); // a room new to the list
        return;
      }
      if (!Number.isInteger(seq) || seq <= e.readSeq) return;
      e.readSeq = seq;
      if (!recount(e) && key !== current) refreshSoon();
      render();
    },

    /**
     * An `invited` frame: `room` (a private room, or a direct conversation
     * that `by` started) is ours now. Listed at once, then as the server
     * counts it; resolves to {room, lastSeq} (where to join it from for live
     * counts), or null.
     */
    async invited(room, by) {
      const key = nameKey(room);
      const direct = key.startsWith(DIRECT_PREFIX);
      if (!entries.has(key)) {
        entries = new Map([[key, {
          room, key, private: true, direct, with: direct ? by ?? undefined : undefined,
          lastSeq: 0, readSeq: 0, snapshotSeq: 0, unread: 0, mentions: 0, recent: [], listed: false,
        }], ...entries]);
        if (available) render();
      }
      const list = await refresh();
      const e = list?.find((entry) => entry.key === key);
      if (e?.direct) announce(`${titleOf(e)} started a direct conversation with you.`);
      else if (by) announce(`${by} invited you to the private room ${room}.`);
      else announce(`You were invited to the private room ${room}.`);
      return e ? { room: e.room, lastSeq: e.lastSeq } : null;
    },

    /** A `removed` frame (or we left): `room` is no longer ours. `quiet`: nothing said. */
    removed(room, { quiet = false } = {}) {
      const key = nameKey(room);
      const e = entries.get(key);
      if (key === current) {
        current = "";    // not listed again as the open room
        currentName = "";
      }
      if (!e) return;
      entries.delete(key);
      render();
      if (!quiet) announce(`You no longer have access to ${e.direct ? `the conversation with ${titleOf(e)}` : e.room}.`);
    },

    /** A watched room refused the join (gone, or access lost): counted by refreshes only. */
    unwatch(room) {
      const e = entries.get(nameKey(room));
      if (e) e.removed = true;
    },
  };
}
