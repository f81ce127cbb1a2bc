/**
 * Issue 9, the files dcm reads and writes: special files that used to hang or fill memory, a
 * helper that leaves a grandchild holding its stdout, backups that are symlinks, config.json
 * shapes that setup used to mangle, and migrate's two data-loss cases. Real processes, a real
 * keychain; each test failed before its fix. The hang guards (the `timeoutMs` of each run) are
 * not speed checks: a run that hangs is killed and fails its test.
 * Covers: src/platform/atomic-file.ts, src/platform/files.ts, src/platform/paths.ts.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dcmBinDir, requireTestSession, tempDir } from '../helpers/env.ts';
import { testMachine } from '../helpers/machine.ts';
import { uniqueHost } from '../helpers/helper-process.ts';
import { run } from '../helpers/spawn.ts';

const bin = dcmBinDir();
const GUARD = { timeoutMs: 15_000 };
const b64 = (text: string) => Buffer.from(text).toString('base64');

function dockerDir() {
  const machine = testMachine({ timeoutMs: GUARD.timeoutMs });
  return { ...machine, dcm: (args: string[]) => machine.dcm(args) };
}

describe('issue 9: special files are refused before they are read', () => {
  beforeAll(requireTestSession);

  it.each([
    ['a FIFO', (path: string) => execFileSync('mkfifo', [path])],
    ['a link to /dev/zero', (path: string) => symlinkSync('/dev/zero', path)],
  ])('the names file as %s: store, list and erase neither hang nor read without end (issue 19, item 10)', async (_name, plant) => {
    const state = tempDir('names-state');
    mkdirSync(join(state, 'dcm'), { mode: 0o700 });
    const names = join(state, 'dcm', 'registries');
    plant(names);
    const env = { ...process.env, XDG_STATE_HOME: state };
    const host = uniqueHost('names');
    const stored = await run(bin.helper, ['store'], { stdin: JSON.stringify({ ServerURL: host, Username: 'u', Secret: 'names-Secret-1' }), env, ...GUARD });
    expect([stored.signal, stored.code], stored.stdout).toEqual([null, 0]);
    const listed = await run(bin.helper, ['list'], { env, ...GUARD });
    expect([listed.signal, listed.code]).toEqual([null, 0]);
    expect(JSON.parse(listed.stdout)).toHaveProperty(host);
    const erased = await run(bin.helper, ['erase'], { stdin: host, env, ...GUARD });
    expect([erased.signal, erased.code]).toEqual([null, 0]);
    // The special file was replaced by dcm's own regular file, not written through.
    expect(readFileSync(names, 'utf8')).not.toContain(host);
  });

  it.each([
    ['setup', ['setup'], 2],
    ['migrate', ['migrate'], 2],
    ['doctor', ['doctor'], 1],
  ])('config.json as a FIFO: %s ends with one clear line', async (_name, args, code) => {
    const docker = dockerDir();
    execFileSync('mkfifo', [docker.path]);
    const result = await docker.dcm(args);
    expect(result.signal).toBeNull();
    expect(result).toExit(code);
    expect(result.stdout + result.stderr).toContain(`${docker.path} is not a regular file (a FIFO)`);
  });

  it('config.json as a link to /dev/zero is refused at once, not read until memory runs out', async () => {
    const docker = dockerDir();
    symlinkSync('/dev/zero', docker.path);
    const result = await docker.dcm(['setup']);
    expect(result).toExit(2);
    expect(result.stderr).toBe(`dcm: ${docker.path} is not a regular file (a character device); dcm changes nothing it cannot read\n`);
  });

  it('a config.json larger than any real one is refused', async () => {
    const docker = dockerDir();
    writeFileSync(docker.path, `{"pad":"${'x'.repeat(5 * 1024 * 1024)}"}`);
    const result = await docker.dcm(['setup']);
    expect(result).toExit(2);
    expect(result.stderr).toMatch(/is larger than 4194304 bytes/);
  });

  it('a FIFO *.crt in --cert-dir is refused within the login, not waited on past --timeout', async () => {
    const certs = tempDir('certs');
    execFileSync('mkfifo', [join(certs, 'ca.crt')]);
    const result = await run(bin.dcm, ['login', '127.0.0.1:9', '-u', 'u', '--password-stdin', '--cert-dir', certs, '--timeout', '2'], {
      stdin: 'pw',
      ...GUARD,
    });
    expect(result).toExit(2);
    expect(result.stderr).toBe(`dcm: ${join(certs, 'ca.crt')} is not a regular file (a FIFO); certs.d and --cert-dir hold certificate files only\n`);
  });

  it('a read-only place for config.json: one line naming the file and the cause, nothing changed', async () => {
    // root ignores permission bits, so the path goes through a regular file instead (ENOTDIR).
    const file = join(tempDir('not-a-dir'), 'file');
    writeFileSync(file, 'x');
    const env = { ...process.env, DOCKER_CONFIG: join(file, 'docker') };
    const result = await run(bin.dcm, ['setup'], { env, ...GUARD });
    expect(result).toExit(1);
    expect(result.stderr).toBe(`dcm: cannot write ${join(file, 'docker', 'config.json')}: a part of the path is not a directory\n`);
  });
});

describe('issue 9: import ends when the other helper ends', () => {
  beforeAll(requireTestSession);
  const pids: string[] = [];
  afterAll(() => {
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone
      }
    }
  });

  it('a helper that leaves a grandchild holding its stdout does not hang dcm import', async () => {
    const dir = tempDir('sticky-helper');
    const host = uniqueHost('sticky');
    const pidFile = join(dir, 'pids');
    // Each call starts a sleeper that inherits stdout (only: stderr would hold the test's own pipe) and outlives the helper.
    writeFileSync(
      join(dir, 'docker-credential-sticky'),
      `#!/bin/sh
sleep 300 2>/dev/null & echo $! >> '${pidFile}'
case "$1" in
  list) printf '{"%s":"u"}\\n' '${host}' ;;
  get) cat >/dev/null; printf '{"ServerURL":"%s","Username":"u","Secret":"sticky-secret"}\\n' '${host}' ;;
esac
`,
    );
    chmodSync(join(dir, 'docker-credential-sticky'), 0o755);
    const env = { ...process.env, PATH: `${dir}:${process.env.PATH}` };
    const result = await run(bin.dcm, ['import', '--from', 'sticky'], { env, ...GUARD });
    pids.push(...readFileSync(pidFile, 'utf8').trim().split('\n'));
    expect(result.signal).toBeNull();
    expect(result).toExit(0);
    expect(result.stdout).toBe(`imported ${host} (u) from docker-credential-sticky\n`);
    expect(JSON.parse((await run(bin.helper, ['get'], { stdin: host })).stdout).Secret).toBe('sticky-secret');
    await run(bin.helper, ['erase'], { stdin: host });
  });
});

describe('issue 9: dcm never writes through a link', () => {
  beforeAll(requireTestSession);

  it('a backup that is a symlink to another JSON file: setup changes neither that file nor config.json', async () => {
    const docker = dockerDir();
    const victim = join(tempDir('victim'), 'other.json');
    const victimText = `{"auths":{"keep.example":{"auth":"${b64('victim:secret')}"}}}`;
    writeFileSync(victim, victimText);
    writeFileSync(docker.path, '{\n\t"auths": {}\n}\n');
    symlinkSync(victim, `${docker.path}.dcm-backup`);
    const result = await docker.dcm(['setup']);
    expect(result).toExit(2);
    expect(result.stderr).toBe(
      `dcm: ${docker.path}.dcm-backup is a symbolic link; dcm never writes through it. Remove it (rm ${docker.path}.dcm-backup) and retry\n`,
    );
    expect(readFileSync(victim, 'utf8')).toBe(victimText);
    expect(readFileSync(docker.path, 'utf8')).toBe('{\n\t"auths": {}\n}\n');
  });

  it('a dangling backup symlink: no file is created at its target', async () => {
    const docker = dockerDir();
    const target = join(tempDir('elsewhere'), 'created-by-dcm.json');
    writeFileSync(docker.path, '{}\n');
    symlinkSync(target, `${docker.path}.dcm-backup`);
    const result = await docker.dcm(['setup']);
    expect(result).toExit(2);
    expect(existsSync(target)).toBe(false);
  });
});

describe('issue 9: setup keeps what it cannot understand', () => {
  beforeAll(requireTestSession);

  it('a "credHelpers" that is a string is refused, not turned into {"0":"a",...}', async () => {
    const docker = dockerDir();
    const text = '{\n\t"credHelpers": "abc"\n}\n';
    writeFileSync(docker.path, text);
    const result = await docker.dcm(['setup', '--registry', 'ghcr.io']);
    expect(result).toExit(2);
    expect(result.stderr).toMatch(/"credHelpers" in .* is a string, not an object of registry → helper; fix it, then retry \(nothing was changed\)/);
    expect(readFileSync(docker.path, 'utf8')).toBe(text);
  });

  it('--undo with a backup that cannot be read keeps credsStore', async () => {
    const docker = dockerDir();
    writeFileSync(docker.path, '{\n\t"credsStore": "dcm"\n}\n');
    writeFileSync(`${docker.path}.dcm-backup`, '{ not json');
    const result = await docker.dcm(['setup', '--undo']);
    expect(result).toExit(2);
    expect(result.stderr).toMatch(/dcm cannot tell what config.json said before dcm, so nothing was changed/);
    expect(JSON.parse(readFileSync(docker.path, 'utf8'))).toEqual({ credsStore: 'dcm' });
  });
});

describe('issue 9: migrate loses nothing', () => {
  beforeAll(requireTestSession);
  const erase = (host: string) => run(bin.helper, ['erase'], { stdin: host });
  const get = async (host: string) => JSON.parse((await run(bin.helper, ['get'], { stdin: host })).stdout) as { Username: string; Secret: string };

  it('two spellings of one registry with different logins: one moves, the other stays and is reported', async () => {
    const docker = dockerDir();
    const host = uniqueHost('dup');
    writeFileSync(
      docker.path,
      JSON.stringify({ auths: { [`https://${host}/`]: { auth: b64('erin:erin-pw') }, [host]: { auth: b64('frank:frank-pw') } } }, null, '\t'),
    );
    const result = await docker.dcm(['migrate', '--json']);
    const report = JSON.parse(result.stdout);
    expect(result).toExit(1);
    expect(report.moved).toEqual([{ registry: host, username: 'frank', kind: 'password' }]);
    expect(report.left).toEqual([{ registry: `https://${host}/`, reason: expect.stringContaining('another spelling') }]);
    expect(await get(host)).toMatchObject({ Username: 'frank', Secret: 'frank-pw' });
    // erin's login is still where it was.
    const after = JSON.parse(readFileSync(docker.path, 'utf8'));
    expect(after.auths[`https://${host}/`]).toEqual({ auth: b64('erin:erin-pw') });
    expect(after.auths[host]).toEqual({});
    await erase(host);
  });

  it('an entry with both "auth" and "identitytoken": the token moves, the password stays in config.json', async () => {
    const docker = dockerDir();
    const host = uniqueHost('both');
    writeFileSync(docker.path, JSON.stringify({ auths: { [host]: { auth: b64('erin:the-password'), identitytoken: 'the-refresh-token' } } }, null, '\t'));
    const result = await docker.dcm(['migrate', '--json']);
    expect(result).toExit(1);
    expect(JSON.parse(result.stdout).left).toEqual([{ registry: host, reason: expect.stringMatching(/^its "auth" stays in config.json/) }]);
    expect(await get(host)).toMatchObject({ Username: '<token>', Secret: 'the-refresh-token' });
    expect(JSON.parse(readFileSync(docker.path, 'utf8')).auths[host]).toEqual({ auth: b64('erin:the-password') });
    await erase(host);
  });
});

describe('issue 9: the lock and the state directory do not stall a store', () => {
  beforeAll(requireTestSession);

  it.each([
    ['a directory', (path: string) => mkdirSync(path)],
    ['a dangling symlink', (path: string) => symlinkSync('/nonexistent/dcm-lock', path)],
    [
      'an mtime in the future',
      (path: string) => {
        writeFileSync(path, '1@host');
        execFileSync('touch', ['-d', '2099-01-01', path]);
      },
    ],
    ['a live unrelated PID', (path: string) => writeFileSync(path, `1@${execFileSync('hostname', { encoding: 'utf8' }).trim()}`)],
    ['an empty file', (path: string) => writeFileSync(path, '')],
  ])('an index.lock that is %s is not a lock', async (_name, plant) => {
    const state = tempDir('state');
    mkdirSync(join(state, 'dcm'), { recursive: true });
    plant(join(state, 'dcm', 'index.lock'));
    const host = uniqueHost('lockplant');
    const env = { ...process.env, XDG_STATE_HOME: state };
    // 10 s was the old lock's timeout: a store that waited for it is killed by the guard.
    const stored = await run(bin.helper, ['store'], { stdin: JSON.stringify({ ServerURL: host, Username: 'u', Secret: 's' }), env, timeoutMs: 8000 });
    expect(stored).toMatchObject({ code: 0, stdout: '' });
    expect(JSON.parse((await run(bin.helper, ['list'], { env })).stdout)[host]).toBe('u');
    await run(bin.helper, ['erase'], { stdin: host, env, timeoutMs: 8000 });
  });

  it('an unusable state directory does not fail a store that has stored its secret', async () => {
    const file = join(tempDir('state-file'), 'file');
    writeFileSync(file, 'x');
    const host = uniqueHost('nostate');
    const env = { ...process.env, XDG_STATE_HOME: join(file, 'state') };
    const stored = await run(bin.helper, ['store'], { stdin: JSON.stringify({ ServerURL: host, Username: 'u', Secret: 's' }), env });
    expect(stored).toMatchObject({ code: 0, stdout: '' });
    expect(JSON.parse((await run(bin.helper, ['list'], { env })).stdout)[host]).toBe('u');
    await run(bin.helper, ['erase'], { stdin: host, env });
  });
});
