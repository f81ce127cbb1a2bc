/**
 * Reading and creating the files dcm touches, without the traps a hostile or broken home
 * directory sets: a FIFO (an open or read that never returns), a device (`/dev/zero`: endless
 * bytes), a file far larger than any config, and Node's `mkdir({recursive: true})`, which spins
 * forever under `/proc`. Every file dcm reads is checked to be a regular file of bounded size
 * through the same descriptor it is then read from.
 */
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readSync, rmSync, writeSync, type Stats } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';

/** Why a file could not be read: each caller turns it into its own error with its own fix. */
export class FileProblem extends Error {
  readonly path: string;
  readonly kind: 'missing' | 'not-regular' | 'too-large' | 'unreadable';
  constructor(path: string, kind: FileProblem['kind'], detail: string) {
    super(`${path} ${detail}`);
    this.path = path;
    this.kind = kind;
  }
}

// O_NONBLOCK makes opening a FIFO return at once instead of waiting for a writer; the fstat
// below then refuses it. Windows has neither flag, nor FIFOs that block an open.
const NONBLOCK = constants.O_NONBLOCK ?? 0;
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

interface ReadOptions {
  maxBytes: number;
  /** Refuse a symlink instead of reading its target (files that only dcm writes). */
  noFollow?: boolean;
}

/** Opens `path` for reading and checks, on the open descriptor, that it is a regular file. */
function openRegularFile(path: string, options: ReadOptions): { fd: number; stats: Stats } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | NONBLOCK | (options.noFollow ? NOFOLLOW : 0));
  } catch (error) {
    throw problemFromErrno(path, error);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new FileProblem(path, 'not-regular', `is not a regular file (${fileType(stats)})`);
    if (stats.size > options.maxBytes) throw new FileProblem(path, 'too-large', `is larger than ${options.maxBytes} bytes`);
    return { fd, stats };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** The whole file, or a {@link FileProblem}. Reads at most `maxBytes` even if the file grows. */
export function readRegularFile(path: string, options: ReadOptions): Buffer {
  const { fd } = openRegularFile(path, options);
  try {
    const buffer = Buffer.allocUnsafe(Math.min(options.maxBytes + 1, 64 * 1024));
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      let read: number;
      try {
        read = readSync(fd, buffer, 0, buffer.byteLength, null);
      } catch (error) {
        throw problemFromErrno(path, error);
      }
      if (read === 0) break;
      total += read;
      if (total > options.maxBytes) throw new FileProblem(path, 'too-large', `is larger than ${options.maxBytes} bytes`);
      chunks.push(Buffer.from(buffer.subarray(0, read)));
    }
    return Buffer.concat(chunks);
  } finally {
    closeSync(fd);
  }
}

/**
 * Appends to a regular file (created 0600 if missing), such as $GITHUB_OUTPUT. A FIFO or a
 * device is refused rather than written to; the error names the cause (a directory, a full disk).
 */
export function appendToRegularFile(path: string, text: string): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | NONBLOCK, 0o600);
  } catch (error) {
    throw new FileProblem(path, 'unreadable', `cannot be written: ${describeErrno(error)}`);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new FileProblem(path, 'not-regular', `is not a regular file (${fileType(stats)})`);
    try {
      writeSync(fd, text);
    } catch (error) {
      throw new FileProblem(path, 'unreadable', `cannot be written: ${describeErrno(error)}`);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Creates `dir` and any missing parents (mode 0700), one level at a time. Node's own recursive
 * mkdir never returns when a parent refuses new entries with ENOENT, as `/proc` does.
 */
export function ensureDirectory(dir: string, mode = 0o700): void {
  const missing: string[] = [];
  let current = dir;
  for (let depth = 0; depth < 256; depth++) {
    try {
      mkdirSync(current, { mode });
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') break;
      const parent = dirname(current);
      if (code !== 'ENOENT' || parent === current) throw error;
      missing.push(current);
      current = parent;
    }
  }
  // Parents first; a second ENOENT here means the file system will not hold the directory.
  for (const path of missing.reverse()) {
    try {
      mkdirSync(path, { mode });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/**
 * Creates `dir` (0700) when missing and says why it is not private when it is not: not a
 * directory, another user's, or open to others. Undefined when it is this user's alone.
 */
export function privateDirectoryProblem(dir: string): string | undefined {
  try {
    ensureDirectory(dir);
  } catch (error) {
    return `it cannot be created (${describeErrno(error)})`;
  }
  const stats = lstatSync(dir);
  const me = userInfo().uid;
  if (!stats.isDirectory()) return 'it is not a directory';
  // On Windows uid is -1 and modes are not POSIX: the user's profile is private already.
  if (me < 0) return undefined;
  if (stats.uid !== me) return `it belongs to uid ${stats.uid}, not to you (uid ${me})`;
  if ((stats.mode & 0o077) !== 0) return `it is open to other users (mode ${(stats.mode & 0o777).toString(8)})`;
  return undefined;
}

/** Removes a temporary file if it is there; a path that cannot hold it is not an error. */
export function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // Never created, or its directory is gone: nothing to clean up.
  }
}

/** "permission denied", "is a directory", ...: the cause of a file-system error, for messages. */
export function describeErrno(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EDQUOT':
      return 'the disk quota is exceeded';
    case 'EISDIR':
      return 'it is a directory';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'ENOENT':
      return 'no such file or directory';
    case 'ELOOP':
      return 'it is a symbolic link';
    case 'ENAMETOOLONG':
      return 'the path is too long';
    default:
      return code ? `error ${code}` : error instanceof Error ? error.message.split('\n')[0]!.slice(0, 200) : String(error);
  }
}

function problemFromErrno(path: string, error: unknown): FileProblem {
  const code = (error as NodeJS.ErrnoException).code;
  // ENOTDIR: a parent is a file, so this file cannot exist either.
  if (code === 'ENOENT' || code === 'ENOTDIR') return new FileProblem(path, 'missing', 'does not exist');
  if (code === 'ELOOP') return new FileProblem(path, 'not-regular', 'is a symbolic link');
  return new FileProblem(path, 'unreadable', `cannot be read: ${describeErrno(error)}`);
}

function fileType(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  if (stats.isSymbolicLink()) return 'a symbolic link';
  return 'not a file';
}
