import type { TCommand } from "../command";
import { commands } from "./index";
import { UsageError } from "../errors";

// Completion scripts are generated from the command registry and each command's help text, so a new
// command or flag is completed without anyone editing this file.

export interface TCompletionSpec {
  name: string;
  summary: string;
  flags: string[];
  subcommands: string[];
}

/** Flags (--long and -s) and subcommands named in a command's help text. */
export function specOf(c: TCommand): TCompletionSpec {
  const flags = new Set<string>(["--help"]);
  // Examples pipe into other tools (jq -r …), so flags are taken from the text above them.
  const usage = c.help.split(/^Examples?:/m)[0] ?? c.help;
  for (const m of usage.matchAll(/(?<![\w-])(--[a-z][a-z0-9-]*|-[a-zA-Z])(?![\w-])/g)) flags.add(m[1]!);
  const subcommands = new Set<string>();
  const esc = c.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  for (const m of c.help.matchAll(new RegExp(`aitk ${esc} ([a-z][a-z-]*)(?=\\s|$)`, "gm")))
    subcommands.add(m[1]!);
  return {
    name: c.name,
    summary: c.summary,
    flags: [...flags].sort(),
    subcommands: [...subcommands].sort(),
  };
}

export async function registrySpecs(): Promise<TCompletionSpec[]> {
  const names = Object.keys(commands).sort();
  return Promise.all(names.map(async (n) => ({ ...specOf(await commands[n]!()), name: n })));
}

const sq = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

export function bashScript(specs: TCompletionSpec[]): string {
  const cases = specs
    .map((s) => `    ${s.name}) opts=${sq(s.flags.join(" "))}; subs=${sq(s.subcommands.join(" "))} ;;`)
    .join("\n");
  return `# aitk bash completion. Install: aitk completion bash > ~/.local/share/bash-completion/completions/aitk
_aitk() {
  local cur opts="" subs=""
  cur="\${COMP_WORDS[COMP_CWORD]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W ${sq(`${specs.map((s) => s.name).join(" ")} help --help --version`)} -- "$cur") )
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
  elif [ "$COMP_CWORD" -eq 2 ] && [ -n "$subs" ]; then
    COMPREPLY=( $(compgen -W "$subs" -- "$cur") )
  else
    COMPREPLY=( $(compgen -f -- "$cur") )
  fi
}
complete -o default -F _aitk aitk
`;
}

export function zshScript(specs: TCompletionSpec[]): string {
  const described = specs.map((s) => `    ${sq(`${s.name}:${s.summary.replace(/:/g, "\\:")}`)}`).join("\n");
  const cases = specs
    .map(
      (s) =>
        `    ${s.name}) opts=(${s.flags.map(sq).join(" ")}); subs=(${s.subcommands.map(sq).join(" ")}) ;;`,
    )
    .join("\n");
  return `#compdef aitk
# aitk zsh completion. Install: aitk completion zsh > "\${fpath[1]}/_aitk"  (or: source <(aitk completion zsh))
_aitk() {
  local -a cmds opts subs
  cmds=(
${described}
  )
  if (( CURRENT == 2 )); then
    _describe 'aitk command' cmds
    return
  fi
  case $words[2] in
${cases}
  esac
  if [[ $PREFIX == -* ]]; then
    compadd -a opts
  elif (( CURRENT == 3 )) && (( $#subs )); then
    compadd -a subs
  else
    _files
  fi
}
if [ "$funcstack[1]" = "_aitk" ]; then
  _aitk "$@"
else
  compdef _aitk aitk
fi
`;
}

export function fishScript(specs: TCompletionSpec[]): string {
  const lines = [
    "# aitk fish completion. Install: aitk completion fish > ~/.config/fish/completions/aitk.fish",
    "complete -c aitk -e",
  ];
  for (const s of specs) {
    lines.push(`complete -c aitk -f -n __fish_use_subcommand -a ${s.name} -d ${sq(s.summary)}`);
    const cond = `'__fish_seen_subcommand_from ${s.name}'`;
    if (s.subcommands.length) {
      lines.push(`complete -c aitk -f -n ${cond} -a ${sq(s.subcommands.join(" "))}`);
    }
    for (const f of s.flags) {
      lines.push(
        f.startsWith("--")
          ? `complete -c aitk -n ${cond} -l ${f.slice(2)}`
          : `complete -c aitk -n ${cond} -s ${f.slice(1)}`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

const SHELLS = { bash: bashScript, zsh: zshScript, fish: fishScript } as const;

const command: TCommand = {
  name: "completion",
  summary: "Print a shell completion script (bash, zsh, fish)",
  help: `Usage: aitk completion bash|zsh|fish

Prints a completion script for commands, subcommands and flags, generated from aitk's own command list.

Examples:
  source <(aitk completion bash)                 # this shell
  aitk completion bash > ~/.local/share/bash-completion/completions/aitk
  aitk completion zsh > "\${fpath[1]}/_aitk"
  aitk completion fish > ~/.config/fish/completions/aitk.fish`,
  async run(argv) {
    const shell = argv[0];
    if (!shell) throw new UsageError("missing shell: aitk completion bash|zsh|fish");
    if (argv.length > 1) throw new UsageError(`unexpected argument "${argv[1]}"`);
    if (!(shell in SHELLS)) throw new UsageError(`unknown shell "${shell}": bash, zsh or fish`);
    const script = SHELLS[shell as keyof typeof SHELLS](await registrySpecs());
    process.stdout.write(script);
    return 0;
  },
};
export default command;
