// Starts and stops parley processes for the browser tests. Only 127.0.0.1.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const webDir = join(repoRoot, "web");

export function parleyBinary() {
  const binary = process.env.PARLEY_BINARY || join(repoRoot, "build/release/parley");
  if (!existsSync(binary)) {
    throw new Error(`no parley binary at ${binary}: build it, or set PARLEY_BINARY`);
  }
  return binary;
}

export function tempDir(prefix = "parley-browser-") {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir) {
  try { rmSync(dir, { recursive: true, force: true }); } catch { /* best effort */ }
}

/** A port that was free a moment ago (for a server restarted on the same port). */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

/**
 * One parley process. `start()` resolves once it logs that it listens;
 * `stop()` ends it by its pid (SIGTERM, then SIGKILL after a grace period).
 */
export class ParleyServer {
  constructor({ store = "memory", dataDir = tempDir(), port = 0, extraArgs = [] } = {}) {
    this.store = store;
    this.dataDir = dataDir;
    this.port = port;
    this.extraArgs = extraArgs;
    this.child = null;
    this.log = "";
    this.url = "";
  }

  start(timeoutMs = 15_000) {
    const args = ["--port", String(this.port), "--host", "127.0.0.1", "--store", this.store,
      "--data-dir", this.dataDir, "--web-dir", webDir, ...this.extraArgs];
    const started = Date.now();
    const child = spawn(parleyBinary(), args, { stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    this.log = "";
    this.url = "";
    return new Promise((resolveStart, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`parley did not start within ${timeoutMs} ms:\n${this.log}`));
      }, timeoutMs);
      const onData = (chunk) => {
        this.log += chunk.toString();
        if (this.log.length > 200_000) this.log = this.log.slice(-100_000);
        const match = /listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(this.log);
        if (match && !this.url) {
          this.url = match[1];
          this.port = Number(match[2]);
          clearTimeout(timer);
          const ms = Date.now() - started;
          if (ms > 3000) console.log(`# parley (${this.store}) took ${ms} ms to start`);
          resolveStart(this);
        }
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.once("error", (error) => { clearTimeout(timer); reject(error); });
      child.once("exit", (code, signal) => {
        if (!this.url) {
          clearTimeout(timer);
          reject(new Error(`parley exited (${code ?? signal}) before listening:\n${this.log}`));
        }
      });
    });
  }

  get running() { return this.child !== null && this.child.exitCode === null && this.child.signalCode === null; }

  async stop(graceMs = 5_000) {
    const child = this.child;
    if (!child) return;
    this.child = null;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolveExit) => child.once("exit", resolveExit));
    const stopping = Date.now();
    process.kill(child.pid, "SIGTERM");
    const timer = setTimeout(() => {
      try { process.kill(child.pid, "SIGKILL"); } catch { /* already gone */ }
    }, graceMs);
    await exited;
    clearTimeout(timer);
    const ms = Date.now() - stopping;
    if (ms > 3000) console.log(`# parley (${this.store}) took ${ms} ms to stop`);
  }

  /** Stops and starts again on the same port and data directory. */
  async restart() {
    await this.stop();
    await this.start();
  }
}
