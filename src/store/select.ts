import { platform, userInfo } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors.ts';
import { stateDir, type Env } from '../platform/paths.ts';
import { withChunking } from './chunked.ts';
import { CredentialStore } from './credential-store.ts';
import { KeyringBackend } from './keyring/backend.ts';
import { loadKeyringAddon } from './keyring/native.ts';
import type { IndexLock } from './types.ts';

/** What the entry point wants to hear from the store. */
export interface StoreHooks {
  /** A keychain call was given up at its deadline; see KeyringBackendOptions.onAbandoned. */
  onAbandoned?: () => void;
}

/** The keychain "service" under which every dcm item is filed. */
const KEYCHAIN_SERVICE = 'dcm';

/** Long enough for a busy Secret Service (20 helpers at once), short enough that a stuck unlock prompt is noticed. */
const DEFAULT_KEYCHAIN_TIMEOUT_MS = 3000;

/** The store every command uses: the OS keychain, with a lock for the index. */
export function openCredentialStore(env: Env, hooks: StoreHooks = {}): CredentialStore {
  const backend = new KeyringBackend({
    service: KEYCHAIN_SERVICE,
    addon: loadKeyringAddon(env),
    timeoutMs: keychainTimeoutMs(env),
    onAbandoned: hooks.onAbandoned,
  });
  // Windows' Credential Manager holds 2,560 bytes per item: longer values are split (chunked.ts).
  return new CredentialStore(withChunking(backend), indexLock(env));
}

/**
 * The lock for the index of this user's keychain, loaded only when a verb writes (`get` and
 * `list` never take it). Linux and Windows: a socket the OS releases when its holder dies
 * (socket-lock.ts), named for the user and the keychain (the D-Bus session it lives behind), so
 * that every process writing one keychain shares one lock. macOS: a lock file.
 */
function indexLock(env: Env): IndexLock {
  return {
    async withLock(fn) {
      const os = platform();
      if (os === 'darwin') {
        const { FileLock } = await import('./file-lock.ts');
        return new FileLock(join(stateDir(env), 'index.lock')).withLock(fn);
      }
      // A bundled module, not a built-in: the CLI bundle runs without dynamic import() support.
      const { SocketLock, lockAddress } = await import('./socket-lock.ts');
      const user = userInfo();
      const keychain = os === 'linux' ? (env.DBUS_SESSION_BUS_ADDRESS ?? `/run/user/${user.uid}/bus`) : user.username;
      return new SocketLock(lockAddress(`dcm-index-${user.uid}`, `${KEYCHAIN_SERVICE}\n${keychain}`, os)).withLock(fn);
    },
  };
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
