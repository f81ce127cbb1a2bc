import { platform } from 'node:os';
import { AmbiguousEntry, CorruptEntry, DcmError } from '../../errors.ts';
import { classifyKeychainError, keychainTimeout } from './errors.ts';
import type { AsyncEntryLike, EntryOptions, KeyringAddon } from './addon.ts';
import type { SecretBackend } from '../types.ts';

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
  /** The addon, or how to load it when first needed (a get through `read` never loads it). */
  addon: KeyringAddon | (() => KeyringAddon);
  /** Longest wait for one keychain call before giving up (a locked store may wait on a prompt). */
  timeoutMs: number;
  platform?: NodeJS.Platform;
  /**
   * Called when a call is given up at its deadline. The addon's thread may never return, and a
   * normal exit would wait for it forever: the entry point must then end the process another way.
   */
  onAbandoned?: () => void;
  /** Reads through another client (dcm's own Secret Service client), writes through the addon. */
  read?: (key: string) => Promise<string | undefined>;
}

/** SecretBackend over the OS keychain via @napi-rs/keyring (>= 2.1.2, whose errors are not "not found"). */
export class KeyringBackend implements SecretBackend {
  readonly kind = 'os';
  readonly description: string;
  readonly maxValueBytes: number | undefined;
  readonly enumerates: boolean;
  readonly #service: string;
  #addon: KeyringAddon | (() => KeyringAddon);
  readonly #timeoutMs: number;
  readonly #platform: NodeJS.Platform;
  readonly #onAbandoned: (() => void) | undefined;
  readonly #read: ((key: string) => Promise<string | undefined>) | undefined;
  // Linux: pin the Secret Service. Without the pin keyring falls back, silently, to the kernel
  // keyring, which forgets everything at reboot: a "successful" store that loses the login.
  readonly #options: EntryOptions = { linux: { store: 'secret-service' } };

  constructor(options: KeyringBackendOptions) {
    this.#service = options.service;
    this.#addon = options.addon;
    this.#timeoutMs = options.timeoutMs;
    this.#platform = options.platform ?? platform();
    this.#onAbandoned = options.onAbandoned;
    this.#read = options.read;
    this.description = DESCRIPTIONS[this.#platform] ?? `OS keychain (${this.#platform})`;
    this.maxValueBytes = this.#platform === 'win32' ? WINDOWS_MAX_BLOB_BYTES : undefined;
    // @napi-rs/keyring 2.1.2 lists Windows items with the filter `*.dcm` (CredEnumerateW documents
    // only a trailing `*`; Wine returns nothing for it) and decodes every item as UTF-16, where dcm
    // stores UTF-8 bytes: one odd-length item fails the whole list. So dcm never lists there.
    this.enumerates = this.#platform !== 'win32';
  }

  get(key: string): Promise<string | undefined> {
    if (this.#read) return this.#read(key);
    return this.#call(key, async () => {
      // Bytes, decoded here: an item that is not UTF-8 (another program's) is then reported as
      // that item's problem, not as the whole keychain being unavailable.
      const bytes = await this.#entry(key).getSecret();
      if (bytes === null) return undefined;
      try {
        return UTF8.decode(Uint8Array.from(bytes));
      } catch {
        throw notText(key);
      }
    });
  }

  set(key: string, value: string): Promise<void> {
    return this.#call(key, async () => {
      const entry = this.#entry(key);
      if (this.#bytesApi) await entry.setSecret(Buffer.from(value, 'utf8'));
      else await entry.setPassword(value);
    });
  }

  delete(key: string): Promise<boolean> {
    return this.#call(key, () => this.#entry(key).deleteCredential());
  }

  list(): Promise<string[]> {
    if (!this.enumerates) return Promise.resolve([]);
    return this.#call(undefined, async () => {
      // The Secret Service lists items, then reads each: an item deleted in between by another
      // process fails the whole search ("Object does not exist"). Searching again is enough.
      for (let attempt = 1; ; attempt++) {
        try {
          return (await this.#loaded().findCredentialsAsync(this.#service)).map((c) => c.account);
        } catch (error) {
          if (attempt >= 5 || !/Object does not exist/i.test(String((error as Error).message))) throw error;
        }
      }
    });
  }

  /**
   * Windows stores a "password" as UTF-16, halving what fits in a 2560-byte blob; raw UTF-8
   * bytes fit twice as much (the reference wincred helper stores UTF-8 too).
   */
  get #bytesApi(): boolean {
    return this.#platform === 'win32';
  }

  #loaded(): KeyringAddon {
    if (typeof this.#addon === 'function') this.#addon = this.#addon();
    return this.#addon;
  }

  #entry(key: string): AsyncEntryLike {
    return new (this.#loaded().AsyncEntry)(this.#service, key, this.#options);
  }

  /**
   * Runs one keychain call with a deadline. A failure of one item (two items answering to one
   * key, an item that is not text) is that item's error; every other failure means the keychain
   * itself cannot be used (StoreUnavailable).
   */
  async #call<T>(key: string | undefined, operation: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.#onAbandoned?.();
        reject(keychainTimeout(this.#timeoutMs));
      }, this.#timeoutMs);
    });
    try {
      return await Promise.race([
        (async () => {
          try {
            return await operation();
          } catch (error) {
            if (error instanceof DcmError) throw error;
            throw itemError(error, key) ?? classifyKeychainError(error);
          }
        })(),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * keyring's "Entry is matched by N credentials" (its Ambiguous error, raw Rust debug text): items
 * of another program under the service `dcm` with the same account and extra attributes, as
 * Python keyring and secret-tool create. Only the Secret Service can hold such twins.
 */
function itemError(error: unknown, key: string | undefined): DcmError | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const ambiguous = /matched by (\d+) credentials/i.exec(message);
  if (ambiguous && key !== undefined) {
    return new AmbiguousEntry(
      `the keychain holds ${ambiguous[1]} items for ${key} under the service "dcm" (another program, such as Python keyring or secret-tool, filed one there too), so dcm cannot tell which is its own`,
      `remove them with \`secret-tool clear service dcm username ${key}\`, then log in again`,
    );
  }
  if (/not valid UTF-8|BadEncoding/i.test(message) && key !== undefined) {
    return notText(key);
  }
  return undefined;
}

function notText(key: string): CorruptEntry {
  return new CorruptEntry(
    `the keychain item for ${key} is not text, so another program wrote it (dcm writes JSON)`,
    `remove it with \`dcm logout ${key}\` and log in again`,
  );
}
