// Parley's browser tests: starts parley (PARLEY_BINARY, else
// build/release/parley) on a free port with a temporary data directory,
// drives Debian's chromium through playwright-core, stops parley by its pid.
// Exits non-zero when a test fails.
//
//   cd tests/browser && npm ci && PARLEY_BINARY=../../build/release/parley node run.mjs
//
// One test or a few: node --test-name-pattern="polling" run.mjs

import { existsSync } from "node:fs";
import { after, before, describe } from "node:test";

for (const module of ["playwright-core", "axe-core"]) {
  if (!existsSync(new URL(`./node_modules/${module}/package.json`, import.meta.url))) {
    console.error(`browser tests: ${module} is missing; run \`npm ci\` in tests/browser first`);
    process.exit(1);
  }
}
const { env, setUp, tearDown } = await import("./lib/env.mjs");
const home = await import("./specs/home.mjs");
const chat = await import("./specs/chat.mjs");
const history = await import("./specs/history.mjs");
const resilience = await import("./specs/resilience.mjs");
const conversation = await import("./specs/conversation.mjs");
const reading = await import("./specs/reading.mjs");
const privateRooms = await import("./specs/private.mjs");
const quality = await import("./specs/quality.mjs");

const SUITE_DEADLINE_MS = 540_000; // under CTest's 600 s, so the server is still stopped here

const deadline = setTimeout(async () => {
  console.error(`# browser tests: over ${SUITE_DEADLINE_MS / 1000} s, giving up`);
  await tearDown().catch(() => {});
  process.exit(1);
}, SUITE_DEADLINE_MS);
deadline.unref();

// Stop parley even when interrupted.
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, async () => {
    await tearDown().catch(() => {});
    process.exit(1);
  });
}

describe("Parley web UI", { concurrency: 1 }, () => {
  before(setUp);
  after(async () => {
    if (process.exitCode && env.server?.log) {
      console.error("# parley log (tail):\n" + env.server.log.slice(-4000).replace(/^/gm, "# "));
    }
    await tearDown();
  });
  home.register();
  chat.register();
  history.register();
  resilience.register();
  conversation.register();
  reading.register();
  privateRooms.register();
  quality.register();
});
