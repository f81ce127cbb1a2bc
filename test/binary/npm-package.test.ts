/**
 * The npm package as its users get it: `npm pack dist/npm`, then `npm install -g` into a
 * throwaway prefix with the pinned Node, and `npx` from the tarball in an empty directory, all
 * against a registry on loopback (test/helpers/npm-registry.ts) that serves only dcm's one
 * dependency, @napi-rs/keyring. The installed commands speak the protocol, Docker finds
 * docker-credential-dcm on PATH, and `get` from the install loads no CLI code.
 */
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, requireTestSession, tempDir } from '../helpers/env.ts';
import { storeJson, uniqueHost } from '../helpers/helper-process.ts';
import { startHubStandIn, type HubStandIn } from '../helpers/hub-standin.ts';
import { keyringPlatformManifests, npmPack, startNpmRegistry } from '../helpers/npm-registry.ts';
import { startHtpasswdRegistry, type RunningRegistry } from '../helpers/registry.ts';
import { run } from '../helpers/spawn.ts';

const MODULES = join(ROOT, 'node_modules');
const KEYRING = join(MODULES, '@napi-rs', 'keyring');
const PLATFORM = join(MODULES, '@napi-rs', `keyring-${process.platform}-${process.arch}${process.platform === 'linux' ? '-gnu' : ''}`);
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

let registry: Awaited<ReturnType<typeof startNpmRegistry>>;
let tarball: string;
let prefix: string;
let env: NodeJS.ProcessEnv;
const npmEnv = () => ({
  ...process.env,
  npm_config_registry: registry.url,
  npm_config_cache: tempDir('npm-cache'),
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
});

beforeAll(async () => {
  requireTestSession();
  const packs = tempDir('packs');
  tarball = npmPack(join(ROOT, 'dist', 'npm'), packs);
  registry = await startNpmRegistry(
    [
      { dir: KEYRING, tarball: npmPack(KEYRING, packs) },
      { dir: PLATFORM, tarball: npmPack(PLATFORM, packs) },
      // dcm itself, for `npx @dcm-project/dcm` as users will run it once it is published.
      { dir: join(ROOT, 'dist', 'npm'), tarball },
    ],
    keyringPlatformManifests(KEYRING),
  );
  prefix = tempDir('prefix');
  const install = await run('npm', ['install', '--global', '--prefix', prefix, tarball], { env: npmEnv(), timeoutMs: 120_000 });
  expect(install).toExit(0);
  // The pinned Node first (the bin scripts run `env node`), then the installed commands.
  env = { ...process.env, PATH: `${join(prefix, 'bin')}:${dirname(process.execPath)}:${process.env.PATH}` };
});
afterAll(async () => {
  await registry?.stop();
});

describe('the packed npm package', () => {
  it('holds the bundled JavaScript, the two bins, README and licence, and needs only @napi-rs/keyring', () => {
    const listing = readdirSync(join(prefix, 'lib', 'node_modules', '@dcm-project', 'dcm'));
    expect(listing.sort()).toEqual(['LICENSE', 'README.md', 'bin', 'lib', 'node_modules', 'package.json']);
    const manifest = JSON.parse(readFileSync(join(prefix, 'lib', 'node_modules', '@dcm-project', 'dcm', 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({ name: '@dcm-project/dcm', version: VERSION, license: 'MIT', type: 'module', engines: { node: '>=22.15.0' } });
    expect(Object.keys(manifest.dependencies)).toEqual(['@napi-rs/keyring']);
    expect(readdirSync(join(prefix, 'lib', 'node_modules', '@dcm-project', 'dcm', 'lib')).every((f) => f.endsWith('.js'))).toBe(true);
    // What npm fetched: dcm's dependency and this platform's addon, nothing else.
    const fetched = registry.requests.filter((r) => r.url.startsWith('/-/') && !r.url.startsWith('/-/@dcm-project')).map((r) => r.url);
    expect(fetched.sort()).toEqual(
      [`/-/@napi-rs-keyring-${readJson(KEYRING).version}.tgz`, `/-/${readJson(PLATFORM).name.replace('/', '-')}-${readJson(PLATFORM).version}.tgz`].sort(),
    );
  });

  it('npm install -g gives both commands: dcm --version, and the protocol round trip', async () => {
    const version = await run('dcm', ['--version'], { env });
    expect(version).toMatchObject({ code: 0, stdout: `dcm (github.com/dcm-project/dcm) v${VERSION}\n` });
    expect((await run('docker-credential-dcm', ['version'], { env })).stdout).toBe(`docker-credential-dcm (github.com/dcm-project/dcm) v${VERSION}\n`);
    const host = uniqueHost('npm');
    expect(await run('docker-credential-dcm', ['store'], { stdin: storeJson(host, 'npm-user', 'npm-Secret-1'), env })).toExit(0);
    expect(JSON.parse((await run('docker-credential-dcm', ['get'], { stdin: host, env })).stdout)).toEqual({
      ServerURL: host,
      Username: 'npm-user',
      Secret: 'npm-Secret-1',
    });
    expect(JSON.parse((await run('docker-credential-dcm', ['list'], { env })).stdout)).toMatchObject({ [host]: 'npm-user' });
    expect(await run('docker-credential-dcm', ['erase'], { stdin: host, env })).toExit(0);
    const gone = await run('docker-credential-dcm', ['get'], { stdin: host, env });
    expect(gone).toMatchObject({ code: 1, stdout: 'credentials not found in native keychain\n' });
  });

  it('get from the install loads no CLI code (commander, undici, prompts)', async () => {
    const log = join(tempDir('modules'), 'loaded.txt');
    const bin = join(prefix, 'lib', 'node_modules', '@dcm-project', 'dcm', 'bin', 'docker-credential-dcm.js');
    const result = await run(process.execPath, ['--import', join(ROOT, 'test', 'fixtures', 'record-modules.mjs'), bin, 'get'], {
      stdin: 'npm-hot-path.test',
      env: { ...env, DCM_MODULE_LOG: log },
    });
    expect(result).toExit(1);
    const files = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .filter((url) => url.startsWith('file:'));
    expect(files.length).toBeGreaterThan(1);
    for (const url of files) {
      const path = new URL(url).pathname;
      if (path.endsWith('.node')) continue;
      const text = readFileSync(path, 'utf8');
      expect(text, path).not.toMatch(/CommanderError|EnvHttpProxyAgent|@inquirer/);
    }
    const loadedBytes = files
      .map((url) => new URL(url).pathname)
      .filter((p) => p.endsWith('.js'))
      .reduce((sum, p) => sum + statSync(p).size, 0);
    expect(loadedBytes).toBeLessThan(200_000);
  });

  describe('Docker finds docker-credential-dcm on PATH', () => {
    let htpasswd: RunningRegistry;
    beforeAll(async () => {
      htpasswd = await startHtpasswdRegistry({ npmuser: 'npm-Pa55word' });
    });
    afterAll(async () => {
      await htpasswd?.stop();
    });

    it('docker login keeps the login in dcm, through the npm-installed helper', async () => {
      const dockerConfig = tempDir('docker-config');
      writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ credsStore: 'dcm' }));
      const dockerEnv = { ...env, DOCKER_CONFIG: dockerConfig };
      const login = await run('docker', ['login', htpasswd.host, '-u', 'npmuser', '--password-stdin'], { stdin: 'npm-Pa55word', env: dockerEnv });
      expect(login).toExit(0);
      expect(readFileSync(join(dockerConfig, 'config.json'), 'utf8')).not.toContain('npm-Pa55word');
      expect(JSON.parse((await run('docker-credential-dcm', ['get'], { stdin: htpasswd.host, env })).stdout)).toMatchObject({ Secret: 'npm-Pa55word' });
      expect(await run('docker', ['logout', htpasswd.host], { env: dockerEnv })).toExit(0);
    });
  });

  describe('npx, from the registry that serves the tarball, in an empty directory', () => {
    let hub: HubStandIn;
    beforeAll(async () => {
      hub = await startHubStandIn({});
    });
    afterAll(async () => {
      await hub?.stop();
    });

    it('npx @dcm-project/dcm ratelimit --json (npx runs the bin named like the package: dcm)', async () => {
      const empty = tempDir('empty');
      const result = await run('npx', ['--yes', '@dcm-project/dcm', 'ratelimit', '--registry', hub.host, '--anonymous', '--json'], {
        env: { ...npmEnv(), PATH: `${dirname(process.execPath)}:${process.env.PATH}` },
        cwd: empty,
        timeoutMs: 120_000,
      });
      expect(result).toExit(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ registry: hub.host, authenticated: false, limit: expect.any(Number), remaining: expect.any(Number) });
      expect(readdirSync(empty)).toEqual([]);
    });
  });
});

function readJson(dir: string): { name: string; version: string } {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
}
