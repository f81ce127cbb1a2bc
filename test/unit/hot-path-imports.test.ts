/**
 * The static half of the hot-path rule: following import statements (not dynamic imports)
 * from the helper's modules never reaches commander, undici, @inquirer/prompts or src/cli.
 * The runtime half is test/integration/hot-path.test.ts.
 */
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const HEAVY = /node_modules\/(commander|undici|@inquirer)\/|^src\/cli\//;

/** Every input reachable from `entry` through static imports only. */
function staticClosure(metafile: Metafile, entry: string): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const path = queue.pop()!;
    if (seen.has(path)) continue;
    seen.add(path);
    for (const edge of metafile.inputs[path]?.imports ?? []) {
      if (edge.kind !== 'dynamic-import' && !edge.external) queue.push(edge.path);
    }
  }
  return seen;
}

describe('static imports of the helper path', async () => {
  const { metafile } = await build({
    absWorkingDir: ROOT,
    entryPoints: ['src/main.ts'],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    splitting: true,
    outdir: 'out',
    logLevel: 'silent',
    external: ['@napi-rs/keyring'],
  });

  it.each(['src/main.ts', 'src/helper/run.ts', 'src/store/select.ts'])('%s reaches nothing heavy', (entry) => {
    const closure = staticClosure(metafile, entry);
    expect(closure.size).toBeGreaterThan(0);
    expect([...closure].filter((path) => HEAVY.test(path))).toEqual([]);
  });

  it('the walker does find heavy modules where they are (the CLI)', () => {
    expect([...staticClosure(metafile, 'src/cli/program.ts')].some((path) => path.includes('node_modules/commander/'))).toBe(true);
  });
});
