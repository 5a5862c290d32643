/**
 * commander in the user's language (issue 4 "German and English"): the headings of every help screen and
 * commander's own usage errors (a missing `--order`, an unknown option or command). The descriptions of
 * commands and options come from the catalogue too (main.ts passes `t('help.…')`). commander builds its
 * errors in English with no hook for the words, so they are recognised by their fixed shape (commander 14,
 * lib/command.js) and said again; anything not recognised passes unchanged.
 */
import { type Command, Help } from 'commander';
import { t, type MessageKey } from './i18n/index.js';

/** commander's headings → catalogue keys. */
const TITLES: Record<string, MessageKey> = {
  'Usage:': 'help.title.usage',
  'Options:': 'help.title.options',
  'Global Options:': 'help.title.globalOptions',
  'Commands:': 'help.title.commands',
  'Arguments:': 'help.title.arguments',
};

/** commander's error messages (first line) → catalogue keys; `what` is the first group. */
const ERRORS: readonly (readonly [RegExp, MessageKey])[] = [
  [/^error: required option '(.+)' not specified$/, 'help.err.missingMandatoryOptionValue'],
  [/^error: missing required argument '(.+)'$/, 'help.err.missingArgument'],
  [/^error: option '(.+)' argument missing$/, 'help.err.optionMissingArgument'],
  [/^error: unknown option '(.+)'$/, 'help.err.unknownOption'],
  [/^error: unknown command '(.+)'$/, 'help.err.unknownCommand'],
];
const EXCESS = /^error: too many arguments(?: for '(.+)')?\. Expected (\d+) arguments? but got (\d+)\.$/;
const SUGGESTION = /^\(Did you mean (?:one of )?(.+)\?\)$/;

/** Sets the headings and the error words on `program`; its subcommands inherit both (add them after). */
export function localizeCommander(program: Command): Command {
  const plain = new Help();
  return program
    .configureHelp({
      styleTitle: (title) => (TITLES[title] ? t(TITLES[title]) : title),
      // "piximmo upload [options] <dir...>": the words in brackets are the reader's, the names typed as they are.
      commandUsage: (cmd) => usageWords(plain.commandUsage(cmd)),
      subcommandTerm: (cmd) => usageWords(plain.subcommandTerm(cmd)),
    })
    .configureOutput({ outputError: (text, write) => write(commanderError(text)) });
}

function usageWords(usage: string): string {
  return usage.replace('[options]', t('help.usage.options')).replace('[command]', t('help.usage.command'));
}

/** One of commander's error texts ("error: …\n", maybe with a "(Did you mean …?)" line) in the current language. */
export function commanderError(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      for (const [shape, key] of ERRORS) {
        const m = shape.exec(line);
        if (m) return t(key, { what: m[1] });
      }
      const excess = EXCESS.exec(line);
      if (excess) return t('help.err.excessArguments', { command: excess[1] ? ` (${excess[1]})` : '', expected: excess[2], got: excess[3] });
      const hint = SUGGESTION.exec(line);
      return hint ? t('help.err.didYouMean', { what: hint[1] }) : line;
    })
    .join('\n');
}
