/**
 * What only the single binary does: carry the keyring addon, unpack it once into the per-user
 * cache, and refuse to load a cached copy that is not byte-for-byte the one it carries.
 */
import { lstatSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireTestSession, tempDir } from '../helpers/env.ts';
import { dcmHelper, storeJson, uniqueHost } from '../helpers/helper-process.ts';
import { run } from '../helpers/spawn.ts';

describe('dist/dcm', () => {
  beforeAll(() => {
    requireTestSession();
    expect(process.env.DCM_TEST_BINARY).toMatch(/dist\/dcm$/);
  });
  const helper = dcmHelper();
  const host = uniqueHost('binary');

  const withCache = () => {
    const cache = tempDir('cache');
    return { cache, env: { ...process.env, XDG_CACHE_HOME: cache } };
  };
  const addonFiles = (cache: string) => readdirSync(join(cache, 'dcm')).filter((name) => name.endsWith('.node'));

  beforeAll(async () => {
    expect(await helper('store', storeJson(host, 'bin-user', 'bin-secret'))).toExit(0);
  });

  it('is stripped of the Node binary’s symbol tables on Linux, and keeps what the addon links against', async () => {
    if (process.platform !== 'linux') return;
    const sections = await run('readelf', ['-S', '-W', process.env.DCM_TEST_BINARY!]);
    expect(sections).toExit(0);
    expect(sections.stdout).not.toMatch(/\s\.symtab\s/);
    expect(sections.stdout).toMatch(/\s\.dynsym\s/);
    // Well under the unstripped Node binary alone (149.7 MB for Node 26.10.0 on x64; stripped, 116.4 MB).
    expect(statSync(process.env.DCM_TEST_BINARY!).size).toBeLessThan(130_000_000);
    // The N-API symbols the keyring addon imports still resolve: a real keychain round trip.
    expect(JSON.parse((await helper('get', host)).stdout)).toMatchObject({ Username: 'bin-user', Secret: 'bin-secret' });
  });

  it('--version and the version verb report the same version', async () => {
    const cli = await run(process.env.DCM_TEST_BINARY!, ['--version']);
    const verb = await helper('version');
    const version = /v(\d+\.\d+\.\d+)/;
    expect(cli.stdout.match(version)?.[1]).toBeDefined();
    expect(cli.stdout.match(version)?.[1]).toBe(verb.stdout.match(version)?.[1]);
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
    expect(verb.stdout).toContain(`v${pkg.version}`);
  });

  it('unpacks the addon once, privately, under a content-hashed name', async () => {
    const { cache, env } = withCache();
    expect(JSON.parse((await helper('get', host, env)).stdout)).toMatchObject({ Secret: 'bin-secret' });
    const files = addonFiles(cache);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^keyring-[0-9a-f]{16}\.node$/);
    expect(statSync(join(cache, 'dcm', files[0]!)).mode & 0o777).toBe(0o600);
    expect(statSync(join(cache, 'dcm')).mode & 0o777).toBe(0o700);
  });

  it('two first runs at the same moment with an empty cache both succeed', async () => {
    for (let round = 0; round < 5; round++) {
      const { cache, env } = withCache();
      const results = await Promise.all(Array.from({ length: 4 }, () => helper('get', host, env)));
      for (const result of results) expect(JSON.parse(result.stdout)).toMatchObject({ Username: 'bin-user' });
      expect(addonFiles(cache)).toHaveLength(1);
      expect(readdirSync(join(cache, 'dcm')).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    }
  });

  it('a symlink planted in place of the cached addon is replaced, not written through', async () => {
    const { cache, env } = withCache();
    await helper('get', host, env);
    const path = join(cache, 'dcm', addonFiles(cache)[0]!);
    const victim = join(tempDir('victim'), 'precious.txt');
    writeFileSync(victim, 'do not overwrite');
    rmSync(path);
    symlinkSync(victim, path);
    expect(JSON.parse((await helper('get', host, env)).stdout)).toMatchObject({ Secret: 'bin-secret' });
    expect(readFileSync(victim, 'utf8')).toBe('do not overwrite');
    expect(lstatSync(path).isSymbolicLink()).toBe(false);
  });

  it('a tampered cached addon is replaced, not loaded', async () => {
    const { cache, env } = withCache();
    await helper('get', host, env);
    const path = join(cache, 'dcm', addonFiles(cache)[0]!);
    const original = readFileSync(path);
    // Same size, one flipped byte in the middle: only a full comparison notices.
    const tampered = Buffer.from(original);
    tampered[tampered.length >> 1]! ^= 0xff;
    writeFileSync(path, tampered);
    expect(JSON.parse((await helper('get', host, env)).stdout)).toMatchObject({ Secret: 'bin-secret' });
    expect(readFileSync(path).equals(original)).toBe(true);
    // And a file truncated to garbage (which dlopen would reject) is replaced too.
    writeFileSync(path, 'not an ELF file');
    expect(JSON.parse((await helper('get', host, env)).stdout)).toMatchObject({ Secret: 'bin-secret' });
    expect(readFileSync(path).equals(original)).toBe(true);
  });
});

describe('the main script of dist/dcm', () => {
  it('carries only the helper: the CLI (commander, undici, prompts) is a separate asset', () => {
    const build = join(import.meta.dirname, '../../dist/.build');
    const main = readFileSync(join(build, 'dcm.cjs'), 'utf8');
    const cli = readFileSync(join(build, 'cli.cjs'), 'utf8');
    for (const marker of ['CommanderError', 'EnvHttpProxyAgent', '@inquirer']) {
      expect(main).not.toContain(marker);
      expect(cli).toContain(marker.replace('@inquirer', 'inquirer'));
    }
    expect(main).toContain('credentials not found in native keychain');
    expect(main.length).toBeLessThan(cli.length / 10);
  });
});
