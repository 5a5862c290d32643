import type { Plugin } from 'esbuild';

/** See node-builtins.mjs: Node's own modules required by a bundled CommonJS package, some loaded on first use. */
export function nodeBuiltins(options?: { lazy?: string[] }): Plugin;
