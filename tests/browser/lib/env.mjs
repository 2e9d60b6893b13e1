// What every test shares: one parley (memory store) and one chromium.
// Each test opens its own browser contexts and uses its own rooms and names.

import { existsSync } from "node:fs";
import { CHROMIUM, launchBrowser } from "./browser.mjs";
import { ParleyServer, removeDir } from "./server.mjs";

export const env = { server: null, browser: null, base: "" };

let counter = 0;
const runTag = Date.now().toString(36).slice(-4);

/** A fresh room or user name (guest names stay taken for a while). */
export function uniq(prefix) {
  counter += 1;
  return `${prefix}-${runTag}${counter}`;
}

export async function setUp() {
  if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM} (apt-get install chromium)`);
  env.server = new ParleyServer({ store: "memory" });
  await env.server.start();
  env.base = env.server.url;
  env.browser = await launchBrowser();
}

export async function tearDown() {
  await env.browser?.close().catch(() => {});
  await env.server?.stop();
  if (env.server) removeDir(env.server.dataDir);
}
