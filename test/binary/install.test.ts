/**
 * install.sh on a throwaway HOME and prefix: install, --configure-docker twice, a real
 * `docker login` through the installed helper, --uninstall.
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, requireTestSession, tempDir } from '../helpers/env.ts';
import { startHtpasswdRegistry, type RunningRegistry } from '../helpers/registry.ts';
import { run } from '../helpers/spawn.ts';

const ORIGINAL = `{
\t"auths": {
\t\t"legacy.example": {}
\t},
\t"credsStore": "secretservice",
\t"proxies": {
\t\t"default": {
\t\t\t"httpProxy": "http://proxy.example:3128",
\t\t\t"noProxy": "127.0.0.1,localhost"
\t\t}
\t},
\t"cliPluginsExtraDirs": ["/opt/docker/plugins"],
\t"x-unknown-key": {"kept": true}
}`;

describe('install.sh', () => {
  let registry: RunningRegistry;
  const home = tempDir('install-home');
  const prefix = join(tempDir('install-prefix'), 'usr');
  const bin = join(prefix, 'bin');
  const config = join(home, '.docker', 'config.json');
  const env = () => ({ ...process.env, HOME: home, DOCKER_CONFIG: undefined, PATH: `${bin}:${process.env.PATH}` });
  const install = (...args: string[]) => run(join(ROOT, 'install.sh'), ['--prefix', prefix, ...args], { env: env(), timeoutMs: 300_000 });

  beforeAll(async () => {
    requireTestSession();
    registry = await startHtpasswdRegistry({ installer: 'inst-pass' });
    mkdirSync(join(home, '.docker'), { recursive: true });
    writeFileSync(config, ORIGINAL);
  });
  afterAll(() => registry?.stop());

  it('installs bin/dcm and the docker-credential-dcm link', async () => {
    const result = await install();
    expect(result).toExit(0);
    expect(statSync(join(bin, 'dcm')).mode & 0o111).not.toBe(0);
    expect(lstatSync(join(bin, 'docker-credential-dcm')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(bin, 'docker-credential-dcm'))).toBe('dcm');
    expect((await run(join(bin, 'docker-credential-dcm'), ['version'])).stdout).toMatch(/^docker-credential-dcm \(.*\) v\d/);
    expect(readFileSync(config, 'utf8')).toBe(ORIGINAL);
    // The credsStore in place is named and left alone without --configure-docker (Docker Desktop's `desktop`, here Debian's).
    expect(result.stdout).toContain('Docker keeps logins with credsStore "secretservice"');
    expect(result.stdout).toContain('dcm import --from secretservice');
  });

  it('--help prints the usage, and only the usage (issue 22, item 15)', async () => {
    const help = await run(join(ROOT, 'install.sh'), ['--help']);
    expect(help).toExit(0);
    expect(help.stdout).toMatch(/^Installs dcm for one user/);
    expect(help.stdout).not.toMatch(/set -eu|^#/m);
  });

  it.each(['bash', 'zsh'])('runs under %s as well as sh (macOS users run it from either)', async (shell) => {
    const result = await run(shell, [join(ROOT, 'install.sh'), '--prefix', prefix], { env: env(), timeoutMs: 300_000 });
    expect(result).toExit(0);
    expect(result.stdout).toContain(`Installed ${join(bin, 'dcm')}`);
  });

  it('says when the bin directory is not on PATH', async () => {
    const result = await run(join(ROOT, 'install.sh'), ['--prefix', prefix], { env: { ...process.env, HOME: home } });
    expect(result.stdout).toContain(`${bin} is not on your PATH`);
  });

  it('--configure-docker with no keychain here: config.json unchanged, and the stores that would work named (issue 22, item 1)', async () => {
    const headless = await run(join(ROOT, 'install.sh'), ['--prefix', prefix, '--configure-docker'], {
      env: { ...env(), DBUS_SESSION_BUS_ADDRESS: undefined },
      timeoutMs: 300_000,
    });
    expect(headless).toExit(8);
    expect(headless.stderr).toContain('no D-Bus session bus');
    expect(headless.stderr).toContain('so Docker was not pointed at dcm');
    expect(headless.stderr).toContain('`dcm setup --store cache`');
    expect(headless.stderr).toContain('`dcm setup --store pass` once pass has a GPG key');
    expect(readFileSync(config, 'utf8')).toBe(ORIGINAL);
  });

  it('--configure-docker when the bin directory is not on PATH: config.json unchanged (issue 22, item 1)', async () => {
    const result = await run(join(ROOT, 'install.sh'), ['--prefix', prefix, '--configure-docker'], { env: { ...process.env, HOME: home }, timeoutMs: 300_000 });
    expect(result).toExit(1);
    expect(result.stderr).toContain(`install.sh: Docker was not configured: add ${bin} to PATH first, then run: dcm setup`);
    expect(readFileSync(config, 'utf8')).toBe(ORIGINAL);
  });

  it('--configure-docker twice: credsStore dcm, other keys and tabs kept, 0600, backup of the original', async () => {
    for (let i = 0; i < 2; i++) expect(await install('--configure-docker')).toExit(0);
    const text = readFileSync(config, 'utf8');
    const data = JSON.parse(text);
    expect(data.credsStore).toBe('dcm');
    const { credsStore: _ours, ...rest } = data;
    const { credsStore: _theirs, ...originalRest } = JSON.parse(ORIGINAL);
    expect(rest).toEqual(originalRest);
    expect(text).toMatch(/\n\t"auths"/);
    expect(statSync(config).mode & 0o777).toBe(0o600);
    expect(readFileSync(`${config}.dcm-backup`, 'utf8')).toBe(ORIGINAL);
  });

  it('docker login works through the installed helper', async () => {
    const login = await run('docker', ['login', registry.host, '-u', 'installer', '--password-stdin'], { stdin: 'inst-pass', env: env() });
    expect(login.stdout).toContain('Login Succeeded');
    expect(readFileSync(config, 'utf8')).not.toContain('"auth"');
    const got = await run(join(bin, 'docker-credential-dcm'), ['get'], { stdin: registry.host, env: env() });
    expect(JSON.parse(got.stdout)).toMatchObject({ Username: 'installer', Secret: 'inst-pass' });
    await run('docker', ['logout', registry.host], { env: env() });
  });

  it('--uninstall removes the files and puts credsStore back', async () => {
    const result = await install('--uninstall');
    expect(result).toExit(0);
    expect(existsSync(join(bin, 'dcm'))).toBe(false);
    expect(existsSync(join(bin, 'docker-credential-dcm'))).toBe(false);
    expect(JSON.parse(readFileSync(config, 'utf8')).credsStore).toBe('secretservice');
    expect(JSON.parse(readFileSync(config, 'utf8')).proxies).toEqual(JSON.parse(ORIGINAL).proxies);
  });

  it('refuses unknown options', async () => {
    const result = await install('--bogus');
    expect(result).toExit(2);
    expect(result.stderr).toContain('unknown option --bogus');
  });
});
