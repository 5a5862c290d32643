/**
 * piximmo command line (SPEC "The CLI"). Commands are loaded lazily, so `piximmo --help` starts fast.
 */
import { Command, Option } from 'commander';
import type { GlobalOptions } from './context.js';
import { VERSION } from './version.js';
import { localizeCommander } from './help-words.js';
import { detectLang, setLang, t } from './i18n/index.js';

function collect(cmd: Command): GlobalOptions & Record<string, unknown> {
  return cmd.optsWithGlobals();
}

async function run(cmd: Command, body: (o: GlobalOptions & Record<string, unknown>) => Promise<number | undefined>): Promise<void> {
  const o = collect(cmd);
  if (o.verbose) (await import('../api/request-log.js')).setVerbose(true);
  const { runCommand } = await import('./context.js');
  await runCommand(o, () => body(o), cmd.name());
}

export function buildProgram(): Command {
  // Headings, descriptions and commander's usage errors in the user's language; set before the subcommands
  // are added so they inherit them.
  const program = localizeCommander(new Command('piximmo'))
    .description(t('help.program'))
    .version(VERSION, '-V, --version', t('help.opt.version'))
    .helpOption('-h, --help', t('help.opt.help'))
    .helpCommand('help [command]', t('help.opt.help'))
    .option('--api-url <url>', t('help.opt.apiUrl'))
    .option('--token <token>', t('help.opt.token'))
    .option('--json', t('help.opt.json'))
    .option('--lang <de|en>', t('help.opt.lang'))
    .option('--verbose', t('help.opt.verbose'))
    .addHelpText('after', () => `\n${t('help.after')}`)
    .showHelpAfterError()
    // commander's own usage errors → SPEC exit code 2; --help/--version → 0. Set before the
    // subcommands are added so they inherit it.
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

  // Options of every command that uploads (upload, watch, batch).
  const transferOptions = (c: Command): Command =>
    c
      .option('--concurrency <n>', t('help.opt.concurrency'))
      .option('--types <list>', t('help.opt.types'))
      .option('--no-progress', t('help.opt.noProgress'))
      .option('--room <room>', t('help.opt.room'))
      .option('--stack-gap <seconds>', t('help.opt.stackGap'))
      .option('--retries <n>', t('help.opt.retries'))
      .option('--bwlimit <rate>', t('help.opt.bwlimit'))
      .option('--offline-wait <time>', t('help.opt.offlineWait'))
      .addOption(new Option('--intent-rate <n>', 'intents per second the client allows itself').hideHelp());
  const uploadOptions = (c: Command): Command =>
    transferOptions(c.requiredOption('--order <id>', t('help.opt.orderUpload')))
      .option('--dry-run', t('help.opt.dryRun'))
      .option('--manifest <file>', t('help.opt.manifest'));

  uploadOptions(program.command('upload').argument('<dir...>', t('help.upload.dir')).description(t('help.upload')))
    .action(async (dirs: string[], _o, cmd: Command) =>
      run(cmd, async (o) => (await import('./commands/upload.js')).uploadCommand(dirs, o as never)),
    );

  uploadOptions(
    program
      .command('watch')
      .argument('[dir]', t('help.watch.dir'))
      .description(t('help.watch'))
      .option('--cards-root <dir>', t('help.watch.cardsRoot'))
      .option('--copy-to <dir>', t('help.watch.copyTo')),
  )
    .action(async (dir: string | undefined, _o, cmd: Command) =>
      run(cmd, async (o) => (await import('./commands/watch.js')).watchCommand(dir, o as never)),
    );

  transferOptions(
    program
      .command('batch')
      .argument('<file>', t('help.batch.file'))
      .description(t('help.batch')),
  )
    .action(async (file: string, _o, cmd: Command) =>
      run(cmd, async (o) => (await import('./commands/batch.js')).batchCommand(file, o as never)),
    );

  program
    .command('login')
    .description(t('help.login'))
    .option('--with-token', t('help.login.withToken'))
    .action(async (_o, cmd: Command) => run(cmd, async (o) => (await import('./commands/account.js')).loginCommand(o)));
  program
    .command('logout')
    .description(t('help.logout'))
    .action(async (_o, cmd: Command) => run(cmd, async (o) => (await import('./commands/account.js')).logoutCommand(o)));
  program
    .command('whoami')
    .description(t('help.whoami'))
    .action(async (_o, cmd: Command) => run(cmd, async (o) => (await import('./commands/account.js')).whoamiCommand(o)));
  program
    .command('orders')
    .description(t('help.orders'))
    .action(async (_o, cmd: Command) => run(cmd, async (o) => (await import('./commands/account.js')).ordersCommand(o)));
  program
    .command('files')
    .description(t('help.files'))
    .requiredOption('--order <id>', t('help.opt.order'))
    .option('--status <status>', t('help.files.status'))
    .option('--room <room>', t('help.files.room'))
    .action(async (_o, cmd: Command) => run(cmd, async (o) => (await import('./commands/files.js')).filesCommand(o as never)));
  program
    .command('download')
    .argument('<file_id...>', t('help.fileIds'))
    .description(t('help.download'))
    .option('-o, --output <dir>', t('help.download.output'))
    .option('--force', t('help.download.force'))
    .action(async (ids: string[], _o, cmd: Command) =>
      run(cmd, async (o) => (await import('./commands/download.js')).downloadCommand(ids, o as never)),
    );
  program
    .command('rm')
    .argument('<file_id...>', t('help.fileIds'))
    .description(t('help.rm'))
    .option('-y, --yes', t('help.rm.yes'))
    .action(async (ids: string[], _o, cmd: Command) =>
      run(cmd, async (o) => (await import('./commands/rm.js')).rmCommand(ids, o as never)),
    );
  program
    .command('stacks')
    .description(t('help.stacks'))
    .requiredOption('--order <id>', t('help.opt.order'))
    .action(async (_o, cmd: Command) => run(cmd, async (o) => (await import('./commands/stacks.js')).stacksCommand(o as never)));
  program
    .command('status')
    .argument('<dir>', t('help.shootDir'))
    .description(t('help.status'))
    .requiredOption('--order <id>', t('help.opt.order'))
    .option('--manifest <file>', t('help.opt.manifest'))
    .action(async (dir: string, _o, cmd: Command) =>
      run(cmd, async (o) => (await import('./commands/status.js')).statusCommand(dir, o as never)),
    );
  program
    .command('verify')
    .argument('<dir>', t('help.shootDir'))
    .description(t('help.verify'))
    .requiredOption('--order <id>', t('help.opt.order'))
    .option('--types <list>', t('help.verify.types'))
    .option('--manifest <file>', t('help.opt.manifest'))
    .option('--rehash', t('help.verify.rehash'))
    .action(async (dir: string, _o, cmd: Command) =>
      run(cmd, async (o) => (await import('./commands/verify.js')).verifyCommand(dir, o as never)),
    );
  program
    .command('config')
    .argument('<action>', 'get | set | list')
    .argument('[key]', 'api-url | concurrency | types | room-aliases | stack-gap | lang')
    .argument('[value]', t('help.config.value'))
    .description(t('help.config'))
    .action(async (action: string, key: string | undefined, value: string | undefined, _o, cmd: Command) =>
      run(cmd, async (o) => (await import('./commands/config.js')).configCommand(action, key, value, o)),
    );
  program
    .command('completion')
    .argument('<shell>', 'bash | zsh | fish')
    .description(t('help.completion'))
    .action(async (shell: string, _o, cmd: Command) =>
      run(cmd, async () => (await import('./commands/completion.js')).completionCommand(shell, program)),
    );
  return program;
}

/** `--lang X` / `--lang=X` from argv, read before commander so that every message is in that language. */
/** `--name value` or `--name=value` from raw argv (before commander parses it), or undefined; the first wins. */
export function optionFromArgv(argv: readonly string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === name) return argv[i + 1];
    if (argv[i].startsWith(`${name}=`)) return argv[i].slice(name.length + 1);
  }
  return undefined;
}

function langFromArgv(argv: string[]): string | undefined {
  return optionFromArgv(argv, '--lang');
}

export async function main(argv: string[] = process.argv): Promise<void> {
  // `piximmo files --json | head`: the reader went away. Nothing more can be said on stdout; an upload in
  // flight goes on (its state is in the manifest) and the exit code stays the command's.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  // --help, --version, completion and no arguments only print: they load commander and the messages only.
  const quick = argv.length <= 2 || argv[2] === 'completion' || ['--help', '-h', '--version', '-V'].some((a) => argv.includes(a));
  if (!quick) {
    (await import('./v8-tuning.js')).tuneV8();
    (await import('./early-connect.js')).connectEarly(argv, optionFromArgv(argv, '--api-url'));
  }
  const flag = langFromArgv(argv);
  if (flag !== undefined && !/^(de|en)([-_].*)?$/i.test(flag)) {
    process.stderr.write(`${t('usage.lang', { value: flag })}\n`);
    process.exit(2);
  }
  // --lang > PIXIMMO_LANG > `config set lang` > LC_ALL/LC_MESSAGES/LANG. Help and version skip the settings
  // file and the setting table (the help's epilogue follows --lang / PIXIMMO_LANG / LANG).
  if (flag || process.env.PIXIMMO_LANG || quick) setLang(detectLang(flag ?? process.env.PIXIMMO_LANG));
  else setLang((await import('./commands/config.js')).resolveLang(flag).value);
  const program = buildProgram();
  await program.parseAsync(argv);
}
