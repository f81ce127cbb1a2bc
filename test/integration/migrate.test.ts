/**
 * `dcm migrate` and `dcm setup` on config.json files shaped like real machines' (Docker
 * Desktop's; Linux with several auths; credHelpers for ECR and GCR; proxies, plugins and unknown
 * keys; tabs and spaces), then Docker's own CLI logs in with what was migrated. And migrate
 * killed at many points: config.json always parses, and no credential is ever lost.
 * Covers: src/cli/commands/migrate/run.ts, src/cli/commands/migrate/run-stores.ts.
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, dcmBinDir, requireTestSession, tempDir } from '../helpers/env.ts';
import { testMachine } from '../helpers/machine.ts';
import { writeOciLayout } from '../helpers/oci-image.ts';
import { startRegistry, type RunningRegistry } from '../helpers/registry.ts';
import { run } from '../helpers/spawn.ts';

const FIXTURES = join(ROOT, 'test/fixtures/docker-config');
const SECRET_FIELD = /"(auth|identitytoken|password)"\s*:/;
const bin = dcmBinDir();

function withConfig(text: string) {
  const machine = testMachine({ config: text, mode: 0o644 });
  return { ...machine, dcm: (args: string[]) => machine.dcm(args), get: (server: string) => machine.helper('get', server) };
}

/** Every key but `auths` and `credsStore`, which migrate owns. */
function otherKeys(data: Record<string, unknown>) {
  const { auths: _a, credsStore: _c, ...rest } = data;
  return rest;
}

describe('dcm migrate', () => {
  let registry: RunningRegistry;
  const cleanup: string[] = [];

  beforeAll(async () => {
    requireTestSession();
    registry = await startRegistry({ migrated: 'migrated-Pa55' });
    const layout = tempDir('oci');
    writeOciLayout(layout, 'v1');
    const push = await run('skopeo', [
      'copy',
      '--dest-tls-verify=false',
      '--dest-creds',
      'migrated:migrated-Pa55',
      `oci:${layout}:v1`,
      `docker://${registry.host}/dcm/migrated:v1`,
    ]);
    expect(push).toExit(0);
  });
  afterAll(async () => {
    for (const key of [...cleanup, registry?.host ?? '']) await run(bin.helper, ['erase'], { stdin: key });
    await registry?.stop();
  });

  const linuxFixture = () =>
    readFileSync(join(FIXTURES, 'linux-several-auths.json'), 'utf8')
      .replace('REGISTRY_HOST', registry.host)
      .replace('REGISTRY_AUTH', Buffer.from('migrated:migrated-Pa55').toString('base64'));

  it('Linux, several auths (tabs): every credential moves; Docker logs in with it; other keys kept', async () => {
    const original = linuxFixture();
    const config = withConfig(original);
    const result = await config.dcm(['migrate']);
    expect(result.stderr).toBe('');
    expect(result).toExit(0);
    cleanup.push('https://index.docker.io/v1/', 'ghcr.io', 'registry.gitlab.com', 'myregistry.azurecr.io');

    const after = readFileSync(config.path, 'utf8');
    expect(after).not.toMatch(SECRET_FIELD);
    expect(after).toMatch(/\n\t"auths"/);
    expect(statSync(config.path).mode & 0o777).toBe(0o600);
    const data = JSON.parse(after);
    expect(data.credsStore).toBe('dcm');
    expect(otherKeys(data)).toEqual(otherKeys(JSON.parse(original)));
    expect(data.auths['registry.gitlab.com']).toEqual({ email: 'ci@example.com' });
    expect(data.auths['ghcr.io']).toEqual({});

    const expectLogin = async (server: string, username: string, secret: string) =>
      expect(JSON.parse((await config.get(server)).stdout)).toMatchObject({ Username: username, Secret: secret });
    await expectLogin('https://index.docker.io/v1/', 'hubuser', 'dckr_pat_hubsecret');
    await expectLogin('ghcr.io', 'octocat', 'ghp_ghcrsecret');
    await expectLogin('registry.gitlab.com', 'gitlab-ci-token', 'glcbt-secret');
    await expectLogin('myregistry.azurecr.io', '<token>', 'acr-refresh-token-secret');
    await expectLogin(registry.host, 'migrated', 'migrated-Pa55');

    // Docker's own CLI reads the registry with only what migrate put in the keychain
    // (`docker manifest inspect` runs client-side: no engine needed).
    const image = `${registry.host}/dcm/migrated:v1`;
    const inspect = await run('docker', ['manifest', 'inspect', '--insecure', image], { env: config.env });
    expect(inspect.stderr).toBe('');
    expect(JSON.parse(inspect.stdout)).toMatchObject({ schemaVersion: 2 });
    const anonymous = await run('docker', ['manifest', 'inspect', '--insecure', image], {
      env: { ...config.env, DOCKER_CONFIG: tempDir('empty-docker-config') },
    });
    expect(anonymous).not.toExit(0);
    expect(readFileSync(config.path, 'utf8')).not.toMatch(SECRET_FIELD);

    // The backup keeps the file's shape but no secret.
    const backup = readFileSync(`${config.path}.dcm-backup`, 'utf8');
    expect(backup).not.toMatch(SECRET_FIELD);
    expect(statSync(`${config.path}.dcm-backup`).mode & 0o777).toBe(0o600);

    // Running it again changes nothing.
    const again = await config.dcm(['migrate']);
    expect(again.stdout).toContain('No plaintext credentials');
    expect(readFileSync(config.path, 'utf8')).toBe(after);
  });

  it('credHelpers for ECR and GCR (spaces) stay; quay moves', async () => {
    const original = readFileSync(join(FIXTURES, 'cred-helpers-ecr-gcr.json'), 'utf8');
    const config = withConfig(original);
    expect(await config.dcm(['migrate'])).toExit(0);
    cleanup.push('quay.io');
    const data = JSON.parse(readFileSync(config.path, 'utf8'));
    expect(data.credHelpers).toEqual(JSON.parse(original).credHelpers);
    expect(data.auths).toEqual({ 'quay.io': {}, '123456789012.dkr.ecr.eu-west-1.amazonaws.com': {} });
    expect(readFileSync(config.path, 'utf8')).toMatch(/\n {2}"auths"/);
    expect(JSON.parse((await config.get('quay.io')).stdout)).toMatchObject({ Username: 'robot+ci', Secret: 'quay-robot-secret' });
  });

  it('proxies, plugins and unknown keys (4 spaces); legacy username/password', async () => {
    const original = readFileSync(join(FIXTURES, 'proxies-plugins-unknown.json'), 'utf8');
    const config = withConfig(original);
    const json = await config.dcm(['migrate', '--json']);
    expect(json).toExit(0);
    cleanup.push('harbor.example.com');
    expect(JSON.parse(json.stdout)).toMatchObject({
      moved: [{ registry: 'harbor.example.com', username: 'robot$ci', kind: 'password' }],
      left: [],
      credsStore: 'dcm',
    });
    const data = JSON.parse(readFileSync(config.path, 'utf8'));
    expect(otherKeys(data)).toEqual(otherKeys(JSON.parse(original)));
    expect(readFileSync(config.path, 'utf8')).toMatch(/\n {4}"auths"/);
    expect(JSON.parse((await config.get('harbor.example.com')).stdout)).toMatchObject({ Username: 'robot$ci', Secret: 'harbor-robot-secret' });
  });

  it('Docker Desktop: nothing to move, credsStore becomes dcm, the rest untouched', async () => {
    const original = readFileSync(join(FIXTURES, 'docker-desktop.json'), 'utf8');
    const config = withConfig(original);
    const dry = await config.dcm(['migrate', '--dry-run']);
    expect(dry.stdout).toContain('dry run: nothing was changed');
    expect(readFileSync(config.path, 'utf8')).toBe(original);
    expect(await config.dcm(['migrate'])).toExit(0);
    const data = JSON.parse(readFileSync(config.path, 'utf8'));
    expect(data).toEqual({ ...JSON.parse(original), credsStore: 'dcm' });
    expect(JSON.parse(readFileSync(`${config.path}.dcm-backup`, 'utf8')).credsStore).toBe('desktop');
  });

  it('--verify keeps a login the registry refuses in place, and says so', async () => {
    // localhost:PORT: the same registry under a key no other test has stored.
    const host = registry.host.replace('127.0.0.1', 'localhost');
    const config = withConfig(JSON.stringify({ auths: { [host]: { auth: Buffer.from('migrated:wrong').toString('base64') } } }, null, '\t'));
    const result = await config.dcm(['migrate', '--verify']);
    expect(result).toExit(1);
    expect(result.stdout).toMatch(new RegExp(`left ${host} in config\\.json: --verify failed: .*wrong username or password`));
    expect(result.stdout).not.toContain('migrated:wrong');
    expect(JSON.parse(readFileSync(config.path, 'utf8')).auths[host].auth).toBeDefined();
    expect(await config.get(host)).toExit(1);
  });

  it('malformed config.json is refused and left as it was', async () => {
    const config = withConfig('{"auths": {"x": {"auth": "eA=="}},');
    const result = await config.dcm(['migrate']);
    expect(result).toExit(2);
    expect(result.stderr).toMatch(/is not valid JSON/);
    expect(readFileSync(config.path, 'utf8')).toBe('{"auths": {"x": {"auth": "eA=="}},');
  });
});

describe('dcm migrate, killed at many points', () => {
  beforeAll(requireTestSession);

  it('config.json always parses and every credential is in config.json or the keychain', { tags: ['stress'], timeout: 240_000 }, async () => {
    const entries = Array.from({ length: 6 }, (_, i) => [`kill-${i}-${process.pid}.example`, `user${i}`, `secret-${i}`] as const);
    const original = JSON.stringify(
      {
        auths: Object.fromEntries(entries.map(([host, user, secret]) => [host, { auth: Buffer.from(`${user}:${secret}`).toString('base64') }])),
        other: 'kept',
      },
      null,
      '\t',
    );
    const outcomes = new Set<string>();
    const eraseAll = () => Promise.all(entries.map(([host]) => run(bin.helper, ['erase'], { stdin: host })));
    // How long one whole migrate takes on this machine, so the kills can be spread over all of it.
    const started = Date.now();
    expect(await withConfig(original).dcm(['migrate'])).toExit(0);
    const fullMs = Date.now() - started;
    await eraseAll();
    // Twenty kills spread from the start to past the end of a whole run, then later ones until one
    // lands after the rename (a killed run can take longer than the measured one).
    const step = (fullMs * 1.2) / 19;
    for (let attempt = 0; attempt < 20 || (!outcomes.has('new') && attempt < 40); attempt++) {
      const config = withConfig(original);
      const child = spawn(bin.dcm, ['migrate'], { env: config.env, stdio: 'ignore' });
      const closed = new Promise((resolve) => child.once('close', resolve));
      // From before the first keychain write to just past the end of a whole run.
      await sleep(20 + Math.round(attempt * step));
      child.kill('SIGKILL');
      await closed;

      const data = JSON.parse(readFileSync(config.path, 'utf8')) as { auths: Record<string, { auth?: string }>; other: string };
      expect(data.other).toBe('kept');
      outcomes.add(data.auths[entries[0]![0]]!.auth ? 'old' : 'new');
      await Promise.all(
        entries.map(async ([host, user, secret]) => {
          const inFile = data.auths[host]?.auth === Buffer.from(`${user}:${secret}`).toString('base64');
          if (inFile) return;
          const got = await config.get(host);
          const inKeychain = got.code === 0 && JSON.parse(got.stdout).Secret === secret;
          expect(inKeychain, `${host} is in neither place after a kill at attempt ${attempt}`).toBe(true);
        }),
      );
      await eraseAll();
    }
    // The kills landed both before and after the rewrite.
    expect(outcomes).toEqual(new Set(['old', 'new']));
  });
});
