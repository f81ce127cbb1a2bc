import { platform } from 'node:os';
import { classifyKeychainError, keychainTimeout } from './keychain-errors.ts';
import type { AsyncEntryLike, EntryOptions, KeyringAddon } from './keyring-addon.ts';
import type { SecretBackend } from './types.ts';

/** Windows' CRED_MAX_CREDENTIAL_BLOB_SIZE: the most one Credential Manager item can hold. */
export const WINDOWS_MAX_BLOB_BYTES = 2560;

const DESCRIPTIONS: Record<string, string> = {
  linux: 'Secret Service (D-Bus)',
  darwin: 'macOS Keychain',
  win32: 'Windows Credential Manager',
};

export interface KeyringBackendOptions {
  /** The keychain "service" every dcm item is filed under. */
  service: string;
  addon: KeyringAddon;
  /** Longest wait for one keychain call before giving up (a locked store may wait on a prompt). */
  timeoutMs: number;
  platform?: NodeJS.Platform;
}

/** SecretBackend over the OS keychain via @napi-rs/keyring (>= 2.1.2, whose errors are not "not found"). */
export class KeyringBackend implements SecretBackend {
  readonly kind = 'os';
  readonly description: string;
  readonly maxValueBytes: number | undefined;
  readonly #service: string;
  readonly #addon: KeyringAddon;
  readonly #timeoutMs: number;
  readonly #platform: NodeJS.Platform;
  // Linux: pin the Secret Service. Without the pin keyring falls back, silently, to the kernel
  // keyring, which forgets everything at reboot: a "successful" store that loses the login.
  readonly #options: EntryOptions = { linux: { store: 'secret-service' } };

  constructor(options: KeyringBackendOptions) {
    this.#service = options.service;
    this.#addon = options.addon;
    this.#timeoutMs = options.timeoutMs;
    this.#platform = options.platform ?? platform();
    this.description = DESCRIPTIONS[this.#platform] ?? `OS keychain (${this.#platform})`;
    this.maxValueBytes = this.#platform === 'win32' ? WINDOWS_MAX_BLOB_BYTES : undefined;
  }

  get(key: string): Promise<string | undefined> {
    return this.#call(async () => {
      const entry = this.#entry(key);
      if (!this.#bytesApi) return (await entry.getPassword()) ?? undefined;
      const bytes = await entry.getSecret();
      return bytes === null ? undefined : Buffer.from(bytes).toString('utf8');
    });
  }

  set(key: string, value: string): Promise<void> {
    return this.#call(async () => {
      const entry = this.#entry(key);
      if (this.#bytesApi) await entry.setSecret(Buffer.from(value, 'utf8'));
      else await entry.setPassword(value);
    });
  }

  delete(key: string): Promise<boolean> {
    return this.#call(() => this.#entry(key).deleteCredential());
  }

  list(): Promise<string[]> {
    return this.#call(async () => (await this.#addon.findCredentialsAsync(this.#service)).map((c) => c.account));
  }

  /**
   * Windows stores a "password" as UTF-16, halving what fits in a 2560-byte blob; raw UTF-8
   * bytes fit twice as much (the reference wincred helper stores UTF-8 too).
   */
  get #bytesApi(): boolean {
    return this.#platform === 'win32';
  }

  #entry(key: string): AsyncEntryLike {
    return new this.#addon.AsyncEntry(this.#service, key, this.#options);
  }

  /** Runs one keychain call with a deadline, turning every failure into KeychainUnavailable. */
  async #call<T>(operation: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(keychainTimeout(this.#timeoutMs)), this.#timeoutMs);
    });
    try {
      return await Promise.race([
        (async () => {
          try {
            return await operation();
          } catch (error) {
            throw classifyKeychainError(error);
          }
        })(),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}
