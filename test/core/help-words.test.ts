/**
 * src/cli/help-words.ts — commander's usage errors said again in the user's language; lines it does not
 * know pass unchanged (a commander update that rewords an error shows English, never nothing).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { commanderError } from '../../src/cli/help-words.js';
import { setLang } from '../../src/cli/i18n/index.js';

describe('commanderError', () => {
  afterEach(() => setLang('en'));

  it('German words for every error shape main.ts can meet', () => {
    setLang('de');
    expect(commanderError("error: required option '--order <id>' not specified\n")).toBe("Fehler: die Option '--order <id>' fehlt\n");
    expect(commanderError("error: missing required argument 'dir'\n")).toBe("Fehler: das Argument 'dir' fehlt\n");
    expect(commanderError("error: option '--order <id>' argument missing\n")).toBe("Fehler: der Option '--order <id>' fehlt ihr Wert\n");
    expect(commanderError("error: unknown option '--ordr'\n(Did you mean --order?)\n")).toBe("Fehler: unbekannte Option '--ordr'\n(Meinten Sie --order?)\n");
    expect(commanderError("error: unknown command 'lst'\n(Did you mean one of rm, files?)\n")).toBe("Fehler: unbekannter Befehl 'lst'\n(Meinten Sie rm, files?)\n");
    expect(commanderError("error: too many arguments for 'status'. Expected 1 argument but got 2.\n")).toBe('Fehler: zu viele Argumente (status): 1 erwartet, 2 angegeben\n');
    expect(commanderError('error: too many arguments. Expected 0 arguments but got 1.\n')).toBe('Fehler: zu viele Argumente: 0 erwartet, 1 angegeben\n');
  });

  it('English keeps commander’s words; an unknown shape passes unchanged in either language', () => {
    expect(commanderError("error: required option '--order <id>' not specified\n")).toBe("error: required option '--order <id>' not specified\n");
    setLang('de');
    expect(commanderError("error: option '--concurrency <n>' argument 'x' is invalid.\n")).toBe("error: option '--concurrency <n>' argument 'x' is invalid.\n");
  });
});
