import { existsSync, mkdirSync, mkdtempSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileLock } from '../../../src/platform/file-lock.ts';

const lockPath = () => join(mkdtempSync(join(tmpdir(), 'dcm-lock-')), 'index.lock');
const aged = (path: string) => utimesSync(path, new Date(Date.now() - 1000), new Date(Date.now() - 1000));

describe('FileLock', () => {
  it('serialises holders and releases the file', async () => {
    const lock = new FileLock(lockPath());
    const order: string[] = [];
    await Promise.all([
      lock.withLock(async () => {
        order.push('a-in');
        await new Promise((r) => setTimeout(r, 30));
        order.push('a-out');
      }),
      lock.withLock(async () => {
        order.push('b-in');
        order.push('b-out');
      }),
    ]);
    expect(order.join(',')).toMatch(/^(a-in,a-out,b-in,b-out|b-in,b-out,a-in,a-out)$/);
    expect(existsSync(lock.path)).toBe(false);
  });

  it('breaks at once a lock left by a process that no longer runs', async () => {
    const path = lockPath();
    writeFileSync(path, `2147483646@${hostname()}`);
    aged(path);
    const lock = new FileLock(path, { timeoutMs: 2000, staleMs: 60_000 });
    expect(await lock.withLock(async () => 'got it')).toBe('got it');
  });

  it('waits for a live owner, and gives up at its timeout', async () => {
    const path = lockPath();
    writeFileSync(path, `${process.pid}@${hostname()}`);
    aged(path);
    const lock = new FileLock(path, { timeoutMs: 300, staleMs: 60_000 });
    await expect(lock.withLock(async () => 'never')).rejects.toThrow(/another dcm has held the credential index lock .* for over 0 s; nothing was changed/);
  });

  it('breaks a lock older than staleMs whoever holds it (another host sharing HOME)', async () => {
    const path = lockPath();
    writeFileSync(path, '12345@some-other-host');
    utimesSync(path, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const lock = new FileLock(path, { timeoutMs: 2000, staleMs: 10_000 });
    expect(await lock.withLock(async () => 'ok')).toBe('ok');
  });

  it.each([
    ['a directory', (path: string) => mkdirSync(path)],
    ['a dangling symlink', (path: string) => symlinkSync(join(path, '..', 'nowhere'), path)],
    [
      'an empty file',
      (path: string) => {
        writeFileSync(path, '');
        aged(path);
      },
    ],
    [
      'a file with an mtime in the future',
      (path: string) => {
        writeFileSync(path, `${process.pid}@${hostname()}`);
        utimesSync(path, new Date(Date.now() + 3_600_000), new Date(Date.now() + 3_600_000));
      },
    ],
  ])('breaks at once what it did not write: %s', async (_name, plant) => {
    const path = lockPath();
    plant(path);
    const lock = new FileLock(path, { timeoutMs: 1000, staleMs: 60_000 });
    expect(await lock.withLock(async () => 'ok')).toBe('ok');
  });
});
