// The JSON API over fetch. The session cookie goes along by itself; every
// state-changing request also carries the session's CSRF token in a header.

let csrfToken = "";

/** Remembers the session's CSRF token (from /api/me, /api/guest, ...). */
export function setCsrfToken(token) { csrfToken = typeof token === "string" ? token : ""; }
export function getCsrfToken() { return csrfToken; }

/** A refused or failed request. `status` is 0 when the server was not reached. */
export class ApiError extends Error {
  constructor(status, code, message, retryAfterS = 0) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.retryAfterS = retryAfterS;
  }
  get isNetwork() { return this.status === 0; }
  get isUnauthorized() { return this.status === 401; }
  /** Worth trying again later with the same request. */
  get isTransient() { return this.status === 0 || this.status === 429 || this.status >= 500; }
}

/**
 * Sends one request and returns the parsed JSON body (null for 204).
 * Throws ApiError, or the AbortError of `signal`.
 */
export async function api(method, path, body, { signal } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && method !== "HEAD" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
      signal,
    });
  } catch (error) {
    if (error?.name === "AbortError") throw error;
    throw new ApiError(0, "network", "The server cannot be reached.");
  }
  if (response.status === 204) return null;
  let data = null;
  try { data = await response.json(); } catch (error) {
    if (error?.name === "AbortError") throw error;
  }
  if (!response.ok) {
    const retryAfter = Number(response.headers.get("Retry-After")) || 0;
    throw new ApiError(response.status, data?.error?.code ?? "error",
      data?.error?.message ?? `The server answered ${response.status}.`, retryAfter);
  }
  return data;
}

/** Who we are: {user, guest, csrf_token}, or null without a session. */
export async function fetchMe() {
  try {
    const me = await api("GET", "/api/me");
    setCsrfToken(me?.csrf_token);
    return me;
  } catch (error) {
    if (error instanceof ApiError && error.isUnauthorized) {
      setCsrfToken("");
      return null;
    }
    throw error;
  }
}

/** Starts a guest session under `name`. */
export async function startGuest(name) {
  const me = await api("POST", "/api/guest", { name });
  setCsrfToken(me?.csrf_token);
  return me;
}

export const roomPath = (room) => `/api/rooms/${encodeURIComponent(room)}`;
