// How far the user has read the open room, told to the server: at most one
// request per MIN_INTERVAL_MS, never a seq at or below one already sent or
// known to be stored (markers only move forward). Knows nothing of sockets:
// `send(seq)` does the telling and says whether it went.

const MIN_INTERVAL_MS = 1000;

export class ReadMarker {
  /**
   * @param {(seq: number) => boolean|Promise<boolean>} send  tells the server;
   *        false (or a promise of false) when it could not, to be tried again
   */
  constructor(send) {
    this.send = send;
    this.stored = 0;    // the marker the server has (as far as we know)
    this.sent = 0;      // the highest seq we asked for
    this.wanted = 0;    // the highest seq read, waiting for its turn
    this.lastAt = -Infinity;
    this.timer = 0;
    this.enabled = true;
  }

  /** The marker the server has, or what we asked for: the highest of both. */
  get seq() { return Math.max(this.stored, this.sent); }

  /** The server has the marker at `seq` (at open, or from another device). */
  known(seq) {
    if (Number.isInteger(seq) && seq > this.stored) this.stored = seq;
  }

  /** The user has read up to `seq`: told soon, unless the server knows already. */
  read(seq) {
    if (!this.enabled || !Number.isInteger(seq) || seq <= Math.max(this.seq, this.wanted)) return;
    this.wanted = seq;
    this.schedule();
  }

  /** Tries again what could not be sent (the connection is back). */
  retry() { if (this.wanted > this.seq) this.schedule(); }

  schedule() {
    if (this.timer || !this.enabled) return;
    const wait = Math.max(0, this.lastAt + MIN_INTERVAL_MS - performance.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  async flush() {
    this.timer = 0;
    const seq = this.wanted;
    if (!this.enabled || seq <= this.seq) return;
    this.lastAt = performance.now();
    const before = this.sent;
    this.sent = seq;
    let went = false;
    try { went = await this.send(seq); } catch { went = false; }
    // Not sent: forgotten as sent, so that retry() or the next read() tries again.
    if (!went && this.sent === seq) this.sent = before;
  }

  /** No markers for this user (the server said so): nothing more is sent. */
  disable() {
    this.enabled = false;
    clearTimeout(this.timer);
    this.timer = 0;
  }
}
