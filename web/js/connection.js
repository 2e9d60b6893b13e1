// One WebSocket that keeps itself alive: reconnects with exponential backoff
// and jitter, pings to keep proxies from idling it out, and notices a dead
// link (no pong) sooner than TCP would. It knows nothing about rooms.

const MIN_DELAY_MS = 500;
const MAX_DELAY_MS = 10_000;
const PING_EVERY_MS = 25_000;
const PONG_TIMEOUT_MS = 10_000;

export class Connection {
  /**
   * @param {string} url  ws:// or wss:// URL (the session cookie goes along)
   * @param {object} on   callbacks: connecting(attempt), open(), frame(obj),
   *                      down({ everOpened, wasOpen, code, retryInMs })
   */
  constructor(url, on) {
    this.url = url;
    this.on = on;
    this.ws = null;
    this.attempt = 0;        // failed attempts since the last good connection
    this.everOpened = false; // did any socket of this Connection ever open?
    this.maxDelayMs = MAX_DELAY_MS;
    this.retryTimer = 0;
    this.retryAt = 0;
    this.pingTimer = 0;
    this.pongTimer = 0;
    this.stopped = true;
    // Retry at once when the network comes back instead of waiting the backoff.
    this.onOnline = () => { if (this.retryTimer) this.retryNow(); };
  }

  get isOpen() { return this.ws?.readyState === 1; }

  /** Milliseconds until the next attempt, or 0 when none is scheduled. */
  get retryInMs() { return this.retryTimer ? Math.max(0, this.retryAt - Date.now()) : 0; }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    globalThis.addEventListener?.("online", this.onOnline);
    this.open();
  }

  /** Stops for good (no reconnect until start()). */
  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = 0;
    this.drop(1000);
    globalThis.removeEventListener?.("online", this.onOnline);
  }

  /** Longer waits between attempts (used while long polling stands in). */
  setMaxDelay(ms) { this.maxDelayMs = ms; }

  retryNow() {
    clearTimeout(this.retryTimer);
    this.retryTimer = 0;
    if (!this.stopped && !this.ws) this.open();
  }

  /** Sends a frame if the socket is open; returns whether it was sent. */
  send(frame) {
    if (!this.isOpen) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Called by the owner once the server said hello: the link is good. */
  markHealthy() { this.attempt = 0; }

  open() {
    this.on.connecting?.(this.attempt);
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.scheduleRetry(false, 0);
      return;
    }
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      this.everOpened = true;
      this.startPinging();
      this.on.open?.();
    };
    ws.onmessage = (event) => {
      if (typeof event.data !== "string") return;
      let frame;
      try { frame = JSON.parse(event.data); } catch { return; }
      if (frame?.type === "pong") clearTimeout(this.pongTimer);
      this.on.frame?.(frame);
    };
    const ended = (code) => {
      if (this.ws !== ws) return; // already handled, or dropped on purpose
      this.ws = null;
      this.stopPinging();
      this.scheduleRetry(opened, code);
    };
    ws.onclose = (event) => ended(event.code);
    // Browsers follow a failed handshake's error with close; not every
    // implementation does, so a failure before open ends the attempt here.
    ws.onerror = () => { if (!opened) ended(1006); };
  }

  /** Forgets the current socket at once, without waiting for its close event. */
  drop(code) {
    const ws = this.ws;
    this.ws = null;
    this.stopPinging();
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    try { ws.close(code); } catch { /* closing an unopened socket may throw */ }
  }

  scheduleRetry(wasOpen, code) {
    if (this.stopped) return;
    // A link that was up retries quickly once; failures back off exponentially.
    const base = Math.min(this.maxDelayMs, MIN_DELAY_MS * 2 ** this.attempt);
    // +-25 % jitter so many clients do not reconnect in lockstep after a restart.
    const delay = Math.round(
      Math.min(this.maxDelayMs, Math.max(MIN_DELAY_MS, base * (0.75 + Math.random() * 0.5))));
    this.attempt++;
    clearTimeout(this.retryTimer);
    this.retryAt = Date.now() + delay;
    this.retryTimer = setTimeout(() => { this.retryTimer = 0; this.open(); }, delay);
    this.on.down?.({ everOpened: this.everOpened, wasOpen, code, retryInMs: delay });
  }

  startPinging() {
    this.stopPinging();
    this.pingTimer = setInterval(() => {
      if (!this.send({ type: "ping" })) return;
      clearTimeout(this.pongTimer);
      // No pong in time: the link is dead even if the browser has not noticed.
      this.pongTimer = setTimeout(() => {
        this.drop(4000);
        this.scheduleRetry(true, 4000);
      }, PONG_TIMEOUT_MS);
    }, PING_EVERY_MS);
  }

  stopPinging() {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
    this.pingTimer = this.pongTimer = 0;
  }
}
