/** `dcm setup`: its flags, help and examples; the work is in run.ts, loaded when the command runs. */
import type { Command } from '@commander-js/extra-typings';
import type { CommandContext } from '../../context.ts';
import type { OptionsOf } from '../../declaration.ts';
import { exitCodesHelp } from '../../exit-codes.ts';

function declare(parent: Command) {
  return parent
    .command('setup')
    .description('make Docker use dcm: credsStore, or credHelpers for the registries given')
    .option('--registry <host...>', 'only these registries (credHelpers entries)')
    .option('--undo', 'stop using dcm: put credsStore back as it was before dcm, remove dcm credHelpers')
    .option(
      '--store <name>',
      'where dcm keeps credentials: os (the OS keychain, the default), pass (GPG files, for servers without a desktop keychain) or cache (memory only, for a CI job or an SSH session: logins go after DCM_CACHE_TTL, default 8h)',
    )
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Honours DOCKER_CONFIG. Keeps every other key and the file's indentation, backs config.json up
once (config.json.dcm-backup), writes atomically with mode 0600, and changes nothing when run again.
--store first proves the store works (a probe entry written, read back and removed), then records
it in dcm's own configuration ($XDG_CONFIG_HOME/dcm/config.json); DCM_STORE overrides it for one
process. Logins already kept in another store stay there.

Examples:
  $ dcm setup                               # "credsStore": "dcm"
  $ dcm setup --store pass                  # a server: GPG-encrypted files (pass init KEYID first)
  $ DCM_CACHE_TTL=2h dcm setup --store cache   # a CI job: in memory, gone after 2 hours
  $ dcm setup --registry ghcr.io --registry myregistry.azurecr.io
  $ dcm setup --undo

${exitCodesHelp(['ok', 'failure', 'usage', 'keychain'], { failure: 'config.json could not be written', usage: 'usage, or a config.json dcm will not change', keychain: 'the store chosen cannot be used' })}`,
    );
}

export type SetupOptions = OptionsOf<typeof declare>;

export function declareSetup(parent: Command, ctx: CommandContext): void {
  declare(parent).action(async (options) => (await import('./run.ts')).setup(options, ctx));
}
