/**
 * `dcm completion bash|zsh|fish` prints a completion script, the way gh, docker and kubectl do;
 * the hidden `dcm __complete -- WORDS...` answers it, one candidate per line. The scripts are thin
 * (every shell asks dcm), so the logic is one pure function, {@link candidates}, and the command
 * tree is commander's own. Registry names come from the names file (store/names-file.ts) and
 * config.json's keys, mirror URLs from their configuration files: a Tab never touches the
 * keychain, never reads a secret, and never blocks the shell.
 */
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { dockerConfigPath, readDockerConfig } from '../../../docker/config-file.ts';
import { daemonConfigPath } from '../../../docker/daemon-config.ts';
import { findMirrors } from '../../../docker/mirrors.ts';
import { DOCKER_HUB_KEY } from '../../../docker/server-address.ts';
import { STORE_TITLES, UsageError } from '../../../errors.ts';
import { readNamesFile } from '../../../store/names-file.ts';
import type { CommandContext } from '../../context.ts';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;

/** A command as completion sees it. */
export interface CompletionNode {
  name: string;
  /** `--long` and `-s` spellings. */
  options: string[];
  /** Options whose next word is their value (not a command or an argument). */
  valueOptions: string[];
  subcommands: CompletionNode[];
  /** What the positional arguments are. */
  argument?: 'registry' | 'mirror' | 'shell';
}

export interface CompletionSources {
  registries(): string[];
  mirrors(): string[];
}

/** What completes the last word of `words` (the words after `dcm`). Pure. */
export function candidates(root: CompletionNode, words: string[], sources: CompletionSources): string[] {
  const current = words.at(-1) ?? '';
  const { node, positional, expectValue } = walk(root, words.slice(0, -1));
  const matching = (list: readonly string[]) => [...new Set(list)].filter((item) => item.startsWith(current)).sort();
  if (expectValue) return matching(valueChoices(expectValue, sources));
  if (current.startsWith('-')) return matching(node.options);
  if (node.subcommands.length > 0 && positional === 0) return matching(node.subcommands.map((c) => c.name));
  if (node.argument === 'registry') return matching(sources.registries());
  if (node.argument === 'mirror') return matching(sources.mirrors());
  if (node.argument === 'shell' && positional === 0) return matching(SHELLS);
  return [];
}

/** Where the words before the last one lead: the command, how many arguments it has, an option waiting for its value. */
function walk(root: CompletionNode, words: string[]): { node: CompletionNode; positional: number; expectValue: string | undefined } {
  let node = root;
  let positional = 0;
  let expectValue: string | undefined;
  for (const word of words) {
    if (expectValue) {
      expectValue = undefined;
    } else if (word.startsWith('-')) {
      if (node.valueOptions.includes(word)) expectValue = word;
    } else {
      const sub = positional === 0 ? node.subcommands.find((c) => c.name === word) : undefined;
      if (sub) node = sub;
      else positional++;
    }
  }
  return { node, positional, expectValue };
}

/** The values an option takes, where they are known. */
function valueChoices(option: string, sources: CompletionSources): readonly string[] {
  if (option === '--registry') return sources.registries();
  if (option === '--store' || option === '--from-store' || option === '--to-store') return Object.keys(STORE_TITLES);
  // Fixed choices are offered, so that bash's fallback (-o default: file names) never answers for them.
  if (option === '--format') return FORMAT_CHOICES;
  return [];
}

/** `dcm ratelimit --format`'s values (the command checks them; here they are only offered). */
const FORMAT_CHOICES = ['text', 'json', 'prometheus', 'github'];

const ARGUMENTS: Record<string, CompletionNode['argument']> = {
  login: 'registry',
  logout: 'registry',
  check: 'registry',
  'mirror check': 'mirror',
  'mirror rm': 'mirror',
  completion: 'shell',
};

/** commander's tree, without hidden commands. */
export function completionTree(command: CommandUnknownOpts, path = ''): CompletionNode {
  const options = command.options.flatMap((option) => [option.long, option.short].filter((flag): flag is string => Boolean(flag)));
  const valueOptions = command.options
    .filter((option) => option.required || option.optional)
    .flatMap((option) => [option.long, option.short].filter((flag): flag is string => Boolean(flag)));
  const subcommands = command.commands
    .filter((sub) => !(sub as unknown as { _hidden?: boolean })._hidden)
    .map((sub) => completionTree(sub, path ? `${path} ${sub.name()}` : sub.name()));
  return { name: command.name(), options: [...options, '--help'], valueOptions, subcommands, argument: ARGUMENTS[path] };
}

/** `dcm __complete -- WORDS...`: the candidates, one per line. Never fails: a Tab must not print errors. */
export function complete(words: string[], program: CommandUnknownOpts, ctx: CommandContext): void {
  const sources: CompletionSources = {
    registries: () => registryNames(ctx),
    mirrors: () => {
      try {
        return findMirrors(ctx.env, daemonConfigPath(ctx.env))
          .mirrors.map((mirror) => mirror.url)
          .filter(isMirrorUrl);
      } catch {
        return [];
      }
    },
  };
  const found = candidates(completionTree(program), words.length > 0 ? words : [''], sources);
  ctx.stdout.write(found.map((item) => `${item}\n`).join(''));
}

/** Registry names from the names file and config.json's keys; Docker Hub as `docker.io`. */
function registryNames(ctx: CommandContext): string[] {
  const names = readNamesFile(ctx.env);
  try {
    const config = readDockerConfig(dockerConfigPath(ctx.env)).data;
    for (const section of [config.auths, config.credHelpers]) {
      if (typeof section === 'object' && section !== null && !Array.isArray(section)) names.push(...Object.keys(section));
    }
  } catch {
    // An unreadable config.json offers no names; completion stays quiet.
  }
  return names
    .map((name) =>
      name.startsWith(DOCKER_HUB_KEY) || /^(https?:\/\/)?(index\.)?docker\.io(\/v1\/?)?$/.test(name)
        ? 'docker.io'
        : name.replace(/^https?:\/\//, '').replace(/\/+$/, ''),
    )
    .filter(isRegistryName);
}

/**
 * `host[:port][/path]` as Docker names a registry: DNS labels or a bracketed IPv6 address.
 * Completion offers nothing else, so that a name planted in the names file or config.json can
 * never put shell syntax (or escape codes) on the user's command line.
 */
const REGISTRY_NAME =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]{2,45}\])(?::\d{1,5})?(?:\/[a-z0-9._-]+)*$/i;

export function isRegistryName(name: string): boolean {
  return name.length <= 300 && REGISTRY_NAME.test(name);
}

function isMirrorUrl(url: string): boolean {
  const match = /^https?:\/\/(.*?)\/?$/i.exec(url);
  return match !== null && isRegistryName(match[1]!);
}

/** `dcm completion SHELL`: the script for that shell. */
export function completion(shell: string | undefined, ctx: CommandContext): void {
  if (!shell || !(SHELLS as readonly string[]).includes(shell)) throw new UsageError(`completion takes a shell: ${SHELLS.join(', ')}`);
  ctx.stdout.write(SCRIPTS[shell as (typeof SHELLS)[number]]);
}

const SCRIPTS: Record<(typeof SHELLS)[number], string> = {
  // The words are split from COMP_LINE on blanks, so `host:port` stays one word (COMP_WORDS
  // splits at colons); what bash will replace starts after the last colon, so that prefix is cut.
  bash: `# dcm completion for bash. Load it with: source <(dcm completion bash)
# or install it: dcm completion bash > ~/.local/share/bash-completion/completions/dcm
_dcm_complete() {
  local line="\${COMP_LINE:0:COMP_POINT}" words
  read -ra words <<<"$line"
  [[ $line == *[[:blank:]] ]] && words+=("")
  local cur="\${words[\${#words[@]}-1]}" IFS=$'\\n' i
  COMPREPLY=($(dcm __complete -- "\${words[@]:1}" 2>/dev/null))
  if [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
    local prefix="\${cur%"\${cur##*:}"}"
    COMPREPLY=("\${COMPREPLY[@]#"$prefix"}")
  fi
  # Inserted as typed words: quoted, so that no candidate is ever read as shell syntax.
  for i in "\${!COMPREPLY[@]}"; do printf -v 'COMPREPLY[i]' '%q' "\${COMPREPLY[i]}"; done
}
complete -o default -F _dcm_complete dcm
`,
  zsh: `#compdef dcm
# dcm completion for zsh. Load it with: source <(dcm completion zsh)
# or install it as _dcm in a directory of your $fpath.
_dcm() {
  local -a found
  found=(\${(f)"$(dcm __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)"})
  # Without -Q, zsh quotes each candidate as it inserts it.
  compadd -U -- "\${found[@]}"
}
if (( $+functions[compdef] )); then compdef _dcm dcm; fi
`,
  fish: `# dcm completion for fish. Load it with: dcm completion fish | source
# or install it: dcm completion fish > ~/.config/fish/completions/dcm.fish
function __dcm_complete
    set -l words (commandline -opc) (commandline -ct)
    dcm __complete -- $words[2..-1] 2>/dev/null
end
complete -c dcm -f -a '(__dcm_complete)'
`,
};
