/**
 * Entry of the CLI as built by tsup (dist/cli/main.js, started by bin/piximmo.js): runs `main()` of
 * main.ts. Kept apart from main.ts so that the single-file binary (src/cli/sea.ts, a CommonJS bundle
 * without top-level await) can start the same program.
 */
import { main } from './main.js';

await main();
