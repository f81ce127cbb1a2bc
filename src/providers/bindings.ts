/**
 * Which registries dcm mints tokens for: the bindings `dcm login HOST --provider NAME` records
 * in dcm's settings (`providers`: HOST or pattern → provider and its options; never a secret).
 * A pattern's `*` stands for exactly one DNS label, as in `*.dkr.ecr.us-east-1.amazonaws.com` or
 * `*-docker.pkg.dev` (a label's prefix: `europe-west1-docker.pkg.dev`). Pure, and cheap: the
 * helper's `get` reads it for every host, and loads provider code only for a bound one.
 */
import { UsageError } from '../errors.ts';

export const PROVIDERS = {
  aws: 'Amazon ECR and ECR Public, from the AWS credential chain (environment, profiles, credential_process, web identity, containers, IMDSv2)',
  azure:
    'Azure Container Registry, from an Entra identity (a service principal, workload identity, managed identity, the Azure CLI) exchanged for an ACR refresh token',
  gcp: "Google Artifact Registry and gcr.io, from Application Default Credentials (a key, gcloud's login, workload identity federation, the metadata server)",
  github: 'GitHub Container Registry, from GITHUB_TOKEN in a job or `gh auth token`',
  exec: 'any registry, from a program that prints {"Username","Secret","ExpiresAt"} (1Password, Vault, a company script)',
} as const;

export type ProviderName = keyof typeof PROVIDERS;

export interface Binding {
  /** The host (`host[:port]`) or pattern, as recorded. */
  pattern: string;
  provider: ProviderName;
  /** aws: the profile of the shared config files this registry uses. */
  profile?: string;
  /** exec: the program and its arguments, run without a shell. */
  command?: string[];
  /** The username a provider that does not name one uses (exec may print its own). */
  username?: string;
  /** A CI job's OIDC token instead of the machine's credentials (providers/oidc.ts). */
  oidc?: 'github' | 'gitlab';
  /** aws with --oidc: the role to assume with the job's token. */
  role?: string;
  /** gcp with --oidc: the workload identity provider (//iam.googleapis.com/projects/N/locations/global/workloadIdentityPools/P/providers/X). */
  audience?: string;
  /** gcp with --oidc: the service account to impersonate. */
  serviceAccount?: string;
  /** azure with --oidc: the app's tenant and client id (its federated credential trusts the job). */
  tenant?: string;
  clientId?: string;
}

const STRING_OPTIONS = ['profile', 'username', 'role', 'audience', 'serviceAccount', 'tenant', 'clientId'] as const;

const LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** A HOST or pattern as `dcm login` accepts it: lower case, `*` only as (the start of) one label. */
export function checkPattern(raw: string): string {
  const pattern = raw
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/\/+$/, '');
  const [host = '', port, extra] = pattern.split(':');
  const labels = host.split('.');
  const valid =
    extra === undefined &&
    (port === undefined || /^\d{1,5}$/.test(port)) &&
    labels.length >= 2 &&
    labels.every((label) => LABEL.test(label) || /^\*(-?[a-z0-9-]*[a-z0-9])?$/.test(label) || label === '*') &&
    labels.filter((label) => label.includes('*')).length <= 1 &&
    // A wildcard needs two fixed labels after it: `*.com` would hand tokens to every .com host.
    (!host.includes('*') || (labels.length >= 3 && !labels.at(-1)!.includes('*') && !labels.at(-2)!.includes('*')));
  if (!valid)
    throw new UsageError(
      `${JSON.stringify(raw.slice(0, 80))} is not a registry host or pattern: give host[:port], with * for one DNS label (*.dkr.ecr.us-east-1.amazonaws.com, *-docker.pkg.dev)`,
    );
  return pattern;
}

/** Does `host` (`host[:port]`, as Docker's server address normalises) fall under `pattern`? */
export function matchesPattern(pattern: string, host: string): boolean {
  if (!pattern.includes('*')) return pattern === host.toLowerCase();
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[a-z0-9-]+');
  return new RegExp(`^${source}$`).test(host.toLowerCase());
}

/** The bindings in dcm's settings; one that is malformed is an error naming the file. */
export function bindingsOf(settings: Record<string, unknown>, path: string): Binding[] {
  const raw = settings.providers;
  if (raw === undefined) return [];
  const bad = (why: string) => new UsageError(`dcm's configuration ${path}: ${why}; fix it, or remove the binding with: dcm logout HOST`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('"providers" is not an object');
  return Object.entries(raw as Record<string, unknown>).map(([pattern, value]) => {
    const entry = value as Record<string, unknown> | null;
    if (typeof entry !== 'object' || entry === null || typeof entry.provider !== 'string' || !Object.hasOwn(PROVIDERS, entry.provider))
      throw bad(`the binding for ${JSON.stringify(pattern.slice(0, 80))} names no provider dcm has (${Object.keys(PROVIDERS).join(', ')})`);
    const binding: Binding = { pattern, provider: entry.provider as ProviderName };
    for (const option of STRING_OPTIONS) if (typeof entry[option] === 'string') binding[option] = entry[option] as string;
    if (entry.oidc === 'github' || entry.oidc === 'gitlab') binding.oidc = entry.oidc;
    if (entry.command !== undefined) {
      if (!Array.isArray(entry.command) || entry.command.length === 0 || !entry.command.every((word) => typeof word === 'string'))
        throw bad(`the binding for ${pattern} has a "command" that is not a list of words`);
      binding.command = entry.command as string[];
    }
    return binding;
  });
}

/** The binding that serves `host`: its own, else the most specific pattern (the longest). */
export function bindingFor(bindings: readonly Binding[], host: string): Binding | undefined {
  const exact = bindings.find((binding) => binding.pattern === host.toLowerCase());
  if (exact) return exact;
  return bindings
    .filter((binding) => binding.pattern.includes('*') && matchesPattern(binding.pattern, host))
    .sort((a, b) => b.pattern.length - a.pattern.length)[0];
}
