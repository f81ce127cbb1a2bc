/**
 * Issue 11 §1 (the `pass` store): dcm on a machine with no D-Bus session at all, keeping
 * credentials in a real password store (Debian's pass and gnupg, a throwaway GNUPGHOME): the
 * protocol, the Docker CLI's login and logout through "credsStore": "dcm", skopeo through
 * credHelpers, with a key without passphrase and with a passphrase preset in the agent; a key
 * whose passphrase no agent holds fails at once instead of waiting for a pinentry; and afterwards
 * no file under HOME or the password store holds the secret in plaintext.
 * Covers: src/store/pass.ts, src/platform/process.ts, src/cli/commands/migrate/run-stores.ts.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dcmBinDir, everyFile, requireTestSession, tempDir } from '../helpers/env.ts';
import { storeJson } from '../helpers/helper-process.ts';
import { writeOciLayout } from '../helpers/oci-image.ts';
import { startRegistry, type RunningRegistry } from '../helpers/registry.ts';
import { run } from '../helpers/spawn.ts';

const bin = dcmBinDir();
const USER = 'pass-e2e';
const PASSWORD = 'Pa55-store-Secret-7f3a9c';
const TOKEN = 'identity-Token-in-pass-2b8e';

/** A machine with no D-Bus session: a throwaway HOME, GPG home and password store. */
async function passMachine(passphrase: string) {
  const home = tempDir('pass-home');
  const gnupg = join(home, '.gnupg');
  mkdirSync(gnupg, { mode: 0o700 });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    GNUPGHOME: gnupg,
    PASSWORD_STORE_DIR: join(home, '.password-store'),
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    DOCKER_CONFIG: join(home, '.docker'),
    PATH: `${bin.dir}:${process.env.PATH}`,
  };
  delete env.DBUS_SESSION_BUS_ADDRESS;
  if (passphrase) writeFileSync(join(gnupg, 'gpg-agent.conf'), 'allow-preset-passphrase\n');
  const key = await run(
    'gpg',
    [
      '--batch',
      '--pinentry-mode',
      'loopback',
      '--passphrase',
      passphrase,
      '--quick-gen-key',
      'dcm pass test <pass@test.invalid>',
      'default',
      'default',
      'never',
    ],
    { env },
  );
  expect(key).toExit(0);
  const colons = (await run('gpg', ['--list-secret-keys', '--with-colons', '--with-keygrip'], { env })).stdout;
  const fingerprint = /^fpr:+([0-9A-F]+):/m.exec(colons)![1]!;
  const keygrips = [...colons.matchAll(/^grp:+([0-9A-F]+):/gm)].map((m) => m[1]!);
  expect(await run('pass', ['init', fingerprint], { env })).toExit(0);
  const helper = (verb: string, stdin = '') => run(bin.helper, [verb], { stdin, env, timeoutMs: 30_000 });
  const dcm = (args: string[], stdin = '') => run(bin.dcm, args, { stdin, env, timeoutMs: 30_000 });
  return { home, env, keygrips, helper, dcm };
}

async function presetPassphrase(env: NodeJS.ProcessEnv, keygrips: string[], passphrase: string): Promise<void> {
  for (const grip of keygrips) {
    const result = await run('/usr/lib/gnupg/gpg-preset-passphrase', ['--preset', grip], { stdin: passphrase, env });
    expect(result).toExit(0);
  }
}

describe.each([
  ['a key without passphrase', ''],
  ['a passphrase preset in the agent', 'agent-Preset-Phrase'],
])('the pass store, with %s, and no D-Bus session', (_name, passphrase) => {
  let machine: Awaited<ReturnType<typeof passMachine>>;
  let registry: RunningRegistry;

  beforeAll(async () => {
    requireTestSession();
    machine = await passMachine(passphrase);
    if (passphrase) await presetPassphrase(machine.env, machine.keygrips, passphrase);
    registry = await startRegistry({ [USER]: PASSWORD });
  });
  afterAll(async () => {
    await run('gpgconf', ['--kill', 'gpg-agent'], { env: machine?.env });
    await registry?.stop();
  });

  it('dcm setup --store pass proves the store and records it; doctor reports it', async () => {
    const setup = await machine.dcm(['setup', '--store', 'pass']);
    expect(setup.stderr).toContain('dcm keeps credentials in the pass store from now on');
    expect(setup).toExit(0);
    expect(JSON.parse(readFileSync(join(machine.home, '.config', 'dcm', 'config.json'), 'utf8'))).toEqual({ store: 'pass' });
    expect(JSON.parse(readFileSync(join(machine.home, '.docker', 'config.json'), 'utf8')).credsStore).toBe('dcm');
    const doctor = JSON.parse((await machine.dcm(['doctor', '--json'])).stdout) as { checks: Array<{ id: string; status: string; detail: string }> };
    expect(doctor.checks.find((c) => c.id === 'store')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^pass: .*chosen by .*config\.json/) });
    expect(doctor.checks.find((c) => c.id === 'keychain')).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(/^pass store .* is reachable and writable$/),
    });
  });

  it('the protocol: store, get, list, erase; <token> round-trips', async () => {
    const host = 'proto.pass.test:5000';
    expect(await machine.helper('store', storeJson(host, USER, PASSWORD))).toMatchObject({ code: 0, stdout: '' });
    expect(await machine.helper('store', storeJson('token.pass.test', '<token>', TOKEN))).toMatchObject({ code: 0, stdout: '' });
    expect(JSON.parse((await machine.helper('get', host)).stdout)).toEqual({ ServerURL: host, Username: USER, Secret: PASSWORD });
    expect(JSON.parse((await machine.helper('get', 'token.pass.test')).stdout)).toMatchObject({ Username: '<token>', Secret: TOKEN });
    expect(JSON.parse((await machine.helper('list')).stdout)).toMatchObject({ [host]: USER, 'token.pass.test': '<token>' });
    // `pass` itself reads what dcm wrote, under the name as it is typed (issue 22, item 14).
    const shown = await run('pass', ['show', `dcm/${host}`], { env: machine.env });
    expect(shown).toExit(0);
    expect(JSON.parse(shown.stdout)).toEqual({ Username: USER, Secret: PASSWORD });
    // Private as pass's own files: entries and the index 0600, dcm's folder 0700.
    const folder = join(machine.env.PASSWORD_STORE_DIR!, 'dcm');
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    for (const name of readdirSync(folder)) expect(statSync(join(folder, name)).mode & 0o777, name).toBe(0o600);
    expect(await machine.helper('erase', host)).toMatchObject({ code: 0, stdout: '' });
    expect((await machine.helper('get', host)).stdout).toBe('credentials not found in native keychain\n');
    expect(await machine.helper('erase', 'token.pass.test')).toMatchObject({ code: 0 });
  });

  it('docker login and logout through credsStore dcm; skopeo through credHelpers; ls names the store', async () => {
    const docker = join(machine.home, '.docker');
    const config = JSON.parse(readFileSync(join(docker, 'config.json'), 'utf8'));
    writeFileSync(join(docker, 'config.json'), JSON.stringify({ ...config, credHelpers: { [registry.host]: 'dcm' } }, null, '\t'));
    const login = await run('docker', ['login', registry.host, '-u', USER, '--password-stdin'], { stdin: PASSWORD, env: machine.env });
    expect(login).toExit(0);
    expect(readFileSync(join(docker, 'config.json'), 'utf8')).not.toContain(PASSWORD);
    const ls = JSON.parse((await machine.dcm(['ls', '--json'])).stdout);
    expect(ls).toContainEqual({ registry: registry.host, username: USER, kind: 'password', source: 'dcm', store: 'pass', expiresAt: null });

    const layout = tempDir('oci');
    writeOciLayout(layout, 'v1');
    const image = `docker://${registry.host}/dcm/pass:v1`;
    const authfile = join(docker, 'config.json');
    const copy = await run('skopeo', ['copy', '--dest-tls-verify=false', '--authfile', authfile, `oci:${layout}:v1`, image], { env: machine.env });
    expect(copy).toExit(0);
    const inspect = await run('skopeo', ['inspect', '--tls-verify=false', '--authfile', authfile, image], { env: machine.env });
    expect(inspect).toExit(0);

    const logout = await run('docker', ['logout', registry.host], { env: machine.env });
    expect(logout).toExit(0);
    expect((await machine.helper('get', registry.host)).stdout).toBe('credentials not found in native keychain\n');
  });

  it('no file under HOME or the password store holds a secret in plaintext', async () => {
    await machine.helper('store', storeJson('leftover.pass.test', USER, PASSWORD));
    for (const file of everyFile(machine.home)) {
      const text = readFileSync(file, 'latin1');
      expect(text, file).not.toContain(PASSWORD);
      expect(text, file).not.toContain(TOKEN);
    }
    // The entries are GPG files, and the index is plain (it holds no secret).
    const names = readdirSync(join(machine.home, '.password-store', 'dcm'));
    expect(names).toContain('leftover.pass.test.gpg');
    expect(names).toContain('dcm:index.json');
  });

  it("an entry under dcm 0.1's %-encoded name is still read, and a new store replaces it (issue 22, item 14)", async () => {
    const folder = join(machine.env.PASSWORD_STORE_DIR!, 'dcm');
    expect(await machine.helper('store', storeJson('old.pass.test:5000', USER, PASSWORD))).toExit(0);
    renameSync(join(folder, 'old.pass.test:5000.gpg'), join(folder, 'old.pass.test%3A5000.gpg'));
    expect(JSON.parse((await machine.helper('get', 'old.pass.test:5000')).stdout)).toMatchObject({ Secret: PASSWORD });
    expect(await machine.helper('store', storeJson('old.pass.test:5000', USER, 'new-Secret'))).toExit(0);
    expect(readdirSync(folder).filter((n) => n.startsWith('old.'))).toEqual(['old.pass.test:5000.gpg']);
    expect(JSON.parse((await machine.helper('get', 'old.pass.test:5000')).stdout)).toMatchObject({ Secret: 'new-Secret' });
    expect(await machine.helper('erase', 'old.pass.test:5000')).toExit(0);
  });
});

describe('the pass store when it cannot be used', () => {
  beforeAll(requireTestSession);

  it('a passphrase no agent holds: one line at once with the fix, never a wait for a pinentry', async () => {
    const machine = await passMachine('never-Preset');
    // Encryption needs only the public key; decryption needs the passphrase.
    const stored = await run(bin.helper, ['store'], { stdin: storeJson('locked.pass.test', USER, PASSWORD), env: { ...machine.env, DCM_STORE: 'pass' } });
    expect(stored).toExit(0);
    await run('gpgconf', ['--kill', 'gpg-agent'], { env: machine.env });
    const got = await run(bin.helper, ['get'], { stdin: 'locked.pass.test', env: { ...machine.env, DCM_STORE: 'pass' }, timeoutMs: 20_000 });
    expect(got.signal).toBeNull();
    expect(got).toExit(1);
    expect(got.stdout).toMatch(
      /^pass store unavailable: the GPG key needs a passphrase and no gpg-agent holds it \(dcm never waits for a pinentry\)\. Preset it: .*gpg-preset-passphrase.*Or keep credentials elsewhere: dcm setup --store os, or dcm setup --store cache\n$/,
    );
    await run('gpgconf', ['--kill', 'gpg-agent'], { env: machine.env });
  });

  it('a missing GPG key, an uninitialised store, an entry dcm did not write: one line each, nothing lost', async () => {
    const machine = await passMachine('');
    const env = { ...machine.env, DCM_STORE: 'pass' };
    expect(await run(bin.helper, ['store'], { stdin: storeJson('kept.pass.test', USER, PASSWORD), env })).toExit(0);
    // An entry that is not what dcm wrote.
    const garbage = await run('pass', ['insert', '-m', 'dcm/garbage.pass.test'], { stdin: 'just a password\n', env });
    expect(garbage).toExit(0);
    const foreign = await run(bin.helper, ['get'], { stdin: 'garbage.pass.test', env });
    expect(foreign).toMatchObject({
      code: 1,
      stdout: "the keychain item for garbage.pass.test is not in dcm's format; remove it with `dcm logout garbage.pass.test` and log in again\n",
    });
    // The key is gone from GNUPGHOME.
    const emptyGnupg = tempDir('gnupg-empty');
    chmodSync(emptyGnupg, 0o700);
    const noKey = await run(bin.helper, ['get'], { stdin: 'kept.pass.test', env: { ...env, GNUPGHOME: emptyGnupg } });
    expect(noKey).toExit(1);
    expect(noKey.stdout).toMatch(/^pass store unavailable: gpg has no secret key to decrypt the entries in /);
    // A store no one initialised.
    const bare = await run(bin.helper, ['store'], {
      stdin: storeJson('x.pass.test', 'u', 's'),
      env: { ...env, PASSWORD_STORE_DIR: join(tempDir('bare'), 'store') },
    });
    expect(bare.stdout).toMatch(/^pass store unavailable: the password store .* is not initialised \(no \.gpg-id\)\. Run: pass init YOUR-GPG-KEY-ID/);
    // Nothing was lost.
    expect(JSON.parse((await run(bin.helper, ['get'], { stdin: 'kept.pass.test', env })).stdout).Secret).toBe(PASSWORD);
    await run('gpgconf', ['--kill', 'gpg-agent'], { env: machine.env });
  });

  it("an unwritable place for dcm's configuration: setup --store says so in one line and records nothing", async () => {
    const machine = await passMachine('');
    const file = join(machine.home, 'a-file');
    writeFileSync(file, 'x');
    const result = await run(bin.dcm, ['setup', '--store', 'pass'], { env: { ...machine.env, XDG_CONFIG_HOME: join(file, 'config') } });
    expect(result).toExit(1);
    expect(result.stderr).toBe(`dcm: cannot write ${join(file, 'config', 'dcm', 'config.json')}: a part of the path is not a directory\n`);
    await run('gpgconf', ['--kill', 'gpg-agent'], { env: machine.env });
  });

  it.each([
    ['DCM_STORE=nope', { DCM_STORE: 'nope' }],
    ['a configuration naming no store dcm has', {}],
  ])('%s: one line that lists the stores, exit 2 for the CLI and 1 for the helper', async (_name, extra) => {
    const home = tempDir('store-choice');
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), ...extra };
    if (!('DCM_STORE' in extra)) {
      mkdirSync(join(home, '.config', 'dcm'), { recursive: true });
      writeFileSync(join(home, '.config', 'dcm', 'config.json'), '{"store": "vault"}');
    }
    const cli = await run(bin.dcm, ['ls'], { env });
    expect(cli).toExit(2);
    expect(cli.stderr).toMatch(
      /unknown store "(nope|vault)" \(from .*\); dcm keeps credentials in: os \(.*\); pass \(.*\)\. Choose one with: dcm setup --store NAME/,
    );
    const helper = await run(bin.helper, ['get'], { stdin: 'ghcr.io', env });
    expect(helper).toExit(1);
    expect(helper.stdout).toMatch(/^unknown store/);
    expect(execFileSync('ls', ['-A', home], { encoding: 'utf8' })).not.toContain('.password-store');
  });
});

describe('dcm migrate --from-store os --to-store pass', () => {
  beforeAll(requireTestSession);

  it('moves every login, read back before it is erased, even when killed at any point, then uses pass', { tags: ['stress'], timeout: 240_000 }, async () => {
    const machine = await passMachine('');
    const env: NodeJS.ProcessEnv = { ...machine.env, XDG_RUNTIME_DIR: tempDir('migrate-run') };
    const logins = ['a.migrate.test', 'b.migrate.test:5000', 'c.migrate.test'];
    const put = logins
      .map((host, i) => `printf '%s' '${storeJson(host, `user${i}`, `${PASSWORD}-${i}`).trim()}' | DCM_STORE=os '${bin.helper}' store`)
      .join('\n');
    // Where each login is after a run: "host os|pass|both|none".
    const where = logins
      .map(
        (host) =>
          `o=$(printf %s '${host}' | DCM_STORE=os '${bin.helper}' get >/dev/null 2>&1 && echo 1); p=$(printf %s '${host}' | DCM_STORE=pass '${bin.helper}' get >/dev/null 2>&1 && echo 1); echo "where ${host} \${o:-0}\${p:-0}"`,
      )
      .join('\n');
    const script = [
      'printf pw | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null',
      // Killed at spread-out moments: every login stays in one store or both.
      'for delay in 0.05 0.2 0.4 0.6 0.9 1.3; do',
      put,
      `  DCM_STORE=os '${bin.dcm}' migrate --from-store os --to-store pass >/dev/null 2>&1 & pid=$!`,
      '  sleep $delay; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null',
      where,
      'done',
      put,
      `'${bin.dcm}' migrate --from-store os --to-store pass --json; echo "exit=$?"`,
      where,
      `'${bin.dcm}' ls --json`,
    ].join('\n');
    const result = await run('dbus-run-session', ['--', 'sh', '-c', script], { env, timeoutMs: 240_000 });
    const lines = result.stdout.trim().split('\n');
    const places = lines.filter((line) => line.startsWith('where '));
    expect(places.length).toBe(logins.length * 7);
    // Never lost (00), after any kill.
    expect(places.filter((line) => line.endsWith(' 00'))).toEqual([]);
    const report = JSON.parse(lines.find((line) => line.startsWith('{'))!);
    expect(report).toMatchObject({ from: 'os', to: 'pass', left: [], store: 'pass' });
    expect(lines).toContain('exit=0');
    // After the full run: each in pass only.
    expect(places.slice(-logins.length)).toEqual(logins.map((host) => `where ${host} 01`));
    expect(JSON.parse(readFileSync(join(machine.home, '.config', 'dcm', 'config.json'), 'utf8'))).toEqual({ store: 'pass' });
    const ls = JSON.parse(lines[lines.length - 1]!) as Array<{ registry: string; store: string }>;
    expect(ls.filter((row) => row.registry.endsWith('migrate.test') || row.registry.includes('migrate.test:')).map((row) => row.store)).toEqual([
      'pass',
      'pass',
      'pass',
    ]);
    for (const output of [result.stdout, result.stderr]) expect(output).not.toContain(PASSWORD);
    await run('gpgconf', ['--kill', 'gpg-agent'], { env: machine.env });
  });

  it.each([
    [['--from-store', 'os'], /--from-store and --to-store go together/],
    [['--from-store', 'pass', '--to-store', 'pass'], /--from-store and --to-store are both pass/],
    [['--from-store', 'os', '--to-store', 'vault'], /unknown store "vault" \(from --to-store\)/],
  ])('%j is a usage error, exit 2', async (args, message) => {
    const result = await run(bin.dcm, ['migrate', ...args]);
    expect(result).toExit(2);
    expect(result.stderr).toMatch(message);
  });
});

describe('the pass store against hostile names and a hand-edited index (issue 19, items 16-18)', () => {
  let machine: Awaited<ReturnType<typeof passMachine>>;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    requireTestSession();
    machine = await passMachine('');
    const runtime = join(machine.home, 'run');
    mkdirSync(runtime, { mode: 0o700 });
    env = { ...machine.env, DCM_STORE: 'pass', XDG_RUNTIME_DIR: runtime };
  });
  afterAll(async () => {
    await run(bin.dcm, ['logout', '--all', '--yes'], { env: { ...env, DCM_STORE: 'cache' } });
    await run('gpgconf', ['--kill', 'gpg-agent'], { env: machine?.env });
  });

  it('a registry name too long for a file name: one line naming the limit, nothing stored (item 16)', async () => {
    const host = `${['a', 'b', 'c', 'd'].map((c) => c.repeat(60)).join('.')}.example:5000`;
    const stored = await run(bin.helper, ['store'], { stdin: storeJson(host, 'u', 'long-Secret-1'), env });
    expect(stored).toExit(1);
    expect(stored.stdout).toMatch(
      /^the registry name ".*"… is too long for the pass store: its file name would be 2\d\d bytes, and a file name may have at most 255\n$/,
    );
    expect(stored.stderr).toBe('');
    expect((await run(bin.helper, ['get'], { stdin: host, env })).stdout).toBe('credentials not found in native keychain\n');
    expect(JSON.parse((await run(bin.helper, ['list'], { env })).stdout)).not.toHaveProperty(host);
  });

  it('an index entry that is no registry key: one warning, and logout --all, ls, completion and migrate go on (item 17)', async () => {
    for (const host of ['one.pass.test', 'two.pass.test'])
      expect(await run(bin.helper, ['store'], { stdin: storeJson(host, 'u', `${host}-Secret`), env })).toExit(0);
    const indexPath = join(env.PASSWORD_STORE_DIR!, 'dcm', 'dcm:index.json');
    const index = JSON.parse(readFileSync(indexPath, 'utf8')) as { v: number; entries: Record<string, string> };
    index.entries['\u001b]52;c;cHduZWQ=\u0007$(touch /tmp/dcm-index-pwned)'] = 'x';
    index.entries['not a registry'] = 'y';
    writeFileSync(indexPath, JSON.stringify(index));

    const ls = await run(bin.dcm, ['ls', '--json'], { env });
    expect(ls).toExit(0);
    expect(
      ls.stderr
        .trim()
        .split('\n')
        .filter((line) => line.includes('is not a registry login')),
    ).toHaveLength(2);
    expect(ls.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
    const completion = await run(bin.dcm, ['__complete', '--', 'logout', ''], { env });
    expect(completion.stdout.split('\n').filter(Boolean).sort()).toEqual(['one.pass.test', 'two.pass.test']);

    // migrate to the cache store: refused without --yes where no one can be asked (item 18).
    const refused = await run(bin.dcm, ['migrate', '--from-store', 'pass', '--to-store', 'cache'], { env });
    expect(refused).toExit(2);
    expect(refused.stderr).toMatch(
      /^dcm: the cache store forgets every login 8 h after it is stored \(DCM_CACHE_TTL\), and the pass store keeps them until they are removed: once moved, they are gone after 8 h; run again with --yes to move them anyway \(nothing was moved\)\n$/,
    );
    expect(Object.keys(JSON.parse((await run(bin.helper, ['list'], { env })).stdout)).sort()).toEqual(['one.pass.test', 'two.pass.test']);
    const moved = await run(bin.dcm, ['migrate', '--from-store', 'pass', '--to-store', 'cache', '--yes', '--json'], { env });
    expect(moved).toExit(0);
    expect((JSON.parse(moved.stdout) as { moved: Array<{ registry: string }> }).moved.map((m) => m.registry).sort()).toEqual([
      'one.pass.test',
      'two.pass.test',
    ]);

    // Back in pass, logout --all removes the real logins despite the entries it ignores.
    for (const host of ['one.pass.test', 'two.pass.test'])
      expect(await run(bin.helper, ['store'], { stdin: storeJson(host, 'u', `${host}-Secret`), env })).toExit(0);
    writeFileSync(indexPath, JSON.stringify({ ...index, entries: { ...JSON.parse(readFileSync(indexPath, 'utf8')).entries, 'not a registry': 'y' } }));
    const logout = await run(bin.dcm, ['logout', '--all', '--yes'], { env });
    expect(logout).toExit(0);
    expect(JSON.parse((await run(bin.helper, ['list'], { env })).stdout)).toEqual({});
  });
});
