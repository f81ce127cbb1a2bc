/**
 * Issue 11 §2 (part): `dcm ls` and `dcm check` see every login Docker can use, from every source
 * Docker reads: config.json's plaintext `auths` (written by the real `docker login` with no
 * credsStore), Docker's Go `docker-credential-pass` named in `credHelpers` (a throwaway GPG key
 * and password store), and dcm's own store; a helper that is not installed is one warning line.
 * Covers: src/cli/logins.ts, src/docker/helper-client.ts.
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dcmBinDir, requireTestSession, tempDir } from '../helpers/env.ts';
import { storeJson } from '../helpers/helper-process.ts';
import { startRegistry, type RunningRegistry } from '../helpers/registry.ts';
import { run } from '../helpers/spawn.ts';

const bin = dcmBinDir();
const PLAIN = { user: 'plain-user', password: 'plain-Passw0rd' };
const PASS = { user: 'pass-user', password: 'pass-Passw0rd' };

describe('issue 11: ls and check read every source Docker reads', () => {
  let plain: RunningRegistry;
  let viaPass: RunningRegistry;
  let env: NodeJS.ProcessEnv;
  let docker: string;

  beforeAll(async () => {
    requireTestSession();
    plain = await startRegistry({ [PLAIN.user]: PLAIN.password });
    viaPass = await startRegistry({ [PASS.user]: PASS.password });
    const gnupg = tempDir('gnupg');
    chmodSync(gnupg, 0o700);
    docker = tempDir('docker-sources');
    env = { ...process.env, GNUPGHOME: gnupg, PASSWORD_STORE_DIR: join(tempDir('pass'), 'store'), DOCKER_CONFIG: docker };
    expect(await run('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', 'dcm test <dcm@test.invalid>', 'default', 'default', 'never'], { env })).toExit(
      0,
    );
    const fingerprint = /^fpr:+([0-9A-F]+):/m.exec((await run('gpg', ['--list-keys', '--with-colons'], { env })).stdout)?.[1];
    expect(await run('pass', ['init', fingerprint!], { env })).toExit(0);
    expect(await run('docker-credential-pass', ['store'], { stdin: storeJson(viaPass.host, PASS.user, PASS.password), env })).toExit(0);
    // An auths entry up front keeps the Docker CLI on plaintext instead of a default helper of its own.
    writeFileSync(join(docker, 'config.json'), JSON.stringify({ auths: { 'example.invalid': {} }, credHelpers: { [viaPass.host]: 'pass' } }, null, '\t'));
    const login = await run('docker', ['login', plain.host, '-u', PLAIN.user, '--password-stdin'], { stdin: PLAIN.password, env });
    expect(login).toExit(0);
  });
  afterAll(async () => {
    await run('gpgconf', ['--kill', 'gpg-agent'], { env });
    await plain?.stop();
    await viaPass?.stop();
  });

  it('ls shows each login with its source; check verifies each against its registry', async () => {
    expect(JSON.parse(readFileSync(join(docker, 'config.json'), 'utf8')).auths[plain.host].auth).toBeTypeOf('string');
    const ls = await run(bin.dcm, ['ls', '--json'], { env });
    expect(ls.stderr).toBe('');
    const rows = JSON.parse(ls.stdout) as Array<{ registry: string }>;
    expect(rows.filter((r) => r.registry === plain.host || r.registry === viaPass.host)).toEqual(
      [
        { registry: plain.host, username: PLAIN.user, kind: 'password', source: 'config.json', store: null, expiresAt: null },
        { registry: viaPass.host, username: PASS.user, kind: 'password', source: 'helper:pass', store: null, expiresAt: null },
      ].sort((a, b) => (a.registry < b.registry ? -1 : 1)),
    );
    const text = await run(bin.dcm, ['ls'], { env });
    expect(text.stdout).toMatch(
      new RegExp(`^${plain.host.replace(/\./g, '\\.')} +${PLAIN.user} +password +config\\.json \\(plaintext: dcm migrate\\) +-$`, 'm'),
    );
    expect(text.stdout).toMatch(new RegExp(`^${viaPass.host.replace(/\./g, '\\.')} +${PASS.user} +password +docker-credential-pass +-$`, 'm'));

    const check = await run(bin.dcm, ['check', plain.host, viaPass.host, '--json', '--timeout', '5'], { env });
    const results = JSON.parse(check.stdout).results as Array<{ registry: string; source: string; status: string }>;
    expect(results.map((r) => [r.registry, r.source, r.status]).sort()).toEqual(
      [
        [plain.host, 'config.json', 'ok'],
        [viaPass.host, 'helper:pass', 'ok'],
      ].sort(),
    );
    expect(check).toExit(0);
    for (const output of [ls.stdout, text.stdout, check.stdout, check.stderr]) {
      expect(output).not.toContain(PLAIN.password);
      expect(output).not.toContain(PASS.password);
    }
    // Reads only: config.json and the password store are as they were.
    expect(JSON.parse(readFileSync(join(docker, 'config.json'), 'utf8')).auths[plain.host].auth).toBeTypeOf('string');
    expect(JSON.parse((await run('docker-credential-pass', ['list'], { env })).stdout)).toHaveProperty(viaPass.host);
  });

  it('a credHelpers entry naming a helper that is not installed: one warning, the others still listed', async () => {
    const config = JSON.parse(readFileSync(join(docker, 'config.json'), 'utf8'));
    const other = tempDir('docker-missing-helper');
    writeFileSync(join(other, 'config.json'), JSON.stringify({ ...config, credHelpers: { ...config.credHelpers, 'gone.example': 'nosuchhelper' } }));
    const result = await run(bin.dcm, ['ls', '--json'], { env: { ...env, DOCKER_CONFIG: other } });
    expect(result.stderr).toBe('dcm: warning: docker-credential-nosuchhelper could not be read: docker-credential-nosuchhelper is not on PATH\n');
    expect(result).toExit(2);
    expect((JSON.parse(result.stdout) as Array<{ registry: string }>).map((r) => r.registry)).toContain(plain.host);
  });
  it('a runner with logins only in auths and no keychain: check HOST decides by HOST, dcm is a warning; nothing to check is exit 1 (issue 22, item 9)', async () => {
    const runner = tempDir('docker-runner');
    const auth = Buffer.from(`${PLAIN.user}:${PLAIN.password}`).toString('base64');
    writeFileSync(join(runner, 'config.json'), JSON.stringify({ auths: { [plain.host]: { auth } } }));
    const noKeychain = { ...env, DOCKER_CONFIG: runner, DBUS_SESSION_BUS_ADDRESS: undefined };
    const named = await run(bin.dcm, ['check', plain.host, '--timeout', '5'], { env: noKeychain });
    expect(named).toExit(0);
    expect(named.stdout).toMatch(new RegExp(`^${plain.host.replace('.', '\\.')}\\s+${PLAIN.user}\\s+ok`, 'm'));
    expect(named.stderr).toMatch(/^dcm: warning: dcm could not be read: .*\(Docker does not use dcm here: this does not count\)$/m);
    // Every login, unnamed: dcm's store is still not one Docker reads here.
    expect(await run(bin.dcm, ['check', '--timeout', '5'], { env: noKeychain })).toExit(0);

    const empty = tempDir('docker-empty');
    writeFileSync(join(empty, 'config.json'), '{}');
    const nothing = await run(bin.dcm, ['check'], { env: { ...env, DOCKER_CONFIG: empty, DBUS_SESSION_BUS_ADDRESS: undefined } });
    expect(nothing).toExit(1);
    expect(nothing.stderr).toContain('dcm: no logins to check: Docker has none here');
  });
});
