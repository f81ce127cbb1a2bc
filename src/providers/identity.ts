/**
 * Who would mint a token for a binding, read cheaply from the environment and the files each
 * cloud's own tools read (no provider code, no network): the key a cached token is filed under,
 * so that another AWS profile, role, key or GitHub token is another cache entry. Secrets enter
 * only through a hash.
 */
import { statSync } from 'node:fs';
import { homedir, platform } from 'node:os';
import { join } from 'node:path';
import type { Env } from '../platform/paths.ts';
import type { Binding } from './bindings.ts';

/**
 * FNV-1a in two 32-bit lanes, not SHA-256: loading node:crypto costs a cached bound `get` about
 * 5 ms in the single binary (--cpu-prof), and this key needs no secrecy. It names an entry inside
 * the cache item, which holds the token itself and lives in the keychain beside it.
 */
function hash(parts: readonly unknown[]): string {
  const text = JSON.stringify(parts);
  let a = 0x811c9dc5;
  let b = 0xcbf29ce4;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ ((c << 3) | (i & 7)), 0x0100019d);
  }
  return `${(a >>> 0).toString(16).padStart(8, '0')}${(b >>> 0).toString(16).padStart(8, '0')}`;
}

/** A file's identity as far as a cache key cares: changed, it is a new entry. */
function fileStamp(path: string): string {
  const stats = statSync(path, { throwIfNoEntry: false });
  return stats ? `${stats.size}:${stats.mtimeMs}` : '-';
}

export function awsConfigFiles(env: Env): { config: string; credentials: string } {
  const home = env.HOME || env.USERPROFILE || homedir();
  return {
    config: env.AWS_CONFIG_FILE || join(home, '.aws', 'config'),
    credentials: env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials'),
  };
}

/** gh's configuration directory, as gh finds it. */
export function ghConfigDir(env: Env): string {
  if (env.GH_CONFIG_DIR) return env.GH_CONFIG_DIR;
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, 'gh');
  return join(env.HOME || homedir(), '.config', 'gh');
}

/** gcloud's Application Default Credentials file, when there is one. */
export function gcloudAdcFile(env: Env): string | undefined {
  const dir = env.CLOUDSDK_CONFIG || (platform() === 'win32' && env.APPDATA ? join(env.APPDATA, 'gcloud') : join(env.HOME || homedir(), '.config', 'gcloud'));
  const path = join(dir, 'application_default_credentials.json');
  return statSync(path, { throwIfNoEntry: false }) ? path : undefined;
}

export function awsProfile(binding: Binding, env: Env): string {
  return binding.profile ?? (env.AWS_PROFILE || env.AWS_DEFAULT_PROFILE || 'default');
}

/** What each provider's identity is made of (hashed: secrets enter only so). */
const IDENTITY_PARTS: Record<Binding['provider'], (binding: Binding, env: Env) => unknown[]> = {
  aws: (binding, env) => {
    const files = awsConfigFiles(env);
    return [
      awsProfile(binding, env),
      binding.profile ? null : (env.AWS_ACCESS_KEY_ID ?? null),
      binding.profile ? null : (env.AWS_SESSION_TOKEN ?? null),
      env.AWS_ROLE_ARN ?? null,
      env.AWS_WEB_IDENTITY_TOKEN_FILE ?? null,
      env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI ?? env.AWS_CONTAINER_CREDENTIALS_FULL_URI ?? null,
      fileStamp(files.config),
      fileStamp(files.credentials),
    ];
  },
  azure: (_binding, env) => [
    env.AZURE_TENANT_ID ?? null,
    env.AZURE_CLIENT_ID ?? null,
    env.AZURE_CLIENT_SECRET ?? null,
    env.AZURE_FEDERATED_TOKEN_FILE ?? null,
    env.IDENTITY_ENDPOINT ?? null,
    fileStamp(join(env.AZURE_CONFIG_DIR || join(env.HOME || homedir(), '.azure'), 'msal_token_cache.json')),
  ],
  gcp: (_binding, env) => {
    const file = env.GOOGLE_APPLICATION_CREDENTIALS || gcloudAdcFile(env);
    return [file ?? null, file ? fileStamp(file) : null, env.GCE_METADATA_HOST ?? null];
  },
  github: (_binding, env) => [env.GITHUB_TOKEN ?? null, env.GH_TOKEN ?? null, fileStamp(join(ghConfigDir(env), 'hosts.yml'))],
  exec: (binding) => [binding.command ?? []],
};

export function identityKey(binding: Binding, env: Env): string {
  // A CI job's OIDC identity is the binding's role, audience or app, in this job.
  if (binding.oidc)
    return hash([
      binding.provider,
      binding.oidc,
      binding.role,
      binding.audience,
      binding.serviceAccount,
      binding.tenant,
      binding.clientId,
      env.GITHUB_RUN_ID ?? env.CI_JOB_ID ?? null,
    ]);
  return hash([binding.provider, ...IDENTITY_PARTS[binding.provider](binding, env)]);
}
