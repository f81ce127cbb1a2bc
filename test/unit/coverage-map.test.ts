/**
 * Tests a newcomer finds (issue 23): every module under src/ has a unit test at its mirrored
 * path (test/unit/<path>.test.ts), or is imported by a test, or is named on a `Covers:` line at
 * the top of the test file that exercises it across a process; and every `Covers:` names a file
 * that exists.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

function files(dir: string, suffix: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = `${dir}/${name}`;
    if (statSync(join(ROOT, path)).isDirectory()) return files(path, suffix);
    return path.endsWith(suffix) ? [path] : [];
  });
}

const tests = files('test', '.test.ts').map((path) => ({ path, text: readFileSync(join(ROOT, path), 'utf8') }));
const covered = new Set(tests.flatMap(({ text }) => [...text.matchAll(/^ \* Covers: (.+)$/gm)].flatMap((m) => m[1]!.replace(/\.$/, '').split(/,\s*/))));

describe('every module is covered where a newcomer looks', () => {
  // Only modules with logic: a file of types alone (store/types.ts) has nothing to run.
  const withLogic = files('src', '.ts').filter((module) => /\b(function|class|const|let)\b/.test(readFileSync(join(ROOT, module), 'utf8')));
  it.each(withLogic)('%s', (module) => {
    const mirrored = existsSync(join(ROOT, 'test/unit', `${relative('src', module).replace(/\.ts$/, '')}.test.ts`));
    const imported = tests.some(({ text }) => text.includes(`src/${relative('src', module)}'`));
    expect(
      mirrored || imported || covered.has(module),
      `${module}: add test/unit/${relative('src', module).replace(/\.ts$/, '.test.ts')} or a "Covers: ${module}" line`,
    ).toBe(true);
  });

  it('every Covers: line names a module that exists', () => {
    expect(covered.size).toBeGreaterThan(10);
    for (const module of covered) expect(existsSync(join(ROOT, module)), module).toBe(true);
  });
});
