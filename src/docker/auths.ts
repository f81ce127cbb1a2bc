/**
 * Plaintext credentials in config.json's `auths`, found and removed. Pure.
 *
 * Three shapes hold secrets: `auth` (base64 of `user:password`), `identitytoken` (kept by Docker
 * instead of a password after an OAuth login: it goes to the keychain with the `<token>`
 * username, as Docker's native store does), and the legacy `username`/`password` fields.
 */
import { TOKEN_USERNAME, normaliseServerUrl } from './server-address.ts';

const SECRET_FIELDS = ['auth', 'identitytoken', 'password', 'username', 'registrytoken'] as const;

export interface PlaintextCredential {
  /** The key as written in `auths`. */
  entry: string;
  /** The canonical registry key it is stored under in the keychain. */
  registry: string;
  username: string;
  secret: string;
  kind: 'password' | 'identity-token';
  /**
   * The fields of the entry that this credential fully accounts for: once it is stored and read
   * back, exactly these may be removed. A secret it does not account for (a password beside an
   * identity token) stays in config.json and is reported in `unusable`.
   */
  fields: string[];
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
    const text = (name: string) => (typeof fields[name] === 'string' ? (fields[name] as string) : '');
    if (!SECRET_FIELDS.some((f) => text(f) !== '')) continue;
    let registry: string;
    try {
      registry = normaliseServerUrl(entry);
    } catch {
      unusable.push({ entry, reason: 'the registry address cannot be understood' });
      continue;
    }
    const decoded = text('auth') !== '' ? decodeAuth(text('auth')) : undefined;
    if (text('auth') !== '' && !decoded) {
      unusable.push({ entry, reason: 'its "auth" is not base64 of user:password' });
      continue;
    }
    const username = decoded?.username || text('username');
    let credential: Omit<PlaintextCredential, 'fields'> | undefined;
    if (text('identitytoken') !== '') {
      // Docker uses the identity token when both are there: it is what moves.
      credential = { entry, registry, username: TOKEN_USERNAME, secret: text('identitytoken'), kind: 'identity-token' };
    } else if (decoded && decoded.password !== '') {
      credential = { entry, registry, username, secret: decoded.password, kind: 'password' };
    } else if (text('password') !== '' && username) {
      credential = { entry, registry, username, secret: text('password'), kind: 'password' };
    } else if (text('registrytoken') !== '') {
      unusable.push({ entry, reason: 'a "registrytoken" (a bearer token used as is) has no place in the credential-helper protocol' });
      continue;
    } else if (username && !decoded?.password) {
      // Only a username and nothing secret: nothing to move, nothing to leave.
      continue;
    } else {
      unusable.push({ entry, reason: 'no password or identity token could be read from it' });
      continue;
    }
    const covered = coveredFields(fields, credential, decoded);
    credentials.push({ ...credential, fields: covered });
    const uncovered = SECRET_FIELDS.filter((f) => f !== 'username' && text(f) !== '' && !covered.includes(f));
    if (uncovered.length > 0) {
      unusable.push({
        entry,
        reason: `its ${uncovered.map((f) => `"${f}"`).join(' and ')} stays in config.json: a registry has one login in a credential store, and the ${credential.kind === 'identity-token' ? 'identity token' : 'password'} is the one that moves; remove the rest by hand once you no longer need it`,
      });
    }
  }
  return { credentials, unusable };
}

/** The entry's fields whose whole content the stored login holds (or that hold nothing secret). */
function coveredFields(
  fields: Record<string, unknown>,
  login: Pick<PlaintextCredential, 'username' | 'secret' | 'kind'>,
  decoded: { username: string; password: string } | undefined,
): string[] {
  const covered: string[] = [];
  for (const name of SECRET_FIELDS) {
    const value = fields[name];
    if (typeof value !== 'string' || value === '') continue;
    const holds =
      name === 'auth'
        ? decoded !== undefined &&
          (decoded.password === '' || (login.kind === 'password' && decoded.username === login.username && decoded.password === login.secret))
        : name === 'identitytoken'
          ? login.kind === 'identity-token' && value === login.secret
          : name === 'password'
            ? login.kind === 'password' && value === login.secret
            : name === 'username'
              ? login.kind === 'identity-token' || value === login.username
              : false;
    if (holds) covered.push(name);
  }
  return covered;
}

/** A copy of the config with the named fields of these `auths` entries removed (Docker leaves `{}`). */
export function withoutFields(config: Record<string, unknown>, removals: ReadonlyMap<string, readonly string[]>): Record<string, unknown> {
  const auths = { ...(config.auths as Record<string, Record<string, unknown>>) };
  for (const [entry, fields] of removals) {
    const rest = { ...auths[entry] };
    for (const field of fields) delete rest[field];
    auths[entry] = rest;
  }
  return { ...config, auths };
}

/** A copy of the config with every secret field of these `auths` entries removed (for backups). */
export function withoutSecrets(config: Record<string, unknown>, entries: string[]): Record<string, unknown> {
  return withoutFields(config, new Map(entries.map((entry) => [entry, SECRET_FIELDS])));
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
