import { describe, expect, it } from 'vitest';
import { AmbiguousEntry, CorruptEntry } from '../../../src/errors.ts';
import { CredentialStore, INDEX_KEY } from '../../../src/store/credential-store.ts';
import { MAX_KEYCHAIN_TIMEOUT_MS, keychainTimeoutMs } from '../../../src/store/select.ts';
import { InProcessLock, MemoryBackend } from '../../../src/store/memory.ts';

function fresh() {
  const backend = new MemoryBackend();
  return { backend, store: new CredentialStore(backend, new InProcessLock()) };
}

describe('CredentialStore', () => {
  it('on a keychain that cannot list (Windows), finds items through the index and the names file, never through list (issue 21)', async () => {
    const backend = new MemoryBackend();
    Object.defineProperty(backend, 'enumerates', { value: false });
    backend.list = () => Promise.reject(new Error('Not a valid utf16 blob'));
    const names = ['quay.io', 'gone.example'];
    const store = new CredentialStore(backend, new InProcessLock(), { knownNames: () => names });
    await store.store('ghcr.io', { username: 'u', secret: 's' });
    // An item the index lost (its entry removed by hand) but the names file still names.
    backend.items.set('quay.io', JSON.stringify({ Username: 'q', Secret: 't' }));
    // Another program's item under a name the index holds: found, reported by doctor as not dcm's.
    backend.items.set('registry.example', 'not json');
    const index = JSON.parse(backend.items.get(INDEX_KEY)!) as { v: number; entries: Record<string, string> };
    index.entries['registry.example'] = 'x';
    backend.items.set(INDEX_KEY, JSON.stringify(index));
    expect(await store.allKeys()).toEqual(['ghcr.io', 'quay.io', 'registry.example']);
    // A damaged index is rebuilt from what the names file names, one get each.
    backend.items.set(INDEX_KEY, '{');
    names.push('ghcr.io');
    expect(Object.fromEntries(await store.list())).toEqual({ 'ghcr.io': 'u', 'quay.io': 'q' });
  });

  it('ignores index entries that are no registry key, with one warning each (issue 19, item 17)', async () => {
    const backend = new MemoryBackend();
    const warnings: string[] = [];
    const store = new CredentialStore(backend, new InProcessLock(), { onWarning: (line) => warnings.push(line) });
    await store.store('ghcr.io', { username: 'u', secret: 's' });
    const index = JSON.parse(backend.items.get(INDEX_KEY)!) as { v: number; entries: Record<string, unknown> };
    index.entries['\u001b[2Jnot a registry'] = 'x';
    index.entries['quay.io'] = 42;
    backend.items.set(INDEX_KEY, JSON.stringify(index));
    expect(Object.fromEntries(await store.list())).toEqual({ 'ghcr.io': 'u' });
    expect(await store.allKeys()).toEqual(['ghcr.io']);
    await store.list();
    expect(warnings).toEqual([
      'the credential index entry "\\u001b[2Jnot a registry" is not a registry login; it is ignored (the next login rewrites the index without it)',
      'the credential index entry "quay.io" is not a registry login; it is ignored (the next login rewrites the index without it)',
    ]);
    expect(await store.erase('ghcr.io')).toBe(true);
    expect(Object.fromEntries(await store.list())).toEqual({});
  });

  it('keeps one item per registry plus one index item, and list reads only the index', async () => {
    const { backend, store } = fresh();
    await store.store('ghcr.io', { username: 'u', secret: 's' });
    await store.store('quay.io', { username: 'q', secret: 't' });
    expect([...backend.items.keys()].sort()).toEqual(['dcm:index', 'ghcr.io', 'quay.io']);
    let reads = 0;
    const get = backend.get.bind(backend);
    backend.get = async (key) => {
      reads++;
      return get(key);
    };
    expect(Object.fromEntries(await store.list())).toEqual({ 'ghcr.io': 'u', 'quay.io': 'q' });
    expect(reads).toBe(1);
  });

  it('never writes a secret into the index', async () => {
    const { backend, store } = fresh();
    await store.store('ghcr.io', { username: 'u', secret: 'topsecret' });
    expect(backend.items.get(INDEX_KEY)).not.toContain('topsecret');
  });

  it('concurrent stores for different registries all reach the index', async () => {
    const { store } = fresh();
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.store(`r${i}.example`, { username: `u${i}`, secret: 's' })));
    expect((await store.list()).size).toBe(20);
  });

  it('rebuilds a missing or damaged index from the items', async () => {
    const { backend, store } = fresh();
    await store.store('ghcr.io', { username: 'u', secret: 's' });
    await store.store('quay.io', { username: 'q', secret: 't' });
    backend.items.set(INDEX_KEY, '{not json');
    expect(Object.fromEntries(await store.list())).toEqual({ 'ghcr.io': 'u', 'quay.io': 'q' });
    backend.items.delete(INDEX_KEY);
    expect(Object.fromEntries(await store.list())).toEqual({ 'ghcr.io': 'u', 'quay.io': 'q' });
    expect(backend.items.has(INDEX_KEY)).toBe(true);
  });

  it('erase removes item and index entry, and is idempotent', async () => {
    const { backend, store } = fresh();
    await store.store('ghcr.io', { username: 'u', secret: 's' });
    expect(await store.erase('https://ghcr.io/')).toBe(true);
    expect(await store.erase('ghcr.io')).toBe(false);
    expect(backend.items.has('ghcr.io')).toBe(false);
    expect((await store.list()).size).toBe(0);
  });

  it('reports a foreign item under its key without quoting its value', async () => {
    const { backend, store } = fresh();
    backend.items.set('ghcr.io', 'plain-password-from-elsewhere');
    await expect(store.get('ghcr.io')).rejects.toThrow(/not in dcm's format/);
    await expect(store.get('ghcr.io')).rejects.not.toThrow(/plain-password/);
  });

  it('a keychain failure is not turned into "not found"', async () => {
    const { backend, store } = fresh();
    backend.get = async () => {
      throw new Error('locked');
    };
    await expect(store.get('ghcr.io')).rejects.toThrow('locked');
  });

  it('writes the index entry before the item, and takes it back when the item cannot be written', async () => {
    const { backend, store } = fresh();
    const order: string[] = [];
    const set = backend.set.bind(backend);
    backend.set = async (key, value) => {
      order.push(key);
      if (key === 'fail.io') throw new Error('keychain refused');
      return set(key, value);
    };
    await store.store('ghcr.io', { username: 'u', secret: 's' });
    expect(order).toEqual([INDEX_KEY, 'ghcr.io']);
    await expect(store.store('fail.io', { username: 'u', secret: 's' })).rejects.toThrow('keychain refused');
    expect([...(await store.list()).keys()]).toEqual(['ghcr.io']);
  });

  it('an index written by dcm 0.1 (version 1) is not trusted: it is rebuilt from the items', async () => {
    const { backend, store } = fresh();
    await store.store('ghcr.io', { username: 'u', secret: 's' });
    await store.store('quay.io', { username: 'q', secret: 't' });
    // What the old store left after a lost race: an item the index does not name.
    backend.items.set(INDEX_KEY, JSON.stringify({ v: 1, entries: { 'ghcr.io': 'u' } }));
    expect(Object.fromEntries(await store.list())).toEqual({ 'ghcr.io': 'u', 'quay.io': 'q' });
    expect(JSON.parse(backend.items.get(INDEX_KEY)!).v).toBe(2);
  });

  it('allKeys finds the items a stale index forgot, and skips what is not a registry', async () => {
    const { backend, store } = fresh();
    await store.store('ghcr.io', { username: 'u', secret: 's' });
    backend.items.set('lost.io', JSON.stringify({ Username: 'x', Secret: 'y' }));
    backend.items.set('dcm:doctor-probe', 'probe');
    backend.items.set('lost.io#abc.1', 'part');
    expect(await store.allKeys()).toEqual(['ghcr.io', 'lost.io']);
  });

  it('a rebuild skips items of other programs, but not a keychain failure', async () => {
    const { backend, store } = fresh();
    backend.items.set('good.io', JSON.stringify({ Username: 'u', Secret: 's' }));
    backend.items.set('twin.io', 'x');
    backend.items.set('binary.io', 'x');
    const get = backend.get.bind(backend);
    backend.get = async (key) => {
      if (key === 'twin.io') throw new AmbiguousEntry('two items', 'remove them');
      if (key === 'binary.io') throw new CorruptEntry('not text', 'remove it');
      return get(key);
    };
    expect(Object.fromEntries(await store.list())).toEqual({ 'good.io': 'u' });
    backend.items.delete(INDEX_KEY);
    backend.get = async () => {
      throw new Error('locked');
    };
    await expect(store.list()).rejects.toThrow('locked');
  });
});

describe('DCM_KEYCHAIN_TIMEOUT_MS', () => {
  it.each([
    [undefined, 3000],
    ['', 3000],
    ['500', 500],
    [String(MAX_KEYCHAIN_TIMEOUT_MS), MAX_KEYCHAIN_TIMEOUT_MS],
  ])('%j → %i ms', (raw, expected) => expect(keychainTimeoutMs({ DCM_KEYCHAIN_TIMEOUT_MS: raw })).toBe(expected));

  // 99999999999 used to become a 1 ms timer (Node caps timers at 2^31-1 ms).
  it.each(['99999999999', '3600001', '0', '-5', '1.5', 'abc', '1e3'])('%j is refused', (raw) => {
    expect(() => keychainTimeoutMs({ DCM_KEYCHAIN_TIMEOUT_MS: raw })).toThrow(
      /DCM_KEYCHAIN_TIMEOUT_MS must be a whole number of milliseconds from 1 to 3600000/,
    );
  });
});
