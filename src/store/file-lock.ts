import { closeSync, mkdirSync, openSync, statSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IndexLock } from './types.ts';

/**
 * A cross-process lock: a file created with O_EXCL. Held for a few keychain round trips, so a
 * lock older than `staleMs` belongs to a process that died and is broken.
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
        closeSync(openSync(this.path, 'wx', 0o600));
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
      if (Date.now() - statSync(this.path).mtimeMs > this.staleMs) unlinkSync(this.path);
    } catch {
      // Released between our open and our stat.
    }
  }
}
