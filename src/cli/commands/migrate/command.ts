/** `dcm migrate`: its flags, help and examples; the work is in run.ts, loaded when the command runs. */
import type { Command } from '@commander-js/extra-typings';
import type { CommandContext } from '../../context.ts';
import { withTimeout, type OptionsOf } from '../../declaration.ts';
import { exitCodesHelp } from '../../exit-codes.ts';

function declare(parent: Command) {
  return withTimeout(
    parent
      .command('migrate')
      .description('move every credential out of config.json into the keychain')
      .option('--dry-run', 'say what would move; change nothing')
      .option('--verify', 'check each against its registry first; keep the failing ones in place')
      .option('--from-store <name>', "move dcm's logins from this store (os, pass) ...")
      .option('--to-store <name>', '... to this one, which dcm then uses')
      .option('--yes', 'with --to-store cache: move without asking, although the cache forgets logins after their time to live')
      .option('--json', 'print {"configPath","dryRun","moved":[...],"left":[...],"credsStore","backup"}'),
  ).addHelpText(
    'after',
    `
Moves "auth" (base64 user:password), "identitytoken" (kept with the <token> username, as Docker
does) and legacy "username"/"password" entries. Each credential is written to the keychain and
read back before config.json is rewritten without it, in one atomic write, leaving the {} entry
Docker itself leaves; then credsStore is dcm. Interrupted at any point, config.json is the old
file or the new one and every credential is in one place or both.

--from-store A --to-store B moves every login dcm keeps from one store to another with the same
guarantees: each is written to B and read back before it is erased from A, so a kill at any
instant leaves it in A, in B, or in both; then B is recorded as dcm's store. The cache store
forgets every login after its time to live (DCM_CACHE_TTL): moving logins there asks first at a
terminal, and needs --yes anywhere else.

Examples:
  $ dcm migrate --dry-run
  $ dcm migrate --verify
  $ dcm migrate --from-store os --to-store pass
  $ dcm migrate --from-store os --to-store cache --yes   # a CI job: logins for the job only

${exitCodesHelp(['ok', 'failure', 'usage', 'keychain', 'busy'], { failure: 'something was left in config.json' })}`,
  );
}

export type MigrateOptions = OptionsOf<typeof declare>;

export function declareMigrate(parent: Command, ctx: CommandContext): void {
  // Two commands under one name: the store-to-store move when --from-store or --to-store is given.
  declare(parent).action(async (options) =>
    options.fromStore !== undefined || options.toStore !== undefined
      ? (await import('./run-stores.ts')).migrateStores(options, ctx)
      : (await import('./run.ts')).migrate(options, ctx),
  );
}
