// Entry point: decides from the URL and the session which view to show, and
// wires the room's composer and member panel. Protocol logic lives in
// js/chat.js, rendering in js/view.js, the home view in js/home.js, the
// user's rooms with their unread counts in js/sidebar.js, private and direct
// rooms in js/access.js (requests), js/access_view.js (the member panel) and
// js/start.js (the "New direct message" and "New private room" dialogs).

import { ApiError, fetchMe } from "./js/api.js";
import { RoomChat } from "./js/chat.js";
import { showError, showHome } from "./js/home.js";
import { createMentionCompleter } from "./js/mentions.js";
import { MAX_TEXT_CODE_POINTS, checkText, isValidRoom } from "./js/rules.js";
import { createSidebar } from "./js/sidebar.js";
import { setUpStart } from "./js/start.js";
import { createRoomView } from "./js/view.js";

const $ = (id) => document.getElementById(id);

/** The room named by /r/<room>, or null on / (and on anything invalid). */
function roomFromPath() {
  const match = /^\/r\/([^/]+)\/?$/.exec(location.pathname);
  if (!match) return null;
  try {
    const room = decodeURIComponent(match[1]);
    return isValidRoom(room) ? room : null;
  } catch { return null; }
}

const pathRoom = roomFromPath();
const forcePoll = new URLSearchParams(location.search).get("transport") === "poll";
let chat = null;
let view = null;
let sidebar = null;

function sessionStore() {
  try { return sessionStorage; } catch { return null; }
}

// ---- Room view --------------------------------------------------------------

function startRoom(room, me) {
  chat?.stop();
  $("home").hidden = true;
  $("chat").hidden = false;
  $("skip-link").hidden = false;
  $("chat-me-name").textContent = me.user;
  view ??= createRoomView({
    loadOlder: () => chat?.loadOlder(),
    retry: (id) => chat?.retry(id),
    discard: (id) => chat?.discard(id),
    retryNow: () => chat?.retryNow(),
    trimmed: (seq) => chat?.trimmed(seq),
    needQuote: (seq) => chat?.loadQuote(seq),
    react: (seq, emoji, on) => chat?.react(seq, emoji, on),
    edit: (seq, value) => chat?.edit(seq, value),
    remove: (seq) => chat?.remove(seq),
    jump: (seq) => chat?.jumpTo(seq),
    reply: (seq) => startReply(seq),
    reading: () => chat?.reading(),
    invite: (user) => chat?.invite(user) ?? Promise.resolve(""),
    removeMember: (user) => chat?.removeMember(user) ?? Promise.resolve(""),
    leave: () => chat?.leave() ?? Promise.resolve(""),
  });
  sidebar ??= createSidebar();
  setUpStart(me);
  view.reset();
  cancelReply();
  chat = new RoomChat({
    room, me, view, forcePoll, storage: sessionStore(), rooms: sidebar,
    signedOut: () => {
      chat = null;
      sidebar.close();
      setUpStart(null);
      showHome({
        me: null, room, onGuest: (guest) => startRoom(room, guest),
        notice: "Your session has ended. Choose a name or log in to keep chatting.",
      });
    },
  });
  chat.start();
  updateComposer();
  // Focusing would pop up the keyboard on phones; only do it with a mouse.
  if (matchMedia("(pointer: fine)").matches) $("text").focus();
}

// ---- Composer ---------------------------------------------------------------

const text = $("text");
let replyTo = null; // the seq of the message being replied to

function startReply(seq) {
  replyTo = view?.showReply(seq) ? seq : null;
  text.focus();
}

function cancelReply() {
  replyTo = null;
  view?.showReply(null);
}
$("reply-cancel").addEventListener("click", () => {
  cancelReply();
  text.focus();
});
const WARN_FROM = MAX_TEXT_CODE_POINTS - 200;

function autosize() {
  text.style.height = "auto";
  text.style.height = `${Math.min(text.scrollHeight + 2, 200)}px`;
}

function updateComposer() {
  const check = checkText(text.value);
  $("send").disabled = !check.ok || text.disabled;
  $("composer-error").textContent = check.reason;
  $("composer-count").textContent = check.length > WARN_FROM ? `${check.length} / ${MAX_TEXT_CODE_POINTS}` : "";
  $("composer-count").classList.toggle("over", check.length > MAX_TEXT_CODE_POINTS);
  text.setAttribute("aria-invalid", check.reason ? "true" : "false");
}

text.addEventListener("input", () => {
  autosize();
  updateComposer();
  if (text.value.trim()) chat?.userTyping();
});

// "@" offers the room's members; Tab or Enter completes the name.
const mentions = createMentionCompleter({
  textarea: text, listbox: $("mention-list"), status: $("mention-status"),
  names: () => chat?.mentionNames() ?? [],
  changed: () => { autosize(); updateComposer(); },
});

text.addEventListener("keydown", (event) => {
  if (event.isComposing || event.keyCode === 229) return;
  if (mentions.handleKey(event)) return;
  const plain = !(event.ctrlKey || event.altKey || event.metaKey || event.shiftKey);
  // Up in an empty box edits one's last message; Escape drops a reply.
  if (event.key === "ArrowUp" && plain && text.value === "" && view?.editLast()) {
    event.preventDefault();
    return;
  }
  if (event.key === "Escape" && replyTo !== null) {
    event.preventDefault();
    event.stopPropagation();
    cancelReply();
    return;
  }
  // Enter sends; Shift+Enter is a newline; never send mid-IME composition.
  if (event.key !== "Enter" || event.shiftKey) return;
  if (event.ctrlKey || event.altKey || event.metaKey) return;
  event.preventDefault();
  $("composer").requestSubmit();
});

$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  if (!chat) return;
  const result = chat.send(text.value, replyTo);
  if (result.ok) {
    mentions.close();
    text.value = "";
    cancelReply();
    chat.sentMessage();
    autosize();
  }
  updateComposer();
  text.focus();
});

// The skip link lands in the message box (focus, not just scroll).
$("skip-link").addEventListener("click", (event) => {
  event.preventDefault();
  text.focus();
});

// ---- Member panel (a toggled sheet on narrow screens) --------------------------

const toggle = $("members-toggle");
function setMembersOpen(open) {
  toggle.setAttribute("aria-expanded", String(open));
  $("members-panel").classList.toggle("open", open);
}
toggle.addEventListener("click", () => setMembersOpen(toggle.getAttribute("aria-expanded") !== "true"));
document.addEventListener("keydown", (event) => {
  if (event.target.closest?.("dialog")) return; // Escape closes the dialog only
  if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
    setMembersOpen(false);
    toggle.focus();
  }
});

// ---- Start --------------------------------------------------------------------

async function boot() {
  let me;
  try {
    me = await fetchMe();
  } catch (error) {
    showHome({ me: null, room: pathRoom });
    showError(error instanceof ApiError ? error.message : "Parley could not start.", () => location.reload());
    return;
  }
  setUpStart(me);
  if (pathRoom && me) startRoom(pathRoom, me);
  else showHome({ me, room: pathRoom, onGuest: (guest) => startRoom(pathRoom, guest) });
}

boot();
