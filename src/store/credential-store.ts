/**
 * Docker's credential semantics on top of a SecretBackend.
 *
 * Item layout (documented in the README):
 * - one item per registry: key = canonical server address (registry/server-url.ts), value =
 *   JSON `{"Username": ..., "Secret": ...}`. One registry is one item, so a store with another
 *   username replaces the login instead of adding a second one.
 * - one index item, key `dcm:index` (never a canonical address: `index` is not a port), value =
 *   JSON `{"v": 1, "entries": {address: username}}`. `list` reads only this item, so it costs one
 *   keychain round trip however many logins there are, and never reads a secret.
 */
import { CorruptEntry } from '../errors.ts';
import { normaliseServerUrl } from '../registry/server-url.ts';
import type { IndexLock, SecretBackend } from './types.ts';

export const INDEX_KEY = 'dcm:index';

export interface StoredLogin {
  username: string;
  secret: string;
}

export class CredentialStore {
  readonly backend: SecretBackend;
  readonly #lock: IndexLock;

  constructor(backend: SecretBackend, lock: IndexLock) {
    this.backend = backend;
    this.#lock = lock;
  }

  async get(serverAddress: string): Promise<StoredLogin | undefined> {
    const key = normaliseServerUrl(serverAddress);
    const raw = await this.backend.get(key);
    return raw === undefined ? undefined : decodeItem(raw, key);
  }

  /** Upsert: the login for this registry becomes exactly this one. */
  async store(serverAddress: string, login: StoredLogin): Promise<string> {
    const key = normaliseServerUrl(serverAddress);
    await this.backend.set(key, JSON.stringify({ Username: login.username, Secret: login.secret }));
    // The usual re-login changes nothing in the index: skip the lock and the write.
    if ((await this.#readIndex())?.get(key) === login.username) return key;
    await this.#updateIndex((entries) => entries.set(key, login.username));
    return key;
  }

  /** Idempotent: erasing what is not there succeeds. Returns whether anything was removed. */
  async erase(serverAddress: string): Promise<boolean> {
    const key = normaliseServerUrl(serverAddress);
    // The secret goes first: if we are killed in between, the index lists a login whose `get`
    // says "not found" (harmless), never a secret that nothing lists.
    const deleted = await this.backend.delete(key);
    if (!(await this.#readIndex())?.has(key)) return deleted;
    await this.#updateIndex((entries) => entries.delete(key));
    return true;
  }

  /** address → username, from the index alone. */
  async list(): Promise<Map<string, string>> {
    return (await this.#readIndex()) ?? (await this.#rebuildIndex());
  }

  async #readIndex(): Promise<Map<string, string> | undefined> {
    const raw = await this.backend.get(INDEX_KEY);
    if (raw === undefined) return undefined;
    try {
      const parsed = JSON.parse(raw) as { v?: unknown; entries?: unknown };
      if (parsed.v === 1 && typeof parsed.entries === 'object' && parsed.entries !== null) {
        return new Map(Object.entries(parsed.entries).filter((e): e is [string, string] => typeof e[1] === 'string'));
      }
    } catch {
      // Fall through: a damaged index is rebuilt from the items themselves.
    }
    return undefined;
  }

  async #writeIndex(entries: Map<string, string>): Promise<void> {
    await this.backend.set(INDEX_KEY, JSON.stringify({ v: 1, entries: Object.fromEntries(entries) }));
  }

  async #updateIndex(change: (entries: Map<string, string>) => void): Promise<void> {
    await this.#lock.withLock(async () => {
      const entries = (await this.#readIndex()) ?? (await this.#scanItems());
      change(entries);
      await this.#writeIndex(entries);
    });
  }

  /** The slow path, for a missing or damaged index: one round trip per item. */
  async #rebuildIndex(): Promise<Map<string, string>> {
    const entries = await this.#scanItems();
    if (entries.size > 0) await this.#lock.withLock(() => this.#writeIndex(entries));
    return entries;
  }

  async #scanItems(): Promise<Map<string, string>> {
    const entries = new Map<string, string>();
    for (const key of await this.backend.list()) {
      if (key === INDEX_KEY || key.includes('#')) continue;
      const raw = await this.backend.get(key);
      if (raw === undefined) continue;
      try {
        entries.set(key, decodeItem(raw, key).username);
      } catch {
        // Not ours to list.
      }
    }
    return entries;
  }
}

function decodeItem(raw: string, key: string): StoredLogin {
  try {
    const parsed = JSON.parse(raw) as { Username?: unknown; Secret?: unknown };
    if (typeof parsed.Username === 'string' && typeof parsed.Secret === 'string') {
      return { username: parsed.Username, secret: parsed.Secret };
    }
  } catch {
    // Reported below, without quoting the raw value: it may be a secret.
  }
  throw new CorruptEntry(`the keychain item for ${key} is not in dcm's format; remove it with \`dcm logout ${key}\` and log in again`);
}
