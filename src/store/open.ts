import { join } from 'node:path';
import { UsageError } from '../errors.ts';
import { stateDir, type Env } from '../paths.ts';
import { withChunking } from './chunked.ts';
import { CredentialStore } from './credential-store.ts';
import { FileLock } from './file-lock.ts';
import { KeyringBackend } from './keyring.ts';
import { loadKeyringAddon } from './native.ts';

/** The keychain "service" under which every dcm item is filed. */
export const KEYCHAIN_SERVICE = 'dcm';

/** Long enough for a busy Secret Service (20 helpers at once), short enough that a stuck unlock prompt is noticed. */
export const DEFAULT_KEYCHAIN_TIMEOUT_MS = 3000;

/** The store every command uses: the OS keychain, with a file lock for the index. */
export function openCredentialStore(env: Env): CredentialStore {
  const backend = new KeyringBackend({
    service: KEYCHAIN_SERVICE,
    addon: loadKeyringAddon(env),
    timeoutMs: keychainTimeoutMs(env),
  });
  // Windows' Credential Manager holds 2,560 bytes per item: longer values are split (chunked.ts).
  return new CredentialStore(withChunking(backend), new FileLock(join(stateDir(env), 'index.lock')));
}

export function keychainTimeoutMs(env: Env): number {
  const raw = env.DCM_KEYCHAIN_TIMEOUT_MS;
  if (raw === undefined || raw === '') return DEFAULT_KEYCHAIN_TIMEOUT_MS;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new UsageError('DCM_KEYCHAIN_TIMEOUT_MS must be a positive whole number of milliseconds');
  return value;
}
