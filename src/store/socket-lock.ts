/**
 * A cross-process lock that belongs to the user it protects and that the operating system
 * releases when its holder dies: a listening socket. On Linux and macOS it is a unix socket at a
 * path inside a directory only this user may write (lockDirectory in select.ts), so no other
 * local user can take the name first; on Windows a named pipe.
 *
 * Taking it: a socket is bound and listening at a name of this process's own (`<path>.<pid>`),
 * then hard-linked to the lock's path; link is atomic and fails when the path exists. So the path
 * only ever names a socket that already listens: one that refuses connections was left by a
 * holder that died (bind and listen are two steps, and a waiter that probed between them would
 * otherwise take a live holder for a dead one). A stale path is removed under a second, short
 * lock (a file created exclusively, platform/file-lock.ts) after a second probe, so two waiters
 * never both break it. Releasing: the holder unlinks the path (no one can have replaced it while
 * it listens), then closes its socket, whose close unlinks only its own name.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, linkSync, openSync, readdirSync, unlinkSync } from 'node:fs';
import { platform } from 'node:os';
import { connect, createServer, type Server } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LockTimeout, UsageError } from '../errors.ts';
import type { IndexLock } from './types.ts';

/** What a unix socket's path may hold: 108 bytes on Linux, 104 on macOS, with the final NUL. */
const MAX_SOCKET_PATH = 103;
/** Room for the `.<pid>` of a holder's own name beside the lock's path. */
const PID_SUFFIX = 8;
/** A lock's own name and a holder's `.<pid>` beside it: `index-4294967295-<16 hex>.lock.<pid>`. */
const SOCKET_NAME_ROOM = 48;

/**
 * The lock's path: `<dir>/<name>-<hash of what it guards>.lock`, or a named pipe on Windows
 * (whose name carries the user, as `guarded` does).
 */
export function lockPath(dir: string, name: string, guarded: string, platform: NodeJS.Platform): string {
  const id = `${name}-${createHash('sha256').update(guarded).digest('hex').slice(0, 16)}`;
  if (platform === 'win32') return `\\\\?\\pipe\\dcm-${id}`;
  const path = join(dir, `${id}.lock`);
  // Linux reaches a long path through /proc/self/fd (SocketLock); elsewhere it must fit.
  if (platform !== 'linux' && Buffer.byteLength(path) + PID_SUFFIX > MAX_SOCKET_PATH) {
    throw new UsageError(
      `dcm's lock ${path} is too long for a unix socket's path (at most ${MAX_SOCKET_PATH - PID_SUFFIX} bytes here); set XDG_RUNTIME_DIR to a shorter private directory`,
    );
  }
  return path;
}

/**
 * Where sockets in `dir` are bound and reached: `dir` itself, or, when a socket's path there
 * would be longer than a unix socket's path may be (a deep HOME), the same directory through
 * `/proc/self/fd/N` of a descriptor open on it (Linux), which every call of this process
 * resolves to the same directory.
 */
function socketDirectory(dir: string): { at: string; close(): void } {
  if (Buffer.byteLength(dir) + SOCKET_NAME_ROOM <= MAX_SOCKET_PATH || platform() !== 'linux') return { at: dir, close: () => undefined };
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  return { at: `/proc/self/fd/${fd}`, close: () => closeSync(fd) };
}

export class SocketLock implements IndexLock {
  readonly path: string;
  readonly timeoutMs: number;
  /** The path sockets use: `path`, or the same file through /proc/self/fd ({@link socketDirectory}). */
  #address = '';

  constructor(path: string, options: { timeoutMs?: number } = {}) {
    this.path = path;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async withLock<T>(fn: () => Promise<T>): Promise<T> {
    const dir = isPipe(this.path) ? undefined : socketDirectory(dirname(this.path));
    this.#address = dir ? join(dir.at, basename(this.path)) : this.path;
    try {
      const server = await this.#acquire();
      try {
        return await fn();
      } finally {
        // Our link first (no one else can have replaced it while we listen), then the socket,
        // whose close unlinks only its own name.
        if (dir) removeQuietly(this.#address);
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    } finally {
      dir?.close();
    }
  }

  async #acquire(): Promise<Server> {
    const deadline = Date.now() + this.timeoutMs;
    for (let attempt = 0; ; attempt++) {
      const server = await this.#take();
      if (server) return server;
      if (await refusesConnections(this.#address)) {
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

  /**
   * One try. A unix socket is bound and listening at a name of this process's own first, and
   * only then hard-linked to the lock's path (link is atomic and fails when the path exists): so
   * the path never names a socket that is bound but not yet listening, which a waiter would take
   * for a dead holder's. A named pipe (Windows) is taken by listening on it.
   */
  async #take(): Promise<Server | undefined> {
    const server = createServer((socket) => socket.destroy());
    const own = isPipe(this.path) ? this.path : `${this.#address}.${process.pid}`;
    // A name of this pid can only be left by a dead process that had the same pid.
    if (own !== this.path) removeQuietly(own);
    try {
      await listenOn(server, own);
    } catch (error) {
      server.close();
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE' && isPipe(this.path)) return undefined;
      throw error;
    }
    if (own === this.path) return server;
    try {
      linkSync(own, this.#address);
      return server;
    } catch (error) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // EEXIST: held. ENOENT: a breaker swept our own name while it was bound but not yet
      // listening (it looked like a dead holder's): try again.
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' || code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** Removes a socket its killed holder left, if it is still one that no one answers. */
  async #breakStale(): Promise<void> {
    // Loaded only here: a stale lock is rare, and store and erase stay lean.
    const { FileLock } = await import('../platform/file-lock.ts');
    await new FileLock(`${this.path}.break`, { timeoutMs: this.timeoutMs }).withLock(async () => {
      if (!(await refusesConnections(this.#address))) return;
      removeQuietly(this.#address);
      // The killed holders' own names beside it, which no live process answers on either.
      const prefix = `${basename(this.path)}.`;
      for (const name of readdirSync(dirname(this.path))) {
        const path = join(dirname(this.#address), name);
        if (name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length)) && (await refusesConnections(path))) removeQuietly(path);
      }
    });
  }
}

function isPipe(path: string): boolean {
  return path.startsWith('\\\\?\\pipe\\');
}

function listenOn(server: Server, path: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ path, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Gone already.
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
