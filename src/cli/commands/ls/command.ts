/** `dcm ls`: its flags, help and examples; the work is in run.ts, loaded when the command runs. */
import type { Command } from '@commander-js/extra-typings';
import type { CommandContext } from '../../context.ts';
import type { OptionsOf } from '../../declaration.ts';
import { exitCodesHelp } from '../../exit-codes.ts';

function declare(parent: Command) {
  return parent
    .command('ls')
    .description('list stored logins (registry, username, kind, source, expiry); never shows secrets')
    .option('--json', 'print [{"registry","username","kind","source","store","expiresAt"}] (username null for identity tokens)')
    .addHelpText(
      'after',
      `
EXPIRES (expiresAt in --json, ISO 8601 UTC or null) is read from the secret itself, without
asking the registry: a JWT's exp (ACR tokens, GitLab job tokens, identity tokens) or an ECR
token's expiration. Only the expiry is read; no other claim of a token is shown. Logins held by
other credential helpers are not read (that could prompt): their expiry is null.

Examples:
  $ dcm ls
  $ dcm ls --json | jq -r '.[].registry'

${exitCodesHelp(['ok', 'usage', 'keychain'])}`,
    );
}

export type LsOptions = OptionsOf<typeof declare>;

export function declareLs(parent: Command, ctx: CommandContext): void {
  declare(parent).action(async (options) => (await import('./run.ts')).ls(options, ctx));
}
