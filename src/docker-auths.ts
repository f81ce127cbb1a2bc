/**
 * Plaintext credentials in config.json's `auths`, found and removed. Pure.
 *
 * Three shapes hold secrets: `auth` (base64 of `user:password`), `identitytoken` (kept by Docker
 * instead of a password after an OAuth login: it goes to the keychain with the `<token>`
 * username, as Docker's native store does), and the legacy `username`/`password` fields.
 */
import { TOKEN_USERNAME } from './helper/protocol.ts';
import { normaliseServerUrl } from './registry/server-url.ts';

export const SECRET_FIELDS = ['auth', 'identitytoken', 'password', 'username', 'registrytoken'] as const;

export interface PlaintextCredential {
  /** The key as written in `auths`. */
  entry: string;
  /** The canonical registry key it is stored under in the keychain. */
  registry: string;
  username: string;
  secret: string;
  kind: 'password' | 'identity-token';
}

export interface Unusable {
  entry: string;
  reason: string;
}

export function findPlaintext(config: Record<string, unknown>): { credentials: PlaintextCredential[]; unusable: Unusable[] } {
  const credentials: PlaintextCredential[] = [];
  const unusable: Unusable[] = [];
  const auths = config.auths;
  if (typeof auths !== 'object' || auths === null) return { credentials, unusable };
  for (const [entry, value] of Object.entries(auths as Record<string, unknown>)) {
    if (typeof value !== 'object' || value === null) continue;
    const fields = value as Record<string, unknown>;
    if (!SECRET_FIELDS.some((f) => typeof fields[f] === 'string' && fields[f] !== '')) continue;
    let registry: string;
    try {
      registry = normaliseServerUrl(entry);
    } catch {
      unusable.push({ entry, reason: 'the registry address cannot be understood' });
      continue;
    }
    const decoded = typeof fields.auth === 'string' && fields.auth !== '' ? decodeAuth(fields.auth) : undefined;
    if (typeof fields.auth === 'string' && fields.auth !== '' && !decoded) {
      unusable.push({ entry, reason: 'its "auth" is not base64 of user:password' });
      continue;
    }
    const username = decoded?.username || (typeof fields.username === 'string' ? fields.username : '');
    if (typeof fields.identitytoken === 'string' && fields.identitytoken !== '') {
      credentials.push({ entry, registry, username: TOKEN_USERNAME, secret: fields.identitytoken, kind: 'identity-token' });
    } else if (decoded && decoded.password !== '') {
      credentials.push({ entry, registry, username, secret: decoded.password, kind: 'password' });
    } else if (typeof fields.password === 'string' && fields.password !== '' && username) {
      credentials.push({ entry, registry, username, secret: fields.password, kind: 'password' });
    } else if (typeof fields.registrytoken === 'string' && fields.registrytoken !== '') {
      unusable.push({ entry, reason: 'a "registrytoken" (a bearer token used as is) has no place in the credential-helper protocol' });
    } else if (username && !decoded?.password) {
      // Only a username and nothing secret: nothing to move, nothing to leave.
      continue;
    } else {
      unusable.push({ entry, reason: 'no password or identity token could be read from it' });
    }
  }
  return { credentials, unusable };
}

/** A copy of the config with the secret fields of these `auths` entries removed (Docker leaves `{}`). */
export function withoutSecrets(config: Record<string, unknown>, entries: string[]): Record<string, unknown> {
  const auths = { ...(config.auths as Record<string, Record<string, unknown>>) };
  for (const entry of entries) {
    const rest = { ...auths[entry] };
    for (const field of SECRET_FIELDS) delete rest[field];
    auths[entry] = rest;
  }
  return { ...config, auths };
}

/** Registries (as written) whose entries still hold a secret. */
export function registriesWithPlaintext(config: Record<string, unknown>): string[] {
  const { credentials, unusable } = findPlaintext(config);
  return [...new Set([...credentials.map((c) => c.entry), ...unusable.map((u) => u.entry)])].sort();
}

function decodeAuth(auth: string): { username: string; password: string } | undefined {
  if (!/^[A-Za-z0-9+/=\s_-]+$/.test(auth)) return undefined;
  const text = Buffer.from(auth, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0 || text.includes('\ufffd')) return undefined;
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}
