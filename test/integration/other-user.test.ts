/**
 * Another local user, for real: a spare uid (65534) started with setpriv tries to stop every
 * store by taking dcm's locks first (issue 19, item 9). dcm's locks live in the user's own
 * private directory now, so the squatter holds nothing dcm needs, and a lock directory that
 * belongs to someone else is refused at once, with the fix.
 * Covers: src/store/socket-lock.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, dcmBinDir, requireTestSession, tempDir } from '../helpers/env.ts';
import { storeJson } from '../helpers/helper-process.ts';
import { run } from '../helpers/spawn.ts';

const bin = dcmBinDir();
let squatter: ChildProcess;
let held: string[];

beforeAll(async () => {
  requireTestSession();
  // The victim's runtime directory must exist before the squatter tries to plant in it.
  mkdirSync(join(process.env.XDG_RUNTIME_DIR!, 'dcm'), { recursive: true, mode: 0o700 });
  chmodSync(join(process.env.XDG_RUNTIME_DIR!, 'dcm'), 0o700);
  const fixture = join(ROOT, 'test', 'fixtures', 'squat-locks.ts');
  squatter = spawn(
    'setpriv',
    [
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      process.execPath,
      fixture,
      String(process.getuid!()),
      process.env.DBUS_SESSION_BUS_ADDRESS ?? '',
      process.env.XDG_RUNTIME_DIR!,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], cwd: tmpdir() },
  );
  held = await new Promise<string[]>((resolve, reject) => {
    let out = '';
    squatter.stdout!.on('data', (chunk: Buffer) => {
      out += chunk;
      const match = /^ready (.*)$/m.exec(out);
      if (match) resolve(JSON.parse(match[1]!) as string[]);
    });
    squatter.once('exit', (code) => reject(new Error(`the squatter exited (${code}) before it was ready`)));
  });
});
afterAll(() => {
  squatter?.kill('SIGKILL');
});

describe('another local user squatting on lock names (issue 19, item 9)', () => {
  it('the squatter holds the old abstract names but nothing in the private directory', () => {
    expect(held.filter((name) => name.startsWith('@'))).toHaveLength(3);
    expect(held.some((name) => name.endsWith('planted.lock'))).toBe(false);
  });

  it.each([
    ['the OS keychain', {}],
    ['the cache agent', { DCM_STORE: 'cache' }],
  ])('%s: store, list and erase go on as if it were not there', async (_name, extra) => {
    const env = { ...process.env, ...extra };
    const stored = await run(bin.helper, ['store'], { stdin: storeJson('squat.example', 'u', 'squat-Secret-1'), env, timeoutMs: 30_000 });
    expect(stored).toExit(0);
    expect((await run(bin.helper, ['list'], { env })).stdout).toContain('squat.example');
    const erased = await run(bin.helper, ['erase'], { stdin: 'squat.example', env, timeoutMs: 30_000 });
    expect(erased).toExit(0);
  });

  it('a lock directory that belongs to another user is refused at once, with the fix', async () => {
    const runtime = mkdtempSync(join(tempDir('other-runtime'), 'r-'));
    chmodSync(runtime, 0o700);
    mkdirSync(join(runtime, 'dcm'), { mode: 0o700 });
    chownSync(join(runtime, 'dcm'), 65534, 65534);
    const result = await run(bin.helper, ['store'], {
      stdin: storeJson('squat.example', 'u', 'squat-Secret-2'),
      env: { ...process.env, XDG_RUNTIME_DIR: runtime },
    });
    expect(result).toExit(1);
    // The helper answers Docker on stdout.
    expect(result.stdout).toMatch(
      /refusing the lock directory .*\/dcm: it belongs to uid 65534, not to you \(uid 0\)\. Set XDG_RUNTIME_DIR to a private directory of yours/,
    );
    expect(await run(bin.helper, ['get'], { stdin: 'squat.example' })).toExit(1);
  });

  it('a lock directory deeper than a unix socket path may be: the lock is reached through /proc/self/fd', async () => {
    const deep = join(tempDir('deep'), 'a-directory-name-of-forty-characters-xx', 'another-directory-name-of-forty-chars-x', 'state');
    mkdirSync(deep, { recursive: true, mode: 0o700 });
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_STATE_HOME: deep };
    delete env.XDG_RUNTIME_DIR;
    const stores = await Promise.all(
      ['deep1.example', 'deep2.example', 'deep3.example'].map((host) => run(bin.helper, ['store'], { stdin: storeJson(host, 'u', 'deep-Secret'), env })),
    );
    for (const result of stores) expect(result).toExit(0);
    expect(Object.keys(JSON.parse((await run(bin.helper, ['list'], { env })).stdout))).toEqual(
      expect.arrayContaining(['deep1.example', 'deep2.example', 'deep3.example']),
    );
    for (const host of ['deep1.example', 'deep2.example', 'deep3.example']) expect(await run(bin.helper, ['erase'], { stdin: host, env })).toExit(0);
  });
});
