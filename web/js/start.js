// "New direct message" and "New private room": two small modal dialogs,
// opened from the home page and from the rooms sidebar by any button with
// `data-start="direct"` or `data-start="private"`. For accounts only: the
// buttons stay hidden for guests (the home page says why). On success the
// page goes to the room.

import {
  DIRECT_PREFIX, createPrivateRoom, directProblem, privateRoomProblem, roomUrl, startDirect,
} from "./access.js";
import { nameKey, nameProblem, roomProblem } from "./rules.js";

const $ = (id) => document.getElementById(id);

function setError(input, message) {
  $(`${input.id}-error`).textContent = message;
  input.setAttribute("aria-invalid", message ? "true" : "false");
}

/**
 * One dialog: `problem(value)` checks the field before anything is sent,
 * `submit(value)` resolves to the URL to go to, or throws; `explain(error,
 * value)` words a refusal.
 */
function wireDialog({ dialog, form, input, button, problem, submit, explain }) {
  let opener = null;
  let busy = false;

  input.addEventListener("input", () => {
    if (input.getAttribute("aria-invalid") === "true") setError(input, problem(input.value.trim()));
  });
  dialog.querySelector("[data-close]").addEventListener("click", () => dialog.close("cancel"));
  dialog.addEventListener("close", () => {
    if (opener?.isConnected) opener.focus();
    opener = null;
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    input.value = input.value.trim();
    const message = problem(input.value);
    setError(input, message);
    if (message) {
      input.focus();
      return;
    }
    busy = true;
    button.disabled = true;
    form.setAttribute("aria-busy", "true");
    try {
      const url = await submit(input.value);
      location.assign(url);
    } catch (error) {
      setError(input, explain(error, input.value));
      input.focus();
      input.select();
    } finally {
      busy = false;
      button.disabled = false;
      form.removeAttribute("aria-busy");
    }
  });

  return {
    open(from) {
      if (dialog.open) return;
      opener = from ?? document.activeElement;
      form.reset();
      setError(input, "");
      dialog.showModal();
      input.focus();
    },
  };
}

let dialogs = null;
let me = null;

/** Wires the dialogs once; `who` is the session ({user, guest}) or null. */
export function setUpStart(who) {
  me = who;
  const account = Boolean(me && !me.guest);
  for (const id of ["home-start", "sidebar-start"]) $(id).hidden = !account;
  $("home-start-guest").hidden = !me || account;
  if (dialogs) return;

  dialogs = {
    direct: wireDialog({
      dialog: $("direct-dialog"), form: $("direct-form"), input: $("direct-name"), button: $("direct-submit"),
      problem: (value) => {
        const bad = nameProblem(value);
        if (bad) return bad;
        return me && nameKey(value) === nameKey(me.user) ? "That is you. Write to someone else." : "";
      },
      submit: async (value) => {
        const answer = await startDirect(value);
        if (typeof answer?.room !== "string") throw new Error("The server gave no conversation.");
        return roomUrl(answer.room);
      },
      explain: directProblem,
    }),
    private: wireDialog({
      dialog: $("private-dialog"), form: $("private-form"), input: $("private-name"), button: $("private-submit"),
      problem: (value) => {
        const bad = roomProblem(value);
        if (bad) return bad;
        return nameKey(value).startsWith(DIRECT_PREFIX)
          ? `Names starting with ${DIRECT_PREFIX} are kept for direct messages. Please pick another name.` : "";
      },
      submit: async (value) => {
        const answer = await createPrivateRoom(value);
        return roomUrl(typeof answer?.room === "string" ? answer.room : value);
      },
      explain: privateRoomProblem,
    }),
  };
  document.addEventListener("click", (event) => {
    const button = event.target.closest?.("[data-start]");
    const dialog = button && dialogs[button.dataset.start];
    if (!dialog) return;
    event.preventDefault();
    dialog.open(button);
  });
}
