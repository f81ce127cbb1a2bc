/**
 * Every failure dcm reports is one of these named types. The message is what the user
 * sees (one line, actionable, never a secret); the exit code is decided in one place,
 * {@link exitCodeFor}, so the CLI and the README cannot drift apart.
 */

/**
 * Marks dcm's errors across copies of this module: the single binary evaluates the CLI and each
 * provider as a bundle of its own (scripts/build.ts), each with its own classes, and a token
 * that could not be minted must still be a DcmError (and a MintFailed) where it is caught.
 */
const BRAND = Symbol.for('dcm.error');

/** The class names along an error's prototype chain. */
function classNames(value: object): string[] {
  const names: string[] = [];
  for (let proto = Object.getPrototypeOf(value); proto && proto !== Error.prototype; proto = Object.getPrototypeOf(proto)) names.push(proto.constructor.name);
  return names;
}

/** Base of every error dcm reports on purpose. Anything else is a bug. */
export abstract class DcmError extends Error {
  abstract readonly code: ExitCodeName;
  readonly [BRAND] = true;

  /** `instanceof` by brand and class name, so that it holds for an error from another bundle's copy. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: the class `instanceof` was asked about (DcmError or a subclass).
    const asked: { name: string } = this;
    if (Function.prototype[Symbol.hasInstance].call(asked, value)) return true;
    if (typeof value !== 'object' || value === null || !(BRAND in value)) return false;
    return asked.name === 'DcmError' || classNames(value).includes(asked.name);
  }
}

// --- The three texts below are matched verbatim by Docker and by the reference client
// (docker-credential-helpers `credentials/error.go`, `client/client.go`): do not reword them.

/** `get` found nothing. Docker treats exactly this stdout text (with exit 1) as "anonymous". */
export class CredentialsNotFound extends DcmError {
  readonly code = 'notFound';
  constructor() {
    super('credentials not found in native keychain');
  }
}

/** `store`, `get` or `erase` without a server address. */
export class MissingServerUrl extends DcmError {
  readonly code = 'usage';
  constructor() {
    super('no credentials server URL');
  }
}

/** `store` without a username. */
export class MissingUsername extends DcmError {
  readonly code = 'usage';
  constructor() {
    super('no credentials username');
  }
}

/** Input that is not what the verb expects (malformed JSON, wrong types, control characters). */
export class InvalidInput extends DcmError {
  readonly code = 'usage';
}

/** stdin larger than we are willing to hold in memory. */
export class InputTooLarge extends DcmError {
  readonly code = 'usage';
  constructor(limitBytes: number) {
    super(`input too large: stdin exceeds ${limitBytes} bytes`);
  }
}

/** Wrong command line (unknown verb, extra arguments). */
export class UsageError extends DcmError {
  readonly code = 'usage';
}

/** The stores dcm can keep credentials in (store/select.ts picks one), as messages name them. */
export const STORE_TITLES = { os: 'keychain', pass: 'pass store', cache: 'cache store' } as const;
export type StoreName = keyof typeof STORE_TITLES;

/** The credential store cannot be used; the message names the store, the cause and the fix. */
export class StoreUnavailable extends DcmError {
  readonly code = 'keychain';
  readonly store: StoreName;
  readonly reason: string;
  readonly fix: string;
  /** `fixNamesStores`: the fix already names the other stores (and whether they work), so the line does not again. */
  constructor(cause: string, fix: string, store: StoreName = 'os', fixNamesStores = false) {
    // Never a silent fallback: the line names the other stores, and the user chooses.
    const others = (Object.keys(STORE_TITLES) as StoreName[]).filter((name) => name !== store).map((name) => `dcm setup --store ${name}`);
    super(`${STORE_TITLES[store]} unavailable: ${cause}. ${fix}${fixNamesStores ? '' : `. Or keep credentials elsewhere: ${others.join(', or ')}`}`);
    this.store = store;
    this.reason = cause;
    this.fix = fix;
  }
}

/** A secret the backend cannot hold even after splitting (see store/chunked.ts). */
export class SecretTooLarge extends DcmError {
  readonly code = 'usage';
}

/**
 * Exit codes of the management CLI (`dcm login`, `dcm check`, ...), each with what it means: the
 * one table every help text and the README's table are made from (cli/exit-codes.ts renders
 * them; a test compares the README). The credential-helper protocol always exits 1 on failure,
 * whatever the error: Docker only looks at stdout.
 */
export const EXIT_CODE_TABLE = {
  ok: { code: 0, label: 'ok', meaning: 'success' },
  failure: { code: 1, label: 'failure', meaning: 'failure not listed below (a login left in place, a check that failed)' },
  notFound: { code: 1, label: 'not logged in', meaning: 'not logged in' },
  usage: { code: 2, label: 'usage', meaning: 'bad command line, bad input, or a config file dcm will not change' },
  credentials: { code: 3, label: 'credentials rejected', meaning: 'the registry rejected the credentials' },
  network: { code: 4, label: 'network', meaning: 'network: DNS, connection refused, timeout, proxy' },
  tls: { code: 5, label: 'TLS', meaning: 'TLS: unknown authority, expired, name mismatch, not TLS' },
  threshold: { code: 6, label: 'rate limited or under --fail-under', meaning: 'rate limited (HTTP 429), or fewer pulls left than --fail-under' },
  registry: {
    code: 7,
    label: 'registry error',
    meaning: 'the server answered, but not as a registry does (5xx, not a registry, bad token reply, unsafe redirect or realm)',
  },
  keychain: { code: 8, label: 'keychain unavailable', meaning: 'the credential store (the OS keychain) cannot be used' },
  busy: { code: 9, label: 'index lock busy', meaning: 'another dcm held the credential index lock for too long' },
  internal: { code: 70, label: 'internal error', meaning: 'internal error: a bug in dcm (please report it)' },
  interrupted: { code: 130, label: 'interrupted', meaning: 'interrupted at a prompt (Ctrl-C): nothing was changed' },
} as const satisfies Record<string, { code: number; label: string; meaning: string }>;

export type ExitCodeName = keyof typeof EXIT_CODE_TABLE;

/** name → number, for code that only needs the number. */
export const EXIT_CODES = Object.fromEntries(Object.entries(EXIT_CODE_TABLE).map(([name, { code }]) => [name, code])) as {
  readonly [K in ExitCodeName]: (typeof EXIT_CODE_TABLE)[K]['code'];
};

/** The CLI's exit code for any thrown value; anything that is not a DcmError is a bug. */
export function exitCodeFor(error: unknown): number {
  return error instanceof DcmError ? EXIT_CODES[error.code] : EXIT_CODES.internal;
}

/**
 * A command that has printed its result and now ends with a non-zero code (changesets'
 * ExitError, cli/cli's SilentError): nothing more is printed.
 */
export class SilentExit extends DcmError {
  readonly code: ExitCodeName;
  constructor(code: ExitCodeName) {
    super(`exit ${EXIT_CODES[code]}`);
    this.code = code;
  }
}

/** One line, suitable for stdout in helper mode: never a stack, never a newline inside. */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim() || 'unknown error';
}

/**
 * One item of the store is unusable (another program's, or damaged); the store itself works.
 * Carries the problem and the fix apart, so `dcm doctor` shows them as its check and its fix.
 */
export abstract class ItemError extends DcmError {
  readonly code = 'failure';
  readonly problem: string;
  readonly fix: string;
  constructor(problem: string, fix: string) {
    super(`${problem}; ${fix}`);
    this.problem = problem;
    this.fix = fix;
  }
}

/** A keychain item under dcm's name that dcm cannot read back (written by something else, or damaged). */
export class CorruptEntry extends ItemError {}

/** A login the cache store held until its time to live ran out: not "not found", but gone, and when. */
export class CacheExpired extends DcmError {
  readonly code = 'credentials';
  readonly registry: string;
  /** When, ISO 8601 UTC. */
  readonly at: string;
  constructor(registry: string, at: string) {
    super(`the login for ${registry} expired in the cache store at ${at} (its time to live, DCM_CACHE_TTL); log in again`);
    this.registry = registry;
    this.at = at;
  }
}

/**
 * More than one keychain item answers to one of dcm's keys: another program (Python keyring,
 * secret-tool) filed an item under the service `dcm` with extra attributes. The store cannot
 * tell which is dcm's, so it reads and deletes neither; the rest of the store keeps working.
 */
export class AmbiguousEntry extends ItemError {}

/** The lock that keeps the index and the items in step was held by another dcm for too long. */
export class LockTimeout extends DcmError {
  readonly code = 'busy';
}

/** A file dcm writes (config.json, a backup, the addon cache) could not be written; nothing was changed. */
export class FileWriteFailed extends DcmError {
  readonly code = 'failure';
}

// --- Talking to registries (src/registry). Each class has its own exit code.

/** The registry (or its token service) refused the credentials: 401/403 (ECR also 400). */
export class CredentialsRejected extends DcmError {
  readonly code = 'credentials';
  /** The registry said the login expired, or the secret's own expiry has passed. */
  readonly expired: boolean;
  constructor(message: string, options: { expired?: boolean } = {}) {
    super(message);
    this.expired = options.expired ?? false;
  }
}

/** DNS, connection refused or reset, timeout, proxy. */
export class NetworkError extends DcmError {
  readonly code = 'network';
}

/** TLS: unknown authority, expired, name mismatch, not TLS at all. */
export class TlsError extends DcmError {
  readonly code = 'tls';
  readonly kind: 'unknown-authority' | 'expired' | 'not-yet-valid' | 'name-mismatch' | 'not-tls';
  constructor(message: string, kind: TlsError['kind']) {
    super(message);
    this.kind = kind;
  }
}

/** The server answered, but not as a registry does: not a registry, 5xx, a broken token reply. */
export class RegistryError extends DcmError {
  readonly code = 'registry';
}

/** dcm refused to send credentials where they could leak (plain HTTP, a realm on another host). */
export class UnsafeRequest extends DcmError {
  readonly code = 'registry';
}

/** A rate limit (429) or a CI threshold (`--fail-under`). */
export class ThresholdError extends DcmError {
  readonly code = 'threshold';
}

// --- config.json and other helpers (dcm setup, migrate, import, doctor).

/** config.json cannot be read or is not a JSON object: dcm changes nothing it cannot parse. */
export class DockerConfigError extends DcmError {
  readonly code = 'usage';
}

/** Another credential helper (`dcm import --from`) failed or spoke something other than the protocol. */
export class HelperFailed extends DcmError {
  readonly code = 'failure';
}

/** The keychain did not give back what migrate wrote; config.json is left unchanged. */
export class MigrationFailed extends DcmError {
  readonly code = 'keychain';
}

/**
 * A token could not be minted: what was tried, what answered, and the fix, in one line.
 * `code` is the exit class of the cause (network for a cloud that did not answer, credentials
 * for an identity that was refused or is missing).
 */
export class MintFailed extends DcmError {
  readonly code: 'credentials' | 'network' | 'tls' | 'usage' | 'failure';
  constructor(message: string, options: { code?: MintFailed['code'] } = {}) {
    super(message);
    this.code = options.code ?? 'credentials';
  }
}
