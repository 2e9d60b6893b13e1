// One message of the log: its node, and the changes later events make to it
// (edit, delete, reactions) and to the quotes of replies to it. User text
// only ever goes through textContent (mentions become spans of text nodes). What the node shows is kept beside it
// in `stateOf(node)`, so an event can be applied again without harm.

import { fillWithMentions } from "./mentions.js";
import { nameKey } from "./rules.js";

export const REACTION_CHOICES = ["👍", "❤️", "😂", "🎉", "😮", "😢"];
const QUOTE_CHARS = 140;            // a reply's quote shows this much of the original

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// An icon of 24x24 path data, hidden from assistive technology.
export function svg(paths) {
  const ns = "http://www.w3.org/2000/svg";
  const icon = document.createElementNS(ns, "svg");
  icon.setAttribute("viewBox", "0 0 24 24");
  icon.setAttribute("aria-hidden", "true");
  icon.setAttribute("focusable", "false");
  for (const d of paths) {
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", d);
    icon.append(path);
  }
  return icon;
}

// A padlock: private rooms.
export const LOCK_ICON = ["M7 11V8a5 5 0 0 1 10 0v3", "M6 11h12v9H6z"];

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" });

export function timeElement(ts) {
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

/** The first QUOTE_CHARS code points of `text` on one line. */
export function snippet(text) {
  const flat = String(text ?? "").replace(/\s+/g, " ").trim();
  const points = [...flat];
  return points.length > QUOTE_CHARS ? `${points.slice(0, QUOTE_CHARS).join("")}…` : flat;
}

// ---- State kept beside each node ------------------------------------------------

const states = new WeakMap();

/** { seq, user, guest, own, text, edited, deleted, replyTo, reactions: Map<emoji, [user]> } */
export const stateOf = (node) => states.get(node);

function reactionsFrom(object) {
  const map = new Map();
  if (!object || typeof object !== "object") return map;
  for (const [emoji, users] of Object.entries(object)) {
    if (Array.isArray(users) && users.length) map.set(emoji, users.filter((u) => typeof u === "string"));
  }
  return map;
}

/** Who reacted with `emoji`, in words: "👍 2: ada, bob". */
export function reactionLabel(emoji, users) {
  return `${emoji} ${users.length}: ${users.join(", ")}`;
}

// ---- Building ---------------------------------------------------------------------

/**
 * A message's node. `m` is a message event or a message in its final state
 * (`edited`, `deleted`, `reactions`, `reply_to`); `own` marks ours.
 */
export function messageNode(m, own, me) {
  const user = String(m.user ?? "");
  const guest = m.guest === true;
  const node = el("article", own ? "msg own" : "msg");
  node.dataset.user = nameKey(user);
  // A guest and the account that later took its name are two authors.
  node.dataset.guest = String(guest);
  node.dataset.ts = String(m.ts);
  if (Number.isInteger(m.seq)) node.dataset.seq = String(m.seq);
  node.tabIndex = -1;
  const state = {
    seq: Number.isInteger(m.seq) ? m.seq : null, user, guest, own, me,
    text: typeof m.text === "string" ? m.text : "",
    edited: Number.isFinite(m.edited) ? m.edited : (m.edited ? m.ts : 0),
    deleted: m.deleted === true,
    replyTo: Number.isInteger(m.reply_to) ? m.reply_to : null,
    reactions: reactionsFrom(m.reactions),
  };
  states.set(node, state);

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
  main.append(author);
  if (state.replyTo !== null) main.append(quoteButton(state.replyTo));
  const bubble = el("div", "bubble");
  // The edited mark and the time stay together (one line, at the end).
  const meta = el("span", "msg-meta");
  meta.append(Number.isFinite(m.ts) ? timeElement(m.ts) : el("span", "msg-time"));
  bubble.append(el("p", "msg-text"), meta);
  const reactions = el("div", "reactions");
  reactions.setAttribute("aria-live", "off"); // the log announces new messages, not each reaction
  main.append(bubble, reactions);
  node.append(main);
  renderBody(node);
  renderReactions(node);
  return node;
}

/** The quote above a reply: a button that leads to the original. */
function quoteButton(target) {
  const quote = el("button", "quote");
  quote.type = "button";
  quote.dataset.target = String(target);
  quote.dataset.action = "jump";
  quote.tabIndex = -1;
  quote.append(el("span", "visually-hidden", "In reply to "),
    el("span", "quote-author", ""), el("span", "quote-text", "an earlier message"));
  return quote;
}

/** Fills every quote of `target` in `root` from the original's state (or its final state). */
export function fillQuotes(root, target, original) {
  for (const quote of root.querySelectorAll(`.quote[data-target="${target}"]`)) fillQuote(quote, original);
}

export function fillQuote(quote, original) {
  if (!original) return;
  // `missing`: the server has no such message (any more).
  const missing = original.missing === true;
  const name = original.own ? "You" : original.user;
  quote.querySelector(".quote-author").textContent = name && !missing ? `${name}: ` : "";
  quote.querySelector(".quote-text").textContent =
    missing ? "original message not found" : original.deleted ? "message deleted" : snippet(original.text);
  quote.classList.toggle("quote-deleted", original.deleted === true || missing);
  quote.title = missing ? "The original message is not in this room's history" : "Go to the original message";
}

/** Text, edited mark or tombstone, from the node's state. */
export function renderBody(node) {
  const state = stateOf(node);
  const bubble = node.querySelector(".bubble");
  const text = bubble.querySelector(".msg-text, .msg-deleted");
  node.classList.toggle("deleted", state.deleted);
  if (state.deleted) {
    node.classList.remove("mentions-me");
    const tomb = el("p", "msg-deleted", "Message deleted");
    text.replaceWith(tomb);
    bubble.querySelector(".msg-edited")?.remove();
    state.reactions.clear();
    return;
  }
  // "@name" stands out; more so when the name is ours (the node says so too).
  node.classList.toggle("mentions-me", fillWithMentions(text, state.text, state.own ? "" : state.me));
  let mark = bubble.querySelector(".msg-edited");
  if (state.edited && !mark) {
    mark = el("span", "msg-edited", "edited");
    mark.append(el("span", "visually-hidden", ""));
    bubble.querySelector(".msg-time").before(mark);
  }
  if (!mark) return;
  // The edit's time: on hover, and in words for assistive technology.
  const when = fullFormat.format(new Date(state.edited));
  mark.title = `Edited ${when}`;
  mark.lastChild.textContent = ` ${when}`;
}

/** The reaction chips under the bubble: emoji, count, and who on hover and focus. */
export function renderReactions(node) {
  const state = stateOf(node);
  const row = node.querySelector(".reactions");
  const current = node.classList.contains("current");
  const chips = [];
  for (const [emoji, users] of state.reactions) {
    if (users.length === 0) continue;
    const mine = users.some((u) => nameKey(u) === nameKey(state.me));
    const chip = el("button", mine ? "reaction mine" : "reaction");
    chip.type = "button";
    chip.dataset.action = "toggle-reaction";
    chip.dataset.emoji = emoji;
    chip.tabIndex = current ? 0 : -1;
    chip.setAttribute("aria-pressed", String(mine));
    chip.setAttribute("aria-label", reactionLabel(emoji, users));
    const face = el("span", "reaction-emoji", emoji);
    face.setAttribute("aria-hidden", "true");
    const count = el("span", "reaction-count", String(users.length));
    count.setAttribute("aria-hidden", "true");
    chip.append(face, " ", count);
    // Shown on the chip's hover and keyboard focus; the aria-label says the same.
    // A sibling, so that the chip's visible text stays within its name.
    const who = el("span", "reaction-who", users.join(", "));
    who.setAttribute("aria-hidden", "true");
    who.dataset.emoji = emoji;
    const wrap = el("span", "reaction-wrap");
    wrap.append(chip, who);
    chips.push(wrap);
  }
  row.replaceChildren(...chips);
  row.hidden = chips.length === 0;
  if (chips.length) {
    row.setAttribute("role", "group");
    row.setAttribute("aria-label", "Reactions");
  }
}

// ---- Events applied to a node ------------------------------------------------

export function applyEdit(node, event) {
  const state = stateOf(node);
  if (!state || state.deleted) return;
  // After a delete the server sends the edit with "deleted":true and no text.
  if (event.deleted === true) return applyDelete(node);
  if (typeof event.text !== "string") return;
  state.text = event.text;
  state.edited = Number.isFinite(event.ts) ? event.ts : Date.now();
  renderBody(node);
}

export function applyDelete(node) {
  const state = stateOf(node);
  if (!state || state.deleted) return;
  state.deleted = true;
  state.text = "";
  renderBody(node);
  renderReactions(node);
}

export function applyReaction(node, event) {
  const state = stateOf(node);
  if (!state || state.deleted || typeof event.emoji !== "string" || typeof event.user !== "string") return;
  const users = state.reactions.get(event.emoji) ?? [];
  const key = nameKey(event.user);
  const has = users.some((u) => nameKey(u) === key);
  if (event.on === true && !has) users.push(event.user);
  else if (event.on === false && has) users.splice(users.findIndex((u) => nameKey(u) === key), 1);
  else return;
  if (users.length) state.reactions.set(event.emoji, users);
  else state.reactions.delete(event.emoji);
  renderReactions(node);
}

/** Whether we have reacted with `emoji` on the message. */
export function hasReacted(node, emoji) {
  const state = stateOf(node);
  return (state?.reactions.get(emoji) ?? []).some((u) => nameKey(u) === nameKey(state.me));
}
