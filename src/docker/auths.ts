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
    const found = readEntry(entry, value as Record<string, unknown>);
    if (found.credential) credentials.push(found.credential);
    if (found.unusable) unusable.push({ entry, reason: found.unusable });
  }
  return { credentials, unusable };
}

/**
 * One `auths` entry: the login it holds (and the fields that login accounts for), why it cannot
 * be used, or both (a login, and a second secret beside it that stays); nothing for an entry
 * that holds no secret.
 */
function readEntry(entry: string, fields: Record<string, unknown>): { credential?: PlaintextCredential; unusable?: string } {
  const text = (name: string) => (typeof fields[name] === 'string' ? (fields[name] as string) : '');
  if (!SECRET_FIELDS.some((f) => text(f) !== '')) return {};
  let registry: string;
  try {
    registry = normaliseServerUrl(entry);
  } catch {
    return { unusable: 'the registry address cannot be understood' };
  }
  const decoded = text('auth') !== '' ? decodeAuth(text('auth')) : undefined;
  if (text('auth') !== '' && !decoded) return { unusable: 'its "auth" is not base64 of user:password' };
  const login = loginOf(text, decoded);
  if (login === 'nothing') return {};
  if (typeof login === 'string') return { unusable: login };
  const credential = { entry, registry, ...login };
  const covered = coveredFields(fields, credential, decoded);
  const uncovered = SECRET_FIELDS.filter((f) => f !== 'username' && text(f) !== '' && !covered.includes(f));
  return {
    credential: { ...credential, fields: covered },
    ...(uncovered.length > 0
      ? {
          unusable: `its ${uncovered.map((f) => `"${f}"`).join(' and ')} stays in config.json: a registry has one login in a credential store, and the ${credential.kind === 'identity-token' ? 'identity token' : 'password'} is the one that moves; remove the rest by hand once you no longer need it`,
        }
      : {}),
  };
}

/** The login an entry's fields make, in Docker's order of preference; a reason when none; `nothing` for a username alone. */
function loginOf(
  text: (name: string) => string,
  decoded: { username: string; password: string } | undefined,
): Pick<PlaintextCredential, 'username' | 'secret' | 'kind'> | string | 'nothing' {
  const username = decoded?.username || text('username');
  // Docker uses the identity token when both are there: it is what moves.
  if (text('identitytoken') !== '') return { username: TOKEN_USERNAME, secret: text('identitytoken'), kind: 'identity-token' };
  if (decoded && decoded.password !== '') return { username, secret: decoded.password, kind: 'password' };
  if (text('password') !== '' && username) return { username, secret: text('password'), kind: 'password' };
  if (text('registrytoken') !== '') return 'a "registrytoken" (a bearer token used as is) has no place in the credential-helper protocol';
  // Only a username and nothing secret: nothing to move, nothing to leave.
  if (username && !decoded?.password) return 'nothing';
  return 'no password or identity token could be read from it';
}

/** The entry's fields whose whole content the stored login holds (or that hold nothing secret). */
function coveredFields(
  fields: Record<string, unknown>,
  login: Pick<PlaintextCredential, 'username' | 'secret' | 'kind'>,
  decoded: { username: string; password: string } | undefined,
): string[] {
  return SECRET_FIELDS.filter((name) => {
    const value = fields[name];
    return typeof value === 'string' && value !== '' && fieldHeld(name, value, login, decoded);
  });
}

function fieldHeld(
  name: (typeof SECRET_FIELDS)[number],
  value: string,
  login: Pick<PlaintextCredential, 'username' | 'secret' | 'kind'>,
  decoded: { username: string; password: string } | undefined,
): boolean {
  switch (name) {
    case 'auth':
      return (
        decoded !== undefined &&
        (decoded.password === '' || (login.kind === 'password' && decoded.username === login.username && decoded.password === login.secret))
      );
    case 'identitytoken':
      return login.kind === 'identity-token' && value === login.secret;
    case 'password':
      return login.kind === 'password' && value === login.secret;
    case 'username':
      return login.kind === 'identity-token' || value === login.username;
    default:
      return false;
  }
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
