// Client-side copies of the wire contract's rules (PROTOCOL.md, "Names and
// values"). The server checks again; these only give early, friendly errors.

// Source strings are shared with the HTML `pattern` attributes so both agree.
export const NAME_PATTERN = "[A-Za-z0-9][A-Za-z0-9_.\\-]{0,31}";
export const ROOM_PATTERN = "[A-Za-z0-9][A-Za-z0-9_.\\-]{0,63}";
export const MAX_TEXT_CODE_POINTS = 4000;
// The server closes the socket (1009) on frames over 64 KiB; stay well below so
// a queued message can never trap the client in a reconnect loop.
export const MAX_FRAME_BYTES = 60 * 1024;

const nameRe = new RegExp(`^${NAME_PATTERN}$`);
const roomRe = new RegExp(`^${ROOM_PATTERN}$`);

export const isValidName = (s) => nameRe.test(s);
export const isValidRoom = (s) => roomRe.test(s);

/** Explains why a user name is refused, or returns "" when it is fine. */
export function nameProblem(s) {
  if (s.length === 0) return "Please enter a name.";
  if (s.length > 32) return "Names are at most 32 characters.";
  if (!/^[A-Za-z0-9]/.test(s)) return "Start the name with a letter or digit.";
  if (!isValidName(s)) return "Use only letters, digits, and _ . - (no spaces).";
  return "";
}

/** Explains why a room name is refused, or returns "" when it is fine. */
export function roomProblem(s) {
  if (s.length === 0) return "Please enter a room name.";
  if (s.length > 64) return "Room names are at most 64 characters.";
  if (!/^[A-Za-z0-9]/.test(s)) return "Start the room name with a letter or digit.";
  if (!isValidRoom(s)) return "Use only letters, digits, and _ . - (no spaces).";
  return "";
}

// Unicode White_Space, which differs from JS trim() (U+0085 yes, U+FEFF no).
const WS = "\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const trimRe = new RegExp(`^[${WS}]+|[${WS}]+$`, "g");
export const trimWhiteSpace = (s) => s.replace(trimRe, "");

/** Counts code points, not UTF-16 units: the limit is in code points. */
export function codePointCount(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A high surrogate followed by a low one is a single code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/**
 * Checks a message before it is queued. Returns { ok, empty, reason, length }:
 * `empty` means "nothing to send" (no error shown), `reason` is user-facing.
 */
export function checkText(text) {
  const trimmed = trimWhiteSpace(text);
  const length = codePointCount(trimmed);
  if (length === 0) return { ok: false, empty: true, reason: "", length };
  if (text.includes("\u0000")) {
    return { ok: false, empty: false, reason: "The message contains a NUL character, which cannot be sent.", length };
  }
  if (length > MAX_TEXT_CODE_POINTS) {
    return {
      ok: false, empty: false, length,
      reason: `Too long: ${length} of at most ${MAX_TEXT_CODE_POINTS} characters.`,
    };
  }
  if (new TextEncoder().encode(JSON.stringify(text)).length > MAX_FRAME_BYTES) {
    return { ok: false, empty: false, reason: "The message is too large to send (too much white space?).", length };
  }
  return { ok: true, empty: false, reason: "", length };
}

/** A client message id: 1-64 printable ASCII characters (here 32 hex digits). */
export function newMessageId() {
  // crypto.randomUUID needs a secure context; getRandomValues works everywhere.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Case-insensitive key for user and room names (the server compares so). */
export const nameKey = (s) => String(s).toLowerCase();
