/**
 * Where Docker looks for a registry's credentials, in Docker's own order (docker/cli
 * `configfile.GetCredentialsStore`, docs/helper-protocol.md "Which helper Docker asks"):
 * `credHelpers[<registry>]` (an exact match of the key Docker uses), else `credsStore`, else the
 * plaintext `auths` entry of config.json. Pure and read-only: it says where to ask, never writes.
 */
import { normaliseServerUrl } from './server-address.ts';

export type CredentialSource =
  /** Another helper (or dcm itself), named as config.json names it. */
  | { kind: 'helper'; helper: string; via: 'credHelpers' | 'credsStore' }
  /** config.json's own `auths` (plaintext base64 or an identity token). */
  | { kind: 'auths' };

/** The source Docker uses for `registry`, a canonical server key (server-address.ts). */
export function sourceFor(config: Readonly<Record<string, unknown>>, registry: string): CredentialSource {
  const helpers = config.credHelpers;
  if (typeof helpers === 'object' && helpers !== null && !Array.isArray(helpers)) {
    const helper = (helpers as Record<string, unknown>)[registry];
    if (typeof helper === 'string' && helper !== '') return { kind: 'helper', helper, via: 'credHelpers' };
  }
  if (typeof config.credsStore === 'string' && config.credsStore !== '') return { kind: 'helper', helper: config.credsStore, via: 'credsStore' };
  return { kind: 'auths' };
}

/**
 * The `auths` entry Docker reads for `registry`: the one under its exact key, else the first
 * whose key normalises to it (Docker compares `ConvertToHostname` of each key).
 */
export function authsEntryFor(config: Readonly<Record<string, unknown>>, registry: string): string | undefined {
  const auths = config.auths;
  if (typeof auths !== 'object' || auths === null || Array.isArray(auths)) return undefined;
  const keys = Object.keys(auths);
  if (keys.includes(registry)) return registry;
  return keys.sort().find((key) => {
    try {
      return normaliseServerUrl(key) === registry;
    } catch {
      return false;
    }
  });
}

/**
 * config.json's `auths` after a login kept by dcm, as `docker login` leaves it when a helper
 * keeps the secret (docker/cli `nativeStore.Store`): an empty `{}` under the registry's key, so
 * that tools which list `auths` (BuildKit's `GetAllCredentials`, `docker build`) see the login.
 * Only when Docker asks dcm for that registry; undefined when nothing would change. Pure.
 */
export function authsAfterLogin(config: Readonly<Record<string, unknown>>, registry: string): Record<string, unknown> | undefined {
  const source = sourceFor(config, registry);
  if (source.kind !== 'helper' || source.helper !== 'dcm') return undefined;
  const auths = authsObject(config);
  if (auths === null) return undefined;
  const existing = auths[registry];
  if (typeof existing === 'object' && existing !== null && Object.keys(existing).length === 0) return undefined;
  return { ...config, auths: { ...auths, [registry]: {} } };
}

/**
 * config.json after `dcm logout` of `registries`, as `docker logout` leaves it: their `auths`
 * entries gone (docker/cli `nativeStore.Erase` erases the file store's entry too), when Docker
 * asks dcm for them. An entry that still holds a secret of its own is another login: kept.
 * Undefined when nothing would change. Pure.
 */
export function authsAfterLogout(config: Readonly<Record<string, unknown>>, registries: readonly string[]): Record<string, unknown> | undefined {
  const auths = authsObject(config);
  if (!auths) return undefined;
  const kept = { ...auths };
  let changed = false;
  for (const registry of registries) {
    const source = sourceFor(config, registry);
    if (source.kind !== 'helper' || source.helper !== 'dcm') continue;
    for (const key of Object.keys(kept)) {
      const value = kept[key];
      if (!(typeof value === 'object' && value !== null && Object.keys(value).length === 0)) continue;
      let same: boolean;
      try {
        same = key === registry || normaliseServerUrl(key) === registry;
      } catch {
        same = false;
      }
      if (same) {
        delete kept[key];
        changed = true;
      }
    }
  }
  return changed ? { ...config, auths: kept } : undefined;
}

/** `auths` as an object (a missing one is empty), or null when it is something else: then it is left alone. */
function authsObject(config: Readonly<Record<string, unknown>>): Record<string, unknown> | null {
  const auths = config.auths ?? {};
  return typeof auths === 'object' && auths !== null && !Array.isArray(auths) ? (auths as Record<string, unknown>) : null;
}
