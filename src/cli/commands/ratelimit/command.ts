/** `dcm ratelimit`: its flags, help and examples; the work is in run.ts, loaded when the command runs. */
import type { Command } from '@commander-js/extra-typings';
import type { CommandContext } from '../../context.ts';
import { withRegistryOptions, type OptionsOf } from '../../declaration.ts';
import { exitCodesHelp } from '../../exit-codes.ts';
import { EXIT_CODES } from '../../../errors.ts';

function declare(parent: Command) {
  return withRegistryOptions(
    parent
      .command('ratelimit')
      .description("report Docker Hub's pull rate limit for this address or the stored account")
      .option('--registry <host>', 'registry host (default registry-1.docker.io); for mirrors that pass the headers on')
      .option('--repository <name>', 'repository whose latest manifest is checked (default ratelimitpreview/test)')
      .option('--anonymous', 'ignore stored credentials: check the per-address limit')
      .option('-u, --username <user>', 'check as this account, with the password or token read from stdin (--password-stdin); nothing is stored')
      .option('--password-stdin', 'read the password or token for --username from stdin (one trailing newline is dropped)')
      .option('--json', 'same as --format json')
      .option('--format <format>', 'text, json, prometheus or github (default text)')
      .option('--fail-under <n>', `exit ${EXIT_CODES.threshold} when fewer than N pulls remain (output is printed all the same)`)
      .option('--output <file>', 'with --format prometheus: replace FILE atomically; a failed check writes dcm_ratelimit_success 0'),
  ).addHelpText(
    'after',
    `
One check costs one token request and one HEAD of the manifest: a HEAD is not a pull, and dcm
never GETs a manifest. Checking is itself rate limited (one user was limited for HEADs every
1.5 s): once per CI job, or every few minutes for monitoring, is plenty.

--json prints one object: {"registry","repository","authenticated","account","limit",
"remaining","windowSeconds","source","unlimited"}; numbers as numbers, null where unknown.
"source" is the IP address for anonymous pulls and an account id for signed-in ones: it tells
whether pulls are really authenticated. No limit headers means not metered ("unlimited": true).
--format prometheus prints gauges for node_exporter's textfile collector; --format github
appends limit, remaining, window-seconds (and source, authenticated, unlimited) to
$GITHUB_OUTPUT and prints a ::warning:: annotation when below the threshold (--fail-under, or
20% of the limit).

${exitCodesHelp(['ok', 'threshold', 'usage', 'credentials', 'network', 'tls', 'registry', 'keychain'], { ok: 'checked', threshold: 'fewer than --fail-under pulls remain, or rate limited' })}

Examples:
  $ dcm ratelimit
  $ dcm ratelimit --anonymous --json
  $ echo "$DOCKERHUB_TOKEN" | dcm ratelimit -u myuser --password-stdin --json   # a one-off check in CI
  $ dcm ratelimit --format github --fail-under 10
  $ dcm ratelimit --format prometheus --output /var/lib/node_exporter/textfile/dockerhub.prom`,
  );
}

export type RateLimitOptions = OptionsOf<typeof declare>;

export function declareRatelimit(parent: Command, ctx: CommandContext): void {
  declare(parent).action(async (options) => (await import('./run.ts')).ratelimit(options, ctx));
}
