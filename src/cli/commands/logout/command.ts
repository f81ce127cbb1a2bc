/** `dcm logout`: its flags, help and examples; the work is in run.ts, loaded when the command runs. */
import type { Command } from '@commander-js/extra-typings';
import type { CommandContext } from '../../context.ts';
import type { OptionsOf } from '../../declaration.ts';
import { exitCodesHelp } from '../../exit-codes.ts';

function declare(parent: Command) {
  return parent
    .command('logout')
    .description('remove a stored login from the keychain')
    .argument('[server]', 'registry host, default Docker Hub')
    .option('--all', 'remove every stored login')
    .option('--yes', 'with --all: do not ask first at a terminal')
    .addHelpText(
      'after',
      `
--all removes every login the store holds, read from the items themselves (not only the index);
at a terminal it first asks, unless --yes is given.

Examples:
  $ dcm logout ghcr.io
  $ dcm logout --all
  $ dcm logout --all --yes          # a script, or the end of a CI job

${exitCodesHelp(['ok', 'failure', 'usage', 'keychain', 'busy', 'interrupted'], { failure: 'an item another program filed under dcm could not be removed' })}`,
    );
}

export type LogoutOptions = OptionsOf<typeof declare>;

export function declareLogout(parent: Command, ctx: CommandContext): void {
  declare(parent).action(async (server, options) => (await import('./run.ts')).logout(server, options, ctx));
}
