/** `dcm check`: its flags, help and examples; the work is in run.ts, loaded when the command runs. */
import type { Command } from '@commander-js/extra-typings';
import type { CommandContext } from '../../context.ts';
import { withRegistryOptions, type OptionsOf } from '../../declaration.ts';
import { exitCodesHelp } from '../../exit-codes.ts';

function declare(parent: Command) {
  return withRegistryOptions(
    parent
      .command('check')
      .description('verify stored logins against their registries, all at once')
      .argument('[servers...]', 'registries to check (default: every stored login)')
      .option('--all', 'check every stored login')
      .option('--expiring-within <duration>', 'fail a login whose secret expires within this window (30m, 12h, 7d), before asking the registry')
      .option('--json', 'print {"ok", "results": [{"registry","username","kind","ok","status","message","expiresAt","durationMs"}]}'),
  ).addHelpText(
    'after',
    `
Exits 0 when every login works; otherwise with the exit code of the first failing login's class.
Status values in --json: ok, not-logged-in, expired, expiring, credentials, network, tls,
threshold, registry, usage, keychain, failure. expired and expiring exit 3, as credentials do.
expiresAt comes from the secret itself (a JWT's exp, an ECR token's expiration), or is null.
A refused login names what the registry takes and, when it expired, the command that gets a new
secret (aws ecr get-login-password, az acr login --expose-token, gcloud auth print-access-token).

Examples:
  $ dcm check                  # every stored login
  $ dcm check ghcr.io docker.io --json
  $ dcm check --expiring-within 2h    # in CI: refresh before the pipeline breaks

${exitCodesHelp(['ok', 'notFound', 'usage', 'credentials', 'network', 'tls', 'threshold', 'registry', 'keychain'], { ok: 'every login works' })}`,
  );
}

export type CheckOptions = OptionsOf<typeof declare>;

export function declareCheck(parent: Command, ctx: CommandContext): void {
  declare(parent).action(async (servers, options) => (await import('./run.ts')).check(servers, options, ctx));
}
