/**
 * The keychain, reduced to what dcm needs: four operations on string values under string keys.
 * "Missing" is `undefined` / `false`, never an error; every error means the store itself
 * could not be used (locked, unreachable, denied) and is a {@link StoreUnavailable}.
 */
export interface SecretBackend {
  /** `os` and `pass` keep secrets across reboots; `memory` is for tests and says so honestly. */
  readonly kind: 'os' | 'pass' | 'cache' | 'memory';
  /** True when entries expire on their own (the cache): the index may then name a forgotten one. */
  readonly expires?: boolean;
  /** Human name of the store, for `dcm doctor` ("Secret Service", "macOS Keychain", ...). */
  readonly description: string;
  /** Largest value one item can hold, in UTF-8 bytes, or undefined when there is no practical limit. */
  readonly maxValueBytes?: number;
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  /** True when something was deleted, false when there was nothing. */
  delete(key: string): Promise<boolean>;
  /**
   * False when `list` cannot be trusted to find every item (Windows' Credential Manager, through
   * the addon: docs/keyring.md); the credential store then asks for the keys it knows.
   */
  readonly enumerates?: boolean;
  /** When the backend itself lets the value of `key` go (the cache store's time to live), if it does. */
  expiresAt?(key: string): Date | undefined;
  /** Every key the backend holds for dcm. Costs one round trip per item on some stores: not for the hot path. */
  list(): Promise<string[]>;
}

/** Serialises read-modify-write of the index across processes (`docker compose pull` runs many at once). */
export interface IndexLock {
  withLock<T>(fn: () => Promise<T>): Promise<T>;
}
