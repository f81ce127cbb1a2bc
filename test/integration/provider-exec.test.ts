/**
 * `--provider exec` (issue 24), through the real helper and the real keychain: a script mints,
 * `get` serves the cached token without running it again, `ls`, `check` and `logout` see the
 * binding; hostile programs (a hang, 10 MB, garbage, a non-zero exit) and a settings file
 * another user could write each get one line and leave nothing behind. The cache's rules (a
 * still-valid token stands in when minting fails, an expired one never) are run with the same
 * scripts, a memory store and chosen clocks.
 * Covers: src/providers/tokens.ts, src/providers/identity.ts, src/providers/provider.ts, src/cli/provider-bindings.ts, src/cli/settings-file.ts.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MintFailed } from '../../src/errors.ts';
import { tokenFor } from '../../src/providers/tokens.ts';
import { CredentialStore } from '../../src/store/credential-store.ts';
import { InProcessLock, MemoryBackend } from '../../src/store/memory.ts';
import { requireTestSession, tempDir } from '../helpers/env.ts';
import { startRegistry, type RunningRegistry } from '../helpers/registry.ts';
import { testMachine } from '../helpers/machine.ts';

const USER = 'exec-user';
const PASSWORD = 'exec-Secret-registry-4c1d';

/** A script that counts its runs and prints `body` (a shell fragment). */
function script(dir: string, name: string, body: string): { path: string; runs: () => number } {
  const path = join(dir, name);
  const counter = join(dir, `${name}.runs`);
  writeFileSync(counter, '');
  writeFileSync(path, `#!/bin/sh\necho run >> ${counter}\n${body}\n`, { mode: 0o755 });
  return { path, runs: () => readFileSync(counter, 'utf8').split('\n').filter(Boolean).length };
}

function machineWithBindings(providers: Record<string, unknown>) {
  const config = tempDir('xdg-config');
  mkdirSync(join(config, 'dcm'));
  const settings = join(config, 'dcm', 'config.json');
  writeFileSync(settings, JSON.stringify({ providers }), { mode: 0o600 });
  const machine = testMachine({ config: { credsStore: 'dcm' }, env: { XDG_CONFIG_HOME: config, DCM_PROVIDER_TIMEOUT_MS: '3000' }, timeoutMs: 20_000 });
  return { ...machine, settings };
}

describe('exec provider, end to end', () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    requireTestSession();
    registry = await startRegistry({ [USER]: PASSWORD });
    return () => registry.stop();
  });

  it('login verifies the minted login at the registry, get serves it from the cache, logout removes it all', async () => {
    const dir = tempDir('exec');
    const mint = script(
      dir,
      'mint.sh',
      `printf '{"Username":"${USER}","Secret":"${PASSWORD}","ExpiresAt":"%s"}' "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)"`,
    );
    const machine = machineWithBindings({});
    const login = await machine.dcm(['login', registry.host, '--provider', 'exec', '--command', mint.path]);
    expect(login).toExit(0);
    expect(login.stdout).toMatch(new RegExp(`^Login Succeeded: exec tokens for ${registry.host.replace('.', '\\.')}, minted from exec ${mint.path}`));
    expect(login.stdout + login.stderr).not.toContain(PASSWORD);
    // The binding holds the command, never a secret.
    const settings = readFileSync(machine.settings, 'utf8');
    expect(JSON.parse(settings).providers[registry.host]).toEqual({ provider: 'exec', command: [mint.path] });
    expect(settings).not.toContain(PASSWORD);

    for (let i = 0; i < 3; i++) {
      const get = await machine.helper('get', registry.host);
      expect(get).toExit(0);
      expect(JSON.parse(get.stdout)).toEqual({ ServerURL: registry.host, Username: USER, Secret: PASSWORD });
    }
    expect(mint.runs()).toBe(1);

    const ls = JSON.parse((await machine.dcm(['ls', '--json'])).stdout);
    expect(ls).toEqual([expect.objectContaining({ registry: registry.host, username: USER, kind: 'provider:exec', identity: `exec ${mint.path}` })]);
    expect(Date.parse(ls[0].expiresAt)).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect(await machine.dcm(['check', registry.host])).toExit(0);
    // Docker's own list never mints.
    expect(JSON.parse((await machine.helper('list')).stdout)).toEqual({});
    expect(mint.runs()).toBe(1);

    const logout = await machine.dcm(['logout', registry.host]);
    expect(logout).toExit(0);
    expect(logout.stdout).toBe(`Removing the exec binding for ${registry.host} and its cached tokens\n`);
    expect(JSON.parse(readFileSync(machine.settings, 'utf8')).providers).toBeUndefined();
    expect((await machine.helper('get', registry.host)).stdout).toBe('credentials not found in native keychain\n');
  });

  it('a login the registry refuses is not bound, and nothing is cached', async () => {
    const dir = tempDir('exec-wrong');
    const mint = script(dir, 'wrong.sh', `echo '{"Username":"${USER}","Secret":"not-the-password"}'`);
    const machine = machineWithBindings({});
    const login = await machine.dcm(['login', registry.host, '--provider', 'exec', '--command', mint.path]);
    expect(login).toExit(3);
    expect(JSON.parse(readFileSync(machine.settings, 'utf8')).providers).toEqual({});
  });

  it.each([
    ['hangs', 'sleep 30', /exec: .* did not finish within 3 s/],
    ['prints 10 MB', 'head -c 10485760 /dev/zero | tr "\\0" x', /printed 10485760 bytes; a login is at most 65536/],
    ['prints garbage', 'echo "password=hunter2"', /did not print JSON/],
    ['exits non-zero', 'echo "vault: permission denied" >&2; exit 2', /exited 2: vault: permission denied/],
  ])('a program that %s: get fails in one line on stdout, exit 1, nothing cached', async (_name, body, message) => {
    const dir = tempDir('exec-hostile');
    const mint = script(dir, 'bad.sh', body);
    const machine = machineWithBindings({ 'hostile.example': { provider: 'exec', command: [mint.path] } });
    const started = Date.now();
    const get = await machine.helper('get', 'hostile.example');
    expect(get).toExit(1);
    expect(get.stdout).toMatch(message);
    expect(get.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(get.stdout).not.toContain('hunter2');
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('two gets racing on an empty cache: each returns a whole token, at most two mints, one consistent entry after', async () => {
    const dir = tempDir('exec-race');
    const mint = script(dir, 'slow.sh', `sleep 0.5; printf '{"Username":"u","Secret":"race-%s"}' "$$"`);
    const machine = machineWithBindings({ 'race.example': { provider: 'exec', command: [mint.path] } });
    const [a, b] = await Promise.all([machine.helper('get', 'race.example'), machine.helper('get', 'race.example')]);
    for (const get of [a, b]) {
      expect(get).toExit(0);
      expect(JSON.parse(get.stdout).Secret).toMatch(/^race-\d+$/);
    }
    expect(mint.runs()).toBeLessThanOrEqual(2);
    const secrets = [JSON.parse(a.stdout).Secret, JSON.parse(b.stdout).Secret];
    const after = JSON.parse((await machine.helper('get', 'race.example')).stdout).Secret;
    expect(secrets).toContain(after);
    expect(JSON.parse((await machine.helper('get', 'race.example')).stdout).Secret).toBe(after);
    expect(mint.runs()).toBeLessThanOrEqual(2);
  });

  it('doctor mints for each binding and names who minted; a binding that cannot mint fails the check with the fix', async () => {
    const dir = tempDir('exec-doctor');
    const good = script(dir, 'good.sh', `echo '{"Username":"u","Secret":"s"}'`);
    const bad = script(dir, 'bad.sh', 'echo "no such item" >&2; exit 1');
    const machine = machineWithBindings({
      'good.example': { provider: 'exec', command: [good.path] },
      'bad.example': { provider: 'exec', command: [bad.path] },
    });
    const doctor = await machine.dcm(['doctor', '--json']);
    expect(doctor).toExit(1);
    const checks = (JSON.parse(doctor.stdout) as { checks: Array<{ id: string; status: string; detail: string; fix?: string }> }).checks.filter(
      (c) => c.id === 'provider',
    );
    expect(checks).toEqual([
      expect.objectContaining({
        status: 'ok',
        detail: expect.stringMatching(new RegExp(`^good\\.example: exec mints from exec ${good.path} \\(valid until `)),
      }),
      expect.objectContaining({
        status: 'fail',
        detail: `bad.example: exec: ${bad.path} exited 1: no such item`,
        fix: 'fix what it names, then: dcm check bad.example',
      }),
    ]);
  });

  it('a settings file another user can write: its bindings are not used, and the fix is named', async () => {
    const dir = tempDir('exec-writable');
    const mint = script(dir, 'mint.sh', `echo '{"Username":"u","Secret":"s"}'`);
    const machine = machineWithBindings({ 'writable.example': { provider: 'exec', command: [mint.path] } });
    chmodSync(machine.settings, 0o620);
    const get = await machine.helper('get', 'writable.example');
    expect(get).toExit(1);
    expect(get.stdout).toMatch(/can be changed by another user \(mode 620\); its provider bindings are not used\. Fix it with: chmod 600 /);
    expect(mint.runs()).toBe(0);
  });
});

describe('the cache, with chosen clocks (memory store, real scripts)', () => {
  beforeAll(requireTestSession);
  const HOUR = 3_600_000;

  function world(body: string) {
    const dir = tempDir('exec-cache');
    const mint = script(dir, 'mint.sh', body);
    const settingsPath = join(dir, 'config.json');
    writeFileSync(settingsPath, '{}', { mode: 0o600 });
    const store = new CredentialStore(new MemoryBackend(), new InProcessLock());
    const warnings: string[] = [];
    const binding = { pattern: 'cache.example', provider: 'exec' as const, command: [mint.path] };
    const get = (now: number, command = binding.command) =>
      tokenFor({
        binding: { ...binding, command },
        host: 'cache.example',
        store,
        env: { PATH: process.env.PATH },
        now,
        settingsPath,
        warn: (line) => warnings.push(line),
      });
    return { dir, mint, get, warnings, setBody: (text: string) => writeFileSync(mint.path, `#!/bin/sh\necho run >> ${mint.path}.runs\n${text}\n`) };
  }

  it('fresh for half its life; then minted again; a failed mint past half-life serves the old one with a warning; an expired one never', async () => {
    const t0 = Date.now();
    const expiry = new Date(t0 + 12 * HOUR).toISOString();
    const w = world(`echo '{"Username":"u","Secret":"first","ExpiresAt":"${expiry}"}'`);
    expect((await w.get(t0)).secret).toBe('first');
    expect((await w.get(t0 + 5 * HOUR)).secret).toBe('first');
    expect(w.mint.runs()).toBe(1);

    w.setBody('exit 7');
    // 7 hours in: past half-life, still valid: the old token, and one warning naming the cause.
    expect((await w.get(t0 + 7 * HOUR)).secret).toBe('first');
    expect(w.warnings).toEqual([expect.stringMatching(/^exec: .* exited 7; the cached token, valid until .*, is used$/)]);
    // 12 hours in: expired: never served.
    await expect(w.get(t0 + 12 * HOUR)).rejects.toThrow(MintFailed);
    expect(w.mint.runs()).toBe(3);
  });

  it('another identity is another entry: a new command line mints its own token, and the first stays cached', async () => {
    const t0 = Date.now();
    const expiry = new Date(t0 + HOUR).toISOString();
    const w = world(`echo '{"Username":"u","Secret":"a","ExpiresAt":"${expiry}"}'`);
    const other = script(w.dir, 'other.sh', `echo '{"Username":"u","Secret":"b","ExpiresAt":"${expiry}"}'`);
    expect((await w.get(t0)).secret).toBe('a');
    expect((await w.get(t0, [other.path])).secret).toBe('b');
    expect((await w.get(t0)).secret).toBe('a');
    expect((await w.get(t0, [other.path])).secret).toBe('b');
    expect([w.mint.runs(), other.runs()]).toEqual([1, 1]);
  });
});
