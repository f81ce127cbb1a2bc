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
