/**
 * `piximmo completion bash|zsh|fish` (issue 14): a completion script for the shell, generated from the
 * commander program itself, so commands and options never drift from what the CLI accepts.
 * Completes commands, each command's long options (plus the global ones), `--lang de|en`, the
 * `config` actions and keys, the shells of `completion`, and files/folders everywhere else.
 *
 * Install: bash `source <(piximmo completion bash)` (e.g. in ~/.bashrc); zsh `source <(piximmo completion
 * zsh)` after compinit, or save it as `_piximmo` in a folder of $fpath; fish `piximmo completion fish >
 * ~/.config/fish/completions/piximmo.fish`.
 */
import type { Command, Option } from 'commander';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

interface OptInfo {
  flag: string;
  takesValue: boolean;
  description: string;
}
interface CmdInfo {
  name: string;
  description: string;
  options: OptInfo[];
}

const CONFIG_WORDS = ['get', 'set', 'list', 'api-url', 'concurrency', 'types', 'room-aliases', 'stack-gap', 'lang'];

function opts(list: readonly Option[]): OptInfo[] {
  return list
    .filter((o) => o.long && !o.hidden)
    .map((o) => ({ flag: o.long as string, takesValue: o.required || o.optional, description: o.description }));
}

function describe(program: Command): { global: OptInfo[]; commands: CmdInfo[] } {
  const global = [...opts(program.options), { flag: '--help', takesValue: false, description: 'show help' }];
  const commands = program.commands.map((c) => ({ name: c.name(), description: c.description(), options: opts(c.options) }));
  return { global, commands };
}

const sq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function bash(d: ReturnType<typeof describe>): string {
  const g = d.global.map((o) => o.flag).join(' ');
  const cases = d.commands.map((c) => `    ${c.name}) opts="${c.options.map((o) => o.flag).join(' ')} ${g}" ;;`).join('\n');
  return `# piximmo bash completion: source <(piximmo completion bash)
_piximmo() {
  local cur prev opts
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  COMPREPLY=()
  if [ "$prev" = "--lang" ]; then COMPREPLY=( $(compgen -W "de en" -- "$cur") ); return 0; fi
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${d.commands.map((c) => c.name).join(' ')} ${g} --version" -- "$cur") )
    return 0
  fi
  case "\${COMP_WORDS[1]}" in
${cases}
    *) opts="${g}" ;;
  esac
  if [[ "$cur" == -* ]]; then COMPREPLY=( $(compgen -W "$opts" -- "$cur") ); return 0; fi
  case "\${COMP_WORDS[1]}" in
    completion) COMPREPLY=( $(compgen -W "${SHELLS.join(' ')}" -- "$cur") ) ;;
    config) COMPREPLY=( $(compgen -W "${CONFIG_WORDS.join(' ')}" -- "$cur") ) ;;
  esac
  return 0
}
complete -o default -o bashdefault -F _piximmo piximmo
`;
}

function zsh(d: ReturnType<typeof describe>): string {
  const cmds = d.commands.map((c) => `    ${sq(`${c.name}:${c.description}`)}`).join('\n');
  const g = d.global.map((o) => sq(o.flag)).join(' ');
  const cases = d.commands.map((c) => `    ${c.name}) opts=(${c.options.map((o) => sq(o.flag)).join(' ')} ${g}) ;;`).join('\n');
  return `#compdef piximmo
# piximmo zsh completion: source <(piximmo completion zsh) after compinit, or save as _piximmo in $fpath
_piximmo() {
  local -a cmds opts
  cmds=(
${cmds}
  )
  if (( CURRENT == 2 )); then _describe 'command' cmds; return; fi
  if [[ \${words[CURRENT-1]} == --lang ]]; then compadd de en; return; fi
  case \${words[2]} in
${cases}
    *) opts=(${g}) ;;
  esac
  if [[ $PREFIX == -* ]]; then compadd -- $opts; return; fi
  case \${words[2]} in
    completion) compadd ${SHELLS.join(' ')} ;;
    config) compadd ${CONFIG_WORDS.join(' ')} ;;
    *) _files ;;
  esac
}
if [[ "\${funcstack[1]}" == "_piximmo" ]]; then _piximmo "$@"; else compdef _piximmo piximmo; fi
`;
}

function fish(d: ReturnType<typeof describe>): string {
  const lines = ['# piximmo fish completion: piximmo completion fish > ~/.config/fish/completions/piximmo.fish', 'complete -c piximmo -f'];
  for (const c of d.commands) lines.push(`complete -c piximmo -n __fish_use_subcommand -a ${c.name} -d ${sq(c.description)}`);
  for (const o of d.global) {
    const values = o.flag === '--lang' ? ` -a ${sq('de en')}` : '';
    lines.push(`complete -c piximmo -l ${o.flag.slice(2)}${o.takesValue ? ' -r' : ''}${values} -d ${sq(o.description)}`);
  }
  for (const c of d.commands) {
    for (const o of c.options) {
      lines.push(`complete -c piximmo -n ${sq(`__fish_seen_subcommand_from ${c.name}`)} -l ${o.flag.slice(2)}${o.takesValue ? ' -r' : ''} -d ${sq(o.description)}`);
    }
  }
  lines.push(`complete -c piximmo -n ${sq('__fish_seen_subcommand_from upload watch batch status verify')} -F`);
  lines.push(`complete -c piximmo -n ${sq('__fish_seen_subcommand_from completion')} -a ${sq(SHELLS.join(' '))}`);
  lines.push(`complete -c piximmo -n ${sq('__fish_seen_subcommand_from config')} -a ${sq(CONFIG_WORDS.join(' '))}`);
  return `${lines.join('\n')}\n`;
}

/** The completion script for `shell`, from the commands and options of `program`. */
export function completionScript(shell: Shell, program: Command): string {
  const d = describe(program);
  return shell === 'bash' ? bash(d) : shell === 'zsh' ? zsh(d) : fish(d);
}

export function isShell(s: string): s is Shell {
  return (SHELLS as readonly string[]).includes(s);
}
