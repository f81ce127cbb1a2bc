/**
 * Every login Docker can use on this machine, from every source Docker reads
 * (docker/credential-sources.ts): dcm's own store, the other helpers config.json names
 * (`credsStore`, `credHelpers`), asked through the protocol, and config.json's plaintext `auths`.
 * Shared by `dcm ls` and `dcm check`. Read-only: nothing is written to any source.
 */
import { findPlaintext } from '../docker/auths.ts';
import { dockerConfigPath, readDockerConfig } from '../docker/config-file.ts';
import { authsEntryFor, sourceFor } from '../docker/credential-sources.ts';
import { HelperClient, serverFromListKey } from '../docker/helper-client.ts';
import { TOKEN_USERNAME, normaliseServerUrl } from '../docker/server-address.ts';
import { DcmError, oneLine, StoreUnavailable, type ExitCodeName, type StoreName } from '../errors.ts';
import { secretExpiry } from '../registry/expiry.ts';
import { profileFor } from '../registry/profiles.ts';
import { containersAuthFile } from '../docker/containers-config.ts';
import type { CredentialStore } from '../store/credential-store.ts';
import type { CommandContext } from './context.ts';
import { readBindings } from './provider-bindings.ts';
import { toEntries, type LoginEntry } from './store-access.ts';

/** Where a login lives: dcm's own store, another helper, or config.json itself (plaintext). */
export type LoginSource = 'dcm' | `helper:${string}` | 'config.json' | 'containers-auth.json';

export interface LoginRow extends LoginEntry {
  source: LoginSource;
  /** dcm's store for its own logins (`os`), else null. */
  store: StoreName | null;
  /**
   * When the secret stops working, as it says itself (registry/expiry.ts), ISO 8601 UTC; null
   * when unknown, and for other helpers' logins, whose secrets `ls` does not read.
   */
  expiresAt: string | null;
}

/** A source that could not be read: named in a warning; the rest is still listed. */
export interface SourceFailure {
  source: LoginSource;
  error: unknown;
}

export interface DockerLogins {
  rows: LoginRow[];
  failures: SourceFailure[];
  /** config.json's settings ({} when it is missing or unreadable). */
  config: Record<string, unknown>;
}

/**
 * Every login, sorted by registry; a source that fails is reported, never fatal. With
 * `expiry`, dcm's own secrets are read to learn when each expires (never another helper's:
 * it might prompt).
 */
export async function dockerLogins(ctx: CommandContext, options: { expiry?: boolean } = {}): Promise<DockerLogins> {
  const rows: LoginRow[] = [];
  const failures: SourceFailure[] = [];
  let config: Record<string, unknown> = {};
  try {
    config = readDockerConfig(dockerConfigPath(ctx.env)).data;
  } catch (error) {
    failures.push({ source: 'config.json', error });
  }

  try {
    const store = await ctx.openStore();
    const entries = toEntries(await store.list());
    const expiries = await Promise.all(
      entries.map(async (entry) => {
        if (!options.expiry) return null;
        // An item that cannot be read has no known expiry; `dcm check` and `doctor` report the item.
        const login = await store.get(entry.registry).catch(() => undefined);
        return login ? expiryOf(entry.registry, login.secret) : null;
      }),
    );
    entries.forEach((entry, i) => {
      // The cache store lets a login go at the end of its time to live: whichever comes first.
      const dropped = store.backend.expiresAt?.(entry.registry)?.toISOString() ?? null;
      const secret = expiries[i] ?? null;
      const expiresAt = dropped && (!secret || dropped < secret) ? dropped : secret;
      rows.push({ ...entry, source: 'dcm', store: storeNameOf(store), expiresAt });
    });
  } catch (error) {
    failures.push({ source: 'dcm', error });
  }

  try {
    rows.push(...(await bindingRows(ctx)));
  } catch (error) {
    failures.push({ source: 'dcm', error });
  }

  // Plaintext in config.json counts only where Docker would read it (no helper for that registry).
  rows.push(...plaintextRows(config, 'config.json', options.expiry).filter((row) => sourceFor(config, row.registry).kind === 'auths'));

  // What `podman login` kept in plaintext, which podman, skopeo and buildah read before Docker's file.
  const authFile = containersAuthFile(ctx.env);
  if (authFile) {
    try {
      rows.push(...plaintextRows(readDockerConfig(authFile, { noFollow: true }).data, 'containers-auth.json', options.expiry));
    } catch (error) {
      failures.push({ source: 'containers-auth.json', error });
    }
  }

  for (const helper of otherHelpers(config)) {
    const source: LoginSource = `helper:${helper}`;
    try {
      for (const [key, user] of await new HelperClient(helper, ctx.env).list()) {
        let registry: string;
        try {
          registry = normaliseServerUrl(serverFromListKey(key));
        } catch {
          continue;
        }
        // Only the registries Docker sends to this helper.
        const effective = sourceFor(config, registry);
        if (effective.kind !== 'helper' || effective.helper !== helper) continue;
        rows.push({
          registry,
          username: user === TOKEN_USERNAME ? null : user,
          kind: user === TOKEN_USERNAME ? 'identity-token' : 'password',
          source,
          store: null,
          expiresAt: null,
        });
      }
    } catch (error) {
      failures.push({ source, error });
    }
  }

  const seen = new Set<string>();
  const unique = rows.filter((row) => {
    const id = `${row.registry}\n${row.source}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  unique.sort((a, b) => (a.registry < b.registry ? -1 : a.registry > b.registry ? 1 : a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
  return { rows: unique, failures, config };
}

/** The plaintext logins of an `auths` file (config.json, containers' auth.json) as rows. */
function plaintextRows(data: Record<string, unknown>, source: 'config.json' | 'containers-auth.json', expiry = false): LoginRow[] {
  return findPlaintext(data).credentials.map((credential) => ({
    registry: credential.registry,
    username: credential.kind === 'identity-token' ? null : credential.username,
    kind: credential.kind,
    source,
    store: null,
    expiresAt: expiry ? expiryOf(credential.registry, credential.secret) : null,
  }));
}

/**
 * One row per provider binding: its cached token's expiry and the identity that minted it
 * (the latest, for a pattern that serves several hosts). Nothing is minted here.
 */
async function bindingRows(ctx: CommandContext): Promise<LoginRow[]> {
  const { bindings } = readBindings(ctx.env);
  if (bindings.length === 0) return [];
  const store = await ctx.openStore();
  const { cachedTokens } = await import('../providers/tokens.ts');
  return Promise.all(
    bindings.map(async (binding) => {
      const latest = (await cachedTokens(store, binding)).sort((a, b) => b.expiresAt - a.expiresAt)[0];
      return {
        registry: binding.pattern,
        username: latest?.username ?? binding.username ?? null,
        kind: `provider:${binding.provider}` as const,
        source: 'dcm' as const,
        store: storeNameOf(store),
        expiresAt: latest ? new Date(latest.expiresAt).toISOString() : null,
        identity: latest?.identity ?? null,
      };
    }),
  );
}

/** The store a row names: the backend's kind (the memory store of unit tests stands for the keychain). */
function storeNameOf(store: CredentialStore): StoreName {
  return store.backend.kind === 'memory' ? 'os' : store.backend.kind;
}

/** The token for a bound row: cached and fresh, or minted now (providers/tokens.ts). */
async function boundToken(ctx: CommandContext, registry: string): Promise<{ username: string; secret: string } | undefined> {
  const { path, bindings } = readBindings(ctx.env);
  const binding = bindings.find((b) => b.pattern === registry);
  if (!binding) return undefined;
  const { tokenFor } = await import('../providers/tokens.ts');
  return tokenFor({
    binding,
    host: registry,
    store: await ctx.openStore(),
    env: ctx.env,
    now: ctx.now().getTime(),
    settingsPath: path,
    warn: (line) => ctx.stderr.write(`dcm: warning: ${line}\n`),
  });
}

/** The credentials of one row, read from its source; undefined when the source no longer has them. */
export async function credentialsOf(
  ctx: CommandContext,
  row: Pick<LoginRow, 'registry' | 'source'> & { kind?: LoginRow['kind'] },
  config: Record<string, unknown>,
): Promise<{ username: string; secret: string } | undefined> {
  if (row.kind?.startsWith('provider:')) return boundToken(ctx, row.registry);
  if (row.source === 'dcm') return (await ctx.openStore()).get(row.registry);
  if (row.source === 'containers-auth.json') {
    const path = containersAuthFile(ctx.env);
    const data = path ? readDockerConfig(path, { noFollow: true }).data : {};
    const found = findPlaintext(data).credentials.find((c) => c.registry === row.registry);
    return found ? { username: found.username, secret: found.secret } : undefined;
  }
  if (row.source === 'config.json') {
    // The entry Docker itself reads, when two spellings of the registry are there.
    const entry = authsEntryFor(config, row.registry);
    const found = findPlaintext(config).credentials.find((c) => c.entry === entry);
    return found ? { username: found.username, secret: found.secret } : undefined;
  }
  const got = await new HelperClient(row.source.slice('helper:'.length), ctx.env).get(row.registry);
  return 'credentials' in got ? { username: got.credentials.username, secret: got.credentials.secret } : undefined;
}

/**
 * The login Docker would use for `registry` (a canonical key), read from the source Docker uses
 * for it (docker/credential-sources.ts). When that is config.json and it holds nothing, dcm's own
 * store is asked too (a `dcm login` without `dcm setup`). Read-only.
 */
export async function dockerLogin(ctx: CommandContext, registry: string): Promise<{ username: string; secret: string } | undefined> {
  const config = readDockerConfig(dockerConfigPath(ctx.env)).data;
  const source = sourceFor(config, registry);
  const where: LoginSource = source.kind === 'auths' ? 'config.json' : source.helper === 'dcm' ? 'dcm' : `helper:${source.helper}`;
  const found = await credentialsOf(ctx, { registry, source: where }, config);
  if (found || where !== 'config.json') return found;
  // Docker itself would not look in dcm's store here: when it cannot be opened (a CI runner
  // without a keychain), there is no login, as Docker sees it; a note says why.
  try {
    return await (await ctx.openStore()).get(registry);
  } catch (error) {
    // No keychain at all (a runner without D-Bus) is the usual case where Docker does not use
    // dcm: not worth a line. Anything else (a locked store, a damaged item) is.
    if (!(error instanceof StoreUnavailable))
      ctx.stderr.write(`dcm: note: no login for ${registry} in config.json, and dcm's own store could not be read (${oneLine(error)})\n`);
    return undefined;
  }
}

/** When a registry's secret expires, ISO 8601 UTC, or null when it does not say. */
export function expiryOf(registry: string, secret: string): string | null {
  return secretExpiry(secret, profileFor(registry).id)?.toISOString() ?? null;
}

/** Helpers other than dcm that config.json sends registries to, each once. */
function otherHelpers(config: Record<string, unknown>): string[] {
  const names = new Set<string>();
  if (typeof config.credsStore === 'string' && config.credsStore !== '' && config.credsStore !== 'dcm') names.add(config.credsStore);
  const helpers = config.credHelpers;
  if (typeof helpers === 'object' && helpers !== null && !Array.isArray(helpers)) {
    for (const name of Object.values(helpers)) if (typeof name === 'string' && name !== '' && name !== 'dcm') names.add(name);
  }
  return [...names].sort();
}

/** How a source reads in a table or a warning. */
export function sourceLabel(source: LoginRow['source'], identity?: string | null): string {
  if (identity) return `dcm, minted from ${identity}`;
  if (source === 'dcm') return 'dcm';
  if (source === 'config.json') return 'config.json (plaintext: dcm migrate)';
  if (source === 'containers-auth.json') return "containers' auth.json (plaintext, from podman login)";
  return `docker-credential-${source.slice('helper:'.length)}`;
}

/** The exit-code class of a source that could not be read. */
export function failureCode(failure: SourceFailure): ExitCodeName {
  return failure.error instanceof DcmError ? failure.error.code : 'internal';
}
