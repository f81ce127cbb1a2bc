import { describe, expect, it } from 'vitest';
import { readBounded } from '../../../src/helper/io.ts';

/** Yields the same buffer over and over, refilled: as main.ts reads fd 0. */
async function* reusing(pieces: string[]): AsyncGenerator<Uint8Array> {
  const buffer = Buffer.alloc(16);
  for (const piece of pieces) {
    const length = buffer.write(piece);
    yield buffer.subarray(0, length);
  }
}

describe('readBounded', () => {
  it('keeps every chunk even when the reader reuses its buffer', async () => {
    expect(await readBounded(reusing(['{"Server', 'URL":"a",', '"x":1}']), 100)).toBe('{"ServerURL":"a","x":1}');
  });

  it('accepts exactly the limit and refuses one byte more, without reading further', async () => {
    expect(await readBounded(reusing(['abcd', 'efgh']), 8)).toBe('abcdefgh');
    let pulled = 0;
    async function* endless(): AsyncGenerator<string> {
      for (;;) {
        pulled++;
        yield 'x'.repeat(1000);
      }
    }
    await expect(readBounded(endless(), 4500)).rejects.toThrow('input too large: stdin exceeds 4500 bytes');
    expect(pulled).toBe(5);
  });

  it('decodes UTF-8 split across chunks', async () => {
    const bytes = Buffer.from('é€😀');
    async function* split(): AsyncGenerator<Uint8Array> {
      for (const b of bytes) yield Uint8Array.of(b);
    }
    expect(await readBounded(split(), 100)).toBe('é€😀');
  });
});
