/** `dcm login`: its flags, help and examples; the work is in run.ts, loaded when the command runs. */
import type { Command } from '@commander-js/extra-typings';
import type { CommandContext } from '../../context.ts';
import { withRegistryOptions, type OptionsOf } from '../../declaration.ts';
import { exitCodesHelp } from '../../exit-codes.ts';

function declare(parent: Command) {
  return withRegistryOptions(
    parent
      .command('login')
      .description('verify a login against the registry, then keep it in the keychain')
      .argument('[server]', 'registry host, default Docker Hub', undefined)
      .option('-u, --username <user>', 'username (prompted for when omitted at a terminal)')
      .option('-p, --password <password>', 'password on the command line (insecure: use --password-stdin)')
      .option('--password-stdin', 'read the password from stdin (one trailing newline is dropped)')
      .option(
        '--provider <name>',
        'mint tokens for SERVER (a host, or a pattern with * for one DNS label) instead of keeping a password: aws, gcp, github or exec',
      )
      .option('--profile <name>', 'with --provider aws: the AWS profile this registry uses (default: AWS_PROFILE, else the chain)')
      .option('--command <command line>', 'with --provider exec: the program that prints {"Username","Secret","ExpiresAt"} (run without a shell)')
      .option('--oidc <ci>', "with --provider aws, gcp or azure: the CI job's own OIDC token (github or gitlab) instead of the machine's credentials")
      .option('--role <arn>', 'with --provider aws --oidc: the role to assume')
      .option(
        '--audience <provider>',
        'with --provider gcp --oidc: the workload identity provider, //iam.googleapis.com/projects/N/locations/global/workloadIdentityPools/P/providers/X',
      )
      .option('--service-account <email>', 'with --provider gcp --oidc: the service account to impersonate')
      .option('--tenant <id>', 'with --provider azure --oidc: the tenant of the app whose federated credential trusts the job')
      .option('--client-id <id>', 'with --provider azure --oidc: that app'),
  ).addHelpText(
    'after',
    `
The registry must accept the credentials first: nothing is stored otherwise. A refresh token
returned by the registry's token service is kept instead of the password, as Docker does.
TLS is always verified; Docker's /etc/docker/certs.d/<host[:port]>/*.crt CAs are trusted, and
HTTPS_PROXY, HTTP_PROXY and NO_PROXY are honoured. Plain HTTP is used for loopback hosts only,
or with --insecure.

Each registry's credentials and traps are known (docs/registries.md): a refusal is exit 3 whether
the registry answers 401, 403 or (ECR) 400, and says what the registry takes, the trap a username
fell into (a Harbor robot$name a shell expanded), or for an expired login the command that gets a
new secret. --password-stdin keeps every byte but one trailing newline: a JSON key file works.
A registry in daemon.json's insecure-registries is treated as --insecure, as Docker treats it.

--provider keeps no password: it records a binding (SERVER → provider and its options, in dcm's
settings, no secret), mints a token from the identity the machine already has, verifies it at the
registry (a pattern is checked by minting once), and caches it in the store. From then on every
get for a matching host returns the cached token while more than half its lifetime is left, and
mints a new one otherwise (docs/cloud-registries.md). dcm logout SERVER removes the binding.

Examples:
  $ dcm login                                   # Docker Hub, prompts for username and password
  $ echo "$GHCR_TOKEN" | dcm login ghcr.io -u octocat --password-stdin
  $ aws ecr get-login-password --region eu-west-1 | dcm login 123456789012.dkr.ecr.eu-west-1.amazonaws.com -u AWS --password-stdin
  $ dcm login europe-west1-docker.pkg.dev -u _json_key --password-stdin < key.json
  $ dcm login harbor.example -u 'robot$ci' --password-stdin < robot-secret.txt
  $ dcm login myregistry.example:5000 -u me --cert-dir ./certs
  $ dcm login '*.dkr.ecr.eu-west-1.amazonaws.com' --provider aws --profile ci   # every account's ECR in eu-west-1
  $ dcm login myregistry.azurecr.io --provider azure     # a service principal, workload or managed identity, az
  $ dcm login '*-docker.pkg.dev' --provider gcp          # every Artifact Registry region, from ADC
  $ dcm login ghcr.io --provider github                   # GITHUB_TOKEN in a job, else gh auth token
  $ dcm login registry.example --provider exec --command 'op read op://ci/registry/token-json'
  $ dcm login 123456789012.dkr.ecr.eu-west-1.amazonaws.com --provider aws --oidc github --role arn:aws:iam::123456789012:role/ci

${exitCodesHelp(['ok', 'usage', 'credentials', 'network', 'tls', 'threshold', 'registry', 'keychain', 'busy', 'interrupted'], { ok: 'stored', threshold: 'the registry rate-limited the check (HTTP 429)' })}`,
  );
}

export type LoginOptions = OptionsOf<typeof declare>;

export function declareLogin(parent: Command, ctx: CommandContext): void {
  declare(parent).action(async (server, options) =>
    options.provider !== undefined
      ? (await import('./run-provider.ts')).loginWithProvider(server, options, ctx)
      : (await import('./run.ts')).login(server, options, ctx),
  );
}
