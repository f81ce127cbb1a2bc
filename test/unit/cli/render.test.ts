import { describe, expect, it } from 'vitest';
import { renderTable } from '../../../src/cli/render.ts';
import { toEntries } from '../../../src/cli/store-access.ts';

describe('rendering', () => {
  it('a table of 150,000 rows does not overflow the stack', () => {
    const rows = Array.from({ length: 150_000 }, (_, i) => [`r${i}.example`, 'u']);
    expect(renderTable(['REGISTRY', 'USER'], rows).split('\n')).toHaveLength(150_002);
  });

  it('aligns a table and neutralises control characters', () => {
    expect(
      renderTable(
        ['A', 'BB'],
        [
          ['x\u001b[2J', 'y'],
          ['long-value', 'z'],
        ],
      ),
    ).toBe('A           BB\nx?[2J       y\nlong-value  z\n');
  });

  it('ls entries: sorted, identity tokens without a username', () => {
    expect(
      toEntries(
        new Map([
          ['quay.io', '<token>'],
          ['ghcr.io', 'octo'],
        ]),
      ),
    ).toEqual([
      { registry: 'ghcr.io', username: 'octo', kind: 'password' },
      { registry: 'quay.io', username: null, kind: 'identity-token' },
    ]);
  });
});
