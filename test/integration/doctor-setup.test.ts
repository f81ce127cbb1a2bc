/**
 * `dcm doctor` on a healthy set-up, with plaintext left, and with no keychain reachable; and
 * `dcm setup` keeping config.json's keys and style.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { dcmBinDir, requireTestSession, tempDir } from '../helpers/env.ts';
import { testMachine } from '../helpers/machine.ts';
import { run } from '../helpers/spawn.ts';

const bin = dcmBinDir();

function machine(config: unknown, options: { mode?: number; onPath?: boolean } = {}) {
  return testMachine({ config, ...options });
}

describe('dcm doctor', () => {
  beforeAll(requireTestSession);

  it('a healthy set-up: every check passes, exit 0', async () => {
    const m = machine({ auths: { 'ghcr.io': {} }, credsStore: 'dcm' });
    // podman, skopeo and buildah asked dcm too: the drop-in `dcm setup` writes.
    expect(await m.dcm(['setup'])).toExit(0);
    const result = await m.dcm(['doctor']);
    expect(result.stdout).toMatch(/^✓ helper: .*docker-credential-dcm \(v\d+\.\d+\.\d+\)$/m);
    expect(result.stdout).toMatch(/^✓ creds-store: credsStore is dcm$/m);
    expect(result.stdout).toMatch(/^✓ plaintext: no plaintext credentials in config\.json$/m);
    expect(result.stdout).toMatch(/^✓ permissions: config\.json is private \(600\)$/m);
    expect(result.stdout).toMatch(/^✓ keychain: Secret Service \(D-Bus\) is reachable and writable$/m);
    expect(result.stdout).not.toMatch(/^[✗!]/m);
    expect(result).toExit(0);
    const json = JSON.parse((await m.dcm(['doctor', '--json'])).stdout);
    expect(json.ok).toBe(true);
    expect(json.checks.map((c: { id: string }) => c.id)).toEqual([
      'helper',
      'config',
      'creds-store',
      'plaintext',
      'permissions',
      'containers',
      'store',
      'keychain',
      'keychain-items',
      'mirrors',
    ]);
    expect(result.stdout).toMatch(/^✓ mirrors: no Docker Hub mirrors configured$/m);
  });

  it('plaintext left: names the registries, never the secrets, and says to migrate', async () => {
    const secret = Buffer.from('alice:plaintext-Secret-1').toString('base64');
    const m = machine(
      {
        auths: { 'ghcr.io': { auth: secret }, 'quay.io': { identitytoken: 'idtok-Secret-2' } },
        credsStore: 'secretservice',
        credHelpers: { 'gcr.io': 'gcloud' },
      },
      { mode: 0o644 },
    );
    const result = await m.dcm(['doctor'], { env: { DOCKER_AUTH_CONFIG: '{"auths":{}}' } });
    expect(result).toExit(1);
    expect(result.stdout).toMatch(/^✗ plaintext: plaintext credentials in config\.json for ghcr\.io, quay\.io\n {4}fix: dcm migrate$/m);
    expect(result.stdout).toMatch(
      /^✗ creds-store: Docker keeps logins with credsStore "secretservice", not dcm\n {4}fix: dcm import --from secretservice && dcm setup$/m,
    );
    expect(result.stdout).toMatch(/^! cred-helpers: credHelpers send gcr\.io to docker-credential-gcloud$/m);
    expect(result.stdout).toMatch(/^! docker-auth-config: DOCKER_AUTH_CONFIG is set/m);
    expect(result.stdout).toMatch(/^✗ permissions: config\.json is readable by others \(mode 644\)\n {4}fix: chmod 600 /m);
    for (const leaked of [secret, 'plaintext-Secret-1', 'idtok-Secret-2']) expect(result.stdout + result.stderr).not.toContain(leaked);
  });

  it('no keychain reachable, helper not on PATH: both fail with their fixes', async () => {
    const m = machine({ credsStore: 'dcm' }, { onPath: false });
    const env = { ...m.env };
    delete env.DBUS_SESSION_BUS_ADDRESS;
    const result = await run(bin.dcm, ['doctor', '--json'], { env });
    expect(result).toExit(1);
    const checks = Object.fromEntries(JSON.parse(result.stdout).checks.map((c: { id: string }) => [c.id, c]));
    expect(checks.keychain).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/^keychain unavailable: no D-Bus session bus/),
      fix: expect.stringContaining('dbus-run-session'),
    });
    expect(checks.helper).toMatchObject({ status: 'fail', fix: expect.stringContaining('install.sh') });
  });

  it('a config.json that is not JSON is a failed check, not a crash', async () => {
    const m = machine('{"credsStore": ');
    const result = await m.dcm(['doctor']);
    expect(result).toExit(1);
    expect(result.stdout).toMatch(/^✗ config: .* is not valid JSON/m);
  });
});

describe('dcm setup', () => {
  beforeAll(requireTestSession);

  it.each([
    ['tabs', '\t'],
    ['two spaces', '  '],
    ['four spaces', '    '],
  ])('keeps every key and the indentation (%s), backs up once, is idempotent', async (_name, indent) => {
    const original = { auths: { 'ghcr.io': {} }, credsStore: 'desktop', proxies: { default: { httpProxy: 'http://p:3128' } }, 'x-unknown': [1, { a: true }] };
    const text = JSON.stringify(original, null, indent);
    const m = machine(text, { mode: 0o644 });
    const first = await m.dcm(['setup']);
    expect(first).toExit(0);
    // Docker Desktop's helper is named as what was replaced, with the way back (issue 21).
    expect(first.stdout).toContain(
      "credsStore: dcm (was desktop, Docker Desktop's helper: its logins stay there, `dcm import --from desktop` copies them; `dcm setup --undo` puts it back)",
    );
    const after = readFileSync(m.path, 'utf8');
    expect(JSON.parse(after)).toEqual({ ...original, credsStore: 'dcm' });
    expect(after).toBe(JSON.stringify({ ...original, credsStore: 'dcm' }, null, indent));
    expect(statSync(m.path).mode & 0o777).toBe(0o600);
    expect(readFileSync(`${m.path}.dcm-backup`, 'utf8')).toBe(text);

    const again = await m.dcm(['setup', '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ changed: false, credsStore: 'dcm', replacedCredsStore: null });
    expect(readFileSync(m.path, 'utf8')).toBe(after);
    expect(readFileSync(`${m.path}.dcm-backup`, 'utf8')).toBe(text);

    expect(await m.dcm(['setup', '--undo'])).toExit(0);
    expect(JSON.parse(readFileSync(m.path, 'utf8'))).toEqual(original);
  });

  it('--registry writes credHelpers under the keys Docker looks up', async () => {
    const m = machine({ credHelpers: { 'gcr.io': 'gcloud' } });
    const result = await m.dcm(['setup', '--registry', 'GHCR.io:443', '--registry', 'docker.io', '--json']);
    expect(JSON.parse(result.stdout)).toMatchObject({
      changed: true,
      credsStore: null,
      credHelpers: { 'gcr.io': 'gcloud', 'ghcr.io': 'dcm', 'https://index.docker.io/v1/': 'dcm' },
    });
    await m.dcm(['setup', '--undo', '--registry', 'ghcr.io']);
    expect(JSON.parse(readFileSync(m.path, 'utf8')).credHelpers).toEqual({ 'gcr.io': 'gcloud', 'https://index.docker.io/v1/': 'dcm' });
  });

  it('a config.json that is not JSON is refused and left as it was', async () => {
    const m = machine('not json at all');
    const result = await m.dcm(['setup']);
    expect(result).toExit(2);
    expect(result.stderr).toMatch(/is not valid JSON/);
    expect(readFileSync(m.path, 'utf8')).toBe('not json at all');
  });

  it('no keychain here: dcm setup changes nothing and names what works, with --store pass when pass is ready (issue 22, item 1)', async () => {
    const m = machine({ credsStore: 'desktop' });
    const before = readFileSync(m.path, 'utf8');
    const result = await m.dcm(['setup'], { env: { DBUS_SESSION_BUS_ADDRESS: undefined } });
    expect(result).toExit(8);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^dcm: keychain unavailable: no D-Bus session bus .*so Docker was not pointed at dcm/);
    expect(result.stderr).toContain('`dcm setup --store cache` (memory only');
    expect(result.stderr).not.toContain('Or keep credentials elsewhere');
    expect(readFileSync(m.path, 'utf8')).toBe(before);
    expect(existsSync(`${m.path}.dcm-backup`)).toBe(false);
    // --undo needs no store: it always runs.
    expect(await m.dcm(['setup', '--undo'], { env: { DBUS_SESSION_BUS_ADDRESS: undefined } })).toExit(0);
  });

  it('creates config.json when there is none', async () => {
    const dir = join(tempDir('fresh'), 'nested', '.docker');
    const result = await run(bin.dcm, ['setup'], { env: { ...process.env, DOCKER_CONFIG: dir } });
    expect(result).toExit(0);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))).toEqual({ credsStore: 'dcm' });
    expect(statSync(join(dir, 'config.json')).mode & 0o777).toBe(0o600);
  });
});
