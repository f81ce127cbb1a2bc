/**
 * Issue 9, "foreign code": the binary unpacks its keyring addon into a per-user cache and loads
 * it from there. Another local user must not get code of theirs loaded into dcm: not through a
 * cache directory they own or can write, and not by swapping the file between dcm's check and
 * its load. A planted shared object (compiled here with cc) records any load in a marker file.
 * Covers: src/store/keyring/native-sea.ts.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireTestSession, tempDir } from '../helpers/env.ts';
import { dcmHelper } from '../helpers/helper-process.ts';
import { run } from '../helpers/spawn.ts';

const NOBODY = 65534;

/** A shared object whose constructor creates $DCM_PLANTED_MARKER: proof that it was loaded. */
function plantedObject(dir: string): string {
  const source = join(dir, 'planted.c');
  const object = join(dir, 'planted.so');
  writeFileSync(
    source,
    '#include <fcntl.h>\n#include <stdlib.h>\n#include <unistd.h>\n' +
      '__attribute__((constructor)) static void planted(void) { const char *m = getenv("DCM_PLANTED_MARKER"); if (m) close(open(m, O_CREAT | O_WRONLY, 0600)); }\n',
  );
  execFileSync('cc', ['-shared', '-fPIC', '-o', object, source]);
  return object;
}

describe('the addon cache', () => {
  beforeAll(() => {
    requireTestSession();
    expect(process.env.DCM_TEST_BINARY).toMatch(/dist\/dcm$/);
  });
  const helper = dcmHelper();
  const work = tempDir('planted');
  let planted = '';
  beforeAll(() => {
    planted = plantedObject(work);
  });

  /** A cache whose dcm directory holds the planted object under the addon's own name. */
  function plantedCache(prepare: (dcmDir: string) => void) {
    const cache = tempDir('cache');
    const marker = join(work, `loaded-${Math.random().toString(36).slice(2)}`);
    const env = { ...process.env, XDG_CACHE_HOME: cache, DCM_PLANTED_MARKER: marker };
    return { cache, dcmDir: join(cache, 'dcm'), marker, env, prepare };
  }

  async function addonName(): Promise<string> {
    const cache = tempDir('cache');
    expect(await helper('list', '', { ...process.env, XDG_CACHE_HOME: cache })).toExit(0);
    return readdirSync(join(cache, 'dcm')).find((name) => name.endsWith('.node'))!;
  }

  it.each([
    [
      'owned by another user',
      (dir: string) => chownSync(dir, NOBODY, NOBODY),
      /^keychain unavailable: refusing the addon cache .*\/dcm: it belongs to uid 65534, not to you \(uid 0\), so code planted there could run inside dcm\. Remove it \(rm -rf .*\) or run chmod 700 .* if it is yours; or set XDG_CACHE_HOME to a directory of your own\. Or keep credentials elsewhere: dcm setup --store pass/,
    ],
    [
      'writable by others (0777)',
      (dir: string) => chmodSync(dir, 0o777),
      /^keychain unavailable: refusing the addon cache .*\/dcm: it is writable by other users \(mode 777\), so code planted there could run inside dcm/,
    ],
    ['writable by its group (0770)', (dir: string) => chmodSync(dir, 0o770), /it is writable by other users \(mode 770\)/],
  ])('a cache directory %s is refused in one line, and nothing in it is loaded', async (_name, loosen, message) => {
    const name = await addonName();
    const { dcmDir, marker, env } = plantedCache(() => undefined);
    mkdirSync(dcmDir, { recursive: true, mode: 0o700 });
    copyFileSync(planted, join(dcmDir, name));
    loosen(dcmDir);
    for (const verb of ['list', 'get']) {
      const result = await helper(verb, 'ghcr.io', env);
      expect(result).toExit(1);
      expect(result.stdout, verb).toMatch(message);
    }
    const cli = await run(process.env.DCM_TEST_BINARY!, ['ls'], { env });
    expect(cli).toExit(8);
    expect(existsSync(marker)).toBe(false);
  });

  it('a file swapped in between the check and the load is never the one loaded (40 runs under a racing swapper)', { tags: ['stress'] }, async () => {
    const name = await addonName();
    const cache = tempDir('cache');
    const dcmDir = join(cache, 'dcm');
    const marker = join(work, 'loaded-by-race');
    const env = { ...process.env, XDG_CACHE_HOME: cache, DCM_PLANTED_MARKER: marker };
    // Fill the cache with the real addon first, and keep a copy to swap with.
    expect(await helper('list', '', env)).toExit(0);
    const good = join(work, 'good.node');
    copyFileSync(join(dcmDir, name), good);
    // The swapper puts the real addon and the planted object in place, in turns, as fast as it can.
    const swapper = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('node:fs');
         const [target, good, bad] = process.argv.slice(1);
         for (let i = 0; ; i++) {
           const tmp = target + '.swap' + (i % 2);
           try { fs.copyFileSync(i % 2 ? bad : good, tmp); fs.renameSync(tmp, target); } catch {}
         }`,
        join(dcmDir, name),
        good,
        planted,
      ],
      { stdio: 'ignore' },
    );
    try {
      for (let i = 0; i < 40; i++) await helper('list', '', env);
    } finally {
      swapper.kill('SIGKILL');
    }
    expect(existsSync(marker)).toBe(false);
  });

  it('a FIFO in place of the cached addon is replaced, not waited on', async () => {
    const name = await addonName();
    const cache = tempDir('cache');
    mkdirSync(join(cache, 'dcm'), { recursive: true, mode: 0o700 });
    execFileSync('mkfifo', [join(cache, 'dcm', name)]);
    const result = await helper('list', '', { ...process.env, XDG_CACHE_HOME: cache });
    expect(result).toExit(0);
    expect(JSON.parse(result.stdout)).toBeTypeOf('object');
  });

  const throughFile = () => {
    const file = join(tempDir('file'), 'file');
    writeFileSync(file, 'x');
    return join(file, 'cache');
  };
  it.each([
    [
      '/proc, where a directory can never be made',
      () => '/proc',
      /^keychain unavailable: the keyring addon cannot be unpacked: cannot create \/proc\/dcm \(no such file or directory\)/,
    ],
    [
      'a path through a regular file',
      throughFile,
      /^keychain unavailable: the keyring addon cannot be unpacked: cannot create .*\(a part of the path is not a directory\)/,
    ],
  ])('XDG_CACHE_HOME on %s: one line, at once', async (_name, path, message) => {
    // A hang guard: Node's own recursive mkdir spun forever under /proc.
    const result = await run(helper.path, ['list'], { env: { ...process.env, XDG_CACHE_HOME: path() }, timeoutMs: 10_000 });
    expect(result).toExit(1);
    expect(result.stdout).toMatch(message);
  });
});
