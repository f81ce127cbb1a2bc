/**
 * End to end with clients that are not ours: the Docker CLI (28, no engine needed for login
 * and logout) and skopeo, against the real CNCF registry with htpasswd auth on loopback, with
 * dcm as the only place credentials live.
 * Covers: src/cli/auths-sync.ts.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dcmBinDir, requireTestSession, tempDir } from '../helpers/env.ts';
import { dcmHelper } from '../helpers/helper-process.ts';
import { writeOciLayout } from '../helpers/oci-image.ts';
import { startHtpasswdRegistry, type RunningRegistry } from '../helpers/registry.ts';
import { run } from '../helpers/spawn.ts';

const bin = dcmBinDir();
const USER = 'dcm-e2e';
const PASSWORD = 'e2e-Pa55-word!';

describe('Docker CLI and skopeo through credsStore/credHelpers: dcm', () => {
  let registry: RunningRegistry;
  let dockerConfig: string;
  let env: NodeJS.ProcessEnv;
  const helper = dcmHelper();

  beforeAll(async () => {
    requireTestSession();
    registry = await startHtpasswdRegistry({ [USER]: PASSWORD });
    dockerConfig = tempDir('docker-config');
    // skopeo 1.9 (containers/image) consults credHelpers but not credsStore, so name dcm in both.
    writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ credsStore: 'dcm', credHelpers: { [registry.host]: 'dcm' } }, null, '\t'));
    env = { ...process.env, DOCKER_CONFIG: dockerConfig, PATH: `${helper.binDir}:${process.env.PATH}` };
  });

  afterAll(async () => {
    await helper('erase', registry?.host ?? '');
    await registry?.stop();
  });

  const configJson = () => readFileSync(join(dockerConfig, 'config.json'), 'utf8');

  it('docker login stores through dcm; config.json holds no auth', async () => {
    const login = await run('docker', ['login', registry.host, '-u', USER, '--password-stdin'], { stdin: PASSWORD, env });
    expect(login.stdout + login.stderr).toContain('Login Succeeded');
    expect(login).toExit(0);
    const config = JSON.parse(configJson());
    expect(config.auths[registry.host]).toEqual({});
    expect(configJson()).not.toMatch(/"auth"\s*:|identitytoken|password/i);
    expect(JSON.parse((await helper('get', registry.host)).stdout)).toMatchObject({ Username: USER, Secret: PASSWORD });
  });

  it('docker login with a wrong password fails and keeps the good login', async () => {
    const login = await run('docker', ['login', registry.host, '-u', USER, '--password-stdin'], { stdin: 'wrong', env });
    expect(login).not.toExit(0);
    expect(JSON.parse((await helper('get', registry.host)).stdout)).toMatchObject({ Secret: PASSWORD });
    expect(configJson()).not.toContain('wrong');
  });

  it('skopeo pushes and inspects with credentials that only dcm holds', async () => {
    const layout = tempDir('oci');
    mkdirSync(layout, { recursive: true });
    writeOciLayout(layout, 'v1');
    const authfile = join(dockerConfig, 'config.json');
    const image = `docker://${registry.host}/dcm/e2e:v1`;

    const anonymous = await run('skopeo', ['inspect', '--tls-verify=false', '--no-creds', image], { env });
    expect(anonymous).not.toExit(0);

    const copy = await run('skopeo', ['copy', '--dest-tls-verify=false', '--authfile', authfile, `oci:${layout}:v1`, image], { env });
    expect(copy.stderr).toBe('');
    expect(copy).toExit(0);
    const inspect = await run('skopeo', ['inspect', '--tls-verify=false', '--authfile', authfile, image], { env });
    expect(inspect).toExit(0);
    expect(JSON.parse(inspect.stdout)).toMatchObject({ Name: `${registry.host}/dcm/e2e`, Architecture: 'amd64', Os: 'linux' });
    expect(configJson()).not.toMatch(/"auth"\s*:/);
  });

  it('docker logout erases through dcm', async () => {
    const logout = await run('docker', ['logout', registry.host], { env });
    expect(logout).toExit(0);
    expect(logout.stderr).not.toContain('WARNING');
    expect((await helper('get', registry.host)).stdout).toBe('credentials not found in native keychain\n');
    expect(JSON.parse(configJson()).auths ?? {}).not.toHaveProperty(registry.host);
  });

  it('dcm login and dcm logout leave config.json as docker login and docker logout do (issue 22, item 3)', async () => {
    const auths = () => (JSON.parse(configJson()) as { auths?: Record<string, unknown> }).auths ?? {};
    expect(await run('docker', ['login', registry.host, '-u', USER, '--password-stdin'], { stdin: PASSWORD, env })).toExit(0);
    const afterDocker = configJson();
    expect(auths()[registry.host]).toEqual({});

    expect(await run(bin.dcm, ['logout', registry.host], { env })).toExit(0);
    expect(auths()).not.toHaveProperty(registry.host);

    expect(await run(bin.dcm, ['login', registry.host, '-u', USER, '--password-stdin'], { stdin: PASSWORD, env })).toExit(0);
    // The very file docker login wrote: the same keys, the same indentation.
    expect(configJson()).toBe(afterDocker);

    expect(await run(bin.dcm, ['logout', '--all', '--yes'], { env })).toExit(0);
    expect(auths()).not.toHaveProperty(registry.host);
    expect(readdirSync(dockerConfig).filter((name) => name.includes('dcm-lock'))).toEqual([]);
  });
});
