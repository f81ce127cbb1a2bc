import { describe, expect, it } from 'vitest';
import { CredentialStore, INDEX_KEY } from '../../src/store/credential-store.ts';
import { InProcessLock, MemoryBackend } from '../../src/store/memory.ts';

function fresh() {
  const backend = new MemoryBackend();
  return { backend, store: new CredentialStore(backend, new InProcessLock()) };
}

describe('CredentialStore', () => {
  it('keeps one item per registry plus one index item, and list reads only the index', async () => {
    const { backend, store } = fresh();
    await store.store('ghcr.io', { username: 'u', secret: 's' });
    await store.store('quay.io', { username: 'q', secret: 't' });
    expect([...backend.items.keys()].sort()).toEqual(['dcm:index', 'ghcr.io', 'quay.io']);
    let reads = 0;
    const get = backend.get.bind(backend);
    backend.get = async (key) => (reads++, get(key));
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
});
