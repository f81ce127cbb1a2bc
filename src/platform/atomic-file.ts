/**
 * Atomic file replacement: write a temporary file in the same directory (mode 0600), fsync it,
 * rename it over the target, fsync the directory. A crash leaves the old file or the new one,
 * never half of one, and parallel writers never expose a partial file to a reader.
 */
import { closeSync, fchmodSync, fsyncSync, lstatSync, openSync, realpathSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FileWriteFailed } from '../errors.ts';
import { describeErrno, ensureDirectory, removeQuietly } from './files.ts';

/**
 * Replaces `path` with `data`. A symlinked config.json is followed, as the Docker CLI follows it
 * (dotfile managers link it), so the link survives; every file that only dcm writes (a backup,
 * the cached addon) is not (`followSymlink: false`): a link planted there is replaced by the
 * rename, never written through, and its target is never touched.
 */
export function writeFileAtomically(path: string, data: string | Uint8Array, options: { followSymlink?: boolean; mode?: number } = {}): void {
  const target = options.followSymlink !== false && isSymlink(path) ? resolvedLink(path) : path;
  const dir = dirname(target);
  const temporary = join(dir, `.${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}.dcm-tmp`);
  try {
    ensureDirectory(dir);
    // 0600 unless the caller keeps a file's own mode (daemon.json is world-readable).
    const fd = openSync(temporary, 'wx', options.mode ?? 0o600);
    if (options.mode !== undefined) fchmodSync(fd, options.mode);
    try {
      if (typeof data === 'string') writeSync(fd, data);
      else writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, target);
  } catch (error) {
    removeQuietly(temporary);
    throw new FileWriteFailed(`cannot write ${target}: ${describeErrno(error)}`);
  }
  syncDirectory(dir);
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** The link's final target; a dangling link resolves to the path it names. */
function resolvedLink(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not supported on every platform (Windows); the rename itself is still atomic.
  }
}
