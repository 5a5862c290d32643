/**
 * Entry of the single-file executable (Node SEA, `npm run build:binary`, scripts/build-binary.mjs):
 * the whole CLI bundled into one CommonJS file. Does what bin/piximmo.js does for the npm install —
 * the two V8 flags (see the launcher for why and the figures) — then runs `main()`.
 * Node's SEA runtime sets process.argv to [binary, binary, …args], so commander's default parsing holds.
 */
import v8 from 'node:v8';
import { main } from './main.js';

for (const flag of ['--liftoff-only', '--semi-space-growth-factor=1']) {
  try {
    v8.setFlagsFromString(flag);
  } catch {
    // an engine without the flag: no harm, only more memory
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
