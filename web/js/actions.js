// What one can do with a message, by pointer and by keyboard: the log has
// one tab stop (the "current" message; Up/Down/Home/End move it), and the
// current or hovered message holds the actions toolbar (react, reply, edit,
// delete), the emoji picker, the inline editor and the delete dialog.
// Decisions go out through `on`; nothing here talks to the server.

import { REACTION_CHOICES, el, hasReacted, snippet, stateOf } from "./message.js";
import { checkText } from "./rules.js";

const FLASH_MS = 2000;              // how long a message jumped to stays highlighted

const $ = (id) => document.getElementById(id);
const isMessage = (node) => node?.classList?.contains("msg") && !node.classList.contains("pending");

/**
 * @param {HTMLElement} list  the log (#messages)
 * @param {object} on  react(seq, emoji, on), reply(seq), edit(seq, text),
 *                     remove(seq), jump(seq), loadOlder(), leave()
 */
export function createMessageActions(list, on) {
  const toolbar = $("msg-toolbar");
  const picker = $("reaction-picker");
  const reactButton = toolbar.querySelector('[data-tool="react"]');
  const dialog = $("delete-dialog");
  let current = null;    // the message that is the log's tab stop
  let editing = null;    // { node, form, textarea, returnTo }
  let deleting = null;   // the message the dialog asks about

  for (const emoji of REACTION_CHOICES) {
    const b = el("button", "pick", emoji);
    b.type = "button";
    b.dataset.emoji = emoji;
    picker.append(b);
  }

  const messages = () => list.querySelectorAll(".msg");
  const messageOf = (target) => {
    const node = target?.closest?.(".msg");
    return isMessage(node) && list.contains(node) ? node : null;
  };

  // ---- The one tab stop of the log -----------------------------------------

  function setTabbable(node, yes) {
    node.tabIndex = yes ? 0 : -1;
    node.classList.toggle("current", yes);
    for (const b of node.querySelectorAll(".quote, .reaction")) b.tabIndex = yes ? 0 : -1;
  }

  function setCurrent(node) {
    if (node === current) return;
    if (current) setTabbable(current, false);
    current = node;
    if (node) setTabbable(node, true);
  }

  /** After messages came or went: the newest is the tab stop unless the reader is in the log. */
  function refresh() {
    const inLog = list.contains(document.activeElement);
    if (current && current.isConnected && inLog) return;
    const all = messages();
    setCurrent(all.length ? all[all.length - 1] : null);
    if (toolbar.parentElement && !toolbar.isConnected) hideToolbar();
  }

  function focusMessage(node, { flash = false } = {}) {
    if (!node) return;
    setCurrent(node);
    node.focus({ preventScroll: true });
    node.scrollIntoView({ block: flash ? "center" : "nearest" });
    if (flash) {
      node.classList.remove("flash");
      void node.offsetWidth; // restart the highlight
      node.classList.add("flash");
      setTimeout(() => node.classList.remove("flash"), FLASH_MS);
    }
  }

  function step(node, delta) {
    const all = [...messages()];
    const i = all.indexOf(node);
    if (delta < 0 && i === 0) on.loadOlder();
    const next = all[Math.min(all.length - 1, Math.max(0, i + delta))];
    if (next) focusMessage(next);
  }

  // ---- Toolbar -----------------------------------------------------------------

  function showToolbar(node) {
    if (editing || !node || stateOf(node)?.deleted) return hideToolbar();
    if (toolbar.contains(document.activeElement) && toolbar.closest(".msg") !== node) return;
    const state = stateOf(node);
    toolbar.querySelector('[data-tool="edit"]').hidden = !state.own;
    toolbar.querySelector('[data-tool="delete"]').hidden = !state.own;
    const bubble = node.querySelector(".bubble");
    if (toolbar.parentElement !== bubble) bubble.append(toolbar);
    toolbar.hidden = false;
  }

  function hideToolbar() {
    // Moving a node that holds the focus blurs it, and the blur comes back here.
    if (toolbar.contains(document.activeElement)) document.activeElement.blur();
    closePicker(false);
    toolbar.hidden = true;
    const home = $("members-panel");
    if (toolbar.nextElementSibling !== home) home.before(toolbar);
  }

  function openPicker() {
    const node = toolbar.closest(".msg");
    if (!node) return;
    for (const b of picker.querySelectorAll("button")) {
      const mine = hasReacted(node, b.dataset.emoji);
      b.setAttribute("aria-pressed", String(mine));
      b.setAttribute("aria-label", `${mine ? "Remove" : "React with"} ${b.dataset.emoji}`);
    }
    picker.hidden = false;
    reactButton.setAttribute("aria-expanded", "true");
    picker.querySelector("button").focus();
  }

  function closePicker(refocus) {
    if (picker.hidden) return;
    picker.hidden = true;
    reactButton.setAttribute("aria-expanded", "false");
    if (refocus) reactButton.focus();
  }

  toolbar.addEventListener("click", (event) => {
    const node = toolbar.closest(".msg");
    const seq = Number(node?.dataset.seq);
    if (!node || !Number.isInteger(seq)) return;
    const pick = event.target.closest(".pick");
    if (pick) {
      on.react(seq, pick.dataset.emoji, !hasReacted(node, pick.dataset.emoji));
      closePicker(false);
      focusMessage(node);
      return;
    }
    const tool = event.target.closest("[data-tool]")?.dataset.tool;
    if (tool === "react") picker.hidden ? openPicker() : closePicker(true);
    else if (tool === "reply") on.reply(seq);
    else if (tool === "edit") startEdit(node);
    else if (tool === "delete") askDelete(node);
  });

  picker.addEventListener("keydown", (event) => {
    const picks = [...picker.querySelectorAll("button")];
    const i = picks.indexOf(document.activeElement);
    let next = -1;
    if (event.key === "ArrowRight" || event.key === "ArrowDown") next = (i + 1) % picks.length;
    else if (event.key === "ArrowLeft" || event.key === "ArrowUp") next = (i - 1 + picks.length) % picks.length;
    else if (event.key === "Home") next = 0;
    else if (event.key === "End") next = picks.length - 1;
    else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      closePicker(true);
      return;
    }
    if (next < 0) return;
    event.preventDefault();
    event.stopPropagation();
    picks[next].focus();
  });

  // ---- Pointer and keyboard in the log --------------------------------------------

  // pointermove, not mouseover: the pointer may rest on a message while the
  // toolbar went away (a reply, an edit) and should come back at the next move.
  list.addEventListener("pointermove", (event) => {
    if (event.pointerType !== "mouse") return;
    const node = messageOf(event.target);
    if (node && (toolbar.hidden || toolbar.closest(".msg") !== node)) showToolbar(node);
  }, { passive: true });
  list.addEventListener("mouseleave", () => {
    if (!toolbar.contains(document.activeElement) && toolbar.closest(".msg") !== current) hideToolbar();
    else if (current && document.activeElement === current) showToolbar(current);
  });
  list.addEventListener("focusin", (event) => {
    const node = messageOf(event.target);
    if (!node) return;
    setCurrent(node);
    if (!toolbar.contains(event.target)) showToolbar(node);
  });
  list.addEventListener("focusout", (event) => {
    if (list.contains(event.relatedTarget)) return;
    closePicker(false);
    hideToolbar();
  });

  list.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    const node = messageOf(button);
    if (!button || !node) return;
    const seq = Number(node.dataset.seq);
    if (button.dataset.action === "jump") on.jump(Number(button.dataset.target));
    else if (button.dataset.action === "toggle-reaction" && Number.isInteger(seq)) {
      const emoji = button.dataset.emoji;
      on.react(seq, emoji, !hasReacted(node, emoji));
    }
  });

  list.addEventListener("keydown", (event) => {
    if (event.target.closest(".msg-edit") || event.target.closest(".reaction-picker")) return;
    const node = messageOf(event.target);
    if (!node) return;
    if (event.key === "Escape") {
      if (!picker.hidden) return;
      event.preventDefault();
      on.leave();
      return;
    }
    if (event.target !== node) return;
    const keys = { ArrowUp: -1, ArrowDown: 1, PageUp: -10, PageDown: 10, Home: -Infinity, End: Infinity };
    if (event.key in keys) {
      event.preventDefault();
      const all = [...messages()];
      if (event.key === "Home") return focusMessage(all[0]);
      if (event.key === "End") return focusMessage(all.at(-1));
      return step(node, keys[event.key]);
    }
    const state = stateOf(node);
    if (event.ctrlKey || event.altKey || event.metaKey || state.deleted) return;
    // Single-key shortcuts on a focused message (the toolbar's buttons do the same).
    if (event.key === "r") { event.preventDefault(); on.reply(Number(node.dataset.seq)); }
    else if (event.key === "e" && state.own) { event.preventDefault(); startEdit(node); }
    else if (event.key === "Delete" && state.own) { event.preventDefault(); askDelete(node); }
  });

  // ---- Editing in place ----------------------------------------------------------

  function startEdit(node, returnTo = node) {
    const state = stateOf(node);
    if (!state?.own || state.deleted || !Number.isInteger(state.seq)) return false;
    if (editing) cancelEdit(false);
    hideToolbar();
    const text = node.querySelector(".msg-text");
    const form = el("form", "msg-edit");
    form.noValidate = true;
    form.setAttribute("aria-live", "off");
    const id = `edit-${state.seq}`;
    const label = el("label", "visually-hidden", "Edit message");
    label.htmlFor = id;
    const textarea = el("textarea");
    textarea.id = id;
    textarea.rows = 1;
    textarea.value = state.text;
    textarea.setAttribute("aria-describedby", `${id}-help ${id}-error`);
    const help = el("p", "msg-edit-help", "Enter to save, Escape to cancel");
    help.id = `${id}-help`;
    const error = el("p", "field-error");
    error.id = `${id}-error`;
    const cancel = el("button", "button subtle small", "Cancel");
    cancel.type = "button";
    const save = el("button", "button primary small", "Save");
    save.type = "submit";
    const foot = el("div", "msg-edit-foot");
    foot.append(help, cancel, save);
    form.append(label, textarea, foot, error);
    text.hidden = true;
    text.after(form);
    node.classList.add("editing");
    editing = { node, form, textarea, returnTo };
    const fit = () => {
      textarea.style.height = "auto";
      textarea.style.height = `${Math.min(textarea.scrollHeight + 2, 240)}px`;
    };
    textarea.addEventListener("input", () => {
      fit();
      error.textContent = "";
      textarea.removeAttribute("aria-invalid");
    });
    textarea.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        cancelEdit(true);
      } else if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229
        && !event.ctrlKey && !event.altKey && !event.metaKey) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    cancel.addEventListener("click", () => cancelEdit(true));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const value = textarea.value;
      if (value === state.text) return cancelEdit(true);
      const check = checkText(value);
      if (!check.ok) {
        error.textContent = check.reason || "A message cannot be empty. To remove it, delete it.";
        textarea.setAttribute("aria-invalid", "true");
        return;
      }
      on.edit(state.seq, value);
      cancelEdit(true);
    });
    textarea.focus();
    textarea.setSelectionRange(textarea.value.length, textarea.value.length);
    fit();
    return true;
  }

  function cancelEdit(refocus) {
    if (!editing) return;
    const { node, form, returnTo } = editing;
    editing = null;
    form.remove();
    node.classList.remove("editing");
    const text = node.querySelector(".msg-text");
    if (text) text.hidden = false;
    if (refocus) (returnTo?.isConnected ? returnTo : node).focus();
  }

  // ---- Deleting, after a confirmation -------------------------------------------------

  function askDelete(node) {
    const state = stateOf(node);
    if (!state?.own || state.deleted) return;
    deleting = node;
    $("delete-quote").textContent = snippet(state.text);
    dialog.returnValue = "";
    dialog.showModal();
    $("delete-cancel").focus();
  }

  dialog.addEventListener("close", () => {
    const node = deleting;
    deleting = null;
    if (!node) return;
    if (dialog.returnValue === "delete") on.remove(Number(node.dataset.seq));
    if (node.isConnected) focusMessage(node);
  });

  return {
    refresh,
    /** Focuses a message and highlights it (the end of a jump to a reply's original). */
    flash(node) { focusMessage(node, { flash: true }); },
    /** Edits a message in place; focus comes back to `returnTo` when done. */
    startEdit,
    /** A message changed under the toolbar or editor (deleted, say). */
    changed(node) {
      if (editing?.node === node && stateOf(node)?.deleted) cancelEdit(false);
      if (toolbar.closest(".msg") === node) showToolbar(node);
      if (node === current) setTabbable(node, true);
    },
    isEditing: () => editing !== null,
  };
}
