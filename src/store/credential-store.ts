/**
 * Docker's credential semantics on top of a SecretBackend.
 *
 * Item layout (documented in docs/protocol-and-keychain.md, "Keychain layout"):
 * - one item per registry: key = canonical server address (docker/server-address.ts), value =
 *   JSON `{"Username": ..., "Secret": ...}`. One registry is one item, so a store with another
 *   username replaces the login instead of adding a second one.
 * - one index item, key `dcm:index` (never a canonical address: `index` is not a port), value =
 *   JSON `{"v": 2, "entries": {address: username}}`. `list` reads only this item, so it costs one
 *   keychain round trip however many logins there are, and never reads a secret.
 *
 * Item and index change together, as one transaction under the index lock, in an order that a
 * kill at any instant cannot turn into a secret that nothing lists: `store` writes the index
 * entry before the item (rolled back if the item cannot be written), `erase` deletes the item
 * before the index entry. An index of version 1 (dcm 0.1, which wrote items outside the lock
 * and could lose entries) is not trusted: it is rebuilt from the items once. `allKeys` lists
 * the items themselves, so `dcm logout --all` removes even what a stale index forgot.
 *
 * A keychain that cannot list its items by service (Windows: `enumerates` false) is asked for the
 * keys the index and the names file name, one by one, instead: what dcm wrote is always found,
 * since a store writes the index entry before the item; an item nothing names is not
 * (docs/keyring.md says how to see one).
 */
import { CorruptEntry, ItemError } from '../errors.ts';
import { normaliseServerUrl } from '../docker/server-address.ts';
import type { IndexLock, SecretBackend } from './types.ts';

export const INDEX_KEY = 'dcm:index';
const INDEX_VERSION = 2;

export interface StoredLogin {
  username: string;
  secret: string;
}

export interface CredentialStoreHooks {
  /** Hears the registry names whenever the index is written or listed (names-file.ts). */
  onNames?: (names: string[]) => void;
  /** Hears one line per index entry that is not a registry key (and is ignored). */
  onWarning?: (line: string) => void;
  /** The names the names file holds: where a keychain that cannot list looks besides the index. */
  knownNames?: () => string[];
}

export class CredentialStore {
  readonly backend: SecretBackend;
  readonly #lock: IndexLock;
  readonly #hooks: CredentialStoreHooks;
  /** Index entries already warned about in this process: one warning each, not one per read. */
  readonly #warned = new Set<string>();

  constructor(backend: SecretBackend, lock: IndexLock, hooks: CredentialStoreHooks = {}) {
    this.backend = backend;
    this.#lock = lock;
    this.#hooks = hooks;
  }

  async get(serverAddress: string): Promise<StoredLogin | undefined> {
    const key = normaliseServerUrl(serverAddress);
    const raw = await this.backend.get(key);
    return raw === undefined ? undefined : decodeItem(raw, key);
  }

  /** Upsert: the login for this registry becomes exactly this one, in the item and the index. */
  async store(serverAddress: string, login: StoredLogin): Promise<string> {
    const key = normaliseServerUrl(serverAddress);
    await this.#lock.withLock(async () => {
      const entries = await this.#indexForUpdate();
      const previous = entries.get(key);
      const indexChanges = previous !== login.username;
      if (indexChanges) {
        entries.set(key, login.username);
        await this.#writeIndex(entries);
      }
      try {
        await this.backend.set(key, JSON.stringify({ Username: login.username, Secret: login.secret }));
      } catch (error) {
        if (indexChanges) {
          if (previous === undefined) entries.delete(key);
          else entries.set(key, previous);
          await this.#writeIndex(entries).catch(() => undefined);
        }
        throw error;
      }
    });
    return key;
  }

  /**
   * Stores, then reads back and compares: true only when the store gives back exactly what was
   * written. What `migrate` and `import` require before they remove anything from the source.
   */
  async storeVerified(serverAddress: string, login: StoredLogin): Promise<boolean> {
    await this.store(serverAddress, login);
    const back = await this.get(serverAddress);
    return back?.username === login.username && back.secret === login.secret;
  }

  /** Idempotent: erasing what is not there succeeds. Returns whether anything was removed. */
  async erase(serverAddress: string): Promise<boolean> {
    const key = normaliseServerUrl(serverAddress);
    return this.#lock.withLock(async () => {
      const deleted = await this.backend.delete(key);
      const entries = await this.#indexForUpdate();
      if (!entries.has(key)) return deleted;
      entries.delete(key);
      // The last login gone, the index goes too: `logout --all` leaves nothing of dcm's behind
      // (and a store whose entries expire, the cache agent, then holds nothing at all).
      if (entries.size === 0) {
        await this.backend.delete(INDEX_KEY);
        this.#hooks.onNames?.([]);
      } else await this.#writeIndex(entries);
      return true;
    });
  }

  /** address → username, from the index alone (rebuilt from the items when missing, damaged or old). */
  async list(): Promise<Map<string, string>> {
    const entries = (await this.#readIndex()) ?? (await this.#rebuildIndex());
    if (!this.backend.expires) {
      this.#hooks.onNames?.([...entries.keys()]);
      return entries;
    }
    // A store whose entries expire (the cache) may have forgotten some the index still names.
    const live = new Set(await this.backend.list());
    const kept = new Map([...entries].filter(([key]) => live.has(key)));
    this.#hooks.onNames?.([...kept.keys()]);
    return kept;
  }

  /**
   * Every registry key the store holds an item or an index entry for, read from the items
   * themselves (one round trip per item on some stores): for `logout --all` and `doctor`.
   */
  async allKeys(): Promise<string[]> {
    const keys = new Set((await this.#readIndex())?.keys() ?? []);
    for (const key of await this.#itemKeys()) if (isRegistryKey(key)) keys.add(key);
    return [...keys].sort();
  }

  /**
   * The keys of the items themselves: listed by the backend, or, where it cannot list, each key
   * the index or the names file names that has an item (one round trip each).
   */
  async #itemKeys(): Promise<string[]> {
    if (this.backend.enumerates !== false) return this.backend.list();
    const candidates = new Set([...((await this.#readIndex())?.keys() ?? []), ...(this.#hooks.knownNames?.() ?? [])]);
    const present: string[] = [];
    for (const key of candidates) if (isRegistryKey(key) && (await this.backend.get(key).catch(keepItemErrors)) !== undefined) present.push(key);
    return present;
  }

  async #readIndex(): Promise<Map<string, string> | undefined> {
    const raw = await this.backend.get(INDEX_KEY);
    if (raw === undefined) return undefined;
    try {
      const parsed = JSON.parse(raw) as { v?: unknown; entries?: unknown };
      if (parsed.v === INDEX_VERSION && typeof parsed.entries === 'object' && parsed.entries !== null) {
        const entries = new Map<string, string>();
        for (const [key, username] of Object.entries(parsed.entries)) {
          // An entry that is no registry key (the pass index is a plain file anyone with the
          // user's rights can edit) is ignored with one warning; everything else goes on.
          if (typeof username === 'string' && isRegistryKey(key)) entries.set(key, username);
          else this.#warnOnce(key);
        }
        return entries;
      }
    } catch {
      // Fall through: a damaged index is rebuilt from the items themselves.
    }
    return undefined;
  }

  #warnOnce(key: string): void {
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    const shown = JSON.stringify(key.slice(0, 80)).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    this.#hooks.onWarning?.(`the credential index entry ${shown} is not a registry login; it is ignored (the next login rewrites the index without it)`);
  }

  async #writeIndex(entries: Map<string, string>): Promise<void> {
    await this.backend.set(INDEX_KEY, JSON.stringify({ v: INDEX_VERSION, entries: Object.fromEntries(entries) }));
    this.#hooks.onNames?.([...entries.keys()]);
  }

  /** Inside the lock: the index to change, rebuilt from the items if it cannot be trusted. */
  async #indexForUpdate(): Promise<Map<string, string>> {
    return (await this.#readIndex()) ?? (await this.#scanItems());
  }

  /** The slow path, for a missing, damaged or old index: one round trip per item. */
  async #rebuildIndex(): Promise<Map<string, string>> {
    return this.#lock.withLock(async () => {
      // Another process may have rebuilt it while we waited for the lock.
      const current = await this.#readIndex();
      if (current) return current;
      const entries = await this.#scanItems();
      // An empty store with no index stays without one: `list` writes nothing it does not need.
      if (entries.size > 0 || (await this.backend.get(INDEX_KEY)) !== undefined) await this.#writeIndex(entries);
      return entries;
    });
  }

  async #scanItems(): Promise<Map<string, string>> {
    const entries = new Map<string, string>();
    for (const key of await this.#itemKeys()) {
      if (!isRegistryKey(key) || entries.has(key)) continue;
      try {
        const raw = await this.backend.get(key);
        if (raw !== undefined) entries.set(key, decodeItem(raw, key).username);
      } catch (error) {
        // Another program's item (or twin items) under dcm's service: not ours to list. Any
        // other failure means the keychain itself failed, and no index is written from it.
        if (!(error instanceof ItemError)) throw error;
      }
    }
    return entries;
  }
}

/** An item that is not dcm's is still an item: it exists, and its own reader reports it. */
function keepItemErrors(error: unknown): string {
  if (error instanceof ItemError) return '';
  throw error;
}

/** Keys that are registries: canonical addresses, not the index, not chunk parts or probes. */
function isRegistryKey(key: string): boolean {
  if (key === INDEX_KEY || key.includes('#')) return false;
  try {
    return normaliseServerUrl(key) === key;
  } catch {
    return false;
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
  throw new CorruptEntry(`the keychain item for ${key} is not in dcm's format`, `remove it with \`dcm logout ${key}\` and log in again`);
}
