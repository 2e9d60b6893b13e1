// Who may see a room (the contract's "Private rooms and direct messages"):
// reading a room's kind, owner and members, inviting, removing and leaving,
// opening a direct conversation and creating a private room. Requests and
// the words for their refusals only; the page is drawn elsewhere
// (access_view.js, start.js).

import { api, ApiError, roomPath } from "./api.js";
import { nameKey } from "./rules.js";

// Direct conversations live under server-chosen names with this prefix,
// which nobody can create (the server refuses it in POST /api/rooms).
export const DIRECT_PREFIX = "dm-";

export const roomUrl = (room) => `/r/${encodeURIComponent(room)}`;

/**
 * A room as GET /api/rooms/R describes it, with `kind` ("public", "private"
 * or "direct") and, for a direct room, `with` (the other person) added.
 */
export function describeRoom(answer, me) {
  const members = Array.isArray(answer?.members) ? answer.members.filter((u) => typeof u === "string") : [];
  const room = String(answer?.room ?? "");
  const owner = typeof answer?.owner === "string" ? answer.owner : null;
  const isPrivate = answer?.private === true;
  // A direct room is private, has no owner, and a reserved name.
  const direct = answer?.direct === true
    || (isPrivate && owner === null && nameKey(room).startsWith(DIRECT_PREFIX));
  const other = members.find((u) => nameKey(u) !== nameKey(me));
  return {
    room, members, owner,
    kind: direct ? "direct" : isPrivate ? "private" : "public",
    with: direct ? (typeof answer?.with === "string" ? answer.with : other ?? null) : null,
    lastSeq: Number.isInteger(answer?.last_seq) ? answer.last_seq : 0,
  };
}

/**
 * The room's kind, owner and members; null when the server cannot say. A
 * 404 here is no proof of a missing access: a public room that nobody has
 * joined yet has no description either (the join creates it). Access is
 * known lost from the history or the join instead (see chat.js).
 */
export async function loadRoomInfo(room, me) {
  try {
    return describeRoom(await api("GET", roomPath(room)), me);
  } catch {
    return null;
  }
}

/** Gives `user` access to private room `room` (owner only). */
export function inviteUser(room, user) {
  return api("POST", `${roomPath(room)}/invite`, { user });
}

/** Takes `user`'s access to `room` away; naming oneself leaves the room. */
export function removeUser(room, user) {
  return api("POST", `${roomPath(room)}/remove`, { user });
}

/** Opens (or finds) the direct conversation with `user`: resolves to {room, with}. */
export function startDirect(user) {
  return api("POST", "/api/dm", { user });
}

/** Creates private room `name`: resolves to the room as GET /api/rooms/R gives it. */
export function createPrivateRoom(name) {
  return api("POST", "/api/rooms", { name, private: true });
}

const fallback = (error) => (error instanceof ApiError ? error.message : "Something went wrong. Please try again.");

/** Why an invitation of `user` failed, in words for the person who tried. */
export function inviteProblem(error, user) {
  if (!(error instanceof ApiError)) return fallback(error);
  if (error.isNetwork) return "The server cannot be reached. Please try again.";
  if (error.status === 404) return `There is no account named ${user}.`;
  if (error.status === 403) return "Only the room's owner can invite people.";
  if (error.status === 409) return `${user} already has access.`;
  if (error.status === 400) return `${user} cannot be invited: ${error.message}`;
  return fallback(error);
}

/** Why taking `user`'s access away (or leaving, when `user` is oneself) failed. */
export function removeProblem(error, user, leaving) {
  if (!(error instanceof ApiError)) return fallback(error);
  if (error.isNetwork) return "The server cannot be reached. Please try again.";
  if (error.status === 403) return leaving ? "The owner cannot leave their own room." : "Only the room's owner can remove people.";
  if (error.status === 404) return leaving ? "You are no longer in this room." : `${user} has no access to this room.`;
  return fallback(error);
}

/** Why a direct conversation with `user` could not start. */
export function directProblem(error, user) {
  if (!(error instanceof ApiError)) return fallback(error);
  if (error.isNetwork) return "The server cannot be reached. Please try again.";
  if (error.status === 404) return `There is no account named ${user}.`;
  if (error.status === 403) return "Direct messages are only between registered users.";
  if (error.status === 400) return error.message;
  return fallback(error);
}

/** Why private room `name` could not be created. */
export function privateRoomProblem(error, name) {
  if (!(error instanceof ApiError)) return fallback(error);
  if (error.isNetwork) return "The server cannot be reached. Please try again.";
  if (error.status === 409) return `There is already a room named ${name}. Please pick another name.`;
  if (error.status === 403) return "Only registered users can create private rooms.";
  if (error.status === 400) return error.message;
  return fallback(error);
}
