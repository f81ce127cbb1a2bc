/**
 * A cross-process lock that belongs to the user it protects and that the operating system
 * releases when its holder dies: a listening socket. On Linux and macOS it is a unix socket bound
 * at a path inside a directory only this user may write (lockDirectory in select.ts), so no other
 * local user can take the name first; on Windows a named pipe. Binding is the atomic "take"; a
 * second binder gets EADDRINUSE until the first closes its socket, however it ends.
 *
 * A holder that is killed leaves its socket file behind, and nothing answers on it any more: a
 * path that refuses connections is stale. It is removed under a second, short lock (a file
 * created exclusively, platform/file-lock.ts) and after a second check, so that two waiters never
 * both break it, and a holder that has just bound it (and answers) is never broken. A holder's
 * own close unlinks its path before it closes the socket, so a release never removes another
 * holder's socket.
 */
import { createHash } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LockTimeout, UsageError } from '../errors.ts';
import type { IndexLock } from './types.ts';

/** What a unix socket's path may hold: 108 bytes on Linux, 104 on macOS, with the final NUL. */
const MAX_SOCKET_PATH = 103;

/**
 * The lock's path: `<dir>/<name>-<hash of what it guards>.lock`, or a named pipe on Windows
 * (whose name carries the user, as `guarded` does).
 */
export function lockPath(dir: string, name: string, guarded: string, platform: NodeJS.Platform): string {
  const id = `${name}-${createHash('sha256').update(guarded).digest('hex').slice(0, 16)}`;
  if (platform === 'win32') return `\\\\?\\pipe\\dcm-${id}`;
  const path = join(dir, `${id}.lock`);
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
    throw new UsageError(
      `dcm's lock ${path} is longer than a unix socket's path may be (${MAX_SOCKET_PATH} bytes); set XDG_RUNTIME_DIR to a shorter private directory`,
    );
  }
  return path;
}

export class SocketLock implements IndexLock {
  readonly path: string;
  readonly timeoutMs: number;

  constructor(path: string, options: { timeoutMs?: number } = {}) {
    this.path = path;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async withLock<T>(fn: () => Promise<T>): Promise<T> {
    const server = await this.#acquire();
    try {
      return await fn();
    } finally {
      // libuv unlinks the path, then closes the socket: the path is still ours when it goes.
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
          server.listen({ path: this.path, exclusive: true }, () => {
            server.off('error', reject);
            resolve();
          });
        });
        return server;
      } catch (error) {
        server.close();
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      }
      if (await refusesConnections(this.path)) {
        await this.#breakStale();
        continue;
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

  /** Removes a socket its killed holder left, if it is still one that no one answers. */
  async #breakStale(): Promise<void> {
    // Loaded only here: a stale lock is rare, and store and erase stay lean.
    const { FileLock } = await import('../platform/file-lock.ts');
    await new FileLock(`${this.path}.break`, { timeoutMs: this.timeoutMs }).withLock(async () => {
      if (!(await refusesConnections(this.path))) return;
      try {
        unlinkSync(this.path);
      } catch {
        // Gone already.
      }
    });
  }
}

/** True when a socket file is there and no one listens on it (its holder died). */
async function refusesConnections(path: string): Promise<boolean> {
  return (await probeSocket(path)) === 'refused';
}

/**
 * Who is at a unix socket's path: `answers` (someone listens), `refused` (a socket file no one
 * listens on: its holder died), `absent`, or `busy` (any other error, such as a full backlog:
 * someone is there).
 */
export function probeSocket(path: string): Promise<'answers' | 'refused' | 'absent' | 'busy'> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve('answers');
    });
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED' ? 'refused' : error.code === 'ENOENT' ? 'absent' : 'busy'));
  });
}
