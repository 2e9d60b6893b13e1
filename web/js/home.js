// The home view: join as a guest, or see who you are, log out, pick a room
// and see the public rooms that are active (people online, last activity),
// each one click away. On a room page without a session it asks only for a
// name. (Accounts also get "New direct message" and "New private room":
// start.js.)

import { api, ApiError, getCsrfToken, startGuest } from "./api.js";
import { nameProblem, roomProblem } from "./rules.js";
import { avatar, el } from "./view.js";

const ROOMS_REFRESH_MS = 15_000;
const LAST_NAME_KEY = "parley.lastName";
const LAST_ROOM_KEY = "parley.lastRoom";

const $ = (id) => document.getElementById(id);

const local = {
  get(key) { try { return localStorage.getItem(key); } catch { return null; } },
  set(key, value) { try { localStorage.setItem(key, value); } catch { /* private mode */ } },
};

const roomUrl = (room) => `/r/${encodeURIComponent(room)}`;

const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" });
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

/** "just now", "5 minutes ago", "yesterday", "3 days ago", else the date. */
export function relativeTime(ms, now = Date.now()) {
  const seconds = Math.round((now - ms) / 1000);
  if (seconds < 45) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return relative.format(-minutes, "minute");
  const hours = Math.round(minutes / 60);
  if (hours < 24) return relative.format(-hours, "hour");
  const days = Math.round(hours / 24);
  if (days < 30) return relative.format(-days, "day");
  return dateFormat.format(new Date(ms));
}

/** A <time> with the moment in machine form, said relative to now, the full date on hover. */
function timeAgo(ms) {
  const d = new Date(ms);
  const time = el("time", "room-active", relativeTime(ms));
  time.dateTime = d.toISOString();
  time.title = fullFormat.format(d);
  return time;
}

function roomItem(room) {
  const li = el("li");
  const link = el("a", "room-link");
  link.href = roomUrl(room.name);
  const icon = el("span", "room-icon", "#");
  icon.setAttribute("aria-hidden", "true");
  const main = el("span", "room-main");
  const sub = el("span", "room-sub");
  const last = Number(room.last_active);
  if (Number.isFinite(last) && last > 0) sub.append("active ", timeAgo(last));
  else sub.append("no messages yet");
  main.append(el("span", "room-name", room.name), el("span", "visually-hidden", ", "), sub);
  const online = Number(room.online) || 0;
  const meta = el("span", "room-meta");
  meta.append(el("span", "visually-hidden", ", "), online > 0
    ? el("span", "online-pill", `${online} online`)
    : el("span", "nobody-online", "nobody online"));
  // Said as "lobby, active 5 minutes ago, 3 online".
  link.append(icon, main, meta);
  li.append(link);
  return li;
}

function showFieldError(input, message) {
  $(`${input.id}-error`).textContent = message;
  input.setAttribute("aria-invalid", message ? "true" : "false");
}

/** Checks fields in order; marks each; focuses the first bad one. */
function validate(fields) {
  let firstBad = null;
  for (const [input, problem] of fields) {
    input.value = input.value.trim();
    const message = problem(input.value);
    showFieldError(input, message);
    if (message && !firstBad) firstBad = input;
  }
  firstBad?.focus();
  return firstBad === null;
}

function liveRecheck(input, problem) {
  input.addEventListener("input", () => {
    if (input.getAttribute("aria-invalid") === "true") showFieldError(input, problem(input.value.trim()));
  });
}

export function showError(text, retry) {
  $("home-error-text").textContent = text;
  $("home-error").hidden = !text;
  $("home-retry").hidden = !retry;
  $("home-retry").onclick = retry ?? null;
}

let roomsTimer = 0;

async function loadRooms() {
  let answer;
  try {
    answer = await api("GET", "/api/rooms?limit=30");
  } catch {
    return; // keep what is shown; the next refresh tries again
  }
  const rooms = (Array.isArray(answer?.rooms) ? answer.rooms : []).filter((room) => typeof room?.name === "string");
  $("room-list").replaceChildren(...rooms.map(roomItem));
  $("rooms-empty").hidden = rooms.length > 0;
  $("rooms").hidden = false;
}

function watchRooms() {
  clearInterval(roomsTimer);
  loadRooms();
  roomsTimer = setInterval(() => { if (!document.hidden) loadRooms(); }, ROOMS_REFRESH_MS);
}

let wired = false;
let state = { me: null, room: null, onGuest: null };
let updateNext = () => {};

function wire() {
  if (wired) return;
  wired = true;
  const guestName = $("guest-name");
  const guestRoom = $("guest-room");
  const roomName = $("room-name");
  liveRecheck(guestName, nameProblem);
  liveRecheck(guestRoom, roomProblem);
  liveRecheck(roomName, roomProblem);

  // Login and registration come back to the room being entered.
  updateNext = () => {
    const room = state.room ?? guestRoom.value.trim();
    const next = room && !roomProblem(room) ? `?next=${encodeURIComponent(roomUrl(room))}` : "";
    $("login-link").href = `/login${next}`;
    $("register-link").href = `/register${next}`;
  };
  guestRoom.addEventListener("input", () => updateNext());

  $("guest-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = [[guestName, nameProblem]];
    if (!state.room) fields.push([guestRoom, roomProblem]);
    if (!validate(fields)) return;
    const room = state.room ?? guestRoom.value;
    const button = $("guest-submit");
    button.disabled = true;
    showError("");
    try {
      const me = await startGuest(guestName.value);
      local.set(LAST_NAME_KEY, me.user);
      local.set(LAST_ROOM_KEY, room);
      if (state.room && state.onGuest) state.onGuest(me);
      else location.assign(roomUrl(room));
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        showFieldError(guestName, "That name is taken. Please pick another one.");
        guestName.focus();
        guestName.select();
      } else if (error instanceof ApiError && error.status === 400) {
        showFieldError(guestName, error.message);
        guestName.focus();
      } else if (error instanceof ApiError && error.status === 403) {
        showError("Guests are not allowed on this server. Please log in or create an account.");
      } else {
        showError(error instanceof ApiError ? error.message : "Something went wrong. Please try again.");
      }
    } finally {
      button.disabled = false;
    }
  });

  $("room-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (!validate([[roomName, roomProblem]])) return;
    local.set(LAST_ROOM_KEY, roomName.value);
    location.assign(roomUrl(roomName.value));
  });

  // The form posts the CSRF token of the session it ends.
  $("logout-form").addEventListener("submit", () => { $("logout-csrf").value = getCsrfToken(); });
  $("rooms-refresh").addEventListener("click", () => loadRooms());
}

/**
 * Shows the home view.
 * @param {object} o
 * @param {object|null} o.me      the session, or null
 * @param {string|null} o.room    on a room page: the room (only a name is asked)
 * @param {string} [o.notice]     a message to show above the form
 * @param {(me: object) => void} [o.onGuest]  a guest session started (room page)
 */
export function showHome({ me, room = null, notice = "", onGuest = null }) {
  state = { me, room, onGuest };
  wire();
  $("chat").hidden = true;
  $("skip-link").hidden = true;
  $("home").hidden = false;
  document.title = room ? `Join #${room} · Parley` : "Parley";
  showError(notice);

  $("guest-form").hidden = Boolean(me);
  $("signed-in").hidden = !me;
  if (me) {
    $("home-title").textContent = "Welcome back";
    $("home-lead").textContent = "Enter a room to start chatting.";
    $("me-name").textContent = me.user;
    $("me-guest").hidden = !me.guest;
    $("me-avatar").replaceChildren(avatar(me.user, "avatar large"));
    $("logout-csrf").value = getCsrfToken();
    $("room-name").value ||= local.get(LAST_ROOM_KEY) ?? "";
    watchRooms();
    return;
  }

  clearInterval(roomsTimer);
  $("rooms").hidden = true;
  const guestName = $("guest-name");
  guestName.value ||= local.get(LAST_NAME_KEY) ?? "";
  $("guest-room-field").hidden = Boolean(room);
  if (room) {
    $("home-title").textContent = `Join #${room}`;
    $("home-lead").textContent = "Choose a name to chat as a guest, or log in.";
  } else {
    $("home-title").textContent = "Talk in real time";
    $("home-lead").textContent = "Pick a name and a room. No sign-up needed.";
    $("guest-room").value ||= local.get(LAST_ROOM_KEY) ?? "lobby";
  }
  updateNext();
  guestName.focus();
}
