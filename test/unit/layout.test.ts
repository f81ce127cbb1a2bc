/**
 * docs/project-layout.md's source map is the folders as they are (issue 23): every folder of
 * src, test, scripts and action is in it, and every folder it names exists.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const map = readFileSync(join(ROOT, 'docs/project-layout.md'), 'utf8');

function folders(dir: string): string[] {
  return readdirSync(join(ROOT, dir))
    .filter((name) => statSync(join(ROOT, dir, name)).isDirectory() && name !== 'dist' && name !== 'node_modules')
    .flatMap((name) => [`${dir}/${name}`, ...folders(`${dir}/${name}`)]);
}

describe('the source map', () => {
  // src's folders at every depth; test's first level (test/unit mirrors src); scripts; action (not its built dist).
  const expected = [
    ...folders('src'),
    ...readdirSync(join(ROOT, 'test'))
      .filter((name) => statSync(join(ROOT, 'test', name)).isDirectory())
      .map((name) => `test/${name}`),
    'scripts',
    ...folders('scripts'),
    'action',
  ];
  it.each(expected)('names %s/', (dir) => {
    expect(map).toMatch(new RegExp(`^${dir.replace(/[.]/g, '\\.')}/ `, 'm'));
  });

  it('names only folders that exist', () => {
    for (const [, dir] of map.matchAll(/^((?:src|test|scripts|action)(?:\/[\w.-]+)*)\/ /gm)) expect(existsSync(join(ROOT, dir!)), dir).toBe(true);
  });
});
