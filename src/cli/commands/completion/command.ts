/** `dcm completion`: its flags, help and examples; the work is in run.ts, loaded when the command runs. */
import type { Command } from '@commander-js/extra-typings';
import type { CommandContext } from '../../context.ts';
import { exitCodesHelp } from '../../exit-codes.ts';

function declare(parent: Command) {
  return parent
    .command('completion')
    .description('print a shell completion script: commands, options, stored registry names')
    .argument('<shell>', 'bash, zsh or fish')
    .addHelpText(
      'after',
      `
Registry names (for login, logout, check, ratelimit --registry) come from a list dcm keeps next to
its index, without any secret, and from config.json; mirror URLs (for mirror check and rm) from
their configuration files. A Tab never touches the keychain and never blocks the shell.

Examples:
  $ source <(dcm completion bash)          # in ~/.bashrc
  $ source <(dcm completion zsh)           # in ~/.zshrc, after compinit
  $ dcm completion fish | source           # in ~/.config/fish/config.fish
  $ dcm completion bash > ~/.local/share/bash-completion/completions/dcm

${exitCodesHelp(['ok', 'usage'])}`,
    );
}

export function declareCompletion(parent: Command, ctx: CommandContext): void {
  declare(parent).action(async (shell) => (await import('./run.ts')).completion(shell, ctx));
  // What the completion scripts call on each Tab: the words so far, answered from the tree itself.
  parent
    .command('__complete', { hidden: true })
    .argument('[words...]')
    .allowUnknownOption()
    .helpOption(false)
    .action(async (words) => (await import('./run.ts')).complete(words, parent, ctx));
}
