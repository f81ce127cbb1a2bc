/**
 * podman, skopeo and buildah (Debian's, containers/image) ignore config.json's credsStore: after
 * `docker login` through dcm they saw no login at all. `dcm setup` makes them ask dcm through
 * registries.conf's credential-helpers (a drop-in of the user's), `dcm setup --undo` takes it
 * away, and `dcm doctor` checks it (issue 22, item 2). Each tool runs with its default auth
 * lookup: no --authfile, no --creds.
 * Covers: src/cli/logins.ts, src/docker/containers-config.ts.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containersDropInPath } from '../../src/docker/containers-config.ts';
import { dcmBinDir, requireTestSession, tempDir } from '../helpers/env.ts';
import { writeOciLayout } from '../helpers/oci-image.ts';
import { startHtpasswdRegistry, type RunningRegistry } from '../helpers/registry.ts';
import { run } from '../helpers/spawn.ts';

const bin = dcmBinDir();
const USER = 'containers-user';
const PASSWORD = 'containers-Pa55';

describe('podman, skopeo and buildah see dcm logins once dcm setup has run', () => {
  let registry: RunningRegistry;
  let env: NodeJS.ProcessEnv;
  let layout: string;

  beforeAll(async () => {
    requireTestSession();
    registry = await startHtpasswdRegistry({ [USER]: PASSWORD });
    mkdirSync(join(process.env.HOME!, '.docker'), { recursive: true });
    writeFileSync(join(process.env.HOME!, '.docker', 'config.json'), JSON.stringify({ credsStore: 'dcm' }));
    env = { ...process.env, PATH: `${bin.dir}:${process.env.PATH}`, DOCKER_CONFIG: undefined, REGISTRY_AUTH_FILE: undefined };
    layout = tempDir('oci');
    writeOciLayout(layout, 'v1');
    expect(await run('docker', ['login', registry.host, '-u', USER, '--password-stdin'], { stdin: PASSWORD, env })).toExit(0);
  });
  afterAll(async () => {
    await run(bin.helper, ['erase'], { stdin: registry?.host ?? '', env });
    await registry?.stop();
  });

  const copy = () =>
    run('skopeo', ['copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${registry.host}/dcm/tools:v1`], { env, timeoutMs: 60_000 });

  it('before dcm setup, skopeo does not see the login docker login kept in dcm', async () => {
    const result = await copy();
    expect(result).not.toExit(0);
    expect(result.stderr).toMatch(/unauthorized|authentication required/i);
  });

  it('dcm setup writes the drop-in; then skopeo pushes and inspects, podman and buildah read the login', async () => {
    const setup = await run(bin.dcm, ['setup'], { env });
    expect(setup).toExit(0);
    expect(setup.stdout).toContain(`podman, skopeo, buildah: ask dcm too (credential-helpers in ${containersDropInPath(env)})`);
    expect(readFileSync(containersDropInPath(env), 'utf8')).toMatch(/^credential-helpers = \["dcm", "containers-auth.json"\]$/m);

    expect(await copy()).toExit(0);
    const inspect = await run('skopeo', ['inspect', '--tls-verify=false', `docker://${registry.host}/dcm/tools:v1`], { env, timeoutMs: 60_000 });
    expect(inspect).toExit(0);
    expect(JSON.parse(inspect.stdout)).toMatchObject({ Name: `${registry.host}/dcm/tools` });
    for (const tool of ['podman', 'buildah']) {
      const login = await run(tool, ['login', '--get-login', registry.host], { env, timeoutMs: 60_000 });
      expect(login, tool).toExit(0);
      expect(login.stdout.trim(), tool).toBe(USER);
    }
    const doctor = JSON.parse((await run(bin.dcm, ['doctor', '--json'], { env })).stdout) as { checks: { id: string; status: string }[] };
    expect(doctor.checks.find((c) => c.id === 'containers')).toMatchObject({ status: 'ok' });
  });

  it('podman login then keeps its login in dcm, not in a plaintext auth.json', async () => {
    const login = await run('podman', ['login', '--tls-verify=false', registry.host, '-u', USER, '--password-stdin'], {
      stdin: PASSWORD,
      env,
      timeoutMs: 60_000,
    });
    expect(login).toExit(0);
    expect(JSON.parse((await run(bin.helper, ['get'], { stdin: registry.host, env })).stdout)).toMatchObject({ Username: USER, Secret: PASSWORD });
    const authFile = join(process.env.XDG_RUNTIME_DIR!, 'containers', 'auth.json');
    if (existsSync(authFile)) expect(readFileSync(authFile, 'utf8')).not.toContain(Buffer.from(`${USER}:${PASSWORD}`).toString('base64'));
  });

  it("dcm setup --undo removes the drop-in (and only dcm's); doctor warns while credsStore is dcm without it", async () => {
    expect(await run(bin.dcm, ['setup', '--undo'], { env })).toExit(0);
    expect(existsSync(containersDropInPath(env))).toBe(false);
    writeFileSync(join(process.env.HOME!, '.docker', 'config.json'), JSON.stringify({ credsStore: 'dcm' }));
    const doctor = JSON.parse((await run(bin.dcm, ['doctor', '--json'], { env })).stdout) as { checks: { id: string; status: string; fix?: string }[] };
    expect(doctor.checks.find((c) => c.id === 'containers')).toMatchObject({ status: 'warn', fix: 'dcm setup' });
    // A file of the user's at that path is never replaced or removed.
    mkdirSync(join(containersDropInPath(env), '..'), { recursive: true });
    writeFileSync(containersDropInPath(env), 'credential-helpers = ["pass"]\n');
    const setup = await run(bin.dcm, ['setup', '--json'], { env });
    expect(JSON.parse(setup.stdout)).toMatchObject({ containers: { action: 'foreign' } });
    expect(await run(bin.dcm, ['setup', '--undo'], { env })).toExit(0);
    expect(readFileSync(containersDropInPath(env), 'utf8')).toBe('credential-helpers = ["pass"]\n');
  });

  it('dcm ls also lists what podman login kept in its own auth file (XDG_RUNTIME_DIR, or REGISTRY_AUTH_FILE)', async () => {
    const auth = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
    const runtimeFile = join(process.env.XDG_RUNTIME_DIR!, 'containers', 'auth.json');
    mkdirSync(join(runtimeFile, '..'), { recursive: true });
    writeFileSync(runtimeFile, JSON.stringify({ auths: { 'quay.io': { auth } } }));
    const named = join(tempDir('auth-file'), 'auth.json');
    writeFileSync(named, JSON.stringify({ auths: { 'registry.gitlab.com': { auth } } }));
    type Row = { registry: string; username: string; source: string };
    const rows = (extra: NodeJS.ProcessEnv) => run(bin.dcm, ['ls', '--json'], { env: { ...env, ...extra } }).then((r) => JSON.parse(r.stdout) as Row[]);
    expect(await rows({})).toContainEqual(expect.objectContaining({ registry: 'quay.io', username: USER, source: 'containers-auth.json' }));
    const fromNamed = await rows({ REGISTRY_AUTH_FILE: named });
    expect(fromNamed).toContainEqual(expect.objectContaining({ registry: 'registry.gitlab.com', source: 'containers-auth.json' }));
    expect(fromNamed.map((row) => row.registry)).not.toContain('quay.io');
    const text = await run(bin.dcm, ['ls'], { env });
    expect(text.stdout).not.toContain(PASSWORD);
    expect(text.stdout).not.toContain(auth);
  });
});
