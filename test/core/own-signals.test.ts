/**
 * own-signals.ts: while a run owns SIGINT/SIGTERM, a library's listener that re-raises the signal
 * (conf → atomically → when-exit) is set aside, so one Ctrl-C counts once; it is back afterwards.
 * Signals are emitted, not sent: the test runner shares this process. The real signal, in a terminal, is
 * test/e2e/watch-tty.test.ts and test/e2e/interrupt.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ownSignals } from '../../src/cli/own-signals.js';

describe('ownSignals', () => {
  const added: (() => void)[] = [];
  afterEach(() => {
    for (const l of added.splice(0)) {
      process.removeListener('SIGINT', l);
      process.removeListener('SIGTERM', l);
    }
  });

  it('sets a re-raising once-listener aside while owned and restores it, in order, on release', () => {
    const calls: string[] = [];
    const reRaise = (): void => {
      calls.push('library');
      process.emit('SIGINT', 'SIGINT'); // what when-exit does with process.kill(process.pid, signal)
    };
    process.once('SIGINT', reRaise);
    const before = process.rawListeners('SIGINT');
    const beforeTerm = process.rawListeners('SIGTERM');
    added.push(reRaise);

    const release = ownSignals((s) => calls.push(`run:${s}`));
    expect(process.listenerCount('SIGINT')).toBe(1);
    process.emit('SIGINT', 'SIGINT'); // as Node emits a signal: its name as the argument
    process.emit('SIGTERM', 'SIGTERM');
    expect(calls).toEqual(['run:SIGINT', 'run:SIGTERM']);

    release();
    release(); // a second close does nothing
    expect(process.rawListeners('SIGINT')).toEqual(before);
    expect(process.rawListeners('SIGTERM')).toEqual(beforeTerm);
    process.emit('SIGINT', 'SIGINT'); // the library's listener is live again
    expect(calls).toEqual(['run:SIGINT', 'run:SIGTERM', 'library']);
  });
});
