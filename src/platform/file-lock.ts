import { closeSync, lstatSync, openSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LockTimeout } from '../errors.ts';
import { ensureDirectory, readRegularFile } from './files.ts';

/**
 * A cross-process lock: a file created with O_EXCL, holding `pid@host` of its owner. The index
 * lock on macOS, where the OS offers Node no lock that dies with its holder (Linux and Windows
 * use store/socket-lock.ts), and the lock around edits of system files (daemon.json). It is held for a few keychain round trips; a lock whose owner is no longer
 * running on this host is broken at once, and so is anything at its path that this class did
 * not write (a directory, a symlink, an empty file, an mtime in the future); any lock older than
 * `staleMs` is broken too, in case its owner ran on another host sharing this HOME.
 */
export class FileLock {
  readonly path: string;
  readonly timeoutMs: number;
  readonly staleMs: number;

  constructor(path: string, options: { timeoutMs?: number; staleMs?: number } = {}) {
    this.path = path;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.staleMs = options.staleMs ?? 10_000;
  }

  async withLock<T>(fn: () => Promise<T>): Promise<T> {
    await this.#acquire();
    try {
      return await fn();
    } finally {
      try {
        unlinkSync(this.path);
      } catch {
        // Already broken as stale by another process: nothing to release.
      }
    }
  }

  async #acquire(): Promise<void> {
    ensureDirectory(dirname(this.path));
    const deadline = Date.now() + this.timeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const fd = openSync(this.path, 'wx', 0o600);
        try {
          writeSync(fd, `${process.pid}@${hostname()}`);
        } finally {
          closeSync(fd);
        }
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      this.#breakIfStale();
      if (Date.now() > deadline)
        throw new LockTimeout(
          `another dcm has held the credential index lock ${this.path} for over ${Math.round(this.timeoutMs / 1000)} s; nothing was changed. Retry, or remove the file if no dcm is running`,
        );
      // Jittered back-off so a burst of processes does not retry in lockstep.
      await sleep(Math.min(50, 2 + attempt * 2) + Math.random() * 5);
    }
  }

  #breakIfStale(): void {
    try {
      const stats = lstatSync(this.path);
      const ageMs = Date.now() - stats.mtimeMs;
      if (stats.isDirectory()) rmdirSync(this.path);
      else if (!stats.isFile() || ageMs < -1000 || ageMs > this.staleMs) unlinkSync(this.path);
      else if (ageMs > 100 && ownerIsGone(readRegularFile(this.path, { maxBytes: 512, noFollow: true }).toString('utf8'))) unlinkSync(this.path);
    } catch {
      // Released between our open and our stat.
    }
  }
}

/** True when the lock names a process on this host that no longer exists. */
function ownerIsGone(content: string): boolean {
  const match = /^(\d+)@(.*)$/.exec(content.trim());
  // Not what this class writes (empty, damaged): nobody holds it.
  if (!match) return true;
  if (match[2] !== hostname()) return false;
  try {
    process.kill(Number(match[1]), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Runs `edit` (read, change, write) while holding `<path>.dcm-lock`, so that two dcm editing one
 * file at once do not lose each other's change: each reads the file again inside the lock.
 */
export function withFileEditLock<T>(path: string, edit: () => Promise<T>): Promise<T> {
  return new FileLock(`${path}.dcm-lock`).withLock(edit);
}
