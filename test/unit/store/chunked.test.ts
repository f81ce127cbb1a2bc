/**
 * Long secrets on a keychain with Windows' per-item limit (2,560 bytes), simulated by the
 * in-memory backend with the same limit.
 */
import { describe, expect, it } from 'vitest';
import { ChunkedBackend, splitUtf8 } from '../../../src/store/chunked.ts';
import { WINDOWS_MAX_BLOB_BYTES } from '../../../src/store/keyring/backend.ts';
import { MemoryBackend } from '../../../src/store/memory.ts';
import { memoryHelper } from '../../helpers/memory-io.ts';

const limited = () => new MemoryBackend({ maxValueBytes: WINDOWS_MAX_BLOB_BYTES });

describe('splitUtf8', () => {
  it.each([
    ['abcdef', [2, 3], ['ab', 'cde', 'f']],
    ['ééé', [3, 3], ['é', 'é', 'é']],
    ['a😀b', [4, 4], ['a', '😀', 'b']],
    ['', [5, 5], ['']],
  ] as const)('%j by %j', (text, sizes, expected) => {
    expect(splitUtf8(text, [...sizes])).toEqual(expected);
  });
});

describe('ChunkedBackend over a 2,560-byte limit', () => {
  it('the limit is real: the bare backend refuses a long token', async () => {
    await expect(limited().set('k', 'x'.repeat(3000))).rejects.toThrow(/exceeds the 2560-byte limit/);
  });

  it.each([
    ['short', 'x'.repeat(100)],
    ['exactly at the limit', 'y'.repeat(WINDOWS_MAX_BLOB_BYTES)],
    ['ECR-sized (2.7k)', 'e'.repeat(2700)],
    ['Docker Hub access token (8k)', `eyJ${'h'.repeat(8000)}`],
    ['multi-byte characters', 'ä€😀'.repeat(3000)],
    ['200 KB', 'z'.repeat(200_000)],
  ])('%s round-trips', async (_name, value) => {
    const inner = limited();
    const backend = new ChunkedBackend(inner, WINDOWS_MAX_BLOB_BYTES);
    await backend.set('ghcr.io', value);
    expect(await backend.get('ghcr.io')).toBe(value);
    for (const stored of inner.items.values()) expect(Buffer.byteLength(stored)).toBeLessThanOrEqual(WINDOWS_MAX_BLOB_BYTES);
    expect(await backend.list()).toEqual(['ghcr.io']);
  });

  it('replacing a long value with a short one leaves no parts behind; delete removes all', async () => {
    const inner = limited();
    const backend = new ChunkedBackend(inner, WINDOWS_MAX_BLOB_BYTES);
    await backend.set('k', 'a'.repeat(10_000));
    expect(inner.items.size).toBeGreaterThan(3);
    await backend.set('k', 'b'.repeat(9_000));
    await backend.set('k', 'short');
    expect([...inner.items.keys()]).toEqual(['k']);
    await backend.set('k', 'c'.repeat(6_000));
    expect(await backend.delete('k')).toBe(true);
    expect(inner.items.size).toBe(0);
  });

  it('an interrupted write keeps the previous value readable', async () => {
    const inner = limited();
    const backend = new ChunkedBackend(inner, WINDOWS_MAX_BLOB_BYTES);
    const old = 'o'.repeat(7_000);
    await backend.set('k', old);
    let writes = 0;
    const set = inner.set.bind(inner);
    inner.set = async (key, value) => {
      if (++writes === 2) throw new Error('killed');
      return set(key, value);
    };
    await expect(backend.set('k', 'n'.repeat(9_000))).rejects.toThrow('killed');
    expect(await backend.get('k')).toBe(old);
  });

  it('the helper protocol round-trips an ECR token on a limited keychain', async () => {
    const helper = memoryHelper(new ChunkedBackend(limited(), WINDOWS_MAX_BLOB_BYTES));
    const token = `eyJwYXlsb2FkIjoi${'Q'.repeat(2800)}`;
    expect(
      (await helper.run(['store'], JSON.stringify({ ServerURL: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', Username: 'AWS', Secret: token }))).code,
    ).toBe(0);
    expect(JSON.parse((await helper.run(['get'], '123456789012.dkr.ecr.eu-west-1.amazonaws.com')).stdout)).toMatchObject({ Username: 'AWS', Secret: token });
    expect((await helper.run(['list'])).stdout).toBe('{"123456789012.dkr.ecr.eu-west-1.amazonaws.com":"AWS"}\n');
  });
});
