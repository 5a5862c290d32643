/**
 * piximmo command line (SPEC "The CLI"). Commands are loaded lazily, so `piximmo --help` starts fast.
 */
import { Command, Option } from 'commander';
import type { GlobalOptions } from './context.js';
import { VERSION } from './version.js';
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
  const program = new Command('piximmo')
    .description('Upload real-estate photo shoots — brackets, RAW, HEIC, video — into the right order, safely.')
    .version(VERSION)
    .option('--api-url <url>', 'piximmo API base URL (env PIXIMMO_API_URL)')
    .option('--token <token>', 'device token (env PIXIMMO_TOKEN)')
    .option('--json', 'machine-readable NDJSON on stdout, no prompts or spinners')
    .option('--lang <de|en>', 'language of messages (default from LC_ALL / LC_MESSAGES / LANG)')
    .option('--verbose', 'log every HTTP request on stderr, without tokens (also DEBUG=piximmo)')
    .addHelpText('after', () => `\n${t('help.after')}`)
    .showHelpAfterError()
    // commander's own usage errors → SPEC exit code 2; --help/--version → 0. Set before the
    // subcommands are added so they inherit it.
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

  // Options of every command that uploads (upload, watch, batch).
  const transferOptions = (c: Command): Command =>
    c
      .option('--concurrency <n>', 'transfers at once (default 4); small files go more at once: up to 12 within n MiB')
      .option('--types <list>', 'allowed extensions, e.g. jpg,heic or +tif (default jpg,jpeg,png,heic,dng,mp4,mov and the RAW formats cr2,cr3,nef,arw,raf,rw2,orf)')
      .option('--no-progress', 'plain lines instead of progress bars')
      .option('--room <room>', 'room for files outside room folders (camera cards)')
      .option('--stack-gap <seconds>', 'largest gap between frames of one bracket (default 2)')
      .option('--retries <n>', 'tries per request on network errors, 5xx and stalls (default 5)')
      .option('--bwlimit <rate>', 'cap the upload rate across all transfers, bytes/s: 5M, 800K, 2MiB')
      .option('--offline-wait <time>', 'how long to wait while the API cannot be reached: 10m, 90s, 0 (default 10m; watch: no limit)')
      .addOption(new Option('--intent-rate <n>', 'intents per second the client allows itself').hideHelp());
  const uploadOptions = (c: Command): Command =>
    transferOptions(c.requiredOption('--order <id>', 'order to upload into, e.g. ORD-123'))
      .option('--dry-run', 'show the plan (file → room, stack, size) and send nothing')
      .option('--manifest <file>', 'use this manifest file instead of the one in the state directory');

  uploadOptions(program.command('upload').argument('<dir...>', 'shoot folders').description('upload shoot folders into an order'))
    .action(async (dirs: string[], _o, cmd: Command) =>
      run(cmd, async (o) => (await import('./commands/upload.js')).uploadCommand(dirs, o as never)),
    );

  uploadOptions(
    program
      .command('watch')
      .argument('[dir]', 'card-reader folder, e.g. /media/EOS_DIGITAL; without it: every card (volume with DCIM) that appears')
      .description('upload every new file of a card (or of each card inserted) as it appears')
      .option('--cards-root <dir>', 'look for cards in the subfolders of this folder (default: the OS mount places)')
      .option('--copy-to <dir>', 'second copy of every file into DIR/<order>/<card>/…, verified by SHA-256'),
  )
    .action(async (dir: string | undefined, _o, cmd: Command) =>
      run(cmd, async (o) => (await import('./commands/watch.js')).watchCommand(dir, o as never)),
    );

  transferOptions(
    program
      .command('batch')
      .argument('<file>', 'CSV with header folder,order — or JSON [{"folder","order"}]; folders relative to the file')
      .description('upload many (folder, order) pairs with one pool and one summary'),
  )
    .action(async (file: string, _o, cmd: Command) =>
      run(cmd, async (o) => (await import('./commands/batch.js')).batchCommand(file, o as never)),
    );

  program
    .command('login')
    .description('log in (device flow in the browser, --with-token from standard input, or --token)')
    .option('--with-token', 'read the token from standard input (not visible in the process list)')
    .action(async (_o, cmd: Command) => run(cmd, async (o) => (await import('./commands/account.js')).loginCommand(o)));
  program
    .command('logout')
    .description('revoke and forget the stored token')
    .action(async (_o, cmd: Command) => run(cmd, async (o) => (await import('./commands/account.js')).logoutCommand(o)));
  program
    .command('whoami')
    .description('show the logged-in user')
    .action(async (_o, cmd: Command) => run(cmd, async (o) => (await import('./commands/account.js')).whoamiCommand(o)));
  program
    .command('orders')
    .description("list the user's orders")
    .action(async (_o, cmd: Command) => run(cmd, async (o) => (await import('./commands/account.js')).ordersCommand(o)));
  program
    .command('files')
    .description('list what the server has in an order: status and previews of each file')
    .requiredOption('--order <id>', 'order')
    .option('--status <status>', 'only files in this state: uploaded, processing, ready, failed, infected, deleted, superseded')
    .option('--room <room>', 'only files of this room (folder name or room type)')
    .action(async (_o, cmd: Command) => run(cmd, async (o) => (await import('./commands/files.js')).filesCommand(o as never)));
  program
    .command('download')
    .argument('<file_id...>', 'file ids (piximmo files --order … shows them)')
    .description('download originals; each checked against its SHA-256, existing files never overwritten')
    .option('-o, --output <dir>', 'target folder (default: the current folder)')
    .option('--force', 'overwrite files that exist already')
    .action(async (ids: string[], _o, cmd: Command) =>
      run(cmd, async (o) => (await import('./commands/download.js')).downloadCommand(ids, o as never)),
    );
  program
    .command('rm')
    .argument('<file_id...>', 'file ids')
    .description('delete files on the server (asks first; removed for good after 7 days)')
    .option('-y, --yes', 'do not ask (scripts)')
    .action(async (ids: string[], _o, cmd: Command) =>
      run(cmd, async (o) => (await import('./commands/rm.js')).rmCommand(ids, o as never)),
    );
  program
    .command('stacks')
    .description("list an order's stacks: frames registered of declared, EV values, complete or not")
    .requiredOption('--order <id>', 'order')
    .action(async (_o, cmd: Command) => run(cmd, async (o) => (await import('./commands/stacks.js')).stacksCommand(o as never)));
  program
    .command('status')
    .argument('<dir>', 'shoot folder')
    .description('what the manifest says, per room: registered / pending / failed')
    .requiredOption('--order <id>', 'order')
    .option('--manifest <file>', 'use this manifest file instead of the one in the state directory')
    .action(async (dir: string, _o, cmd: Command) =>
      run(cmd, async (o) => (await import('./commands/status.js')).statusCommand(dir, o as never)),
    );
  program
    .command('verify')
    .argument('<dir>', 'shoot folder')
    .description("compare local checksums with the order's files on the server: missing, extra, mismatched")
    .requiredOption('--order <id>', 'order')
    .option('--types <list>', 'allowed extensions (as for upload)')
    .option('--manifest <file>', 'use this manifest file instead of the one in the state directory')
    .option('--rehash', "recompute every checksum instead of trusting the manifest's")
    .action(async (dir: string, _o, cmd: Command) =>
      run(cmd, async (o) => (await import('./commands/verify.js')).verifyCommand(dir, o as never)),
    );
  program
    .command('config')
    .argument('<action>', 'get | set | list')
    .argument('[key]', 'api-url | concurrency | types | room-aliases | stack-gap | lang')
    .argument('[value]', 'new value (set)')
    .description('show or change settings (stored with conf, file mode 0600)')
    .action(async (action: string, key: string | undefined, value: string | undefined, _o, cmd: Command) =>
      run(cmd, async (o) => (await import('./commands/config.js')).configCommand(action, key, value, o)),
    );
  program
    .command('completion')
    .argument('<shell>', 'bash | zsh | fish')
    .description('print a shell completion script, e.g. source <(piximmo completion bash)')
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
