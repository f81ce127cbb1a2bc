import { describe, expect, it } from 'vitest';
import { passName } from '../../../src/store/pass.ts';

describe('pass entry names: what `pass show dcm/NAME` finds (issue 22, item 14)', () => {
  it.each([
    ['ghcr.io', 'ghcr.io'],
    ['localhost:5443', 'localhost:5443'],
    ['[::1]:5000', '%5B::1%5D:5000'],
    ['https://index.docker.io/v1/', 'https:%2F%2Findex.docker.io%2Fv1%2F'],
    ['dcm:index', 'dcm:index'],
    ['a%b', 'a%25b'],
    ["it's(x)", 'it%27s%28x%29'],
  ])('%s → %s, and back', (key, name) => {
    expect(passName(key)).toBe(name);
    expect(decodeURIComponent(passName(key))).toBe(key);
  });
});
