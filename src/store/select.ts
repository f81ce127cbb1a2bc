/**
 * The one place a store is chosen and opened: `DCM_STORE` for one process, else the `store` of
 * dcm's configuration file (`dcm setup --store`), else `os`. Only the chosen backend is loaded.
 * A store that cannot be used is an error naming it and the alternatives; never a silent
 * fallback to another store.
 */
import { platform, userInfo } from 'node:os';
import { join } from 'node:path';
import { StoreUnavailable, UsageError, type StoreName } from '../errors.ts';
import { FileProblem, privateDirectoryProblem, readRegularFile } from '../platform/files.ts';
import { dcmConfigPath, passwordStoreDir, stateDir, xdgDir, type Env } from '../platform/paths.ts';
import { withChunking } from './chunked.ts';
import { readNamesFile, writeNamesFile } from './names-file.ts';
import { CredentialStore, INDEX_KEY } from './credential-store.ts';
import type { IndexLock, SecretBackend } from './types.ts';

/** The stores, with what each is for (help texts and errors list them from here). */
export const STORES: Record<StoreName, string> = {
  os: 'the OS keychain (macOS Keychain, Windows Credential Manager, the Secret Service on Linux)',
  pass: 'GPG-encrypted files in the pass password store (PASSWORD_STORE_DIR), for servers and WSL without a desktop keychain',
  cache: 'memory only, in a per-user agent, each login for a time to live (DCM_CACHE_TTL, default 8h), for CI jobs and SSH sessions',
};

/**
 * dcm's own configuration file (`dcm setup --store` writes it), parsed: {} when there is none.
 * A file that cannot be read or is not a JSON object is an error: dcm does not guess the store.
 */
export function readSettings(env: Env): { path: string; settings: Record<string, unknown> } {
  const path = dcmConfigPath(env);
  let text: string;
  try {
    text = readRegularFile(path, { maxBytes: 64 * 1024 }).toString('utf8');
  } catch (error) {
    if (error instanceof FileProblem && error.kind === 'missing') return { path, settings: {} };
    throw new UsageError(`dcm's configuration ${(error as Error).message}; fix or remove it`);
  }
  let settings: unknown;
  try {
    settings = JSON.parse(text);
  } catch {
    settings = undefined;
  }
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
    throw new UsageError(`dcm's configuration ${path} is not a JSON object; fix or remove it (dcm setup --store writes it)`);
  }
  return { path, settings: settings as Record<string, unknown> };
}

/** Which store this process uses, and what said so. */
export function chosenStore(env: Env): { store: StoreName; from: string } {
  const fromEnv = env.DCM_STORE;
  if (fromEnv !== undefined && fromEnv !== '') return { store: storeName(fromEnv, 'DCM_STORE'), from: 'DCM_STORE' };
  const { path, settings } = readSettings(env);
  if (settings.store === undefined) return { store: 'os', from: 'the default' };
  return { store: storeName(typeof settings.store === 'string' ? settings.store : JSON.stringify(settings.store), path), from: path };
}

/** A store's name, or the error that lists the stores there are. */
export function storeName(raw: string, from: string): StoreName {
  if (Object.hasOwn(STORES, raw)) return raw as StoreName;
  const choices = Object.entries(STORES)
    .map(([name, what]) => `${name} (${what})`)
    .join('; ');
  throw new UsageError(
    `unknown store ${JSON.stringify(raw.slice(0, 40))} (from ${from}); dcm keeps credentials in: ${choices}. Choose one with: dcm setup --store NAME`,
  );
}

/** What the entry point wants to hear from the store. */
export interface StoreHooks {
  /** A keychain call was given up at its deadline; see KeyringBackendOptions.onAbandoned. */
  onAbandoned?: () => void;
  /** Starts the cache agent on a socket, in the background (only the entry point can). */
  startCacheAgent?: (socket: string) => void;
  /** One line for stderr about the store that does not stop the command (a bad index entry). */
  onWarning?: (line: string) => void;
}

/** The keychain "service" under which every dcm item is filed. */
const KEYCHAIN_SERVICE = 'dcm';

/** Long enough for a busy Secret Service (20 helpers at once), short enough that a stuck unlock prompt is noticed. */
const DEFAULT_KEYCHAIN_TIMEOUT_MS = 3000;

/** The store every command uses, with a lock for its index. */
export async function openCredentialStore(env: Env, hooks: StoreHooks = {}): Promise<CredentialStore> {
  const { store } = chosenStore(env);
  const backend = await openBackend(store, env, hooks);
  // Windows' Credential Manager holds 2,560 bytes per item: longer values are split (chunked.ts).
  return new CredentialStore(withChunking(backend), indexLock(env, store), {
    onNames: (names) => writeNamesFile(env, names),
    onWarning: hooks.onWarning,
    knownNames: () => readNamesFile(env),
  });
}

async function openBackend(store: StoreName, env: Env, hooks: StoreHooks): Promise<SecretBackend> {
  switch (store) {
    case 'pass': {
      const { PassBackend } = await import('./pass.ts');
      // gpg takes longer than a keychain call, and 20 pulls at once share two cores.
      const timeoutMs = env.DCM_KEYCHAIN_TIMEOUT_MS ? keychainTimeoutMs(env) : DEFAULT_PASS_TIMEOUT_MS;
      return new PassBackend({ dir: passwordStoreDir(env), env, timeoutMs, publicKeys: new Set([INDEX_KEY]) });
    }
    case 'cache': {
      const { CacheBackend, cacheSocket, cacheTtlMs } = await import('./cache.ts');
      const startAgent = hooks.startCacheAgent;
      if (!startAgent) throw new UsageError('the cache store needs the dcm entry point to start its agent');
      return new CacheBackend({
        socket: cacheSocket(env),
        quietKeys: new Set([INDEX_KEY]),
        ttlMs: cacheTtlMs(env),
        timeoutMs: Math.max(keychainTimeoutMs(env), 5000),
        startAgent,
      });
    }
    case 'os': {
      const [{ KeyringBackend }, { loadKeyringAddon }] = await Promise.all([import('./keyring/backend.ts'), import('./keyring/native.ts')]);
      const timeoutMs = keychainTimeoutMs(env);
      return new KeyringBackend({
        service: KEYCHAIN_SERVICE,
        addon: () => loadKeyringAddon(env),
        timeoutMs,
        onAbandoned: hooks.onAbandoned,
        read: await readClient(env, timeoutMs),
      });
    }
  }
}

/**
 * DCM_SECRET_SERVICE_CLIENT=dh (or plain): reads go through dcm's own Secret Service client
 * (secret-service/client.ts, issue 26, experimental), writes still through the addon. Linux only.
 */
async function readClient(env: Env, timeoutMs: number): Promise<((key: string) => Promise<string | undefined>) | undefined> {
  const choice = env.DCM_SECRET_SERVICE_CLIENT;
  if (!choice || platform() !== 'linux') return undefined;
  if (choice !== 'dh' && choice !== 'plain') throw new UsageError(`DCM_SECRET_SERVICE_CLIENT is dh or plain, not ${JSON.stringify(choice.slice(0, 20))}`);
  const { lookupSecret } = await import('./secret-service/client.ts');
  return (key) => lookupSecret(key, { env, service: KEYCHAIN_SERVICE, timeoutMs, algorithm: choice });
}

const DEFAULT_PASS_TIMEOUT_MS = 15_000;

/**
 * The lock for the index of one store, loaded only when a verb writes (`get` never takes it).
 * Linux and Windows: a socket the OS releases when its holder dies (socket-lock.ts), in this
 * user's private directory (so no other user can take it first), named for what the store lives
 * in (the keychain's D-Bus session, the password store, the cache agent's directory), so that
 * every process writing one store shares one lock. macOS: a lock file.
 */
function indexLock(env: Env, store: StoreName): IndexLock {
  return {
    async withLock(fn) {
      const os = platform();
      if (os === 'darwin') {
        const { FileLock } = await import('../platform/file-lock.ts');
        return new FileLock(join(stateDir(env), 'index.lock')).withLock(fn);
      }
      // A bundled module, not a built-in: the CLI bundle runs without dynamic import() support.
      const { SocketLock, lockPath } = await import('./socket-lock.ts');
      const user = userInfo();
      const runtime = xdgDir(env, 'XDG_RUNTIME_DIR');
      const where =
        store === 'pass'
          ? passwordStoreDir(env)
          : store === 'cache'
            ? (runtime ?? '')
            : os === 'linux'
              ? (env.DBUS_SESSION_BUS_ADDRESS ?? `/run/user/${user.uid}/bus`)
              : user.username;
      const dir = os === 'win32' ? '' : lockDirectory(env, store);
      return new SocketLock(lockPath(dir, `index-${user.uid}`, `${store === 'os' ? KEYCHAIN_SERVICE : store}\n${where}`, os)).withLock(fn);
    },
  };
}

/**
 * Where the index lock lives: `$XDG_RUNTIME_DIR/dcm` (private by the XDG specification), else
 * dcm's state directory. Either must be this user's and closed to everyone else, or no store is
 * changed: a directory another user owns or may write is reported at once, with the fix.
 */
function lockDirectory(env: Env, store: StoreName): string {
  const runtime = xdgDir(env, 'XDG_RUNTIME_DIR');
  const dir = runtime ? join(runtime, 'dcm') : stateDir(env);
  const problem = privateDirectoryProblem(dir);
  if (problem) {
    throw new StoreUnavailable(
      `refusing the lock directory ${dir}: ${problem}`,
      problem.startsWith('it is open') ? `Run chmod 700 ${dir}` : 'Set XDG_RUNTIME_DIR to a private directory of yours',
      store,
    );
  }
  return dir;
}

/** One hour. */
export const MAX_KEYCHAIN_TIMEOUT_MS = 3_600_000;

export function keychainTimeoutMs(env: Env): number {
  const raw = env.DCM_KEYCHAIN_TIMEOUT_MS;
  if (raw === undefined || raw === '') return DEFAULT_KEYCHAIN_TIMEOUT_MS;
  const value = Number(raw);
  // Timers hold at most 2^31-1 ms; a larger value would silently become 1 ms. An hour is plenty.
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value <= 0 || value > MAX_KEYCHAIN_TIMEOUT_MS) {
    throw new UsageError(`DCM_KEYCHAIN_TIMEOUT_MS must be a whole number of milliseconds from 1 to ${MAX_KEYCHAIN_TIMEOUT_MS}`);
  }
  return value;
}
