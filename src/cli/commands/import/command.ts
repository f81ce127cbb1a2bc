/** `dcm import`: its flags, help and examples; the work is in run.ts, loaded when the command runs. */
import type { Command } from '@commander-js/extra-typings';
import type { CommandContext } from '../../context.ts';
import type { OptionsOf } from '../../declaration.ts';
import { exitCodesHelp } from '../../exit-codes.ts';

function declare(parent: Command) {
  return parent
    .command('import')
    .description('copy credentials out of another credential helper')
    .requiredOption('--from <helper>', 'the other helper: secretservice, pass, osxkeychain, wincred, desktop, ...')
    .option('--registry <host...>', 'only these registries')
    .option('--remove', 'erase each from the source once dcm gives it back')
    .option('--json', 'print {"from","imported":[...],"skipped":[...]}')
    .addHelpText(
      'after',
      `
Speaks the helper protocol to docker-credential-HELPER (list, then get for each), so any helper
works. secretservice 0.9+ lists "Registry credentials for <url>" keys that its own get refuses:
dcm asks for <url>.

Examples:
  $ dcm import --from secretservice
  $ dcm import --from pass --registry ghcr.io --remove

${exitCodesHelp(['ok', 'failure', 'usage', 'keychain', 'busy'], { failure: 'something was skipped' })}`,
    );
}

export type ImportOptions = OptionsOf<typeof declare>;

export function declareImport(parent: Command, ctx: CommandContext): void {
  declare(parent).action(async (options) => (await import('./run.ts')).importFrom(options, ctx));
}
