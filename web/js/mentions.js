// @mentions: finding them in a message's text the way the server counts them
// (src/core/mentions.cpp), showing them highlighted (as text nodes, never
// markup), and completing member names after "@" in the composer.

import { isValidName, nameKey } from "./rules.js";

const MAX_SUGGESTIONS = 8;

const isNameChar = (c) => /[A-Za-z0-9_.-]/.test(c);

function el(tag, className, text) {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = text;
  return node;
}

/**
 * The mentions in `text`: [{ start, end, name }], where text.slice(start, end)
 * is "@" + name. An "@" after a name character (an e-mail address) is none;
 * dots that end a sentence are not part of the name.
 */
export function findMentions(text) {
  const found = [];
  for (let at = text.indexOf("@"); at !== -1; at = text.indexOf("@", at + 1)) {
    if (at > 0 && isNameChar(text[at - 1])) continue;
    let end = at + 1;
    while (end < text.length && isNameChar(text[end])) end++;
    while (end > at + 1 && text[end - 1] === ".") end--;
    const name = text.slice(at + 1, end);
    if (isValidName(name)) found.push({ start: at, end, name });
  }
  return found;
}

/** Whether `text` mentions the user `me` (as the server counts `mentions`). */
export function mentionsUser(text, me) {
  const key = nameKey(me);
  return findMentions(String(text ?? "")).some((m) => nameKey(m.name) === key);
}

/**
 * Fills `node` with `text`, each mention in a <span class="mention"> (also
 * "mention-me" when it names `me`). Only text nodes: nothing becomes markup.
 */
export function fillWithMentions(node, text, me) {
  const mentions = findMentions(text);
  if (mentions.length === 0) {
    node.textContent = text;
    return false;
  }
  const parts = [];
  let from = 0;
  let mine = false;
  for (const m of mentions) {
    if (m.start > from) parts.push(text.slice(from, m.start));
    const self = me !== "" && nameKey(m.name) === nameKey(me);
    mine ||= self;
    parts.push(el("span", self ? "mention mention-me" : "mention", text.slice(m.start, m.end)));
    from = m.end;
  }
  if (from < text.length) parts.push(text.slice(from));
  node.replaceChildren(...parts);
  return mine;
}

/**
 * Completion of member names after "@" in `textarea`: a listbox
 * (`listbox`, an empty <ul>) of the names that start with what follows the
 * "@", the active one shown by aria-activedescendant. Up and Down choose,
 * Tab or Enter completes, Escape closes; a click completes too.
 * @param {object} o
 * @param {HTMLTextAreaElement} o.textarea
 * @param {HTMLElement} o.listbox
 * @param {HTMLElement} o.status       a polite live region for how many match
 * @param {() => string[]} o.names      the names to offer (the room's members)
 * @param {() => void} [o.changed]      the text changed by a completion
 */
export function createMentionCompleter({ textarea, listbox, status, names, changed }) {
  let matches = [];
  let active = 0;
  let token = null; // { start, end }: the "@" and the letters typed after it

  listbox.setAttribute("role", "listbox");
  textarea.setAttribute("aria-autocomplete", "list");
  textarea.setAttribute("aria-controls", listbox.id);

  /** The "@partial" that ends at the caret, or null. */
  function tokenAtCaret() {
    if (textarea.selectionStart !== textarea.selectionEnd) return null;
    const caret = textarea.selectionStart;
    const before = textarea.value.slice(0, caret);
    const match = /(^|[^A-Za-z0-9_.-])@([A-Za-z0-9_.-]{0,32})$/.exec(before);
    if (!match) return null;
    return { start: caret - match[2].length - 1, end: caret, typed: match[2] };
  }

  function isOpen() { return !listbox.hidden; }

  function close() {
    if (!isOpen()) return;
    listbox.hidden = true;
    listbox.replaceChildren();
    textarea.removeAttribute("aria-activedescendant");
    status.textContent = "";
    matches = [];
    token = null;
  }

  function render() {
    listbox.replaceChildren(...matches.map((name, i) => {
      const option = el("li", "mention-option", name);
      option.id = `mention-option-${i}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", String(i === active));
      option.dataset.name = name;
      return option;
    }));
    listbox.hidden = false;
    textarea.setAttribute("aria-activedescendant", `mention-option-${active}`);
    listbox.children[active]?.scrollIntoView({ block: "nearest" });
  }

  function update() {
    const found = tokenAtCaret();
    if (!found) return close();
    const typed = nameKey(found.typed);
    const seen = new Set();
    const next = [];
    for (const name of names()) {
      const key = nameKey(name);
      if (seen.has(key) || !key.startsWith(typed)) continue;
      seen.add(key);
      next.push(name);
    }
    next.sort((a, b) => a.localeCompare(b, undefined, { sensitivity: "base" }));
    if (next.length === 0) return close();
    const kept = matches[active];
    matches = next.slice(0, MAX_SUGGESTIONS);
    active = Math.max(0, matches.indexOf(kept));
    token = found;
    const wasOpen = isOpen();
    render();
    const count = matches.length === 1 ? "1 member matches" : `${matches.length} members match`;
    if (!wasOpen || status.textContent.split(".")[0] !== count) {
      status.textContent = `${count}. Up and Down to choose, Tab or Enter to complete.`;
    }
  }

  function complete(name) {
    if (!token) return;
    const { value } = textarea;
    const after = value.slice(token.end);
    const insert = `@${name}${/^\s/.test(after) ? "" : " "}`;
    textarea.value = value.slice(0, token.start) + insert + after;
    const caret = token.start + insert.length + (/^\s/.test(after) ? 1 : 0);
    textarea.setSelectionRange(caret, caret);
    close();
    changed?.();
  }

  textarea.addEventListener("input", update);
  textarea.addEventListener("click", update);
  textarea.addEventListener("blur", () => setTimeout(() => {
    if (document.activeElement !== textarea) close();
  }, 0));
  // A click on a name completes it; the box keeps the focus.
  listbox.addEventListener("mousedown", (event) => event.preventDefault());
  listbox.addEventListener("click", (event) => {
    const option = event.target.closest("[role=option]");
    if (option) complete(option.dataset.name);
  });

  return {
    /** Handles a key in the textarea while the list is open; true when it did. */
    handleKey(event) {
      if (!isOpen()) {
        // Left/Right/Home/End move the caret: a list may (dis)appear after.
        if (["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) setTimeout(update, 0);
        return false;
      }
      const plain = !(event.ctrlKey || event.altKey || event.metaKey);
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!plain) return false;
        active = (active + (event.key === "ArrowDown" ? 1 : matches.length - 1)) % matches.length;
        render();
      } else if ((event.key === "Enter" || event.key === "Tab") && plain && !event.shiftKey) {
        complete(matches[active]);
      } else if (event.key === "Escape") {
        close();
      } else {
        if (["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) setTimeout(update, 0);
        return false;
      }
      event.preventDefault();
      event.stopPropagation();
      return true;
    },
    close,
    isOpen,
  };
}
