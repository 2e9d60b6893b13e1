// A small client of Parley's JSON API for seeding and checking from Node
// (a second "user" that is not a browser).

import { randomUUID } from "node:crypto";

export class ApiClient {
  constructor(base) {
    this.base = base;
    this.cookie = "";
    this.csrf = "";
    this.user = "";
  }

  static async guest(base, name) {
    const client = new ApiClient(base);
    const me = await client.request("POST", "/api/guest", { name });
    client.csrf = me.csrf_token;
    client.user = me.user;
    return client;
  }

  /** A new account (201), logged in. */
  static async register(base, name, password) {
    const client = new ApiClient(base);
    const me = await client.request("POST", "/api/register", { name, password });
    client.csrf = me.csrf_token;
    client.user = me.user;
    return client;
  }

  async request(method, path, body) {
    const headers = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.cookie) headers.cookie = this.cookie;
    if (this.csrf && method !== "GET") headers["x-csrf-token"] = this.csrf;
    const response = await fetch(this.base + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const setCookie = response.headers.get("set-cookie");
    if (setCookie) this.cookie = setCookie.split(";")[0];
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  /** Posts a message; `extra` adds fields (`reply_to`). */
  post(room, text, id = randomUUID(), extra = {}) {
    return this.request("POST", `/api/rooms/${encodeURIComponent(room)}/messages`, { text, id, ...extra });
  }

  /** An edit, delete or reaction: `{type: "edit"|"delete"|"react", target, ...}`. */
  event(room, body, id = randomUUID()) {
    return this.request("POST", `/api/rooms/${encodeURIComponent(room)}/events`, { ...body, id });
  }

  /** Every stored message of the room, oldest first. Pages with `before`,
   *  which (unlike `after`) does not make this client a member of the room. */
  async allMessages(room) {
    const path = `/api/rooms/${encodeURIComponent(room)}/messages`;
    let page = await this.request("GET", `${path}?limit=1000`);
    const all = [...page.messages];
    while (page.messages.length > 0 && page.messages[0].seq > 1) {
      page = await this.request("GET", `${path}?before=${page.messages[0].seq}&limit=1000`);
      all.unshift(...page.messages);
    }
    return all;
  }
}
