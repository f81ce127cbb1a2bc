import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IndexLock } from './types.ts';

/**
 * A cross-process lock: a file created with O_EXCL, holding `pid@host` of its owner. It is held
 * for a few keychain round trips; a lock whose owner is no longer running on this host (killed
 * mid-store: `docker compose` cancelled, a CI job stopped) is broken at once, and any lock older
 * than `staleMs` is broken too, in case its owner ran on another host sharing this HOME.
 */
export class FileLock implements IndexLock {
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
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
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
      if (Date.now() > deadline) throw new Error(`timed out waiting for the lock ${this.path}`);
      // Jittered back-off so a burst of processes does not retry in lockstep.
      await sleep(Math.min(50, 2 + attempt * 2) + Math.random() * 5);
    }
  }

  #breakIfStale(): void {
    try {
      const ageMs = Date.now() - statSync(this.path).mtimeMs;
      if (ageMs > this.staleMs || (ageMs > 100 && ownerIsGone(readFileSync(this.path, 'utf8')))) unlinkSync(this.path);
    } catch {
      // Released between our open and our stat.
    }
  }
}

/** True when the lock names a process on this host that no longer exists. */
function ownerIsGone(content: string): boolean {
  const match = /^(\d+)@(.*)$/.exec(content.trim());
  if (!match || match[2] !== hostname()) return false;
  try {
    process.kill(Number(match[1]), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
