/**
 * Entry of the single-file executable (Node SEA, `npm run build:binary`, scripts/build-binary.mjs):
 * the whole CLI bundled into one CommonJS file; runs `main()` as bin/piximmo.js does for the npm install
 * (main() sets the V8 flags of src/cli/v8-tuning.ts for the commands that do work).
 * Node's SEA runtime sets process.argv to [binary, binary, …args], so commander's default parsing holds.
 */
import { main } from './main.js';

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
