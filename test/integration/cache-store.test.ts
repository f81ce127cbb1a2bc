/**
 * Issue 11 §1 (the `cache` store): logins held in memory by a per-user agent the first store
 * starts, with no D-Bus session at all: 20 stores and 20 gets at once; expiry after the time to
 * live; the agent's directory and socket permissions; another local user cannot read a login; a
 * killed agent is a clear error on get and is started again by the next store; a planted file at
 * the socket path is refused; no file anywhere holds the secret; the agent exits when it holds
 * nothing.
 * Covers: src/store/cache.ts, src/store/cache-agent.ts, src/platform/paths.ts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, dcmBinDir, everyFile, requireTestSession, tempDir } from '../helpers/env.ts';
import { storeJson } from '../helpers/helper-process.ts';
import { run } from '../helpers/spawn.ts';
import { cacheScope } from '../../src/store/cache.ts';

const bin = dcmBinDir();
const SECRET = 'cache-Secret-held-in-memory-9d2f';
const OTHER_USER = 'dcmcachetest';

function cacheMachine(extra: NodeJS.ProcessEnv = {}) {
  const home = tempDir('cache-home');
  const runtime = join(home, 'run');
  mkdirSync(runtime, { mode: 0o700 });
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_RUNTIME_DIR: runtime, XDG_CACHE_HOME: join(home, '.cache'), DCM_STORE: 'cache', ...extra };
  delete env.DBUS_SESSION_BUS_ADDRESS;
  const helper = (verb: string, stdin = '', more: NodeJS.ProcessEnv = {}) => run(bin.helper, [verb], { stdin, env: { ...env, ...more }, timeoutMs: 30_000 });
  const socket = join(runtime, 'dcm', `cache-${cacheScope(env)}.sock`);
  const agents = () =>
    spawnSync('pgrep', ['-f', `__dcm-cache-agent ${socket}`], { encoding: 'utf8' })
      .stdout.trim()
      .split('\n')
      .filter(Boolean);
  return { home, runtime, env, helper, agents, socket };
}

describe('the cache store', () => {
  const machines: Array<ReturnType<typeof cacheMachine>> = [];
  const machine = (extra: NodeJS.ProcessEnv = {}) => {
    const m = cacheMachine(extra);
    machines.push(m);
    return m;
  };
  beforeAll(requireTestSession);
  afterAll(() => {
    for (const m of machines) for (const pid of m.agents()) spawnSync('kill', ['-9', pid]);
    spawnSync('userdel', [OTHER_USER]);
  });

  it('the first store starts the agent; 20 stores and 20 gets at once all succeed', { tags: ['stress'] }, async () => {
    const m = machine();
    expect(m.agents()).toEqual([]);
    const hosts = Array.from({ length: 20 }, (_, i) => `r${i}.cache.test`);
    const stores = await Promise.all(hosts.map((host, i) => m.helper('store', storeJson(host, `user${i}`, `${SECRET}-${i}`))));
    for (const result of stores) expect(result).toMatchObject({ code: 0, stdout: '' });
    expect(m.agents()).toHaveLength(1);
    const gets = await Promise.all(hosts.map((host) => m.helper('get', host)));
    for (const [i, result] of gets.entries())
      expect(JSON.parse(result.stdout)).toEqual({ ServerURL: hosts[i], Username: `user${i}`, Secret: `${SECRET}-${i}` });
    const listed = JSON.parse((await m.helper('list')).stdout);
    expect(Object.keys(listed).sort()).toEqual([...hosts].sort());
    const ls = JSON.parse((await run(bin.dcm, ['ls', '--json'], { env: m.env })).stdout) as Array<{ store: string }>;
    expect(new Set(ls.map((row) => row.store))).toEqual(new Set(['cache']));
    // The agent's private directory and socket.
    expect(statSync(join(m.runtime, 'dcm')).mode & 0o777).toBe(0o700);
    expect(statSync(m.socket).isSocket()).toBe(true);
    expect(statSync(m.socket).mode & 0o777).toBe(0o600);
    // Nothing on disk holds a secret: not HOME, not the runtime directory, not the temp directory.
    for (const file of [...everyFile(m.home), ...everyFile(process.env.DCM_TEST_TMP ?? '/tmp').filter((f) => f.includes('cache-home'))]) {
      expect(readFileSync(file, 'latin1'), file).not.toContain(SECRET);
    }
    // Erasing everything: the agent holds nothing and exits.
    await Promise.all(hosts.map((host) => m.helper('erase', host)));
    for (let i = 0; i < 50 && m.agents().length > 0; i++) await sleep(100);
    expect(m.agents()).toEqual([]);
    expect(existsSync(m.socket)).toBe(false);
    expect((await m.helper('get', 'r1.cache.test')).stdout).toBe('credentials not found in native keychain\n');
  });

  it('a login is forgotten after its time to live, and then says it expired, not that it is missing (issue 22, item 6)', async () => {
    const m = machine({ DCM_CACHE_TTL: '2s' });
    expect(await m.helper('store', storeJson('ttl.cache.test', 'u', SECRET))).toExit(0);
    expect(JSON.parse((await m.helper('get', 'ttl.cache.test')).stdout).Secret).toBe(SECRET);
    // dcm ls shows when the cached login goes.
    const ls = JSON.parse((await run(bin.dcm, ['ls', '--json'], { env: m.env })).stdout) as { registry: string; expiresAt: string | null }[];
    const goes = Date.parse(ls.find((row) => row.registry === 'ttl.cache.test')?.expiresAt ?? '');
    expect(goes - Date.now()).toBeGreaterThan(0);
    expect(goes - Date.now()).toBeLessThanOrEqual(2_000);
    for (let i = 0; i < 60 && m.agents().length > 0; i++) await sleep(100);
    const gone = await m.helper('get', 'ttl.cache.test');
    expect(gone).toExit(1);
    expect(gone.stdout).toMatch(
      /^the login for ttl\.cache\.test expired in the cache store at \d{4}-\d\d-\d\dT.*\(its time to live, DCM_CACHE_TTL\); log in again\n$/,
    );
    expect(JSON.parse((await m.helper('list')).stdout)).toEqual({});
    expect(m.agents()).toEqual([]);
    // A name never stored is still plainly not found.
    expect((await m.helper('get', 'never.cache.test')).stdout).toBe('credentials not found in native keychain\n');
  });

  it("one job never reads another's logins: the agent is per job (run id, CI_JOB_ID) and per HOME; logout --all ends it (issue 22, item 6)", async () => {
    const m = machine();
    const job = (id: string) => ({ GITHUB_ACTIONS: 'true', GITHUB_RUN_ID: id, GITHUB_RUN_ATTEMPT: '1', GITHUB_JOB: 'build' });
    expect(await m.helper('store', storeJson('job.cache.test', 'u', SECRET), job('100'))).toExit(0);
    expect(JSON.parse((await m.helper('get', 'job.cache.test', job('100'))).stdout).Secret).toBe(SECRET);
    for (const other of [job('101'), { CI_JOB_ID: '7' }, { HOME: join(m.home, 'elsewhere') }]) {
      const got = await m.helper('get', 'job.cache.test', other);
      expect(got.stdout, JSON.stringify(other)).toBe('credentials not found in native keychain\n');
      expect(JSON.parse((await m.helper('list', '', other)).stdout)).toEqual({});
    }
    const agent = join(m.runtime, 'dcm', `cache-${cacheScope({ ...m.env, ...job('100') })}.sock`);
    expect(existsSync(agent)).toBe(true);
    expect(await run(bin.dcm, ['logout', '--all', '--yes'], { env: { ...m.env, ...job('100') } })).toExit(0);
    for (let i = 0; i < 50 && existsSync(agent); i++) await sleep(100);
    expect(existsSync(agent), 'the agent exits once it holds nothing').toBe(false);
  });

  it('a killed agent is a clear error on get, and the next store starts a new one', async () => {
    const m = machine();
    expect(await m.helper('store', storeJson('killed.cache.test', 'u', SECRET))).toExit(0);
    for (const pid of m.agents()) execFileSync('kill', ['-9', pid]);
    await sleep(200);
    const got = await m.helper('get', 'killed.cache.test');
    expect(got).toExit(1);
    expect(got.stdout).toMatch(/^cache store unavailable: the cache agent at .* is gone \(killed\?\), and the logins it held with it\. Log in again: /);
    expect(await m.helper('store', storeJson('again.cache.test', 'u', SECRET))).toExit(0);
    expect(JSON.parse((await m.helper('get', 'again.cache.test')).stdout).Secret).toBe(SECRET);
    expect(m.agents()).toHaveLength(1);
  });

  it('another local user cannot read a login', async () => {
    const m = machine();
    expect(await m.helper('store', storeJson('mine.cache.test', 'u', SECRET))).toExit(0);
    spawnSync('useradd', ['-M', '-s', '/bin/sh', OTHER_USER]);
    // As that user, pointed at this user's agent: refused (the directory is not theirs, and 0700).
    const other = spawnSync(
      'runuser',
      [
        '-u',
        OTHER_USER,
        '--',
        'env',
        `XDG_RUNTIME_DIR=${m.runtime}`,
        'DCM_STORE=cache',
        `HOME=/tmp`,
        `PATH=${process.env.PATH}`,
        process.env.DCM_TEST_BINARY ?? join(ROOT, 'src', 'main.ts'),
        'get',
      ],
      {
        input: 'mine.cache.test',
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    expect(other.status).toBe(1);
    expect(other.stdout).not.toContain(SECRET);
    expect(other.stdout).toMatch(/cache store unavailable: (refusing .* it belongs to uid 0|cannot create the agent's directory)/);
    // And the socket itself cannot be reached by them.
    const connect = spawnSync(
      'runuser',
      [
        '-u',
        OTHER_USER,
        '--',
        process.execPath,
        '-e',
        `require('net').connect(${JSON.stringify(m.socket)}).on('error', (e) => { console.log(e.code); process.exit(3) }).on('connect', () => process.exit(0))`,
      ],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(connect.status).toBe(3);
    expect(connect.stdout.trim()).toBe('EACCES');
  });

  it.each([
    [
      'a planted file at the socket path',
      (m: ReturnType<typeof cacheMachine>) => {
        mkdirSync(join(m.runtime, 'dcm'), { mode: 0o700 });
        writeFileSync(m.socket, 'not a socket');
      },
      /^cache store unavailable: refusing .*cache-[0-9a-f]{16}\.sock: it is not a socket\. Remove it/,
    ],
    [
      'a directory open to others',
      (m: ReturnType<typeof cacheMachine>) => mkdirSync(join(m.runtime, 'dcm'), { mode: 0o777 }),
      /^cache store unavailable: refusing .*: it is open to other users \(mode 7/,
    ],
    ['a time to live that is not one', () => undefined, /^cache store unavailable: DCM_CACHE_TTL="forever" is not a time to live/],
  ])('%s: one clear line, nothing stored', async (name, plant, message) => {
    const m = machine(name.startsWith('a time') ? { DCM_CACHE_TTL: 'forever' } : {});
    plant(m);
    if (name.startsWith('a directory')) execFileSync('chmod', ['777', join(m.runtime, 'dcm')]);
    const stored = await m.helper('store', storeJson('refused.cache.test', 'u', SECRET));
    expect(stored).toExit(1);
    expect(stored.stdout).toMatch(message);
    expect(m.agents()).toEqual([]);
  });
  /** CPU time an agent has used, in clock ticks (/proc/PID/stat utime + stime). */
  const cpuTicks = (pid: string) => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /, '')
      .split(' ');
    return Number(fields[11]) + Number(fields[12]);
  };
  /**
   * Ticks (1/100 s) an agent burns in 1.5 s of doing nothing: 0 when it sleeps; an overflowed
   * timer, which fires every millisecond, burned 23 here before the fix.
   */
  const idleBurn = async (pid: string) => {
    const before = cpuTicks(pid);
    await sleep(1500);
    return cpuTicks(pid) - before;
  };

  it('the longest time to live (30d) does not make the agent spin (issue 19, item 11)', async () => {
    const m = machine({ DCM_CACHE_TTL: '30d' });
    expect(await m.helper('store', storeJson('ttl.cache.test', 'u', SECRET))).toExit(0);
    const [pid] = m.agents();
    expect(pid).toBeDefined();
    expect(await idleBurn(pid!)).toBeLessThan(8);
    expect(JSON.parse((await m.helper('get', 'ttl.cache.test')).stdout)).toMatchObject({ Secret: SECRET });
  });

  it('a malformed ttlMs on the socket is refused, and the agent does not spin (issue 19, item 11)', async () => {
    const m = machine();
    expect(await m.helper('store', storeJson('keep.cache.test', 'u', SECRET))).toExit(0);
    const send = (request: string) =>
      execFileSync(
        process.execPath,
        [
          '-e',
          `const c = require('net').connect(${JSON.stringify(m.socket)}); let r = ''; c.on('data', (d) => (r += d)).on('end', () => process.stdout.write(r)); c.write(process.argv[1] + '\\n');`,
          request,
        ],
        { encoding: 'utf8' },
      );
    for (const ttl of ['1e300', '"soon"', '-5', '0', '2.5', String(2 ** 53), 'null']) {
      const reply = JSON.parse(send(`{"op":"set","key":"evil.cache.test","value":"v","ttlMs":${ttl}}`)) as { ok: boolean; error?: string };
      expect(reply).toEqual({ ok: false, error: expect.stringMatching(/^ttlMs must be a whole number of milliseconds from 1 to 2592000000$/) });
    }
    expect(JSON.parse(send('{"op":"set","key":7,"value":"v","ttlMs":1000}'))).toMatchObject({ ok: false });
    const [pid] = m.agents();
    expect(await idleBurn(pid!)).toBeLessThan(8);
    expect(JSON.parse((await m.helper('get', 'keep.cache.test')).stdout)).toMatchObject({ Secret: SECRET });
  });

  it('a relative XDG_RUNTIME_DIR is ignored, as the XDG specification says (issue 19, item 12)', async () => {
    const m = machine();
    const tmp = join(m.home, 'tmp');
    mkdirSync(tmp, { mode: 0o700 });
    const [first, second] = [join(m.home, 'first'), join(m.home, 'second')];
    mkdirSync(first);
    mkdirSync(second);
    const env = { ...m.env, XDG_RUNTIME_DIR: 'run', TMPDIR: tmp };
    const stored = await run(bin.helper, ['store'], { stdin: storeJson('relative.cache.test', 'u', SECRET), env, cwd: first });
    expect(stored).toExit(0);
    const got = await run(bin.helper, ['get'], { stdin: 'relative.cache.test', env, cwd: second });
    expect(got).toExit(0);
    expect(JSON.parse(got.stdout)).toMatchObject({ Secret: SECRET });
    expect(existsSync(join(first, 'run'))).toBe(false);
    expect(existsSync(join(tmp, `dcm-${process.getuid!()}`, `cache-${cacheScope(env)}.sock`))).toBe(true);
    for (const pid of spawnSync('pgrep', ['-f', `__dcm-cache-agent ${join(tmp, `dcm-${process.getuid!()}`)}`], { encoding: 'utf8' })
      .stdout.trim()
      .split('\n')
      .filter(Boolean))
      spawnSync('kill', ['-9', pid]);
  });
});
