/**
 * Ctrl-C belongs to the run while it runs (SPEC: once → stop starting files, abort transfers, save,
 * exit 130; twice → exit at once).
 *
 * Libraries hook the same signals at load: conf → atomically → when-exit installs `once` listeners on
 * SIGINT, SIGTERM … that run its cleanups and then re-raise the signal with `process.kill`. Beside our
 * handler, that turns one Ctrl-C into two — the second "quit at once" without the summary — or, after our
 * handler is gone, kills the process by the signal after a clean stop (issue 11: "Ctrl-C ends watch within
 * 2 s with the summary"; seen in CI: exit 130 with the status line still on screen). Such listeners are set
 * aside while the run owns the signals and put back when it lets go; when-exit's cleanups (temporary files
 * of a conf write in progress) still run on 'exit'.
 */

/** The signals a run answers: Ctrl-C in a terminal, and `kill` / a service manager off one. */
export const RUN_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Makes `onSignal` the only listener of RUN_SIGNALS until the returned function is called, which removes
 * it and restores the listeners that were there before, in their order (once; later calls do nothing).
 */
export function ownSignals(onSignal: (signal: NodeJS.Signals) => void): () => void {
  const aside = new Map<NodeJS.Signals, ((...args: unknown[]) => void)[]>();
  for (const signal of RUN_SIGNALS) {
    // rawListeners: a `once` listener comes as its wrapper, which removes itself when it is called again later.
    const others = process.rawListeners(signal) as ((...args: unknown[]) => void)[];
    aside.set(signal, others);
    for (const l of others) process.removeListener(signal, l);
    process.on(signal, onSignal);
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    for (const signal of RUN_SIGNALS) {
      process.removeListener(signal, onSignal);
      for (const l of aside.get(signal) ?? []) process.on(signal, l);
    }
  };
}
