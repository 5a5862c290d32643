/**
 * The CLI's version: package.json's "version", injected by tsup at build time (tsup.config.ts `define`),
 * so there is no second literal to keep in step. Code run straight from the TypeScript source (unit tests)
 * has no build step and reports "0.0.0-dev".
 */
declare const __PIXIMMO_VERSION__: string | undefined;

export const VERSION: string = typeof __PIXIMMO_VERSION__ === 'string' ? __PIXIMMO_VERSION__ : '0.0.0-dev';
