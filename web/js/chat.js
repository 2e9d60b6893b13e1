// One room's state and protocol logic: history over HTTP, live messages over
// a WebSocket (or long polling when the socket cannot connect), an outbox of
// messages not yet stored, members and typing. Talks to the page through
// `view` (see view.js) and never touches the DOM itself.
//
// Invariants:
// - `lastSeq` is the highest seq shown; a (re)join asks for `since: lastSeq`,
//   a poll for `after=lastSeq`, so nothing is missed and, as every shown seq
//   is remembered in `seen`, nothing is shown twice.
// - Every outbox entry keeps its client id until the server has stored it;
//   resending after a reconnect or a transport switch reuses the id, which the
//   server stores once, so each message is delivered exactly once. Edits,
//   deletes and reactions go through the same outbox (`kind`).
// - Edits, deletes and reactions are events in the room's one seq space:
//   they count for `lastSeq` and `seen` like messages. One whose message is
//   not loaded is kept (a bounded number) and applied again when an older
//   page brings that message; every event is safe to apply twice.
// - Read markers: nothing is sent before the marker as it was at open is
//   known (it places the "New messages" divider); then, while the reader sees
//   the newest message, `lastSeq` goes to the server through `marker`
//   (read_marker.js: once a second at most, only forwards). The socket also
//   carries the user's other rooms (`rooms`, sidebar.js), joined for their
//   unread counts, and the read frames of the user's other devices.
// - Access (private and direct rooms): an `invited` frame adds a room to
//   the sidebar and joins it for its counts; a `removed` frame of the open
//   room, or a 404 for its history or join, ends it for good (`revoked`):
//   nothing of it is shown, sent, read or joined again, while the socket
//   goes on carrying the other rooms.

import {
  inviteProblem, inviteUser, loadRoomInfo, removeProblem, removeUser,
} from "./access.js";
import { api, ApiError, fetchMe, roomPath } from "./api.js";
import { Connection } from "./connection.js";
import { ReadMarker } from "./read_marker.js";
import { checkText, nameKey, newMessageId } from "./rules.js";

const PAGE_SIZE = 50;              // messages per history request
const TYPING_SHOWN_MS = 4000;      // how long "X is typing…" stays without news
const TYPING_SEND_MS = 2000;       // at most one typing frame per this interval
const RESEND_AFTER_MS = 10_000;    // unacked this long on a live socket: send again (same id)
const POLL_WAIT_S = 25;            // long poll length (the server keeps pollers as members 30 s)
const POLL_LIMIT = 500;
const MEMBERS_EVERY_MS = 10_000;   // member list refresh while polling (no presence frames)
const ROOMS_EVERY_MEMBERS = 3;     // ...and the sidebar's counts every third time
const SOCKET_RETRY_WHILE_POLLING_MS = 30_000;
const UPGRADE_FAILURES_BEFORE_POLLING = 2; // failed upgrades in a row while HTTP works
const MAX_BACKOFF_MS = 10_000;
const SESSION_ENDED_CLOSE_CODE = 4401; // the server ended the socket with its session
const MAX_KEPT_EVENTS = 1000;      // events for messages not loaded, kept for when they load
const ACCESS_REFRESH_MS = 1000;    // a private room's members again, this long after a presence change
const OPEN_JOIN_ID = "join-open";  // the id of the open room's join (its refusal means no access)
const CHANGE_KINDS = { edit: "edit", delete: "delete", reaction: "react" }; // event type -> client frame
const NOTES = {
  edit: ["Saving the edit…", "The edit will be saved when the connection is back."],
  delete: ["Deleting…", "The message will be deleted when the connection is back."],
  react: ["", "The reaction will be sent when the connection is back."],
};

const sleep = (ms, signal) => new Promise((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal?.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
});
const backoff = (attempt) =>
  Math.round(Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt) * (0.75 + Math.random() * 0.5));
const seconds = (ms) => Math.max(1, Math.round(ms / 1000));
// Over HTTP a message object may come without `type`.
const isMessageEvent = (e) => e.type === undefined || e.type === "message";

/** The client frame of an outbox entry (over HTTP: its body, without `room`). */
function frameOf(entry, room) {
  const { id, kind, text, target } = entry;
  if (kind === "edit") return { type: "edit", room, target, text, id };
  if (kind === "delete") return { type: "delete", room, target, id };
  if (kind === "react") return { type: "react", room, target, emoji: entry.emoji, on: entry.on, id };
  const frame = { type: "send", room, text, id };
  if (Number.isInteger(entry.replyTo)) frame.reply_to = entry.replyTo;
  return frame;
}

export class RoomChat {
  /**
   * @param {object} o
   * @param {string} o.room        room name from the URL
   * @param {{user: string}} o.me  who we are (from /api/me or /api/guest)
   * @param {object} o.view        see view.js
   * @param {boolean} o.forcePoll  long poll only (?transport=poll)
   * @param {Storage|null} o.storage  where unsent messages survive a reload
   * @param {(reason: string) => void} o.signedOut  the session is gone
   * @param {object|null} o.rooms  the user's other rooms (sidebar.js), or null
   */
  constructor({ room, me, view, forcePoll, storage, signedOut, rooms = null }) {
    this.room = room;
    this.roomKey = nameKey(room);
    this.me = me.user;
    // A guest and an account of the same name are different people.
    this.meGuest = me.guest === true;
    this.view = view;
    this.forcePoll = forcePoll;
    this.storage = storage;
    this.signedOutCallback = signedOut;
    this.rooms = rooms;
    this.stopped = false;

    this.lastSeq = 0;            // highest seq shown
    this.oldestSeq = 0;          // lowest seq loaded (history paging goes before it)
    this.hasOlder = false;
    this.loadingOlder = false;
    this.historyReady = false;
    this.seen = new Set();       // seqs shown
    this.gapFrom = null;         // a truncated replay: fetch (gapFrom, first replayed) over HTTP
    this.olderLoad = null;       // the history request in flight, if any
    this.kept = new Map();       // target seq -> events for a message not loaded
    this.keptCount = 0;
    this.quotes = new Map();     // seq -> an original fetched for a reply's quote (or its promise)

    this.outbox = new Map();     // client id -> { id, kind, text, replyTo, target, emoji, on,
                                 //                createdAt, state, error, sentAt }
    this.members = new Map();    // name key -> name as written
    this.typing = new Map();     // name key -> { name, timer }
    this.lastTypingSent = 0;

    this.mode = "none";          // "ws" or "poll": who carries messages now
    this.joined = false;         // joined on the current socket
    this.pollAbort = null;
    this.pollOnline = false;
    this.posting = false;
    this.wake = null;            // AbortController that cuts a backoff sleep short
    this.ticks = 0;
    this.upgradeFailuresWhileUp = 0;
    this.downReason = "Connection lost";

    this.marker = new ReadMarker((seq) => this.sendRead(seq));
    this.readReady = false;      // the marker at open is known (or cannot be)
    this.watchIds = new Map();   // join id -> other room joined on this socket for its counts
    this.watchSerial = 0;

    this.accessInfo = null;      // the room's kind, owner and members (access.js), once known
    this.accessTimer = 0;
    this.revoked = false;        // no access to this room (any more): see lostAccess()
    this.leaving = false;        // we asked to leave it

    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    this.conn = new Connection(`${scheme}//${location.host}/ws`, {
      connecting: (attempt) => {
        if (this.mode !== "poll") {
          this.setStatus("connecting", attempt ? "Reconnecting…" : "Connecting…");
        }
      },
      open: () => { if (this.mode !== "poll") this.setStatus("connecting", "Joining…"); },
      frame: (f) => this.onFrame(f),
      down: (info) => this.onDown(info),
    });
    const who = `${nameKey(this.me)}${this.meGuest ? ".guest" : ""}`;
    this.storageKey = `parley.outbox.v1.${who}.${this.roomKey}`;
  }

  // ---- Life cycle ---------------------------------------------------------

  async start() {
    this.view.setMe(this.me, this.meGuest);
    this.view.setRoomName(this.room);
    this.view.setTransport(this.forcePoll ? "poll" : "ws");
    this.restoreOutbox();
    this.tickTimer = setInterval(() => this.tick(), 1000);
    this.loadAccess();
    const opened = this.rooms?.open(this.room, { user: this.me, guest: this.meGuest }) ?? Promise.resolve(null);
    const [, atOpen] = await Promise.all([this.loadLatest(), opened.catch(() => null)]);
    if (this.stopped) return;
    this.startReading(atOpen);
    if (this.forcePoll) this.startPolling();
    else {
      this.mode = "ws";
      this.conn.start();
    }
  }

  stop() {
    this.stopped = true;
    clearInterval(this.tickTimer);
    clearTimeout(this.accessTimer);
    this.conn.stop();
    this.pollAbort?.abort();
    this.wake?.abort();
    for (const t of this.typing.values()) clearTimeout(t.timer);
  }

  signedOut(reason) {
    if (this.stopped) return;
    this.stop();
    this.signedOutCallback(reason);
  }

  /** The header's state, unless the room is closed to us (that stays said). */
  setStatus(state, text, detail = "") {
    if (!this.revoked) this.view.setStatus(state, text, detail);
  }

  /** Skips the current backoff wait. */
  retryNow() {
    this.wake?.abort();
    if (this.mode === "ws") this.conn.retryNow();
  }

  /** The status line while the socket is down: why, and when the next try is. */
  showDown() {
    this.showOffline(navigator.onLine === false ? "You are offline" : this.downReason, this.conn.retryInMs);
  }

  showOffline(why, retryInMs) {
    const when = retryInMs > 0 ? `Reconnecting in ${seconds(retryInMs)} s.` : "Reconnecting…";
    const unsent = [...this.outbox.values()].some((e) => e.state !== "failed")
      ? " Your messages will be sent when the connection is back." : "";
    this.setStatus("offline", "Offline", `${why}. ${when}${unsent}`);
  }

  isLive() { return (this.mode === "ws" && this.joined) || (this.mode === "poll" && this.pollOnline); }

  /** Once a second: the countdown in the status line, and stale sends. */
  tick() {
    if (this.mode === "ws" && !this.conn.isOpen && this.conn.retryInMs > 0) this.showDown();
    const now = Date.now();
    if (this.mode === "ws" && this.joined) {
      for (const entry of this.outbox.values()) {
        // Safety net for a send whose ack never came on a live socket.
        if (entry.state === "sent" && now - entry.sentAt >= RESEND_AFTER_MS) {
          entry.state = "queued";
          this.flushOne(entry);
        }
      }
    } else if (this.mode === "poll" && this.pollOnline && ++this.ticks % 5 === 0) {
      this.flushPosts(); // messages held back by a failed post
    }
    this.reading();
  }

  // ---- Read markers ------------------------------------------------------------

  /** The marker as it was at open ({readSeq, unread, mentions} or null) is known. */
  startReading(atOpen) {
    if (!this.rooms || this.rooms.available === false) {
      this.marker.disable(); // no markers for this user
      return;
    }
    if (atOpen && this.historyReady) {
      this.marker.known(atOpen.readSeq);
      this.view.showUnread(atOpen.readSeq, atOpen);
    }
    this.readReady = true;
    this.reading();
  }

  /** The reader may see something new: the newest message read moves the marker. */
  reading() {
    if (!this.readReady || this.stopped || this.revoked || this.lastSeq === 0) return;
    if (this.view.isReading()) this.marker.read(this.lastSeq);
  }

  /** Tells the server (see ReadMarker); false when it cannot now. */
  sendRead(seq) {
    if (this.stopped || this.revoked) return false;
    if (this.mode === "ws") {
      if (!this.joined || !this.conn.send({ type: "read", room: this.room, seq, id: `read-${seq}` })) return false;
      this.rooms?.read(this.room, seq);
      return true;
    }
    if (this.mode !== "poll" || !this.pollOnline) return false;
    return api("POST", `${roomPath(this.room)}/read`, { seq }).then(() => {
      this.rooms?.read(this.room, seq);
      return true;
    }, (error) => {
      if (error instanceof ApiError && error.status === 401) this.marker.disable();
      return false;
    });
  }

  /** Another device of the user moved a marker (this room's, or another's). */
  onRead(f) {
    if (typeof f.room !== "string" || !Number.isInteger(f.seq)) return;
    if (nameKey(f.room) === this.roomKey) this.marker.known(f.seq);
    this.rooms?.read(f.room, f.seq);
  }

  /** Joins the user's other rooms on this socket, for their live counts. */
  async watchRooms() {
    if (!this.rooms) return;
    const socket = this.conn.ws;
    const rooms = await this.rooms.watchList();
    if (this.stopped || this.mode !== "ws" || this.conn.ws !== socket || !this.conn.isOpen) return;
    this.watchIds.clear();
    for (const { room, since } of rooms) this.watch(room, since);
  }

  /** Joins another room of the user's on this socket, for its counts. */
  watch(room, since) {
    const id = `watch-${++this.watchSerial}`;
    this.watchIds.set(id, room);
    this.conn.send({ type: "join", room, since, id });
  }

  // ---- Access: private and direct rooms --------------------------------------------

  /** The room's kind, owner and members, for the header and the member panel. */
  async loadAccess() {
    const info = await loadRoomInfo(this.room, this.me);
    if (this.stopped || this.revoked || !info) return;
    this.accessInfo = info;
    this.view.setAccess(info);
    this.showMembers();
  }

  /** A private room's members may have changed (someone came or went): asked again, soon. */
  refreshAccessSoon() {
    if (this.accessInfo?.kind !== "private" || this.accessTimer) return;
    this.accessTimer = setTimeout(() => {
      this.accessTimer = 0;
      this.loadAccess();
    }, ACCESS_REFRESH_MS);
  }

  /** The owner invites `user`: resolves to "" once done, else to the reason. */
  async invite(user) {
    try {
      await inviteUser(this.room, user);
    } catch (error) {
      if (error instanceof ApiError && error.isUnauthorized) this.signedOut("expired");
      return inviteProblem(error, user);
    }
    await this.loadAccess();
    return "";
  }

  /** The owner takes `user`'s access away: resolves to "" once done, else to the reason. */
  async removeMember(user) {
    try {
      await removeUser(this.room, user);
    } catch (error) {
      if (error instanceof ApiError && error.isUnauthorized) this.signedOut("expired");
      return removeProblem(error, user, false);
    }
    if (this.accessInfo) {
      // Gone from the list at once; the server's list follows.
      this.accessInfo.members = this.accessInfo.members.filter((u) => nameKey(u) !== nameKey(user));
      this.view.setAccess(this.accessInfo);
      this.showMembers();
    }
    this.loadAccess();
    return "";
  }

  /** A member leaves the room (it was confirmed): then the home page. Resolves to the reason it failed. */
  async leave() {
    this.leaving = true;
    try {
      await removeUser(this.room, this.me);
    } catch (error) {
      this.leaving = false;
      if (error instanceof ApiError && error.isUnauthorized) this.signedOut("expired");
      return removeProblem(error, this.me, true);
    }
    this.rooms?.removed(this.room, { quiet: true });
    this.stop();
    location.assign("/");
    return "";
  }

  /** `invited`: a private room (or a direct conversation) is open to us now. */
  async onInvited(f) {
    if (typeof f.room !== "string") return;
    if (nameKey(f.room) === this.roomKey) {
      if (this.revoked) location.reload(); // back in: start the room afresh
      return;
    }
    const socket = this.conn.ws;
    const entry = await this.rooms?.invited(f.room, typeof f.by === "string" ? f.by : null);
    if (!entry || this.stopped || this.mode !== "ws" || this.conn.ws !== socket || !this.conn.isOpen) return;
    this.watch(entry.room, entry.lastSeq);
  }

  /** `removed`: our access to a room was taken away (or we left it). */
  onRemoved(f) {
    if (typeof f.room !== "string") return;
    if (nameKey(f.room) !== this.roomKey) {
      this.rooms?.removed(f.room);
      return;
    }
    if (this.leaving) return; // leave() goes on to the home page
    this.lostAccess("removed");
  }

  /**
   * No access to this room: `removed` (taken away while here) or `missing`
   * (its history or join answered not found). Ends the room for good; the
   * socket stays for the sidebar's rooms.
   */
  lostAccess(reason) {
    if (this.revoked || this.stopped) return;
    this.revoked = true;
    this.joined = false;
    clearTimeout(this.accessTimer);
    this.marker.disable();
    this.outbox.clear();
    this.saveOutbox();
    for (const key of [...this.typing.keys()]) this.clearTyping(key);
    this.members.clear();
    this.accessInfo = null;
    if (this.mode === "poll") {
      this.stopPolling();
      this.mode = "none";
    }
    this.rooms?.removed(this.room, { quiet: true });
    const name = this.view.roomKind === "direct" ? "this conversation" : `#${this.room}`;
    if (reason === "removed") {
      this.view.lostAccess("You no longer have access to this room",
        `You were removed from ${name}. Its messages are no longer shown here.`);
    } else {
      this.view.lostAccess("This room is not available",
        `${name} does not exist or is private, and you have no access to it.`);
    }
    this.view.setStatus("offline", "No access");
  }

  /** An error frame for a read or a watching join: the open room is not concerned. */
  onSideError(f) {
    if (f.id.startsWith("read-")) {
      if (f.code === "unauthorized") this.marker.disable();
      return;
    }
    const room = this.watchIds.get(f.id);
    if (room) this.rooms?.unwatch(room);
  }

  // ---- History over HTTP -------------------------------------------------------

  async loadLatest() {
    for (let attempt = 0; !this.stopped && !this.revoked; attempt++) {
      try {
        const page = await api("GET", `${roomPath(this.room)}/messages?limit=${PAGE_SIZE}`);
        this.applyLatest(page);
        return;
      } catch (error) {
        if (error instanceof ApiError && error.isUnauthorized) return this.signedOut("expired");
        if (error instanceof ApiError && error.status === 404) return this.lostAccess("missing");
        if (!(error instanceof ApiError)) throw error;
        const delay = backoff(attempt);
        this.showOffline(`Could not load messages (${error.message.replace(/\.$/, "")})`, delay);
        this.wake = new AbortController();
        await sleep(delay, this.wake.signal);
      }
    }
  }

  applyLatest(page) {
    if (typeof page.room === "string") this.view.setRoomName(page.room);
    const fresh = (page.messages ?? []).filter((m) => Number.isInteger(m.seq) && !this.seen.has(m.seq));
    for (const m of fresh) this.seen.add(m.seq);
    const messages = fresh.filter(isMessageEvent);
    this.view.showLatest(messages);
    // Pages hold messages in their final state; should one hold other events, they apply in order.
    for (const e of fresh) if (!isMessageEvent(e)) this.applyChange(e);
    this.showNotes(); // changes restored from the last visit, still on their way
    const newest = fresh.length ? fresh[fresh.length - 1].seq : 0;
    this.lastSeq = Math.max(this.lastSeq, newest, Number.isInteger(page.last_seq) ? page.last_seq : 0);
    this.oldestSeq = fresh.length ? fresh[0].seq : this.lastSeq + 1;
    this.hasOlder = this.oldestSeq > 1;
    this.historyReady = true;
    this.view.setHistoryState(this.hasOlder ? "more" : "start");
    requestAnimationFrame(() => this.view.checkNearTop());
  }

  /** The page of messages before the oldest shown (scrolling up); resolves to false on failure. */
  loadOlder() {
    if (this.loadingOlder) return this.olderLoad;
    if (!this.historyReady || !this.hasOlder || this.stopped || this.revoked) return Promise.resolve(true);
    this.olderLoad = this.fetchOlder();
    return this.olderLoad;
  }

  async fetchOlder() {
    this.loadingOlder = true;
    this.view.setHistoryState("loading");
    let failed = false;
    try {
      const page = await api("GET",
        `${roomPath(this.room)}/messages?before=${this.oldestSeq}&limit=${PAGE_SIZE}`);
      const messages = (page.messages ?? []).filter((m) => Number.isInteger(m.seq) && m.seq < this.oldestSeq);
      const fresh = messages.filter((m) => !this.seen.has(m.seq) && isMessageEvent(m));
      for (const m of fresh) this.seen.add(m.seq);
      this.view.prependMessages(fresh);
      for (const m of fresh) this.applyKept(m.seq);
      this.showNotes();
      if (messages.length) this.oldestSeq = messages[0].seq;
      this.hasOlder = messages.length > 0 && this.oldestSeq > 1;
    } catch (error) {
      if (error instanceof ApiError && error.isUnauthorized) {
        this.signedOut("expired");
        return false;
      }
      if (error instanceof ApiError && error.status === 404) this.lostAccess("missing");
      failed = true;
    } finally {
      this.loadingOlder = false;
      this.olderLoad = null;
    }
    this.view.setHistoryState(failed ? "error" : this.hasOlder ? "more" : "start");
    // Still at the top (a short page, or a tall window): keep going.
    if (!failed) requestAnimationFrame(() => this.view.checkNearTop());
    return !failed;
  }

  /** Shows a message (a reply's original), loading older pages until it is there. */
  async jumpTo(seq) {
    if (!Number.isInteger(seq) || seq < 1) return;
    const gone = "The original message is not in this room's history.";
    if (this.quotes.get(seq)?.missing && !this.view.flashMessage(seq)) return this.view.showError(gone);
    while (!this.view.flashMessage(seq)) {
      if (this.stopped || !this.hasOlder || seq >= this.oldestSeq) return this.view.showError(gone);
      if (!(await this.loadOlder())) return;
    }
  }

  /** Fetches a reply's original (not loaded) for its quote. */
  async loadQuote(seq) {
    const known = this.quotes.get(seq);
    if (known && !(known instanceof Promise)) return this.view.showQuote(known);
    if (known) return;
    const request = api("GET", `${roomPath(this.room)}/messages/${seq}`);
    this.quotes.set(seq, request);
    try {
      const original = await request;
      if (!Number.isInteger(original?.seq)) throw new Error("not a message");
      this.quotes.set(seq, original);
      this.view.showQuote(original);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        // Not a message of this room (any more): the quote says so.
        const missing = { seq, missing: true };
        this.quotes.set(seq, missing);
        this.view.showQuote(missing);
        return;
      }
      this.quotes.delete(seq); // the quote keeps its placeholder; the next render asks again
    }
  }

  /** The view dropped its oldest messages; paging resumes from there. */
  trimmed(oldestSeq) {
    if (!Number.isInteger(oldestSeq)) return;
    for (const seq of this.seen) if (seq < oldestSeq) this.seen.delete(seq);
    this.oldestSeq = oldestSeq;
    this.hasOlder = oldestSeq > 1;
    this.view.setHistoryState(this.hasOlder ? "more" : "start");
  }

  /** A replay was capped: reads the messages between `from` and `to` over HTTP. */
  async fillGap(from, to) {
    try {
      while (from + 1 < to && !this.stopped) {
        const limit = Math.min(1000, to - from - 1);
        const page = await api("GET", `${roomPath(this.room)}/messages?after=${from}&limit=${limit}`);
        const messages = (page.messages ?? []).filter((m) => m.seq > from && m.seq < to);
        if (messages.length === 0) break;
        for (const m of messages) this.onEvent(m);
        from = messages[messages.length - 1].seq;
      }
    } catch {
      this.view.addNotice("Some earlier messages could not be loaded.");
    }
  }

  /** The server's numbering went back (e.g. an in-memory server restarted). */
  historyReset(lastSeq) {
    this.seen.clear();
    this.view.clearMessages();
    this.view.addNotice("The server's history for this room was reset.");
    this.lastSeq = lastSeq;
    this.oldestSeq = lastSeq + 1;
    this.hasOlder = lastSeq > 0;
    this.view.setHistoryState(this.hasOlder ? "more" : "start");
  }

  // ---- WebSocket ----------------------------------------------------------------

  onFrame(f) {
    if (this.stopped) return;
    if (f.type === "hello") return this.onHello(f);
    if (f.type === "read") return this.onRead(f);
    if (f.type === "invited") return this.onInvited(f);
    if (f.type === "removed") return this.onRemoved(f);
    if (f.type === "error" && /^(read|watch)-/.test(f.id ?? "")) return this.onSideError(f);
    if (f.type === "error" && f.id === OPEN_JOIN_ID) {
      if (f.code === "not_found" || f.code === "forbidden") return this.lostAccess("missing");
      return this.onError(f);
    }
    if (typeof f.room === "string" && nameKey(f.room) !== this.roomKey) {
      // One of the user's other rooms, joined for its counts.
      if (this.mode === "ws") this.rooms?.frame(f);
      return;
    }
    if (this.revoked) return; // nothing more of this room
    switch (f.type) {
      case "joined": this.onJoined(f); break;
      case "message": case "edit": case "delete": case "reaction":
        if (this.mode === "ws") this.onEvent(f);
        break;
      case "ack": this.onAck(f); break;
      case "presence":
        if (typeof f.user !== "string") break;
        if (f.event === "join") this.members.set(nameKey(f.user), f.user);
        else if (f.event === "leave") this.members.delete(nameKey(f.user));
        this.showMembers();
        this.refreshAccessSoon();
        break;
      case "typing": this.onTyping(f.user); break;
      case "error": this.onError(f); break;
      default: break; // pong, left, and types added later by the server
    }
  }

  onHello(f) {
    if (typeof f.user === "string" && nameKey(f.user) !== nameKey(this.me)) {
      // The session now belongs to someone else (logged in in another tab).
      location.reload();
      return;
    }
    this.conn.markHealthy();
    this.upgradeFailuresWhileUp = 0;
    this.downReason = "Connection lost";
    if (this.mode === "poll") this.stopPolling(); // the socket works again
    this.mode = "ws";
    this.view.setTransport("ws");
    // Resume where we stopped: replays exactly the messages we have not seen.
    if (!this.revoked) this.conn.send({ type: "join", room: this.room, since: this.lastSeq, id: OPEN_JOIN_ID });
    this.watchRooms();
  }

  onJoined(f) {
    if (typeof f.room === "string") this.view.setRoomName(f.room);
    if (Number.isInteger(f.seq) && f.seq < this.lastSeq) this.historyReset(f.seq);
    if (f.truncated) this.gapFrom = this.lastSeq;
    this.joined = true;
    this.members = new Map((f.members ?? []).map((u) => [nameKey(u), u]));
    this.showMembers();
    this.setStatus("online", "Connected");
    // Queued and unacknowledged messages go (again) with their ids: the server
    // stores each id once, so a message that did arrive is not doubled.
    for (const entry of this.outbox.values()) {
      if (entry.state === "sent" || entry.state === "stored") entry.state = "queued";
      this.flushOne(entry);
    }
    this.marker.retry();
  }

  onAck(f) {
    if (typeof f.id === "string") this.confirm(f.id);
  }

  onError(f) {
    const entry = typeof f.id === "string" ? this.outbox.get(f.id) : undefined;
    if (entry) {
      if (f.code === "rate_limited" || f.code === "not_joined" || f.code === "internal") {
        // Worth another go with the same id: the resend timer picks it up.
        entry.state = "sent";
        entry.sentAt = Date.now();
        return;
      }
      if (entry.kind !== "send") return this.refused(entry, f.message || f.code || "refused");
      // A refused send stays visible with its reason until retried or discarded.
      entry.state = "failed";
      entry.error = f.message || f.code || "refused";
      this.updatePending(entry);
      this.saveOutbox();
      return;
    }
    if (f.code === "unauthorized") return this.signedOut("expired");
    this.view.showError(`${f.message || "The server refused a request."} (${f.code || "error"})`);
  }

  async onDown({ wasOpen, code }) {
    // The server closed the socket because the session or token ended
    // (logout elsewhere, expiry): reconnecting cannot help.
    if (code === SESSION_ENDED_CLOSE_CODE) return this.signedOut("expired");
    this.joined = false;
    for (const entry of this.outbox.values()) {
      if (entry.state === "sent") entry.state = "queued";
      this.updatePending(entry);
    }
    for (const key of [...this.typing.keys()]) this.clearTyping(key);
    if (this.mode === "poll") return; // polling carries on; the socket retries quietly
    if (wasOpen) this.downReason = "Connection lost";
    this.showDown();
    if (wasOpen) return;
    // The upgrade failed. A browser cannot see the HTTP status, so ask the
    // server: no session any more, the server down, or a server that is up
    // but whose socket will not open (some proxies) and so gets long polls.
    let me;
    try {
      me = await fetchMe();
    } catch {
      this.upgradeFailuresWhileUp = 0;
      this.downReason = "Server unreachable";
      if (!this.conn.isOpen && this.mode === "ws") this.showDown();
      return;
    }
    if (this.stopped || this.conn.isOpen || this.mode !== "ws") return;
    if (!me) return this.signedOut("expired");
    // Up over HTTP: one more socket attempt at once (the server may just have
    // come back); a second failure while it is up means polling.
    if (++this.upgradeFailuresWhileUp < UPGRADE_FAILURES_BEFORE_POLLING) this.conn.retryNow();
    else this.startPolling();
  }

  // ---- Long polling -----------------------------------------------------------

  startPolling() {
    if (this.mode === "poll" || this.stopped) return;
    this.mode = "poll";
    this.joined = false;
    this.pollOnline = false;
    this.view.setTransport("poll");
    this.setStatus("connecting", "Connecting (long polling)…");
    if (!this.forcePoll) this.conn.setMaxDelay(SOCKET_RETRY_WHILE_POLLING_MS);
    this.pollAbort = new AbortController();
    this.pollLoop(this.pollAbort.signal);
    this.membersLoop(this.pollAbort.signal);
  }

  stopPolling() {
    this.pollAbort?.abort();
    this.pollAbort = null;
    this.pollOnline = false;
    this.conn.setMaxDelay(MAX_BACKOFF_MS);
  }

  async pollLoop(signal) {
    let failures = 0;
    while (!signal.aborted && !this.stopped) {
      // The first poll, and the first after a failure, answer at once: they
      // tell whether the link works before a long wait starts.
      const wait = this.pollOnline ? POLL_WAIT_S : 0;
      try {
        const page = await api("GET",
          `${roomPath(this.room)}/messages?after=${this.lastSeq}&limit=${POLL_LIMIT}&wait=${wait}`,
          undefined, { signal });
        if (signal.aborted) return;
        failures = 0;
        if (Number.isInteger(page.last_seq) && page.last_seq < this.lastSeq) this.historyReset(page.last_seq);
        for (const m of page.messages ?? []) this.onEvent(m);
        if (!this.pollOnline) {
          this.pollOnline = true;
          this.setStatus("online", "Connected (long polling)");
          for (const entry of this.outbox.values()) this.updatePending(entry);
          this.flushPosts();
          this.refreshMembers(signal);
          this.rooms?.refresh();
          this.marker.retry();
        }
      } catch (error) {
        if (signal.aborted || this.stopped) return;
        if (error instanceof ApiError && error.isUnauthorized) return this.signedOut("expired");
        if (error instanceof ApiError && error.status === 404) return this.lostAccess("missing");
        if (!(error instanceof ApiError)) throw error;
        this.pollOnline = false;
        for (const entry of this.outbox.values()) this.updatePending(entry);
        const delay = error.retryAfterS ? error.retryAfterS * 1000 : backoff(failures++);
        this.showOffline("Connection lost", delay);
        this.wake = new AbortController();
        const both = AbortSignal.any ? AbortSignal.any([signal, this.wake.signal]) : this.wake.signal;
        await sleep(delay, both);
      }
    }
  }

  async membersLoop(signal) {
    for (let round = 1; !signal.aborted && !this.stopped; round++) {
      await sleep(MEMBERS_EVERY_MS, signal);
      if (!this.pollOnline) continue;
      await this.refreshMembers(signal);
      // No frames of the other rooms while polling: their counts come by asking.
      if (round % ROOMS_EVERY_MEMBERS === 0) this.rooms?.refresh();
    }
  }

  async refreshMembers(signal) {
    try {
      const answer = await api("GET", `${roomPath(this.room)}/members`, undefined, { signal });
      if (signal.aborted || !Array.isArray(answer?.members)) return;
      this.members = new Map(answer.members.map((u) => [nameKey(u), u]));
      this.showMembers();
    } catch { /* the poll loop reports link trouble */ }
  }

  /** Posts queued messages one after another, in the order they were written. */
  async flushPosts() {
    if (this.posting || this.mode !== "poll" || !this.pollOnline) return;
    this.posting = true;
    try {
      for (const entry of [...this.outbox.values()]) {
        if (this.mode !== "poll" || this.stopped) break;
        if (entry.state !== "queued" || !this.outbox.has(entry.id)) continue;
        entry.state = "sent";
        entry.sentAt = Date.now();
        this.updatePending(entry);
        try {
          const { type, room, ...body } = frameOf(entry, this.room);
          const path = entry.kind === "send" ? "messages" : "events";
          if (entry.kind !== "send") body.type = type;
          const stored = await api("POST", `${roomPath(this.room)}/${path}`, body);
          if (!this.outbox.has(entry.id)) continue;
          // A change is done once stored: its event comes with the poll. (A
          // reaction set as it already was is stored by no new event at all.)
          if (entry.kind !== "send") {
            this.confirm(entry.id);
            continue;
          }
          // Stored. It is shown when the poll brings it (by its id), or now if
          // it already came (a repeated id answers with the first seq).
          if (this.seen.has(stored?.seq)) this.confirm(entry.id);
          else {
            entry.state = "stored";
            entry.seq = stored?.seq;
          }
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          if (error.isUnauthorized) {
            entry.state = "queued";
            this.signedOut("expired");
            break;
          }
          if (error.isTransient) {
            entry.state = "queued"; // tried again with the same id
            this.updatePending(entry);
            break;
          }
          if (entry.kind !== "send") {
            this.refused(entry, error.message);
            continue;
          }
          entry.state = "failed";
          entry.error = error.message;
          this.updatePending(entry);
          this.saveOutbox();
        }
      }
    } finally {
      this.posting = false;
    }
  }

  // ---- Messages ----------------------------------------------------------------

  /** Any event of the room, live, replayed or polled, in seq order. */
  onEvent(m) {
    if (!Number.isInteger(m?.seq)) return;
    const own = nameKey(m.user) === nameKey(this.me) && (m.guest === true) === this.meGuest;
    if (own && typeof m.id === "string") this.confirm(m.id);
    if (isMessageEvent(m) && typeof m.user === "string") this.clearTyping(m.user);
    if (this.gapFrom !== null) {
      const from = this.gapFrom;
      this.gapFrom = null;
      if (m.seq > from + 1) this.fillGap(from, m.seq);
    }
    if (this.seen.has(m.seq)) return;
    this.seen.add(m.seq);
    if (m.seq > this.lastSeq) this.lastSeq = m.seq;
    if (isMessageEvent(m)) this.view.addMessage(m, own);
    else this.applyChange(m);
  }

  /** An edit, delete or reaction: to its message if loaded, else kept for later. */
  applyChange(e) {
    if (!(e.type in CHANGE_KINDS) || !Number.isInteger(e.target)) return; // kinds added later
    if (this.view.applyEvent(e)) return;
    // A reply's quote of a message that is not loaded follows it too.
    const original = this.quotes.get(e.target);
    if (original && !(original instanceof Promise) && e.type !== "reaction") {
      if (e.type === "delete" || e.deleted === true) Object.assign(original, { deleted: true, text: undefined });
      else if (typeof e.text === "string") original.text = e.text;
      this.view.showQuote(original);
    }
    const list = this.kept.get(e.target) ?? [];
    list.push(e);
    this.kept.set(e.target, list);
    // Bounded: the oldest targets go first (their messages load in final state anyway).
    if (++this.keptCount > MAX_KEPT_EVENTS) {
      const [oldest, events] = this.kept.entries().next().value;
      this.kept.delete(oldest);
      this.keptCount -= events.length;
    }
  }

  /** A message came with an older page: the events kept for it apply on top. */
  applyKept(seq) {
    const events = this.kept.get(seq);
    if (!events) return;
    this.kept.delete(seq);
    this.keptCount -= events.length;
    for (const e of events) this.view.applyEvent(e);
  }

  /** Queues a message (a reply when `replyTo` is a seq); returns the checkText() result. */
  send(text, replyTo = null) {
    const check = checkText(text);
    if (!check.ok || this.revoked) return { ...check, ok: false };
    const entry = { id: newMessageId(), kind: "send", text, createdAt: Date.now(), state: "queued", error: "" };
    if (Number.isInteger(replyTo)) entry.replyTo = replyTo;
    this.outbox.set(entry.id, entry);
    this.saveOutbox();
    this.view.showPending(entry);
    this.updatePending(entry);
    this.flush();
    return check;
  }

  /** Our message `target` gets `text` (checked by the editor). */
  edit(target, text) { this.queueChange({ kind: "edit", target, text }); }

  /** Deletes our message `target` (the page asked for a confirmation). */
  remove(target) { this.queueChange({ kind: "delete", target }); }

  /** Sets our reaction `emoji` on message `target` on or off. */
  react(target, emoji, on) { this.queueChange({ kind: "react", target, emoji, on: on === true }); }

  queueChange(change) {
    if (!Number.isInteger(change.target) || this.revoked) return;
    const entry = { id: newMessageId(), ...change, createdAt: Date.now(), state: "queued", error: "" };
    this.outbox.set(entry.id, entry);
    this.saveOutbox();
    this.updatePending(entry);
    this.flush();
  }

  /** A change the server refused: said once, then forgotten (nothing to retry by hand). */
  refused(entry, reason) {
    this.outbox.delete(entry.id);
    this.saveOutbox();
    this.showNote(entry.target);
    const what = { edit: "The edit was not saved", delete: "The message was not deleted",
      react: "The reaction was not saved" }[entry.kind];
    this.view.showError(`${what}: ${reason}`);
  }

  flush() {
    if (this.mode === "poll") return this.flushPosts();
    for (const entry of this.outbox.values()) this.flushOne(entry);
  }

  // Sends only after `joined`: a send before the join completes would be refused.
  flushOne(entry) {
    if (this.mode !== "ws" || !this.joined || entry.state !== "queued") return;
    if (this.conn.send(frameOf(entry, this.room))) {
      entry.state = "sent";
      entry.sentAt = Date.now();
      this.updatePending(entry);
    }
  }

  /** Tries a failed message again with the same id (the server dedupes by id). */
  retry(id) {
    const entry = this.outbox.get(id);
    if (!entry || entry.kind !== "send") return;
    entry.state = "queued";
    entry.error = "";
    this.saveOutbox();
    this.updatePending(entry);
    this.flush();
  }

  discard(id) {
    if (this.outbox.get(id)?.kind !== "send") return;
    this.outbox.delete(id);
    this.saveOutbox();
    this.view.removePending(id);
  }

  confirm(id) {
    const entry = this.outbox.get(id);
    if (!entry) return;
    this.outbox.delete(id);
    this.saveOutbox();
    if (entry.kind === "send") this.view.removePending(id);
    else this.showNote(entry.target);
  }

  updatePending(entry) {
    if (entry.kind === "send") this.view.updatePending(entry, this.isLive());
    else this.showNote(entry.target);
  }

  showNotes() {
    for (const entry of this.outbox.values()) if (entry.kind !== "send") this.showNote(entry.target);
  }

  /** The note on a message while our latest change to it is on its way. */
  showNote(target) {
    const waiting = [...this.outbox.values()].filter((e) => e.kind !== "send" && e.target === target).at(-1);
    this.view.setMessageNote(target, waiting ? NOTES[waiting.kind][this.isLive() ? 0 : 1] : "");
  }

  // Unsent messages survive a reload of the tab (same ids, so still only once).
  saveOutbox() {
    if (!this.storage) return;
    try {
      const entries = [...this.outbox.values()].map(({ state, sentAt, seq, ...saved }) =>
        ({ ...saved, failed: state === "failed" }));
      if (entries.length) this.storage.setItem(this.storageKey, JSON.stringify(entries));
      else this.storage.removeItem(this.storageKey);
    } catch { /* storage full or disabled: the outbox still lives in memory */ }
  }

  restoreOutbox() {
    let entries = [];
    try { entries = JSON.parse(this.storage?.getItem(this.storageKey) ?? "[]"); } catch { entries = []; }
    if (!Array.isArray(entries)) return;
    for (const saved of entries) {
      if (typeof saved?.id !== "string" || this.outbox.has(saved.id)) continue;
      const kind = saved.kind ?? "send";
      if (!["send", "edit", "delete", "react"].includes(kind)) continue;
      if ((kind === "send" || kind === "edit") && typeof saved.text !== "string") continue;
      if (kind !== "send" && !Number.isInteger(saved.target)) continue;
      const entry = {
        ...saved, kind, createdAt: Number(saved.createdAt) || Date.now(),
        state: saved.failed ? "failed" : "queued", error: String(saved.error ?? ""),
      };
      delete entry.failed;
      this.outbox.set(entry.id, entry);
      if (kind === "send") this.view.showPending(entry);
      this.updatePending(entry);
    }
  }

  // ---- Members and typing ---------------------------------------------------------

  /** Called on each keystroke in the input; throttled to one frame per 2 s. */
  userTyping() {
    const now = Date.now();
    if (this.mode !== "ws" || !this.joined || this.revoked || now - this.lastTypingSent < TYPING_SEND_MS) return;
    if (this.conn.send({ type: "typing", room: this.room })) this.lastTypingSent = now;
  }

  /** The message went: the next keystroke may announce typing again at once. */
  sentMessage() { this.lastTypingSent = 0; }

  onTyping(user) {
    if (typeof user !== "string" || nameKey(user) === nameKey(this.me)) return;
    const key = nameKey(user);
    clearTimeout(this.typing.get(key)?.timer);
    const timer = setTimeout(() => this.clearTyping(user), TYPING_SHOWN_MS);
    this.typing.set(key, { name: user, timer });
    this.showTyping();
  }

  clearTyping(user) {
    const key = nameKey(user);
    const t = this.typing.get(key);
    if (!t) return;
    clearTimeout(t.timer);
    this.typing.delete(key);
    this.showTyping();
  }

  showMembers() {
    if (this.revoked) return;
    if (this.mode === "ws" || this.mode === "poll") this.members.set(nameKey(this.me), this.me);
    const list = [...this.members.values()].sort((a, b) =>
      a.localeCompare(b, undefined, { sensitivity: "base" }));
    this.view.setMembers(list);
  }

  showTyping() {
    this.view.setTyping([...this.typing.values()].map((t) => t.name));
  }

  /** Names to offer after "@": the members online, then the authors shown; not us. */
  mentionNames() {
    const me = nameKey(this.me);
    const access = this.accessInfo?.kind === "public" ? [] : this.accessInfo?.members ?? [];
    return [...this.members.values(), ...access, ...this.view.authors()].filter((name) => nameKey(name) !== me);
  }
}
