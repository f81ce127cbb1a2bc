/**
 * A cross-process lock that the operating system releases when its holder dies: a listening
 * socket under a name only dcm uses. On Linux it is an abstract unix socket (no file at all:
 * nothing to go stale, to be planted, to be a directory or to carry a future mtime); on Windows a
 * named pipe. Binding is the atomic "take"; a second binder gets EADDRINUSE until the first one
 * closes its socket or exits, however it exits (SIGKILL included). A PID in a file cannot tell
 * a live dcm from a recycled PID or an unrelated file; the kernel's own bookkeeping can.
 *
 * Abstract sockets belong to a network namespace: processes in different namespaces (say,
 * `unshare -n`) do not see each other's lock. Such set-ups are rare and only lose the ordering
 * of concurrent index updates, never a secret.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { LockTimeout } from '../errors.ts';
import type { IndexLock } from './types.ts';

/** The lock's address: `prefix` plus a hash of what the lock guards, in the platform's namespace. */
export function lockAddress(prefix: string, guarded: string, platform: NodeJS.Platform): string {
  const name = `${prefix}-${createHash('sha256').update(guarded).digest('hex').slice(0, 24)}`;
  return platform === 'win32' ? `\\\\?\\pipe\\${name}` : `\0${name}`;
}

export class SocketLock implements IndexLock {
  /** `\0dcm-...` (Linux abstract namespace) or `\\?\pipe\dcm-...` (Windows). */
  readonly address: string;
  readonly timeoutMs: number;

  constructor(address: string, options: { timeoutMs?: number } = {}) {
    this.address = address;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async withLock<T>(fn: () => Promise<T>): Promise<T> {
    const server = await this.#acquire();
    try {
      return await fn();
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  async #acquire(): Promise<Server> {
    const deadline = Date.now() + this.timeoutMs;
    for (let attempt = 0; ; attempt++) {
      const server = createServer((socket) => socket.destroy());
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ path: this.address, exclusive: true }, () => {
            server.off('error', reject);
            resolve();
          });
        });
        return server;
      } catch (error) {
        server.close();
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      }
      if (Date.now() > deadline) {
        throw new LockTimeout(
          `another dcm has held the credential index lock for over ${Math.round(this.timeoutMs / 1000)} s; nothing was changed. Retry, or look for a stuck dcm process (pgrep -a dcm)`,
        );
      }
      // Jittered back-off so a burst of processes does not retry in lockstep.
      await sleep(Math.min(50, 2 + attempt * 2) + Math.random() * 5);
    }
  }
}
