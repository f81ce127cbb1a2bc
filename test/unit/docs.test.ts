/**
 * The README is a front door (issue 23): small, and one link from every topic in docs/; every
 * relative link in the documentation points at a file that exists.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const documents = ['README.md', 'CONTRIBUTING.md', ...readdirSync(join(ROOT, 'docs')).map((name) => `docs/${name}`)].filter((path) => path.endsWith('.md'));

describe('the documentation', () => {
  it('the README is under 12 KB', () => {
    expect(Buffer.byteLength(read('README.md'))).toBeLessThan(12 * 1024);
  });

  it('every document in docs/ is linked from the README', () => {
    const readme = read('README.md');
    for (const path of documents.filter((p) => p.startsWith('docs/'))) expect(readme, path).toContain(`](${path})`);
  });

  it.each(documents)('every relative link in %s points at a file that exists', (path) => {
    for (const [, target] of read(path).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^(https?:|mailto:)/.test(target!)) continue;
      const file = target!.split('#')[0]!;
      if (file === '') continue;
      expect(existsSync(normalize(join(ROOT, dirname(path), file))), `${path} → ${target}`).toBe(true);
    }
  });
});
